//! The shared-memory counterpart `pi-threads`, run as a learner runs it.

use std::f64::consts::PI;
use std::process::Command;

use lesson_cli::testing::assert_usage_error;
use pi_kernel::PiReport;

const PI_THREADS: &str = env!("CARGO_BIN_EXE_pi-threads");

/// Runs pi-threads and returns pi and the thread count from its one line.
fn run_pi_threads(args: &[&str], steps: u64) -> (f64, usize) {
    let out = Command::new(PI_THREADS)
        .args(["--steps", &steps.to_string()])
        .args(args)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "pi-threads {args:?} failed: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {text}");
    // Pi with 1000003 steps is 3.14159... in 0.000358 secs on 3 threads
    let report =
        PiReport::parse(lines[0]).unwrap_or_else(|| panic!("not the workshop line: {text}"));
    assert_eq!(report.steps, steps, "{text}");
    let on = report.on.unwrap_or_default();
    let threads = on
        .strip_suffix(" threads")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("`on N threads`: {text}"));
    (report.pi, threads)
}

#[test]
fn pi_is_right_at_any_thread_count_when_none_divides_the_steps() {
    let steps = 1_000_003; // prime: every count above 1 gets uneven blocks
    let counts = [1, 2, 3, 4, 7];
    let results: Vec<f64> = counts
        .iter()
        .map(|&t| {
            let (pi, reported) = run_pi_threads(&["--threads", &t.to_string()], steps);
            assert_eq!(reported, t, "reports the threads it used");
            pi
        })
        .collect();
    for (t, pi) in counts.iter().zip(&results) {
        assert!((pi - PI).abs() <= 1e-12, "{t} threads: pi = {pi}");
        assert!(
            (pi - results[0]).abs() <= 1e-12,
            "{t} threads disagree with 1 thread: {pi} vs {}",
            results[0]
        );
    }
}

#[test]
fn more_threads_than_steps_still_counts_every_step() {
    // 3 steps over 5 threads: two threads get empty blocks. Midpoint rule with 3 steps:
    let expected: f64 = (0..3)
        .map(|i| 4.0 / (1.0 + ((i as f64 + 0.5) / 3.0).powi(2)))
        .sum::<f64>()
        / 3.0;
    let (pi, _) = run_pi_threads(&["--threads", "5"], 3);
    assert!((pi - expected).abs() <= 1e-15, "{pi} vs {expected}");
}

#[test]
fn by_default_one_thread_per_available_core() {
    let cores = std::thread::available_parallelism().unwrap().get();
    let (pi, threads) = run_pi_threads(&[], 1_000_003);
    assert_eq!(threads, cores);
    assert!((pi - PI).abs() <= 1e-12, "{pi}");
}

#[test]
fn bad_arguments_give_one_line_and_status_2() {
    for args in [
        &["--threads", "0"][..],
        &["--threads", "abc"],
        &["--threads", "-2"],
        &["--steps", "0"],
        &["--bogus"],
        // An upper bound, not a panic (capacity overflow) or an abort.
        &["--threads", "18446744073709551615"],
        &["--threads", "1000000000000"],
        &["--threads", "1025"],
    ] {
        assert_usage_error(PI_THREADS, args);
    }
}
