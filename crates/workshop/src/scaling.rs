//! `workshop scaling`: the workshop's "Try -c 2,4,8,16. How does it scale?"
//!
//! Runs each pi program at every worker count — MPI ranks for `pi-mpi`, threads
//! for `pi-threads`, ranks × threads for `pi-hybrid` — a few times, keeps the
//! fastest run (the one least disturbed by whatever else the machine was doing),
//! and prints a table: time, speedup over one worker, efficiency (speedup per
//! worker) and the ideal speedup. The time is the compute time the program
//! prints itself (`... in 0.15 secs`), so starting `mpiexec` is not counted.
//! Then it plots speedup against workers, beside the ideal line and a marker at
//! the machine's core count: past that marker, workers share cores and the
//! speedup stops growing.
//!
//! `--denoise` adds Exercise 1's `denoise-parallel` (1, 2, 4 ranks, static and
//! dynamic schedules), skipped with a note while that program is not built.
//!
//! `--simulated` runs the study on a simulated cluster instead (SimGrid's SMPI,
//! [`simulated`]): pi-mpi up to 1000 ranks, sum-p2p against sum-reduce, and
//! denoise-parallel static against dynamic up to 64 ranks.

use std::fmt::Write as _;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use clap::{ValueEnum, value_parser};

use crate::plot::{self, Chart, Line};

pub mod simulated;
mod table;
use table::{DENOISE_TIME, PI_TIME};
pub use table::{
    Point, Row, Series, TimeLine, amdahl_fraction, amdahl_speedup, beyond_the_cores, format_table,
    markdown_table, parse_time, rows,
};

#[derive(clap::Args, Debug)]
pub struct ScalingArgs {
    /// Worker counts: ranks for pi-mpi, threads for pi-threads, ranks x threads for pi-hybrid
    #[arg(long, value_name = "LIST", value_delimiter = ',', default_value = "1,2,4,8,16",
          value_parser = value_parser!(u32).range(1..=256))]
    ranks: Vec<u32>,
    /// Number of pi steps N
    #[arg(long, value_name = "N", default_value_t = 1_000_000_000,
          value_parser = value_parser!(u64).range(1..))]
    steps: u64,
    /// Runs of each configuration; the table keeps the fastest
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = value_parser!(u32).range(1..=100))]
    repeats: u32,
    /// Which pi programs to run
    #[arg(
        long,
        value_name = "LIST",
        value_enum,
        value_delimiter = ',',
        default_value = "pi-mpi,pi-threads,pi-hybrid"
    )]
    programs: Vec<PiProgram>,
    /// Threads per rank for pi-hybrid (1 worker runs as 1 rank x 1 thread)
    #[arg(long, value_name = "T", default_value_t = 2, value_parser = value_parser!(u32).range(1..=256))]
    hybrid_threads: u32,
    /// Also run denoise-parallel (skipped with a note if it is not built yet)
    #[arg(long)]
    denoise: bool,
    /// Rank counts for denoise-parallel
    #[arg(long, value_name = "LIST", value_delimiter = ',', default_value = "1,2,4",
          value_parser = value_parser!(u32).range(1..=256))]
    denoise_ranks: Vec<u32>,
    /// An extra argument for denoise-parallel, e.g. --denoise-arg=--input=data/noisy (repeatable)
    #[arg(long, value_name = "ARG", allow_hyphen_values = true)]
    denoise_arg: Vec<String>,
    /// Folder holding the built lesson programs [default: this program's folder]
    #[arg(long, value_name = "DIR")]
    bin_dir: Option<PathBuf>,
    /// Folder for the plots
    #[arg(long, value_name = "DIR", default_value = "target/workshop")]
    out_dir: PathBuf,
    /// Run on a simulated cluster (SimGrid's SMPI): pi-mpi, sum-p2p against sum-reduce, and denoise-parallel's two schedules
    #[arg(long, conflicts_with_all = ["ranks", "programs", "hybrid_threads", "denoise"])]
    simulated: bool,
    #[command(flatten)]
    sim: simulated::SimArgs,
}

/// The pi programs the study can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum PiProgram {
    PiMpi,
    PiThreads,
    PiHybrid,
}

