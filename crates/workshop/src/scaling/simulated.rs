//! `workshop scaling --simulated`: the scaling study on a cluster this machine does not
//! have, simulated by SimGrid's SMPI ([`mpi_basics::simulate`]).
//!
//! 1. Calibration: the real serial `pi` (the fast kernel, one core) is timed here, and
//!    the platform's cores are given that rate, so a simulated core computes as fast
//!    as a real one (the simulated lessons charge one "flop" per pi step).
//! 2. pi-mpi at 1 to 1000 simulated ranks: time, speedup, efficiency, and the time
//!    split into each rank's computing (its block: steps / (ranks x rate)) and the
//!    rest (the barrier's skew and the reduce). The block shrinks with more ranks,
//!    the rest does not: where they meet, the speedup levels off.
//! 3. The real pi-mpi on this machine's cores, beside the model: the model's error.
//! 4. sum-p2p against sum-reduce: rank 0 receiving one value after another takes
//!    time linear in the ranks, reduce's tree logarithmic.
//! 5. denoise-parallel, static against dynamic, each photo costing its real time
//!    ([`denoise`]).

mod denoise;

use std::collections::BTreeMap;
use std::time::Instant;

use mpi_basics::simulate::{self, Platform};

use super::*;
use crate::plot::{LogChart, Style};

#[derive(clap::Args, Debug)]
pub struct SimArgs {
    /// With --simulated: the cluster, infiniband or ethernet (smpi/platforms/), or a SimGrid platform file
    #[arg(
        long,
        value_name = "NAME|FILE.xml",
        default_value = "infiniband",
        requires = "simulated"
    )]
    platform: String,
    /// With --simulated: rank counts for pi-mpi
    #[arg(long, value_name = "LIST", value_delimiter = ',', default_value = "1,2,4,8,16,64,256,1000",
          value_parser = value_parser!(u32).range(1..=100_000), requires = "simulated")]
    sim_ranks: Vec<u32>,
    /// With --simulated: rank counts for sum-p2p and sum-reduce
    #[arg(long, value_name = "LIST", value_delimiter = ',', default_value = "4,16,64,256,1000",
          value_parser = value_parser!(u32).range(2..=100_000), requires = "simulated")]
    sum_ranks: Vec<u32>,
    /// With --simulated: rank counts for denoise-parallel
    #[arg(long, value_name = "LIST", value_delimiter = ',', default_value = "2,4,8,16,32,64",
          value_parser = value_parser!(u32).range(1..=100_000), requires = "simulated")]
    denoise_sim_ranks: Vec<u32>,
    /// With --simulated: the photos denoise-parallel shares out (only listed: each costs its measured time)
    #[arg(long, value_name = "DIR", default_value = denoise_mpi::DEFAULT_INPUT, requires = "simulated")]
    photos: PathBuf,
    /// With --simulated: each photo's time, from the `Took S seconds for NAME` lines
    /// denoise-serial prints, instead of running it on this machine
    #[arg(long, value_name = "FILE", requires = "simulated")]
    photo_times: Option<PathBuf>,
    /// With --simulated: rank counts of the real pi-mpi runs on this machine [default: 1, 2, 4, … up to its cores]
    #[arg(long, value_name = "LIST", value_delimiter = ',',
          value_parser = value_parser!(u32).range(1..=256), requires = "simulated")]
    real_ranks: Option<Vec<u32>>,
    /// With --simulated: a core's speed in pi steps a second, instead of measuring this
    /// machine's (the same tables on every machine; no real runs to compare with)
    #[arg(long, value_name = "STEPS_PER_SEC", requires = "simulated")]
    rate: Option<f64>,
    /// With --simulated: only one of the three studies
    #[arg(long, value_enum, requires = "simulated")]
    only: Option<Part>,
    /// With --simulated --only: also save the plot as FILE.png (for the notes; not under
    /// `workshop notes --check`, which changes nothing)
    #[arg(long, value_name = "FILE.png", requires = "only")]
    save_png: Option<PathBuf>,
}

/// The two parts of the simulated study.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Part {
    /// pi-mpi's scaling (and its calibration, and the real runs)
    Pi,
    /// sum-p2p against sum-reduce
    Sum,
    /// denoise-parallel, static against dynamic
    Denoise,
}

