//! The shared-memory counterpart `pi-threads`, run as a learner runs it.

use std::f64::consts::PI;
use std::process::Command;

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
    let words: Vec<&str> = lines[0].split(' ').collect();
    assert_eq!(words.len(), 12, "{text}");
    assert_eq!(
        words[..5],
        ["Pi", "with", &steps.to_string(), "steps", "is"],
        "{text}"
    );
    assert_eq!(
        [words[6], words[8], words[9], words[11]],
        ["in", "secs", "on", "threads"],
        "{text}"
    );
    assert!(words[7].parse::<f64>().is_ok(), "time: {text}");
    assert_eq!(
        words[5].split_once('.').map(|(_, d)| d.len()),
        Some(20),
        "pi to 20 decimals: {text}"
    );
    (
        words[5].parse().expect("pi is a number"),
        words[10].parse().expect("thread count"),
    )
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
    ] {
        let out = Command::new(PI_THREADS).args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}