impl PiProgram {
    pub fn name(self) -> &'static str {
        match self {
            PiProgram::PiMpi => "pi-mpi",
            PiProgram::PiThreads => "pi-threads",
            PiProgram::PiHybrid => "pi-hybrid",
        }
    }

    /// The (ranks, threads) runs for these worker counts. pi-hybrid runs
    /// `workers / T` ranks of `T` threads (fewer threads below `T` workers) and
    /// skips counts that `T` does not divide.
    pub fn configs(self, workers: &[u32], hybrid_threads: u32) -> Vec<(u32, u32)> {
        workers
            .iter()
            .filter_map(|&w| match self {
                PiProgram::PiMpi => Some((w, 1)),
                PiProgram::PiThreads => Some((1, w)),
                PiProgram::PiHybrid => {
                    let t = hybrid_threads.min(w);
                    (w % t == 0).then_some((w / t, t))
                }
            })
            .collect()
    }
}

/// Warns when other programs keep the machine busy: they compete with the
/// study for the cores and disturb its times. Linux counts each core's busy
/// and idle time in `/proc/stat`; two readings half a second apart tell how
/// many cores were busy meanwhile (the load average lags by minutes).
fn warn_if_busy(cores: usize) {
    fn busy_and_total() -> Option<(u64, u64)> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let times: Vec<u64> = stat
            .lines()
            .next()?
            .split_whitespace()
            .skip(1) // "cpu"
            .map(|n| n.parse().ok())
            .collect::<Option<_>>()?;
        let total: u64 = times.iter().take(8).sum();
        let idle = times.get(3)? + times.get(4)?; // idle + iowait
        Some((total - idle, total))
    }
    let Some((busy0, total0)) = busy_and_total() else {
        return;
    };
    std::thread::sleep(std::time::Duration::from_millis(500));
    let Some((busy1, total1)) = busy_and_total() else {
        return;
    };
    let busy_cores = (busy1 - busy0) as f64 / (total1 - total0).max(1) as f64 * cores as f64;
    if busy_cores > 0.25 {
        println!(
            "Note: other programs keep {busy_cores:.1} of the {cores} cores busy: they compete \
             with the study, so these times are slower and noisier than on an idle machine."
        );
    }
}

/// How a program is started.
#[derive(Clone, Copy, Debug)]
enum Launch {
    /// `mpiexec -n RANKS program args…`
    Mpi,
    /// `program args…` (threads only)
    Direct,
}

/// The study: measure, print the table, draw the plots.
pub fn run(args: &ScalingArgs) -> Result<(), String> {
    let bin_dir = match &args.bin_dir {
        Some(dir) => dir.clone(),
        None => std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(Path::to_path_buf))
            .ok_or("cannot tell where this program is: pass --bin-dir")?,
    };
    if args.simulated {
        return simulated::run(args, &bin_dir);
    }
    let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    let workers = sorted_unique(&args.ranks);
    std::fs::create_dir_all(&args.out_dir)
        .map_err(|err| format!("cannot create {}: {err}", args.out_dir.display()))?;

    println!(
        "Scaling study: pi with {} steps, {}, on a machine with {cores} cores",
        args.steps,
        best_of(args.repeats)
    );
    warn_if_busy(cores);
    let steps = args.steps.to_string();
    let mut all_series = Vec::new();
    for &program in &sorted_unique(&args.programs) {
        let path = lesson_program(&bin_dir, program.name())
            .ok_or_else(|| not_built(&bin_dir, program.name()))?;
        let mut points = Vec::new();
        for (ranks, threads) in program.configs(&workers, args.hybrid_threads) {
            let threads_text = threads.to_string();
            let mut program_args = vec!["--steps", steps.as_str()];
            let launch = match program {
                PiProgram::PiMpi => Launch::Mpi,
                PiProgram::PiThreads => Launch::Direct,
                PiProgram::PiHybrid => Launch::Mpi,
            };
            if program != PiProgram::PiMpi {
                program_args.extend(["--threads", threads_text.as_str()]);
            }
            let secs = best_time(&path, launch, ranks, &program_args, PI_TIME, args.repeats)?;
            points.push(Point {
                ranks,
                threads,
                secs,
            });
        }
        all_series.push(Series {
            name: program.name().to_owned(),
            points,
        });
    }
    report(
        &all_series,
        cores,
        &args.out_dir.join("scaling-pi"),
        format!("pi, {} steps: speedup vs workers", args.steps),
        "workers (MPI ranks, threads, or ranks x threads)",
    )?;

    if args.denoise {
        denoise(args, &bin_dir, cores)?;
    }
    Ok(())
}

