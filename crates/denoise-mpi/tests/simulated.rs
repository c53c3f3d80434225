//! denoise-parallel on a simulated cluster (SimGrid's SMPI, `ci/build-smpi`):
//! each photo costs the time given for it (`--costs`), nothing is read or
//! written, and the schedules are the real program's. `ci/test` sets
//! `WORKSHOP_SMPI=required`; without SMPI, elsewhere, these tests say so and pass.

mod common;

use std::path::Path;

use common::*;
use mpi_basics::launch::stdout_of;
use mpi_basics::simulate::{self, Platform, Run};
use tempfile::TempDir;

fn platform() -> Option<Platform> {
    simulate::ready_for_tests("denoise-parallel")
        .then(|| Platform::load(&simulate::platforms_dir().join("infiniband.xml")).unwrap())
}

fn simulated(platform: &Platform, ranks: usize, schedule: &str, input: &Path, costs: &Path) -> Run {
    let output = TempDir::new().unwrap();
    let args = [
        "--schedule",
        schedule,
        "--input",
        path(input),
        "--output",
        path(output.path()),
        "--costs",
        path(costs),
    ];
    let program = simulate::bin_dir().join("denoise-parallel");
    let run = simulate::run(platform, ranks, &program, &args).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        std::fs::read_dir(output.path()).unwrap().count(),
        0,
        "nothing is written"
    );
    run
}

/// The photos each rank printed a `Took` line for, sorted.
fn files_of_rank(stdout: &str, rank: usize) -> Vec<String> {
    let mut files: Vec<String> = stdout
        .lines()
        .filter(|l| l.starts_with(&format!("Process {rank}: Took ")))
        .map(|l| l.rsplit(' ').next().unwrap().to_owned())
        .collect();
    files.sort();
    files
}

fn total_time(stdout: &str) -> f64 {
    let line = stdout
        .lines()
        .find(|l| l.starts_with("Total time "))
        .unwrap();
    line.split(' ').nth(2).unwrap().parse().unwrap()
}

#[test]
fn smpi_static_blocks_are_the_real_programs_and_every_photo_is_done_once() {
    let Some(platform) = platform() else {
        return;
    };
    // The real serial program's lines are the costs, as `workshop scaling --simulated` uses them.
    let input = photo_folder(7);
    let out = TempDir::new().unwrap();
    let serial = stdout_of(&run_serial(input.path(), out.path(), &[]));
    let costs = TempDir::new().unwrap();
    let times = costs.path().join("times.txt");
    std::fs::write(&times, &serial).unwrap();
    let names: Vec<String> = (0..7).map(|i| format!("noisy_{i:03}.jpg")).collect();

    for ranks in [3, 4] {
        let real_out = TempDir::new().unwrap();
        let real = stdout_of(&run_parallel(
            ranks,
            "static",
            input.path(),
            real_out.path(),
            &[],
        ));
        let sim = simulated(&platform, ranks, "static", input.path(), &times);
        let stdout = sim.stdout();
        for rank in 0..ranks {
            assert_eq!(
                files_of_rank(&stdout, rank),
                files_of_rank(&real, rank),
                "{stdout}"
            );
        }
        for schedule in ["static", "dynamic"] {
            let sim = simulated(&platform, ranks, schedule, input.path(), &times);
            let stdout = sim.stdout();
            let mut done: Vec<String> =
                (0..ranks).flat_map(|r| files_of_rank(&stdout, r)).collect();
            done.sort();
            assert_eq!(done, names, "{stdout}");
            assert!(stdout.contains(&format!(
                "Summary: 7 photos on {ranks} ranks, {schedule} schedule"
            )));
            assert!(stdout.contains("Failures: none"), "{stdout}");
        }
    }
}

#[test]
fn smpi_dynamic_evens_out_what_static_blocks_leave_uneven() {
    let Some(platform) = platform() else {
        return;
    };
    // Eight photos on 4 ranks: static gives rank 0 the two heavy ones (2 s);
    // the queue hands them to two ranks, which take 1 s and a little more.
    let input = TempDir::new().unwrap();
    let mut times = String::new();
    for (i, secs) in [1.0, 1.0, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1].iter().enumerate() {
        std::fs::write(input.path().join(format!("p{i}.jpg")), b"").unwrap();
        times.push_str(&format!("Took {secs} seconds for p{i}.jpg\n"));
    }
    let costs = TempDir::new().unwrap();
    let file = costs.path().join("times.txt");
    std::fs::write(&file, times).unwrap();

    let fixed = simulated(&platform, 4, "static", input.path(), &file).stdout();
    assert_eq!(files_of_rank(&fixed, 0), ["p0.jpg", "p1.jpg"]);
    assert!(
        fixed.contains("Process 0: Took 1.000 seconds for p0.jpg"),
        "{fixed}"
    );
    let static_secs = total_time(&fixed);
    assert!((2.0..2.001).contains(&static_secs), "{fixed}");
    assert!(fixed.contains("Busiest rank: 0 (2.000 s busy); the others were idle 5.400 s in all"));

    let dynamic = simulated(&platform, 4, "dynamic", input.path(), &file);
    let stdout = dynamic.stdout();
    let secs = total_time(&stdout);
    assert!((1.0..1.25).contains(&secs), "{stdout}");
    // The same simulated time on every run.
    let again = simulated(&platform, 4, "dynamic", input.path(), &file);
    assert_eq!(again.simulated_secs, dynamic.simulated_secs);
}

#[test]
fn smpi_a_photo_without_a_time_is_one_line_naming_the_file() {
    let Some(platform) = platform() else {
        return;
    };
    let input = TempDir::new().unwrap();
    for name in ["a.jpg", "b.jpg"] {
        std::fs::write(input.path().join(name), b"").unwrap();
    }
    let costs = TempDir::new().unwrap();
    let file = costs.path().join("times.txt");
    std::fs::write(&file, "Took 0.5 seconds for a.jpg\n").unwrap();
    let output = TempDir::new().unwrap();
    let args = [
        "--input",
        path(input.path()),
        "--output",
        path(output.path()),
        "--costs",
        path(&file),
    ];
    let program = simulate::bin_dir().join("denoise-parallel");
    let err = simulate::run(&platform, 2, &program, &args).unwrap_err();
    let expected = format!(
        "error: {}: no time for b.jpg (measure the same photos with denoise-serial)",
        file.display()
    );
    assert!(err.ends_with(&expected), "{err}");
}
