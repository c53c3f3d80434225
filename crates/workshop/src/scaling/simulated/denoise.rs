//! Exercise 1 on the simulated cluster: `denoise-parallel`, static against dynamic.
//!
//! The simulated build of `denoise-parallel` filters nothing: each photo costs the
//! time it took on a real core, read from what `denoise-serial` printed (`Took 0.321
//! seconds for noisy_000.jpg`), and charged to the simulated clock. The schedules
//! and their messages are the real program's. So the question "how does it
//! scale?" gets the answer a cluster would give, up to 64 ranks for 100 photos:
//! the static blocks end when their slowest block ends; the dynamic queue ends
//! when the last photo handed out ends; neither can beat the largest photo.

use std::path::{Path, PathBuf};
use std::process::Command;

use denoise_mpi::{Costs, read_costs};
use mpi_basics::simulate::Platform;

use super::{plot_and_save, shown_path, simulate_once};
use crate::plot::{Line, LogChart, Style};
use crate::scaling::{DENOISE_TIME, ScalingArgs, markdown_table, not_built, parse_time};

/// The two ways denoise-parallel shares out the photos.
const SCHEDULES: [&str; 2] = ["static", "dynamic"];

/// One simulated run: the time rank 0 prints, and the time the ranks were idle.
struct Run {
    secs: f64,
    idle: f64,
}

/// What the study needs, checked before any study runs: the photos' folder, and
/// the photo times when they are given (`--photo-times`).
pub(super) struct Photos {
    folder: PathBuf,
    given: Option<(PathBuf, Costs)>,
}

pub(super) fn check(sim: &super::SimArgs) -> Result<Photos, String> {
    let given = match &sim.photo_times {
        Some(file) => Some((absolute(file)?, read_costs(file)?)),
        None => None,
    };
    let folder = absolute(&sim.photos)?;
    if !folder.is_dir() {
        return Err(format!(
            "photos folder {} does not exist: make the 100 noisy photos first with `{}`",
            sim.photos.display(),
            denoise_mpi::MAKE_NOISY
        ));
    }
    Ok(Photos { folder, given })
}