/// The `--denoise` series: denoise-parallel at each rank count, both schedules.
fn denoise(args: &ScalingArgs, bin_dir: &Path, cores: usize) -> Result<(), String> {
    const NAME: &str = "denoise-parallel";
    let Some(path) = lesson_program(bin_dir, NAME) else {
        println!(
            "\n{NAME}: skipped, {} is not built yet (it comes with Exercise 1)",
            bin_dir.join(NAME).display()
        );
        return Ok(());
    };
    println!(
        "\nScaling study: {NAME}, {}, on a machine with {cores} cores",
        best_of(args.repeats)
    );
    let mut all_series = Vec::new();
    for schedule in ["static", "dynamic"] {
        let mut program_args = vec!["--schedule", schedule, "--quiet"];
        program_args.extend(args.denoise_arg.iter().map(String::as_str));
        let mut points = Vec::new();
        for ranks in sorted_unique(&args.denoise_ranks) {
            let secs = best_time(
                &path,
                Launch::Mpi,
                ranks,
                &program_args,
                DENOISE_TIME,
                args.repeats,
            )?;
            points.push(Point {
                ranks,
                threads: 1,
                secs,
            });
        }
        all_series.push(Series {
            name: format!("{NAME} ({schedule})"),
            points,
        });
    }
    report(
        &all_series,
        cores,
        &args.out_dir.join("scaling-denoise"),
        format!("{NAME}: speedup vs ranks"),
        "MPI ranks",
    )
}

/// Prints the table of these series, then writes and names their plots.
fn report(
    series: &[Series],
    cores: usize,
    stem: &Path,
    title: String,
    x_desc: &str,
) -> Result<(), String> {
    let table: Vec<Row> = series.iter().flat_map(rows).collect();
    println!("\n{}", format_table(&table));
    if table.iter().any(|r| r.ideal > cores as f64) {
        println!(
            "Rows with more than {cores} workers oversubscribe this machine's {cores} cores: \
             the workers take turns, so the speedup cannot pass {cores}."
        );
    }
    for row in beyond_the_cores(&table, cores) {
        println!(
            "Suspicious: {} at {} x {} reports a speedup of {:.2}, more than {cores} cores can give. \
             Its clock misses work (ranks leave MPI_Init at different moments: start the \
             clock after a barrier), or other programs slowed the 1-worker run.",
            row.program, row.ranks, row.threads, row.speedup
        );
    }
    // "Say, 1000 processes": Amdahl's law fitted to the first series' measured speedups.
    let mut model = None;
    if let Some(first) = series.first() {
        let first_rows = rows(first);
        if let Some(serial) = amdahl_fraction(&first_rows, cores) {
            let fitted_on = match cores {
                2 => "its 2-worker run".to_string(),
                _ => format!("its runs of 2 to {cores} workers"),
            };
            let at_most = if serial > 0.0 {
                format!("{:.0}", 1.0 / serial)
            } else {
                "no limit".into()
            };
            println!(
                "Amdahl's law fitted to {} ({fitted_on}): serial fraction s = {serial:.4}, \
                 so at most 1/(s + (1-s)/N): {:.1} at 16 workers, {:.1} at 1000, {at_most} at any number \
                 (strong scaling: the same problem on more workers).",
                first.name,
                amdahl_speedup(serial, 16.0),
                amdahl_speedup(serial, 1000.0)
            );
            let top = first_rows
                .iter()
                .map(|r| r.ideal)
                .fold(cores as f64, f64::max);
            model = Some(Line {
                label: format!("Amdahl's law, s = {serial:.3} (fitted to {})", first.name),
                points: (0..=100)
                    .map(|i| 1.0 + (top - 1.0) * f64::from(i) / 100.0)
                    .map(|n| (n, amdahl_speedup(serial, n)))
                    .collect(),
            });
        }
    }
    let chart = Chart {
        title,
        x_desc: x_desc.to_owned(),
        model,
        lines: series
            .iter()
            .map(|s| Line {
                label: s.name.clone(),
                points: rows(s).iter().map(|r| (r.ideal, r.speedup)).collect(),
            })
            .collect(),
        cores,
    };
    let (png, svg) = plot::write_speedup_chart(stem, &chart)?;
    println!("Plot: {} and {}", png.display(), svg.display());
    Ok(())
}

