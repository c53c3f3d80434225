//! `workshop simulate`: one lesson on the simulated cluster, through the built tool.
//!
//! Needs the lessons built for SMPI (`ci/build-smpi`); `ci/test` builds them and
//! sets `WORKSHOP_SMPI=required`, elsewhere the tests that run SMPI say why they
//! skip and pass.

use std::process::{Command, Output};

use mpi_basics::expect;
use mpi_basics::simulate;

const WORKSHOP: &str = env!("CARGO_BIN_EXE_workshop");

fn simulate(args: &[&str]) -> Output {
    Command::new(WORKSHOP)
        .arg("simulate")
        .args(args)
        .output()
        .unwrap()
}

/// The simulated seconds on the tool's last line: `… 64 ranks took 0.000076 s`.
fn simulated_secs(stderr: &str) -> f64 {
    let last = stderr.lines().last().unwrap_or_default();
    let secs = last
        .split(" ranks took ")
        .nth(1)
        .and_then(|s| s.strip_suffix(" s"));
    secs.and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no simulated time in: {stderr}"))
}

#[test]
fn smpi_sum_p2p_on_64_simulated_ranks_prints_its_lines_then_the_same_time_on_every_run() {
    if !simulate::ready_for_tests("sum-p2p") {
        return;
    }
    let args = ["-n", "64", "--speed", "1e9", "sum-p2p"];
    let (first, second) = (simulate(&args), simulate(&args));
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(first.status.success(), "{stderr}");
    let mut lines: Vec<String> = String::from_utf8_lossy(&first.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    lines.sort();
    assert_eq!(lines, expect::sorted(expect::sum_lines(64)));
    assert_eq!(
        stderr.lines().count(),
        1,
        "only the tool's own line: {stderr}"
    );
    assert!(stderr.starts_with("simulated on infiniband (32 nodes x 36 cores, a core at 1.000e9 pi steps/s): 64 ranks took "));
    // 63 receives one after another, each a little over a microsecond on InfiniBand.
    let secs = simulated_secs(&stderr);
    assert!(
        (60e-6..1e-3).contains(&secs),
        "sum-p2p at 64 ranks took {secs} s"
    );
    assert_eq!(
        first.stderr, second.stderr,
        "a second run, the same simulated time"
    );
}

#[test]
fn smpi_a_slower_network_makes_the_same_sum_slower() {
    if !simulate::ready_for_tests("sum-p2p") {
        return;
    }
    let time_on = |platform: &str| {
        let out = simulate(&[
            "-n",
            "16",
            "--speed",
            "1e9",
            "--platform",
            platform,
            "sum-reduce",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        simulated_secs(&String::from_utf8_lossy(&out.stderr))
    };
    let (infiniband, ethernet) = (time_on("infiniband"), time_on("ethernet"));
    // About 1 µs against about 50 µs a message, and 16 ranks span 2 Ethernet nodes.
    assert!(
        ethernet > 10.0 * infiniband,
        "sum-reduce at 16 ranks: {infiniband} s on InfiniBand, {ethernet} s on Ethernet"
    );
}

#[test]
fn without_smpi_or_with_a_bad_platform_the_tool_says_so_in_one_line() {
    let empty = tempfile::tempdir().unwrap();
    let out = Command::new(WORKSHOP)
        .args(["simulate", "-n", "4", "hello-mpi"])
        .env("PATH", empty.path())
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr,
        "error: SimGrid's SMPI is not installed (no smpirun on the PATH): run ci/setup-mpi --mpi smpi, then ci/build-smpi\n"
    );
    if simulate::check_installed().is_ok() {
        for (args, says) in [
            (
                &["-n", "4", "--platform", "moon", "hello-mpi"][..],
                "no platform named `moon` (kept: ethernet, infiniband",
            ),
            (
                &["-n", "2000", "hello-mpi"][..],
                "2000 ranks do not fit on infiniband",
            ),
            (
                &["-n", "4", "--speed", "0", "hello-mpi"][..],
                "a core's speed must be a positive number",
            ),
        ] {
            // Its temporary folder (the calibrated platform) is gone after a failure too.
            let tmp = tempfile::tempdir().unwrap();
            let out = Command::new(WORKSHOP)
                .arg("simulate")
                .args(args)
                .env("TMPDIR", tmp.path())
                .output()
                .unwrap();
            let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
            assert!(left.is_empty(), "{args:?} left {left:?}");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(
                (out.status.code(), stderr.lines().count()),
                (Some(1), 1),
                "{args:?}: {stderr}"
            );
            assert!(stderr.contains(says), "{args:?}: {stderr}");
        }
    }
}
