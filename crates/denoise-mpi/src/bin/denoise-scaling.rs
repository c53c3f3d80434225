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

/// One measured run: wall seconds, the summary's idle seconds, CPU seconds.
#[derive(Clone, Copy)]
struct Timing {
    wall: f64,
    idle: f64,
    cpu: f64,
}

fn main() {
    let args: Args = lesson_cli::parse_args();
    let (serial, parallel) = (sibling("denoise-serial"), sibling("denoise-parallel"));
    let flavour = format!("{:?}", args.flavour).to_lowercase();
    let output = tempfile::tempdir().unwrap_or_else(|e| {
        lesson_cli::exit_failure(format!("cannot make a temporary folder: {e}"))
    });
    let out = output
        .path()
        .to_str()
        .expect("temporary folder names are UTF-8");
    let input = args
        .input
        .to_str()
        .unwrap_or_else(|| lesson_cli::exit_usage("--input must be a UTF-8 path"));
    let common = [
        "--input",
        input,
        "--output",
        out,
        "--flavour",
        &flavour,
        "--quiet",
    ];

    // ANCHOR: measure
    // Every configuration: the serial program (ranks 0 here), then each rank
    // count with each schedule.
    let mut configs = vec![(0, "serial")];
    for schedule in ["static", "dynamic"] {
        configs.extend(args.ranks.iter().map(|&r| (r, schedule)));
    }
    // Rounds: each runs every configuration once, so that other work on the
    // machine slows all of them alike; the fastest of the rounds counts.
    let mut best: Vec<Option<Timing>> = vec![None; configs.len()];
    for _ in 0..args.repeat {
        for (i, &(ranks, schedule)) in configs.iter().enumerate() {
            let mut command = if ranks == 0 {
                std::process::Command::new(&serial)
            } else {
                mpiexec_command(&parallel, ranks as usize, &["--schedule", schedule])
            };
            command.args(common);
            let t = time(command, &format!("{schedule} at {ranks} ranks"));
            if best[i].is_none_or(|b| t.wall < b.wall) {
                best[i] = Some(t);
            }
        }
    }

    let runs = match args.repeat {
        1 => "1 run".to_owned(),
        n => format!("best of {n} runs"),
    };
    println!("Photos: {input}, flavour {flavour}, {runs}");
    println!(
        "{:>5}  {:<8} {:>9} {:>8} {:>10} {:>9} {:>8}",
        "ranks", "schedule", "wall (s)", "speedup", "efficiency", "idle (s)", "cpu (s)"
    );
    let mut baseline = 0.0;
    for (&(ranks, schedule), t) in configs.iter().zip(&best) {
        let t = t.expect("every configuration ran");
        if ranks == 0 {
            println!("{:>5}  {schedule:<8} {:>9.2} {:>41.2}", "-", t.wall, t.cpu);
            continue;
        }
        if ranks == args.ranks[0] {
            baseline = t.wall * f64::from(ranks);
        }
        let speedup = baseline / t.wall;
        let efficiency = speedup / f64::from(ranks);
        println!(
            "{ranks:>5}  {schedule:<8} {:>9.2} {speedup:>7.2}x {efficiency:>10.2} {:>9.2} {:>8.2}",
            t.wall, t.idle, t.cpu
        );
    }
    // ANCHOR_END: measure
}

/// Runs a command to the end and times it; exits with its first error line if it fails.
fn time(mut command: std::process::Command, what: &str) -> Timing {
    let (start, cpu_start) = (Instant::now(), children_cpu_secs());
    let run = command
        .output()
        .unwrap_or_else(|e| lesson_cli::exit_failure(format!("cannot run {what}: {e}")));
    let wall = start.elapsed().as_secs_f64();
    let cpu = children_cpu_secs()
        .zip(cpu_start)
        .map_or(f64::NAN, |(b, a)| b - a);
    if !run.status.success() {
        let stderr = String::from_utf8_lossy(&run.stderr);
        let first = stderr.lines().next().unwrap_or("");
        lesson_cli::exit_failure(format!("{what} failed: {first}"));
    }
    let idle = idle_secs(&stdout_of(&run)).unwrap_or(0.0);
    Timing { wall, idle, cpu }
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