/// Runs a program `repeats` times and returns the shortest time it printed.
fn best_time(
    program: &Path,
    launch: Launch,
    ranks: u32,
    args: &[&str],
    time_line: TimeLine,
    repeats: u32,
) -> Result<f64, String> {
    let mut command = match launch {
        Launch::Mpi => mpi_basics::launch::mpiexec_command(program, ranks as usize, args),
        Launch::Direct => {
            let mut command = Command::new(program);
            command.args(args);
            command
        }
    };
    let shown = shown_command(&command);
    let mut times = Vec::new();
    for _ in 0..repeats {
        // Waits no longer than the launcher's timeout and half a minute more.
        let limit = Duration::from_secs(u64::from(mpi_basics::launch::TIMEOUT_SECS) + 30);
        let output: Output = mpi_basics::deadline::output(&mut command, limit)
            .map_err(|err| format!("cannot run `{shown}`: {err}"))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let why = stderr
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("no message");
            return Err(format!("`{shown}` failed ({}): {why}", output.status));
        }
        let secs = parse_time(&stdout, time_line).ok_or_else(|| {
            format!(
                "`{shown}` printed no time (a line with `{}T{}`): {stdout}",
                time_line.before.trim_start(),
                time_line.after
            )
        })?;
        times.push(secs);
    }
    let best = times.iter().copied().fold(f64::INFINITY, f64::min);
    let runs: Vec<String> = times.iter().map(|t| format!("{t:.4}")).collect();
    eprintln!("{shown}: {} s (best {best:.4})", runs.join(" "));
    Ok(best)
}

/// A command as a learner would type it, with the program's file name only.
fn shown_command(command: &Command) -> String {
    let mut words = vec![command.get_program().to_string_lossy().into_owned()];
    words.extend(command.get_args().map(|a| {
        let path = Path::new(a);
        match path.file_name() {
            Some(name) if path.is_absolute() => name.to_string_lossy().into_owned(),
            _ => a.to_string_lossy().into_owned(),
        }
    }));
    if let Some(name) = Path::new(&words[0]).file_name() {
        words[0] = name.to_string_lossy().into_owned();
    }
    words.join(" ")
}

/// The built program `name` in `bin_dir`, if it exists.
fn lesson_program(bin_dir: &Path, name: &str) -> Option<PathBuf> {
    let path = bin_dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    path.is_file().then_some(path)
}

fn not_built(bin_dir: &Path, name: &str) -> String {
    format!(
        "{} not found: build the lessons first with `cargo build --release --workspace` \
         (or pass --bin-dir)",
        bin_dir.join(name).display()
    )
}

/// "best of 3 runs", or "1 run".
fn best_of(repeats: u32) -> String {
    if repeats == 1 {
        "1 run".to_owned()
    } else {
        format!("best of {repeats} runs")
    }
}