/// The simulated study: check everything it needs, then calibrate, simulate, print, plot.
pub fn run(args: &ScalingArgs, bin_dir: &Path) -> Result<(), String> {
    let sim = &args.sim;
    let platform = Platform::find(&sim.platform)?;
    let wanted = |part| sim.only.is_none_or(|only| only == part);
    let (pi, sum, denoise) = (wanted(Part::Pi), wanted(Part::Sum), wanted(Part::Denoise));
    let sim_ranks = sorted_unique(&sim.sim_ranks);
    let sum_ranks = sorted_unique(&sim.sum_ranks);
    let denoise_ranks = sorted_unique(&sim.denoise_sim_ranks);
    let most = (sim_ranks.iter().filter(|_| pi))
        .chain(sum_ranks.iter().filter(|_| sum))
        .chain(denoise_ranks.iter().filter(|_| denoise));
    if let Some(&too_many) = most.max() {
        platform.hostfile(too_many as usize)?;
    }
    if let Some(rate) = sim.rate.filter(|r| !(r.is_finite() && *r > 0.0)) {
        return Err(format!(
            "--rate must be a positive number of steps a second, not {rate}"
        ));
    }
    simulate::check_installed()?;
    let programs = [
        (pi, "pi-mpi"),
        (sum, "sum-p2p"),
        (sum, "sum-reduce"),
        (denoise, "denoise-parallel"),
    ];
    for (_, name) in programs.iter().filter(|(wanted, _)| *wanted) {
        let built = simulate::bin_dir().join(name);
        if !built.is_file() {
            return Err(format!(
                "{} is not built for SMPI: run ci/build-smpi",
                built.display()
            ));
        }
    }
    let photos = denoise.then(|| denoise::check(sim)).transpose()?;
    // A plot is saved (--save-png) only when one study runs (--only).
    let saved = sim.only.and(sim.save_png.as_deref());
    // Calibrating and comparing run the real pi and pi-mpi.
    let measure = pi && sim.rate.is_none();
    if measure {
        for name in ["pi", "pi-mpi"] {
            lesson_program(bin_dir, name).ok_or_else(|| not_built(bin_dir, name))?;
        }
    }
    std::fs::create_dir_all(&args.out_dir)
        .map_err(|err| format!("cannot create {}: {err}", args.out_dir.display()))?;

    println!(
        "Simulated scaling study on {} ({} nodes of {} cores, {}), SimGrid's SMPI",
        platform.name,
        platform.nodes.len(),
        platform.cores_per_node,
        shown_path(&platform.xml)
    );
    if pi {
        let rate = match sim.rate {
            Some(rate) => {
                println!(
                    "Core speed: {} steps a second, as given (--rate): no calibration, no real runs",
                    engineering(rate)
                );
                rate
            }
            None => calibrate(args, bin_dir)?,
        };
        let calibrated = platform.calibrated(rate, &args.out_dir)?;
        println!("Calibrated platform: {}", shown_path(&calibrated.xml));
        pi_study(args, bin_dir, &calibrated, &sim_ranks, rate, measure, saved)?;
    }
    if sum {
        // The sums charge no computation: their times are the network's alone, the
        // same at any core speed, so the platform is used as it is.
        sum_study(args, &platform, &sum_ranks, saved)?;
    }
    if let Some(photos) = photos {
        // Each photo is charged its measured seconds at the host's speed, whatever
        // that speed: the platform is used as it is.
        denoise::study(args, bin_dir, &platform, &denoise_ranks, photos, saved)?;
    }
    Ok(())
}

/// Runs of the real programs (the calibration, the comparison): `--repeats`, at least 5.
/// Every simulated time rests on the calibration, and its error is judged against
/// the real runs: both keep their fastest run, the one least disturbed by other
/// programs, out of the same number.
fn real_repeats(args: &ScalingArgs) -> u32 {
    args.repeats.max(5)
}

/// This machine's pi steps a second on one core: the real serial `pi` with the fast
/// kernel, its fastest run.
fn calibrate(args: &ScalingArgs, bin_dir: &Path) -> Result<f64, String> {
    let pi = lesson_program(bin_dir, "pi").ok_or_else(|| not_built(bin_dir, "pi"))?;
    let steps = args.steps.to_string();
    let pi_args = ["--steps", steps.as_str(), "--kernel", "fast"];
    let repeats = real_repeats(args);
    let secs = best_time(&pi, Launch::Direct, 1, &pi_args, PI_TIME, repeats)?;
    if secs <= 0.0 {
        return Err(format!(
            "pi --steps {steps} took no measurable time: give more --steps"
        ));
    }
    let rate = args.steps as f64 / secs;
    println!(
        "Calibration: this machine's `pi --steps {steps} --kernel fast` (one core), {}: \
         {secs:.4} s, so a simulated core computes {} steps a second",
        best_of(repeats),
        engineering(rate)
    );
    Ok(rate)
}