pub(super) fn study(
    args: &ScalingArgs,
    bin_dir: &Path,
    platform: &Platform,
    ranks: &[u32],
    photos: Photos,
    save_png: Option<&Path>,
) -> Result<(), String> {
    let measured = photos.given.is_none();
    let (times, costs) = match photos.given {
        Some((file, costs)) => {
            println!(
                "\nPhoto times: {} ({}), as given (--photo-times)",
                shown_path(&file),
                denoise_mpi::count(costs.len(), "photo")
            );
            (file, costs)
        }
        None => measure(args, bin_dir, &photos.folder)?,
    };
    let photos = photos.folder;
    let serial: f64 = costs.values().sum();
    let largest = costs.values().copied().fold(0.0, f64::max);
    let output = tempfile::tempdir().map_err(|e| format!("cannot make a temporary folder: {e}"))?;

    let mut runs = Vec::new();
    for &n in ranks {
        let mut pair = Vec::new();
        for schedule in SCHEDULES {
            pair.push(simulated_denoise(
                platform,
                n,
                schedule,
                &photos,
                &times,
                output.path(),
            )?);
        }
        runs.push((n, pair));
    }

    println!(
        "\ndenoise-parallel, static against dynamic, simulated on {}: {} taking {serial:.3} s \
         on one core, the largest {largest:.3} s\n",
        platform.name,
        denoise_mpi::count(costs.len(), "photo"),
    );
    let header = [
        "ranks",
        "static (s)",
        "speedup",
        "idle (s)",
        "dynamic (s)",
        "speedup",
        "idle (s)",
        "best possible (s)",
    ];
    let cells: Vec<Vec<String>> = runs
        .iter()
        .map(|(n, pair)| {
            let mut row = vec![n.to_string()];
            for run in pair {
                row.push(format!("{:.3}", run.secs));
                row.push(format!("{:.2}", serial / run.secs));
                row.push(format!("{:.3}", run.idle));
            }
            row.push(format!("{:.3}", best_possible(serial, largest, *n)));
            row
        })
        .collect();
    println!("{}", markdown_table(&header, &cells));
    println!(
        "Best possible: the work shared perfectly (one core's {serial:.3} s / ranks), and never \
         less than the largest photo. Idle: the time the ranks waited for the busiest one, \
         summed (denoise-parallel's summary)."
    );
    if let Some((n, pair)) = runs
        .iter()
        .find(|(_, pair)| pair[1].secs < 0.97 * pair[0].secs)
    {
        println!(
            "From {n} ranks on, the dynamic schedule is faster ({:.3} s against {:.3} s): the \
             static blocks hold different amounts of work, and the ranks with light blocks \
             wait for the heaviest.",
            pair[1].secs, pair[0].secs
        );
    }

    // The real program at this machine's rank counts, beside the model, when the
    // photo times are this machine's too.
    let mut real = Vec::new();
    if measured {
        real = real_runs(bin_dir, platform, &photos, &times, &runs)?;
    }

    let line = |label: &str, points: Vec<(f64, f64)>| Line {
        label: label.into(),
        points,
    };
    let of = |i: usize| {
        runs.iter()
            .map(|(n, pair)| (f64::from(*n), pair[i].secs))
            .collect()
    };
    let bound = runs
        .iter()
        .map(|(n, _)| (f64::from(*n), best_possible(serial, largest, *n)));
    let mut chart = LogChart {
        title: format!("denoise-parallel, simulated on {}", platform.name),
        x_desc: "MPI ranks".into(),
        y_desc: "simulated time (s)".into(),
        lines: vec![
            (line("static schedule", of(0)), Style::LineAndMarkers),
            (line("dynamic schedule", of(1)), Style::LineAndMarkers),
            (line("best possible", bound.collect()), Style::Dashed),
        ],
    };
    for (i, schedule) in SCHEDULES.iter().enumerate() {
        let points: Vec<(f64, f64)> = real
            .iter()
            .map(|(n, pair)| (f64::from(*n), pair[i]))
            .collect();
        if !points.is_empty() {
            let label = format!("{schedule}, measured on this machine");
            chart.lines.push((line(&label, points), Style::Markers));
        }
    }
    let stem = args
        .out_dir
        .join(format!("scaling-simulated-denoise-{}", platform.name));
    plot_and_save(&stem, &chart, save_png)
}

/// The real denoise-parallel, once per schedule at 2 … this machine's cores, and the
/// model's error there; returns each rank count's real times (static, dynamic).
fn real_runs(
    bin_dir: &Path,
    platform: &Platform,
    photos: &Path,
    times: &Path,
    simulated: &[(u32, Vec<Run>)],
) -> Result<Vec<(u32, [f64; 2])>, String> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let ranks: Vec<u32> = super::up_to(cores as u32)
        .into_iter()
        .filter(|&n| n > 1)
        .collect();
    if ranks.is_empty() {
        return Ok(Vec::new());
    }
    let parallel = super::lesson_program(bin_dir, "denoise-parallel")
        .ok_or_else(|| not_built(bin_dir, "denoise-parallel"))?;
    println!();
    super::warn_if_busy(cores);
    println!(
        "The real denoise-parallel on this machine ({cores} cores, 1 run each) against the model:\n"
    );
    let output = tempfile::tempdir().map_err(|e| format!("cannot make a temporary folder: {e}"))?;
    let (input, out) = (path_arg(photos)?, path_arg(output.path())?);
    let (mut cells, mut real) = (Vec::new(), Vec::new());
    for n in ranks {
        let mut pair = [0.0; 2];
        for (i, schedule) in SCHEDULES.into_iter().enumerate() {
            let args = [
                "--quiet",
                "--schedule",
                schedule,
                "--input",
                input,
                "--output",
                out,
            ];
            let secs = super::best_time(&parallel, super::Launch::Mpi, n, &args, DENOISE_TIME, 1)?;
            let model = match simulated.iter().find(|(m, _)| *m == n) {
                Some((_, pair)) => pair[i].secs,
                None => {
                    simulated_denoise(platform, n, schedule, photos, times, output.path())?.secs
                }
            };
            cells.push(vec![
                n.to_string(),
                schedule.to_owned(),
                format!("{secs:.3}"),
                format!("{model:.3}"),
                format!("{:+.1}%", 100.0 * super::model_error(model, secs)),
            ]);
            pair[i] = secs;
        }
        real.push((n, pair));
    }
    let header = [
        "ranks",
        "schedule",
        "real (s)",
        "simulated (s)",
        "model's error (simulated - real) / real",
    ];
    println!("{}", markdown_table(&header, &cells));
    Ok(real)
}

