//! `workshop tour`: every lesson's runs in the book's order (`lessons.toml`), MPI programs
//! under the launcher of the MPI they were built with, each command printed before it
//! runs; then the exercises' solutions and the scaling table; then a summary.
//!
//! `ci/workshop` builds everything and calls it: this is the workshop as an attendee
//! would go through it, in one command.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use clap::Args;

use crate::lessons::{Manifest, Run};

/// `workshop tour [--page N]`
#[derive(Args, Debug)]
pub struct TourArgs {
    /// Only this page's runs (and no exercises or scaling)
    #[arg(long, value_name = "N")]
    pub page: Option<u32>,
}

/// One line of the summary.
struct Done {
    what: String,
    /// The lesson run it was, if it was one.
    run: Option<Run>,
    took: Duration,
    ok: bool,
}

/// Runs the tour from the repository root; fails when any step failed.
pub fn run(args: &TourArgs) -> Result<(), String> {
    let root = std::env::current_dir().map_err(|e| format!("current folder: {e}"))?;
    let manifest = Manifest::load(&root)?;
    let bin = programs_folder()?;
    std::fs::create_dir_all(root.join("target/workshop"))
        .map_err(|e| format!("target/workshop: {e}"))?;
    let mut done = Vec::new();
    for (page, run) in manifest
        .runs()
        .filter(|(p, _)| args.page.is_none_or(|want| *p == want))
    {
        let command = command_line(run, &bin)?;
        if !bin.join(&run.program).exists() {
            return Err(format!(
                "{} is not built: cargo build --release --workspace (ci/workshop does)",
                bin.join(&run.program).display()
            ));
        }
        println!("\n== page {page:02}: $ {}", command.join(" "));
        let (ok, took) = timed(&command, &root);
        done.push(Done {
            what: format!("page {page:02}  {}", run.command("target/release")),
            run: Some(run.clone()),
            took,
            ok,
        });
    }
    if args.page.is_none() {
        if root.join("ci/check").exists() && bin.join("check").exists() {
            let command = vec!["ci/check".to_string(), "--all".into(), "--solution".into()];
            println!("\n== exercises (solutions): $ {}", command.join(" "));
            let (ok, took) = timed(&command, &root);
            done.push(Done {
                what: "exercises: every solution".into(),
                run: None,
                took,
                ok,
            });
        }
        let workshop = bin.join("workshop").display().to_string();
        let command = vec![
            workshop,
            "scaling".into(),
            "--steps".into(),
            "200000000".into(),
            "--repeats".into(),
            "1".into(),
        ];
        println!("\n== page 07, how it scales: $ {}", command.join(" "));
        let (ok, took) = timed(&command, &root);
        done.push(Done {
            what: "page 07  scaling (table above, plots in target/workshop/)".into(),
            run: None,
            took,
            ok,
        });
    }
    summary(&done);
    match done.iter().filter(|d| !d.ok).count() {
        0 => Ok(()),
        failed => Err(format!("tour: {failed} of {} steps failed", done.len())),
    }
}

/// The folder of the built programs: this program's own (the chosen MPI's target folder).
fn programs_folder() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("this program's path: {e}"))?;
    exe.parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| format!("{}: no folder", exe.display()))
}

/// The words to run: the launcher at the run's ranks (if any), the program, its arguments.
fn command_line(run: &Run, bin: &Path) -> Result<Vec<String>, String> {
    let mut words = match run.ranks {
        Some(n) => mpi_basics::launch::launcher_line(n)?,
        None => Vec::new(),
    };
    words.push(bin.join(&run.program).display().to_string());
    words.extend(run.args.iter().cloned());
    Ok(words)
}

/// Runs one step with the terminal's output, a launcher timeout and no input.
fn timed(command: &[String], root: &Path) -> (bool, Duration) {
    let start = Instant::now();
    let status = Command::new(&command[0])
        .args(&command[1..])
        .current_dir(root)
        .env("MPIEXEC_TIMEOUT", "600")
        .stdin(Stdio::null())
        .status();
    let ok = match status {
        Ok(status) if status.success() => true,
        Ok(status) => {
            eprintln!("tour: `{}` failed ({status})", command.join(" "));
            false
        }
        Err(e) => {
            eprintln!("tour: cannot run {}: {e}", command[0]);
            false
        }
    };
    (ok, start.elapsed())
}

fn summary(done: &[Done]) {
    println!("\n== summary");
    for step in done {
        let status = if step.ok { "ok" } else { "FAILED" };
        println!(
            "{:<72} {:>8.3} s  {status}",
            step.what,
            step.took.as_secs_f64()
        );
    }
    // Exercise 1's speedup: the serial run against the first parallel one.
    let took = |program: &str| {
        let step = done
            .iter()
            .find(|d| d.run.as_ref().is_some_and(|r| r.program == program))?;
        let ranks = step.run.as_ref()?.ranks;
        step.ok.then_some((step.took, ranks))
    };
    if let (Some((serial, _)), Some((parallel, Some(ranks)))) =
        (took("denoise-serial"), took("denoise-parallel"))
    {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        println!(
            "Exercise 1: {:.2}x faster at {ranks} ranks than serial, on {cores} cores (wall time, JPEG reading and writing included)",
            serial.as_secs_f64() / parallel.as_secs_f64().max(1e-9)
        );
    }
}