/// One simulated run of a lesson; says on stderr what it ran and how long it took for real.
fn simulate_once(
    platform: &Platform,
    ranks: u32,
    name: &str,
    args: &[&str],
) -> Result<simulate::Run, String> {
    let started = Instant::now();
    let run = simulate::run(
        platform,
        ranks as usize,
        &simulate::bin_dir().join(name),
        args,
    )?;
    let shown: String = args.iter().map(|a| format!(" {a}")).collect();
    eprintln!(
        "smpirun -np {ranks} {name}{shown}: {:.3} µs simulated ({:.1} s wall)",
        1e6 * run.simulated_secs,
        started.elapsed().as_secs_f64()
    );
    Ok(run)
}

/// pi-mpi's time as it prints it (MPI_Wtime: the simulated clock), from the barrier
/// to rank 0 holding the reduced sum.
fn simulated_pi(platform: &Platform, ranks: u32, steps: &str) -> Result<f64, String> {
    let run = simulate_once(platform, ranks, "pi-mpi", &["--steps", steps])?;
    parse_time(&run.stdout(), PI_TIME).ok_or_else(|| {
        format!(
            "pi-mpi on {ranks} simulated ranks printed no time: {}",
            run.stdout()
        )
    })
}

fn pi_study(
    args: &ScalingArgs,
    bin_dir: &Path,
    platform: &Platform,
    ranks: &[u32],
    rate: f64,
    measure: bool,
    save_png: Option<&Path>,
) -> Result<(), String> {
    let steps = args.steps.to_string();
    let label = format!("pi-mpi (simulated on {})", platform.name);
    let mut simulated = BTreeMap::new();
    for &n in ranks {
        simulated.insert(n, simulated_pi(platform, n, &steps)?);
    }
    let series = Series {
        name: label.clone(),
        points: simulated
            .iter()
            .map(|(&ranks, &secs)| Point {
                ranks,
                threads: 1,
                secs,
            })
            .collect(),
    };
    let table = rows(&series);
    // Each rank's computing: its block, the largest of the ranks' (ceil(steps / ranks)).
    let computing = |n: u32| args.steps.div_ceil(u64::from(n)) as f64 / rate;
    let header = [
        "program",
        "ranks",
        "time (s)",
        "speedup",
        "efficiency",
        "ideal",
        "computing (s)",
        "the rest (s)",
    ];
    let cells: Vec<Vec<String>> = table
        .iter()
        .map(|r| {
            vec![
                r.program.clone(),
                r.ranks.to_string(),
                format!("{:.6}", r.secs),
                format!("{:.2}", r.speedup),
                format!("{:.0}%", 100.0 * r.efficiency),
                r.ranks.to_string(),
                format!("{:.6}", computing(r.ranks)),
                format!("{:.6}", (r.secs - computing(r.ranks)).max(0.0)),
            ]
        })
        .collect();
    println!(
        "\npi-mpi with {} steps, simulated on {}: time from the barrier to the reduced sum, as pi-mpi prints it (MPI_Wtime)\n",
        args.steps, platform.name
    );
    println!("{}", markdown_table(&header, &cells));
    println!("{}", where_it_stops(&table, &computing, args.steps, rate));

    // The model beside the real program, at this machine's rank counts.
    let mut real_points = Vec::new();
    if measure {
        let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
        let real_ranks = match &args.sim.real_ranks {
            Some(list) => sorted_unique(list),
            None => up_to(cores as u32),
        };
        println!();
        warn_if_busy(cores);
        println!(
            "The real pi-mpi on this machine ({cores} cores, {}) against the model:\n",
            best_of(real_repeats(args))
        );
        let pi_mpi =
            lesson_program(bin_dir, "pi-mpi").ok_or_else(|| not_built(bin_dir, "pi-mpi"))?;
        let mut cells = Vec::new();
        for n in real_ranks {
            let real = best_time(
                &pi_mpi,
                Launch::Mpi,
                n,
                &["--steps", &steps],
                PI_TIME,
                real_repeats(args),
            )?;
            let model = match simulated.get(&n) {
                Some(&secs) => secs,
                None => simulated_pi(platform, n, &steps)?,
            };
            real_points.push((n, real));
            cells.push(vec![
                n.to_string(),
                format!("{real:.6}"),
                format!("{model:.6}"),
                format!("{:+.1}%", 100.0 * model_error(model, real)),
            ]);
        }
        let header = [
            "ranks",
            "real (s)",
            "simulated (s)",
            "model's error (simulated - real) / real",
        ];
        println!("{}", markdown_table(&header, &cells));
    }

    let base = table
        .first()
        .map_or(f64::NAN, |r| r.secs * f64::from(r.ranks));
    let mut lines = vec![
        (
            Line {
                label: "ideal (speedup = ranks)".into(),
                points: table
                    .iter()
                    .map(|r| (f64::from(r.ranks), f64::from(r.ranks)))
                    .collect(),
            },
            Style::Dashed,
        ),
        (
            Line {
                label: label.clone(),
                points: table.iter().map(|r| (r.ideal, r.speedup)).collect(),
            },
            Style::LineAndMarkers,
        ),
    ];
    if !real_points.is_empty() {
        // Against the simulated 1-rank time: both speedups share one base.
        lines.push((
            Line {
                label: "pi-mpi measured on this machine".into(),
                points: real_points
                    .iter()
                    .map(|&(n, secs)| (f64::from(n), base / secs))
                    .collect(),
            },
            Style::Markers,
        ));
    }
    let chart = LogChart {
        title: format!(
            "pi-mpi, {} steps, simulated on {}: speedup",
            args.steps, platform.name
        ),
        x_desc: "MPI ranks".into(),
        y_desc: "speedup over 1 simulated rank".into(),
        lines,
    };
    let stem = args
        .out_dir
        .join(format!("scaling-simulated-pi-{}", platform.name));
    plot_and_save(&stem, &chart, save_png)
}

