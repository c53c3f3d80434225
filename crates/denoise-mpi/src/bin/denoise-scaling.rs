//! Exercise 1's scaling figure: runs `denoise-parallel` on the photos at
//! several rank counts with both schedules, and prints a table of wall time,
//! speedup and efficiency (as the Carpentries' scaling tables do).
//!
//! - wall: the whole `mpiexec` run, start-up, reading and writing included;
//! - speedup: wall time on 1 rank (same schedule) / wall time on N ranks;
//! - efficiency: speedup / N (1.0 is perfect; on a 2-core machine, 4 ranks
//!   cannot be faster than 2);
//! - idle: what `denoise-parallel`'s summary reports, the time the other ranks
//!   waited for the busiest one, summed (the load imbalance);
//! - cpu: the CPU time of all ranks together (Linux only). If it stays flat
//!   while the wall time shrinks, the ranks share the work without waste; on a
//!   machine busy with other work, the wall time rises but this does not.
//!
//! Run: `ci/bench-denoise` (builds, makes the photos if needed, then runs this),
//! or `target/release/denoise-scaling --ranks 1,2,3,4`.

use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use denoise_mpi::{DEFAULT_INPUT, FlavourArg};
use mpi_basics::launch::{mpiexec_command, stdout_of};

#[derive(Parser)]
#[command(
    about = "Time denoise-parallel at several rank counts, both schedules, and print speedup and efficiency"
)]
struct Args {
    /// Folder of noisy photos
    #[arg(long, value_name = "DIR", default_value = DEFAULT_INPUT)]
    input: PathBuf,
    /// Rank counts to run, comma-separated (speedups are relative to the first,
    /// counted as perfectly efficient: use 1)
    #[arg(long, value_delimiter = ',', default_value = "1,2,4", value_parser = clap::value_parser!(u32).range(1..=64))]
    ranks: Vec<u32>,
    /// Bilateral filter flavour
    #[arg(long, value_enum, default_value_t = FlavourArg::Skimage)]
    flavour: FlavourArg,
    /// Runs per configuration; the fastest counts (less noise from other work on the machine)
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=10))]
    repeat: u32,
}

fn main() {
    let args: Args = lesson_cli::parse_args();
    let program = sibling("denoise-parallel");
    let flavour = format!("{:?}", args.flavour).to_lowercase();
    let output = tempfile::tempdir().unwrap_or_else(|e| {
        lesson_cli::exit_failure(format!("cannot make a temporary folder: {e}"))
    });
    let out = output
        .path()
        .to_str()
        .expect("temporary folder names are UTF-8")
        .to_owned();
    let input = args
        .input
        .to_str()
        .unwrap_or_else(|| lesson_cli::exit_usage("--input must be a UTF-8 path"));

    println!(
        "Photos: {input}, flavour {flavour}, best of {} run(s)",
        args.repeat
    );
    println!(
        "{:>5}  {:<8} {:>9} {:>8} {:>10} {:>9} {:>8}",
        "ranks", "schedule", "wall (s)", "speedup", "efficiency", "idle (s)", "cpu (s)"
    );
    // The serial program, for reference: what one rank costs without MPI.
    let (start, cpu_start) = (Instant::now(), children_cpu_secs());
    let cli = [
        "--input",
        input,
        "--output",
        &out,
        "--flavour",
        &flavour,
        "--quiet",
    ];
    let run = std::process::Command::new(sibling("denoise-serial"))
        .args(cli)
        .output();
    match run {
        Ok(run) if run.status.success() => {
            let wall = start.elapsed().as_secs_f64();
            let cpu = children_cpu_secs()
                .zip(cpu_start)
                .map_or(f64::NAN, |(b, a)| b - a);
            println!("{:>5}  {:<8} {wall:>9.2} {:>41.2}", "-", "serial", cpu);
        }
        _ => lesson_cli::exit_failure("denoise-serial failed: run it alone to see why"),
    }
    for schedule in ["static", "dynamic"] {
        let mut baseline = None;
        for &ranks in &args.ranks {
            let mut best: Option<(f64, f64, f64)> = None;
            for _ in 0..args.repeat {
                let cli = [
                    "--input",
                    input,
                    "--output",
                    &out,
                    "--schedule",
                    schedule,
                    "--flavour",
                    &flavour,
                    "--quiet",
                ];
                let (start, cpu_start) = (Instant::now(), children_cpu_secs());
                let run = mpiexec_command(&program, ranks as usize, &cli)
                    .output()
                    .unwrap_or_else(|e| {
                        lesson_cli::exit_failure(format!("cannot run mpiexec: {e}"))
                    });
                let wall = start.elapsed().as_secs_f64();
                let cpu = children_cpu_secs()
                    .zip(cpu_start)
                    .map_or(f64::NAN, |(b, a)| b - a);
                let stdout = stdout_of(&run);
                if !run.status.success() {
                    let stderr = String::from_utf8_lossy(&run.stderr);
                    lesson_cli::exit_failure(format!(
                        "denoise-parallel at {ranks} ranks, {schedule} failed: {}",
                        stderr.lines().next().unwrap_or("")
                    ));
                }
                let idle = idle_secs(&stdout).unwrap_or(f64::NAN);
                if best.is_none_or(|(w, _, _)| wall < w) {
                    best = Some((wall, idle, cpu));
                }
            }
            let (wall, idle, cpu) = best.expect("at least one run");
            let base = *baseline.get_or_insert(wall * f64::from(args.ranks[0]));
            let speedup = base / wall;
            let efficiency = speedup / f64::from(ranks);
            println!(
                "{ranks:>5}  {schedule:<8} {wall:>9.2} {speedup:>7.2}x {efficiency:>10.2} {idle:>9.2} {cpu:>8.2}"
            );
        }
    }
}

/// A program built beside this one (`target/release/NAME`).
fn sibling(name: &str) -> PathBuf {
    let me = std::env::current_exe().unwrap_or_else(|e| lesson_cli::exit_failure(e));
    let path = me.with_file_name(name);
    if !path.exists() {
        lesson_cli::exit_usage(format!(
            "{} not found: build it with `cargo build --release -p denoise-mpi`",
            path.display()
        ));
    }
    path
}

/// The summary's "the others were idle X s in all".
fn idle_secs(stdout: &str) -> Option<f64> {
    let line = stdout.lines().find(|l| l.starts_with("Busiest rank"))?;
    line.split("were idle ")
        .nth(1)?
        .split(' ')
        .next()?
        .parse()
        .ok()
}

/// CPU seconds (user + system) used so far by the child processes we waited
/// for, and theirs (mpiexec waits for the ranks): fields `cutime` and
/// `cstime` of `/proc/self/stat`, in clock ticks of 1/100 s. Linux only.
fn children_cpu_secs() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces, inside parentheses).
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // cutime and cstime are fields 16 and 17 of the line; `fields` starts at field 3.
    let ticks: f64 = fields.get(13)?.parse::<f64>().ok()? + fields.get(14)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}
