//! Exercise 2 under real MPI: the built `pi-mpi` at several rank counts.

use std::f64::consts::PI;
use std::time::{Duration, Instant};

use lesson_cli::testing::assert_usage_error;
use mpi_basics::launch::{mpiexec, mpiexec_command_with_env, output, stdout_of};
use pi_kernel::PiReport;

const PI_MPI: &str = env!("CARGO_BIN_EXE_pi-mpi");

/// Runs pi-mpi and reads pi and the rank count from its one line of output.
fn run_pi_mpi(ranks: usize, steps: u64) -> f64 {
    let out = mpiexec(PI_MPI, ranks, &["--steps", &steps.to_string()]);
    let text = stdout_of(&out);
    assert!(
        out.status.success(),
        "pi-mpi -n {ranks} failed: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "only rank 0 prints, once: {text}");
    // Pi with 1000003 steps is 3.14159... in 0.000358 secs on 3 ranks
    let report =
        PiReport::parse(lines[0]).unwrap_or_else(|| panic!("not the workshop line: {text}"));
    assert_eq!(report.steps, steps, "{text}");
    assert_eq!(report.on, Some(format!("{ranks} ranks")), "{text}");
    report.pi
}

#[test]
fn pi_is_right_at_1_to_4_ranks_when_no_rank_count_divides_the_steps() {
    let steps = 1_000_003; // prime: 2, 3 and 4 ranks all get uneven blocks
    let results: Vec<f64> = (1..=4).map(|ranks| run_pi_mpi(ranks, steps)).collect();
    for (i, pi) in results.iter().enumerate() {
        assert!((pi - PI).abs() <= 1e-12, "{} ranks: pi = {pi}", i + 1);
        assert!(
            (pi - results[0]).abs() <= 1e-12,
            "{} ranks disagree with 1 rank: {pi} vs {}",
            i + 1,
            results[0]
        );
    }
}

#[test]
fn more_ranks_than_steps_still_counts_every_step() {
    // 3 steps at 4 ranks: rank 3 has an empty block. Midpoint rule with 3 steps:
    let expected: f64 = (0..3)
        .map(|i| 4.0 / (1.0 + ((i as f64 + 0.5) / 3.0).powi(2)))
        .sum::<f64>()
        / 3.0;
    let pi = run_pi_mpi(4, 3);
    assert!((pi - expected).abs() <= 1e-15, "{pi} vs {expected}");
}

#[test]
fn panic_demo_help_says_what_it_does_without_panicking() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_panic-demo"))
        .arg("--help")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("panics on purpose") && text.contains("Usage: panic-demo"),
        "{text}"
    );
}

#[test]
fn a_panicking_rank_ends_the_whole_job() {
    // The ranks write their stderr straight to a file, not through the launcher:
    // when a rank calls MPI_Abort, the launcher ends the job and may drop what
    // that rank printed last (seen once on a fresh machine: stderr empty).
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("stderr");
    let vars = [("STDERR_FILE", file.as_os_str())];
    let sh_args = [
        "-c",
        r#"exec "$0" "$@" 2>>"$STDERR_FILE""#,
        env!("CARGO_BIN_EXE_panic-demo"),
    ];
    let started = Instant::now();
    let out = output(&mut mpiexec_command_with_env("sh", 3, &vars, &sh_args));
    let elapsed = started.elapsed();
    assert!(!out.status.success(), "the job must fail");
    assert!(
        !stdout_of(&out).contains("passed the barrier"),
        "no rank may get past the barrier"
    );
    let stderr = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(
        stderr.contains("rank 1 of 3 panicked: aborting the whole MPI job"),
        "clear message: {stderr}"
    );
    // mpiexec's own timeout is 120 s: a hang would take that long.
    assert!(
        elapsed < Duration::from_secs(30),
        "job took {elapsed:?}: it hung instead of aborting"
    );
}

#[test]
fn bad_arguments_give_one_line_and_status_2() {
    for args in [
        &["--steps", "0"][..],
        &["--steps", "abc"],
        &["--steps", "-5"],
        &["--bogus"],
    ] {
        assert_usage_error(PI_MPI, args);
    }
}

#[test]
fn bad_arguments_under_mpiexec_are_reported_once_and_every_rank_exits_2() {
    let out = mpiexec(PI_MPI, 3, &["--steps", "abc"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.contains("error")).collect();
    assert_eq!(
        errors,
        ["error: invalid value 'abc' for '--steps <N>': invalid digit found in string"],
        "{stderr}"
    );
}
