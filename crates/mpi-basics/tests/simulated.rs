//! The lessons on a simulated cluster (SimGrid's SMPI, `ci/build-smpi`): the
//! same source files print the same lines as under real MPI, at any rank
//! count, 1000 included, and the simulated clock tells the workshop's story
//! (rank 0 receiving one value after another grows linearly, reduce's tree
//! logarithmically) the same way on every run.
//!
//! `ci/test` builds the simulated lessons and sets `WORKSHOP_SMPI=required`;
//! without SMPI, elsewhere, these tests say so and pass.

use std::path::PathBuf;

use mpi_basics::launch::{mpiexec, sorted_lines, stdout_of};
use mpi_basics::simulate::{self, Platform, Run};
use pi_kernel::PiReport;

/// A fixed core speed (steps a second): the simulated times do not depend on this machine.
const STEPS_PER_SEC: f64 = 1e9;

/// The InfiniBand cluster at [`STEPS_PER_SEC`], or `None` (with a note) where SMPI is not built.
fn platform() -> Option<(Platform, tempfile::TempDir)> {
    if !simulate::ready_for_tests("hello-mpi") {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let xml = simulate::platforms_dir().join("infiniband.xml");
    let platform = Platform::load(&xml)
        .unwrap()
        .calibrated(STEPS_PER_SEC, dir.path())
        .unwrap();
    Some((platform, dir))
}

fn simulated(name: &str) -> PathBuf {
    simulate::bin_dir().join(name)
}

fn sim(platform: &Platform, name: &str, ranks: usize, args: &[&str]) -> Run {
    simulate::run(platform, ranks, &simulated(name), args).unwrap_or_else(|e| panic!("{e}"))
}

fn sorted(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines.sort();
    lines
}

/// pi-mpi's line without its time, and its pi.
fn pi_line(line: &str) -> (u64, f64, Option<String>) {
    let report = PiReport::parse(line).unwrap_or_else(|| panic!("not a pi line: {line}"));
    (report.steps, report.pi, report.on)
}

#[test]
fn smpi_lessons_print_what_the_real_ones_print_at_1_4_and_64_ranks() {
    let Some((platform, _dir)) = platform() else {
        return;
    };
    for ranks in [1, 4, 64] {
        for name in ["hello-mpi", "sum-p2p", "sum-reduce", "scatter-gather"] {
            let real = mpiexec(env_bin(name), ranks, &[]);
            assert!(
                real.status.success(),
                "{name} -n {ranks}: {}",
                String::from_utf8_lossy(&real.stderr)
            );
            let run = sim(&platform, name, ranks, &[]);
            assert_eq!(
                sorted(&run.stdout()),
                sorted_lines(&real),
                "{name} at {ranks} simulated ranks"
            );
            assert!(
                run.stderr.trim().is_empty(),
                "{name} at {ranks}: {}",
                run.stderr
            );
        }
        let steps = ["--steps", "1000000"];
        let real = stdout_of(&mpiexec(env_bin("pi-mpi"), ranks, &steps));
        let run = sim(&platform, "pi-mpi", ranks, &steps);
        let (real, simulated) = (pi_line(real.trim()), pi_line(run.stdout().trim()));
        assert_eq!(
            (real.0, &real.2),
            (simulated.0, &simulated.2),
            "pi-mpi at {ranks} ranks"
        );
        assert!(
            (real.1 - simulated.1).abs() <= 1e-12,
            "pi-mpi at {ranks}: {} and {}",
            real.1,
            simulated.1
        );
    }
    assert_eq!(
        sim(&platform, "hello-mpi", 64, &[])
            .stdout()
            .lines()
            .count(),
        64
    );
}

#[test]
fn smpi_pi_on_1000_ranks_is_right_and_the_same_on_every_run() {
    let Some((platform, _dir)) = platform() else {
        return;
    };
    let steps = ["--steps", "1000000000"];
    let first = sim(&platform, "pi-mpi", 1000, &steps);
    let (n, pi, on) = pi_line(first.stdout().trim());
    assert_eq!((n, on.as_deref()), (1_000_000_000, Some("1000 ranks")));
    assert!((pi - std::f64::consts::PI).abs() <= 1e-12, "pi = {pi}");
    // Every rank's block is charged at the same speed, and the network is a
    // model: the simulated times of a second run are the same.
    let (a, b) = (
        sim(&platform, "pi-mpi", 64, &steps),
        sim(&platform, "pi-mpi", 64, &steps),
    );
    assert_eq!(a.simulated_secs, b.simulated_secs);
    assert_eq!(
        a.stdout(),
        b.stdout(),
        "the time pi-mpi printed (MPI_Wtime: simulated)"
    );
    // 1e9 steps at 1e9 steps a second over 64 ranks: about 1/64 s of computing.
    let secs = PiReport::parse(a.stdout().trim()).unwrap().secs;
    assert!(
        (secs - 1.0 / 64.0).abs() < 0.001,
        "pi-mpi at 64 ranks printed {secs} s"
    );
}

#[test]
fn smpi_receiving_one_by_one_falls_behind_reduce_more_and_more_from_64_to_1000_ranks() {
    let Some((platform, _dir)) = platform() else {
        return;
    };
    let ratio = |ranks| {
        let p2p = sim(&platform, "sum-p2p", ranks, &[]).simulated_secs;
        let reduce = sim(&platform, "sum-reduce", ranks, &[]).simulated_secs;
        assert!(
            reduce > 0.0,
            "sum-reduce at {ranks} ranks took no simulated time"
        );
        p2p / reduce
    };
    let (at_64, at_1000) = (ratio(64), ratio(1000));
    assert!(at_64 > 2.0, "at 64 ranks sum-p2p / sum-reduce = {at_64}");
    // 999 receives one after another against a tree of about 10 rounds.
    assert!(
        at_1000 > 4.0 * at_64,
        "sum-p2p / sum-reduce: {at_64} at 64 ranks, {at_1000} at 1000"
    );
}

/// The real (not simulated) build of a lesson.
fn env_bin(name: &str) -> &'static str {
    match name {
        "hello-mpi" => env!("CARGO_BIN_EXE_hello-mpi"),
        "sum-p2p" => env!("CARGO_BIN_EXE_sum-p2p"),
        "sum-reduce" => env!("CARGO_BIN_EXE_sum-reduce"),
        "scatter-gather" => env!("CARGO_BIN_EXE_scatter-gather"),
        "pi-mpi" => env!("CARGO_BIN_EXE_pi-mpi"),
        _ => unreachable!("{name} is not a simulated lesson"),
    }
}