/// The line under the pi table: where the speedup levels off, and why.
fn where_it_stops(rows: &[Row], computing: &dyn Fn(u32) -> f64, steps: u64, rate: f64) -> String {
    let Some(last) = rows.last() else {
        return String::new();
    };
    let rest = |r: &Row| (r.secs - computing(r.ranks)).max(0.0);
    let why = "each rank's block shrinks as steps / (ranks x rate), while the rest \
               (the barrier's skew, the reduce's messages) does not";
    match rows
        .iter()
        .find(|r| r.ranks > 1 && rest(r) >= computing(r.ranks))
    {
        Some(row) => format!(
            "The speedup levels off from about {} ranks: {why}; there, computing takes \
             {:.1} µs and the rest {:.1} µs.",
            row.ranks,
            1e6 * computing(row.ranks),
            1e6 * rest(row)
        ),
        None if rest(last) > 0.0 => format!(
            "The speedup is still growing at {} ranks ({:.1} µs of computing, {:.1} µs of the rest): \
             {why}. They would meet at about {:.0} ranks.",
            last.ranks,
            1e6 * computing(last.ranks),
            1e6 * rest(last),
            steps as f64 / (rate * rest(last))
        ),
        None => format!(
            "At {} ranks the time is all computing: nothing stops the speedup yet.",
            last.ranks
        ),
    }
}

/// The model's relative error against a real time: (simulated - real) / real.
pub fn model_error(simulated: f64, real: f64) -> f64 {
    (simulated - real) / real
}

fn sum_study(
    args: &ScalingArgs,
    platform: &Platform,
    ranks: &[u32],
    save_png: Option<&Path>,
) -> Result<(), String> {
    let mut cells = Vec::new();
    let (mut p2p_line, mut reduce_line) = (Vec::new(), Vec::new());
    for &n in ranks {
        // The whole run's simulated time: these programs print none.
        let p2p = simulate_once(platform, n, "sum-p2p", &[])?.simulated_secs;
        let reduce = simulate_once(platform, n, "sum-reduce", &[])?.simulated_secs;
        cells.push(vec![
            n.to_string(),
            format!("{:.1}", 1e6 * p2p),
            format!("{:.1}", 1e6 * reduce),
            format!("{:.1}", p2p / reduce),
        ]);
        p2p_line.push((f64::from(n), 1e6 * p2p));
        reduce_line.push((f64::from(n), 1e6 * reduce));
    }
    println!(
        "\nsum-p2p against sum-reduce, simulated on {}: the whole run's simulated time\n",
        platform.name
    );
    let header = [
        "ranks",
        "sum-p2p (µs)",
        "sum-reduce (µs)",
        "sum-p2p / sum-reduce",
    ];
    println!("{}", markdown_table(&header, &cells));
    if let (Some(first), Some(last)) = (p2p_line.first(), p2p_line.last())
        && last.0 > first.0
    {
        let reduce_growth = reduce_line[reduce_line.len() - 1].1 / reduce_line[0].1;
        println!(
            "From {} to {} ranks ({:.0}x the ranks), sum-p2p takes {:.1}x longer: rank 0 receives \
             one value after another. sum-reduce takes {reduce_growth:.1}x longer: its tree \
             adds in about log2(ranks) rounds ({:.0} to {:.0}).",
            first.0,
            last.0,
            last.0 / first.0,
            last.1 / first.1,
            first.0.log2().ceil(),
            last.0.log2().ceil()
        );
    }
    let chart = LogChart {
        title: format!("sum-p2p against sum-reduce, simulated on {}", platform.name),
        x_desc: "MPI ranks".into(),
        y_desc: "simulated time (µs)".into(),
        lines: vec![
            (
                Line {
                    label: "sum-p2p (rank 0 receives from each rank)".into(),
                    points: p2p_line,
                },
                Style::LineAndMarkers,
            ),
            (
                Line {
                    label: "sum-reduce (MPI_Reduce)".into(),
                    points: reduce_line,
                },
                Style::LineAndMarkers,
            ),
        ],
    };
    let stem = args
        .out_dir
        .join(format!("scaling-simulated-sum-{}", platform.name));
    plot_and_save(&stem, &chart, save_png)
}