/// The values sorted, each once.
fn sorted_unique<T: Ord + Copy>(values: &[T]) -> Vec<T> {
    let mut values = values.to_vec();
    values.sort();
    values.dedup();
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_time_from_each_programs_line() {
        let pi = "Pi with 1000003 steps is 3.14159265358979311600 in 0.000358 secs on 3 ranks\n";
        assert_eq!(parse_time(pi, PI_TIME), Some(0.000358));
        let hybrid = "Pi with 10 steps is 3.14 in 1.5 secs on 2 ranks x 2 threads";
        assert_eq!(parse_time(hybrid, PI_TIME), Some(1.5));
        let denoise = "Process 0: Took 0.041 seconds for noisy_000.jpg\n\
                       Process 1: Took 0.052 seconds for noisy_001.jpg\n\
                       Total time 4.1 seconds\nfiles per rank: 50 50\n";
        assert_eq!(parse_time(denoise, DENOISE_TIME), Some(4.1));
        assert_eq!(parse_time(denoise, PI_TIME), None);
        assert_eq!(parse_time("", PI_TIME), None);
        assert_eq!(
            parse_time("Pi with 10 steps is 3.1 in abc secs", PI_TIME),
            None
        );
        assert_eq!(
            parse_time("Pi with 10 steps is 3.1 in -1 secs", PI_TIME),
            None
        );
        assert_eq!(parse_time("Pi with 10 steps is 3.1 in 2.0", PI_TIME), None);
    }

    fn point(ranks: u32, threads: u32, secs: f64) -> Point {
        Point {
            ranks,
            threads,
            secs,
        }
    }

    #[test]
    fn speedup_and_efficiency_are_against_one_worker() {
        let series = Series {
            name: "pi-mpi".into(),
            points: vec![point(1, 1, 8.0), point(2, 1, 4.0), point(4, 1, 4.0)],
        };
        let rows = rows(&series);
        let got: Vec<(f64, f64, f64)> = rows
            .iter()
            .map(|r| (r.speedup, r.efficiency, r.ideal))
            .collect();
        assert_eq!(got, [(1.0, 1.0, 1.0), (2.0, 1.0, 2.0), (2.0, 0.5, 4.0)]);
        assert!(rows.iter().all(|r| r.program == "pi-mpi"));
    }

    #[test]
    fn hybrid_workers_are_ranks_times_threads_and_without_one_worker_the_smallest_is_the_base() {
        let series = Series {
            name: "pi-hybrid".into(),
            points: vec![point(2, 2, 3.0), point(1, 2, 6.0), point(4, 2, 2.0)],
        };
        let got: Vec<(f64, f64, f64)> = rows(&series)
            .iter()
            .map(|r| (r.speedup, r.efficiency, r.ideal))
            .collect();
        assert_eq!(got, [(4.0, 1.0, 4.0), (2.0, 1.0, 2.0), (6.0, 0.75, 8.0)]);
    }

    #[test]
    fn a_zero_time_shows_as_a_dash_not_infinity() {
        let series = Series {
            name: "pi-mpi".into(),
            points: vec![point(1, 1, 1.0), point(2, 1, 0.0)],
        };
        let table = format_table(&rows(&series));
        let last = table.lines().last().unwrap();
        let cells: Vec<&str> = last.split('|').map(str::trim).collect();
        assert_eq!(cells[1..8], ["pi-mpi", "2", "1", "0.0000", "-", "-", "2"]);
    }

    #[test]
    fn the_table_has_a_header_a_rule_and_one_line_per_row() {
        let series = Series {
            name: "pi-threads".into(),
            points: vec![point(1, 1, 0.5), point(1, 16, 0.3)],
        };
        let table = format_table(&rows(&series));
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 4, "{table}");
        assert!(lines[0].starts_with("| program "), "{table}");
        assert!(
            lines[1].starts_with("|--") && lines[1].ends_with(":|"),
            "{table}"
        );
        let cells: Vec<&str> = lines[3].split('|').map(str::trim).collect();
        assert_eq!(
            cells[1..8],
            ["pi-threads", "1", "16", "0.3000", "1.67", "10%", "16"]
        );
        // Every line is as wide as the header: the columns line up.
        assert!(lines.iter().all(|l| l.chars().count() == lines[0].len()));
    }

    #[test]
    fn a_speedup_beyond_the_core_count_is_flagged() {
        let series = Series {
            name: "pi-mpi".into(),
            points: vec![point(1, 1, 0.6), point(2, 1, 0.3), point(16, 1, 0.2)],
        };
        let rows = rows(&series);
        let flagged: Vec<u32> = beyond_the_cores(&rows, 2).iter().map(|r| r.ranks).collect();
        assert_eq!(flagged, [16], "3.0 on 2 cores is impossible, 2.0 is not");
        assert!(beyond_the_cores(&rows, 4).is_empty());
    }

    #[test]
    fn hybrid_runs_split_workers_into_ranks_of_t_threads() {
        let workers = [1, 2, 3, 4, 8, 16];
        assert_eq!(
            PiProgram::PiHybrid.configs(&workers, 2),
            [(1, 1), (1, 2), (2, 2), (4, 2), (8, 2)],
            "3 workers do not split into ranks of 2 threads"
        );
        assert_eq!(PiProgram::PiMpi.configs(&[1, 4], 2), [(1, 1), (4, 1)]);
        assert_eq!(PiProgram::PiThreads.configs(&[1, 4], 2), [(1, 1), (1, 4)]);
    }

    #[test]
    fn amdahl_fit_recovers_the_serial_fraction_and_ignores_oversubscribed_rows() {
        let serial = 0.1;
        let points = [1, 2, 4, 8]
            .iter()
            .map(|&n| Point {
                ranks: n,
                threads: 1,
                secs: serial + (1.0 - serial) / f64::from(n),
            })
            .collect();
        let series = Series {
            name: "pi-mpi".into(),
            points,
        };
        let mut table = rows(&series);
        // An oversubscribed row (more workers than the 4 cores) that gained nothing.
        table.push(Row {
            ideal: 16.0,
            speedup: 1.0,
            ..table[0].clone()
        });
        let fitted = amdahl_fraction(&table, 4).unwrap();
        assert!((fitted - serial).abs() < 1e-12, "{fitted}");
        assert!((amdahl_speedup(serial, 1000.0) - 9.91).abs() < 0.01);
        assert_eq!(
            amdahl_fraction(&table[..1], 4),
            None,
            "one worker fits nothing"
        );
    }
}