/// The least time `ranks` ranks can take: the work shared evenly, but no less
/// than the largest photo, which one rank must do alone.
fn best_possible(serial: f64, largest: f64, ranks: u32) -> f64 {
    (serial / f64::from(ranks)).max(largest)
}

/// Each photo's time on this machine: the real `denoise-serial`, once, its lines
/// saved in the out dir for the simulated runs (and for `--photo-times` next time).
fn measure(args: &ScalingArgs, bin_dir: &Path, photos: &Path) -> Result<(PathBuf, Costs), String> {
    let serial = super::lesson_program(bin_dir, "denoise-serial")
        .ok_or_else(|| not_built(bin_dir, "denoise-serial"))?;
    let output = tempfile::tempdir().map_err(|e| format!("cannot make a temporary folder: {e}"))?;
    let run = Command::new(&serial)
        .arg("--input")
        .arg(photos)
        .arg("--output")
        .arg(output.path())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", serial.display()))?;
    let stdout = String::from_utf8_lossy(&run.stdout);
    if !run.status.success() {
        let stderr = String::from_utf8_lossy(&run.stderr);
        return Err(format!(
            "denoise-serial failed ({}): {}",
            run.status,
            stderr.lines().last().unwrap_or("no message")
        ));
    }
    let file = absolute(&args.out_dir)?.join("photo-times.txt");
    std::fs::write(&file, stdout.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    let costs = read_costs(&file)?;
    println!(
        "\nPhoto times: this machine's denoise-serial, {} in {:.3} s, saved in {}",
        denoise_mpi::count(costs.len(), "photo"),
        parse_time(&stdout, DENOISE_TIME).unwrap_or(f64::NAN),
        shown_path(&file)
    );
    Ok((file, costs))
}

fn simulated_denoise(
    platform: &Platform,
    ranks: u32,
    schedule: &str,
    photos: &Path,
    times: &Path,
    output: &Path,
) -> Result<Run, String> {
    let (photos, times, output) = (path_arg(photos)?, path_arg(times)?, path_arg(output)?);
    let args = [
        "--quiet",
        "--schedule",
        schedule,
        "--input",
        photos,
        "--output",
        output,
        "--costs",
        times,
    ];
    let run = simulate_once(platform, ranks, "denoise-parallel", &args)?;
    let stdout = run.stdout();
    let idle = stdout.lines().find_map(|line| {
        let (_, rest) = line.split_once("the others were idle ")?;
        rest.strip_suffix(" s in all")?.parse().ok()
    });
    match (parse_time(&stdout, DENOISE_TIME), idle) {
        (Some(secs), Some(idle)) => Ok(Run { secs, idle }),
        _ => Err(format!(
            "denoise-parallel --schedule {schedule} on {ranks} simulated ranks printed no time: {stdout}"
        )),
    }
}

/// SMPI runs the program in a folder of its own: paths are passed whole.
fn absolute(path: &Path) -> Result<PathBuf, String> {
    std::path::absolute(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn path_arg(path: &Path) -> Result<&str, String> {
    path.to_str()
        .ok_or_else(|| format!("{}: the path is not UTF-8", path.display()))
}