/// Draws the chart into the out dir, copies its PNG to `save_png` (unless the notes
/// are being checked: that changes nothing) and names them.
fn plot_and_save(stem: &Path, chart: &LogChart, save_png: Option<&Path>) -> Result<(), String> {
    let (png, svg) = plot::write_log_chart(stem, chart)?;
    println!("Plot: {} and {}", shown_path(&png), shown_path(&svg));
    let checking_notes = std::env::var_os(crate::notes::CHECK_ENV).is_some();
    if let Some(saved) = save_png.filter(|_| !checking_notes) {
        if let Some(parent) = saved.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        let temp = saved.with_extension("png.tmp");
        std::fs::copy(&png, &temp)
            .and_then(|_| std::fs::rename(&temp, saved))
            .map_err(|e| format!("{}: {e}", saved.display()))?;
    }
    Ok(())
}

/// 1, 2, 4, … below `cores`, and `cores`.
fn up_to(cores: u32) -> Vec<u32> {
    let mut counts: Vec<u32> = (0..).map(|i| 1 << i).take_while(|&n| n < cores).collect();
    counts.push(cores.max(1));
    counts
}

/// `4.88e9`
fn engineering(value: f64) -> String {
    format!("{value:.2e}")
}

/// A path relative to the current folder when it is under it (the repository root).
fn shown_path(path: &Path) -> String {
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    let here = std::env::current_dir().and_then(std::fs::canonicalize).ok();
    let relative = here.as_deref().and_then(|h| path.strip_prefix(h).ok());
    relative.unwrap_or(&path).display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_rank_counts_double_up_to_the_cores() {
        assert_eq!(up_to(1), [1]);
        assert_eq!(up_to(2), [1, 2]);
        assert_eq!(up_to(12), [1, 2, 4, 8, 12]);
    }

    #[test]
    fn the_error_is_relative_to_the_real_time() {
        assert!((model_error(1.1, 1.0) - 0.1).abs() < 1e-12);
        assert!((model_error(0.9, 1.0) + 0.1).abs() < 1e-12);
    }

    fn row(ranks: u32, secs: f64) -> Row {
        Row {
            program: "pi-mpi".into(),
            ranks,
            threads: 1,
            secs,
            speedup: 1.0 / secs,
            efficiency: 1.0 / secs / f64::from(ranks),
            ideal: f64::from(ranks),
        }
    }

    #[test]
    fn the_speedup_stops_where_the_rest_outgrows_the_block() {
        // 1000 steps at 1000 steps a second: 1 s of work, and 0.1 s of the rest per run.
        let computing = |n: u32| 1.0 / f64::from(n);
        let rows: Vec<Row> = [1, 2, 4, 8, 16]
            .iter()
            .map(|&n| row(n, 1.0 / f64::from(n) + 0.1))
            .collect();
        let line = where_it_stops(&rows, &computing, 1000, 1000.0);
        assert!(
            line.starts_with("The speedup levels off from about 16 ranks"),
            "{line}"
        );
        let line = where_it_stops(&rows[..3], &computing, 1000, 1000.0);
        assert!(
            line.contains("still growing at 4 ranks") && line.contains("about 10 ranks"),
            "{line}"
        );
    }
}
