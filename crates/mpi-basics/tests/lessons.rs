//! The lesson programs under real MPI at 1 to 4 ranks: each test computes the
//! lines the workshop's program would print at that rank count and compares
//! them, sorted (ranks print in no fixed order), with what the program printed.

use mpi_basics::launch::{mpiexec, sorted_lines, stdout_of};

/// Runs `program` at `ranks` ranks and checks it succeeds and prints exactly `expected` (any order).
fn check(program: &str, ranks: usize, args: &[&str], expected: Vec<String>) {
    let out = mpiexec(program, ranks, args);
    assert!(
        out.status.success(),
        "{program} -n {ranks} failed: {}{}",
        stdout_of(&out),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut expected = expected;
    expected.sort();
    assert_eq!(sorted_lines(&out), expected, "{program} at {ranks} ranks");
}

/// Checks that `program` refuses `ranks` ranks with one line and status 2.
fn check_needs_more_ranks(program: &str, ranks: usize) {
    let out = mpiexec(program, ranks, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{program} -n {ranks}: {stderr}");
    assert!(
        stdout_of(&out).is_empty(),
        "{program} -n {ranks} prints nothing"
    );
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(errors.len(), 1, "{program} -n {ranks}: {stderr}");
    assert!(
        errors[0].contains(&format!("needs at least 2 ranks, got {ranks}")),
        "{stderr}"
    );
}

#[test]
fn hello_mpi_greets_from_every_rank() {
    for n in 1..=4 {
        let expected = (0..n)
            .map(|r| format!("hello world from process {r}/{n}"))
            .collect();
        check(env!("CARGO_BIN_EXE_hello-mpi"), n, &[], expected);
    }
}

#[test]
fn hello_p2p_sends_each_rank_its_greeting() {
    let program = env!("CARGO_BIN_EXE_hello-p2p");
    check_needs_more_ranks(program, 1);
    for n in 2..=4 {
        let expected = (1..n).map(|r| format!("Hello, Rank {r}")).collect();
        check(program, n, &[], expected);
    }
}

#[test]
fn hello_bcast_reaches_every_other_rank() {
    let program = env!("CARGO_BIN_EXE_hello-bcast");
    check_needs_more_ranks(program, 1);
    for n in 2..=4 {
        let expected = (1..n)
            .map(|r| format!("Rank {r} received: Hello from Rank 0"))
            .collect();
        check(program, n, &[], expected);
    }
}

/// What sum-p2p and sum-reduce print: every rank's value, and the total at rank 0.
fn sum_lines(n: usize) -> Vec<String> {
    let values: Vec<usize> = (0..n).map(|r| (r + 1) * 10).collect();
    let mut lines: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(r, v)| format!("Rank {r} has value {v}"))
        .collect();
    let total: usize = values.iter().sum();
    lines.push(format!("Rank 0 worked out the total {total}"));
    lines
}

#[test]
fn sum_p2p_and_sum_reduce_work_out_the_same_total() {
    assert!(sum_lines(4).contains(&"Rank 0 worked out the total 100".to_string()));
    for n in 1..=4 {
        check(env!("CARGO_BIN_EXE_sum-p2p"), n, &[], sum_lines(n));
        check(env!("CARGO_BIN_EXE_sum-reduce"), n, &[], sum_lines(n));
    }
}

#[test]
fn lessons_reject_arguments_with_one_line() {
    for program in [
        env!("CARGO_BIN_EXE_hello-mpi"),
        env!("CARGO_BIN_EXE_hello-p2p"),
        env!("CARGO_BIN_EXE_sum-p2p"),
    ] {
        let out = std::process::Command::new(program)
            .arg("--bogus")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{program}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{program}: {stderr}");
        assert!(stderr.starts_with("error: "), "{program}: {stderr}");
    }
}
