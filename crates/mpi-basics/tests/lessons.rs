//! The lesson programs under real MPI at 1 to 4 ranks: each test computes the
//! lines the workshop's program would print at that rank count and compares
//! them, sorted (ranks print in no fixed order), with what the program printed.

use std::process::Output;
use std::time::Duration;

use mpi_basics::expect;
use mpi_basics::launch::{mpiexec, sorted_lines, stdout_of};

/// Runs `program` at `ranks` ranks and checks it succeeds and prints exactly `expected` (any
/// order); returns its output for more checks.
fn check(program: &str, ranks: usize, args: &[&str], expected: Vec<String>) -> Output {
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
    out
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
        let expected = expect::sorted(expect::hello_mpi_lines(n));
        check(env!("CARGO_BIN_EXE_hello-mpi"), n, &[], expected);
    }
}

#[test]
fn hello_mpi_names_the_host_of_every_rank_when_asked() {
    // One machine: every rank runs on this host (ci/cluster-test runs it across hosts).
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").expect("hostname");
    let expected = (0..3)
        .map(|r| format!("hello world from process {r}/3 on {}", host.trim()))
        .collect();
    check(env!("CARGO_BIN_EXE_hello-mpi"), 3, &["--host"], expected);
}

#[test]
fn hello_p2p_sends_each_rank_its_greeting() {
    let program = env!("CARGO_BIN_EXE_hello-p2p");
    check_needs_more_ranks(program, 1);
    for n in 2..=4 {
        check(program, n, &[], expect::sorted(expect::hello_lines(n)));
    }
}

#[test]
fn hello_bcast_reaches_every_other_rank() {
    let program = env!("CARGO_BIN_EXE_hello-bcast");
    check_needs_more_ranks(program, 1);
    for n in 2..=4 {
        check(program, n, &[], expect::sorted(expect::bcast_lines(n)));
    }
}

#[test]
fn sum_p2p_and_sum_reduce_work_out_the_same_total() {
    for n in 1..=4 {
        let lines = expect::sorted(expect::sum_lines(n));
        check(env!("CARGO_BIN_EXE_sum-p2p"), n, &[], lines.clone());
        check(env!("CARGO_BIN_EXE_sum-reduce"), n, &[], lines);
    }
}

#[test]
fn lessons_reject_arguments_with_one_line() {
    for program in [
        env!("CARGO_BIN_EXE_hello-mpi"),
        env!("CARGO_BIN_EXE_hello-p2p"),
        env!("CARGO_BIN_EXE_sum-p2p"),
    ] {
        lesson_cli::testing::assert_usage_error(program, &["--bogus"]);
    }
}

#[test]
fn scatter_gather_collects_ten_times_each_rank() {
    for n in 1..=4 {
        let expected = expect::sorted(expect::scatter_gather_lines(n));
        check(env!("CARGO_BIN_EXE_scatter-gather"), n, &[], expected);
    }
}

#[test]
fn scatter_uneven_gives_contiguous_blocks_both_ways() {
    // The workshop's case: 8 elements at 4 ranks, two each.
    assert_eq!(
        blocks(8, 4),
        vec![vec![0, 1], vec![2, 3], vec![4, 5], vec![6, 7]]
    );
    for n in 1..=4 {
        for elements in [8usize, 10, 2, 0] {
            let blocks = blocks(elements, n);
            let counts: Vec<usize> = blocks.iter().map(Vec::len).collect();
            // each block starts where the previous ones end
            let displs: Vec<usize> = counts
                .iter()
                .scan(0, |start, count| {
                    *start += count;
                    Some(*start - count)
                })
                .collect();
            let mut expected = vec![
                format!("Rank 0 packaged {elements} elements as {blocks:?}"),
                format!("Rank 0 scatters with counts {counts:?} and displacements {displs:?}"),
            ];
            for (r, block) in blocks.iter().enumerate() {
                expected.push(format!("Rank {r} received {block:?} with scatter_obj"));
                expected.push(format!("Rank {r} received {block:?} with scatter_varcount"));
            }
            let arg = elements.to_string();
            check(
                env!("CARGO_BIN_EXE_scatter-uneven"),
                n,
                &["--elements", &arg],
                expected,
            );
        }
    }
}

/// `0..elements` cut into `ranks` contiguous blocks, the first ones one longer.
fn blocks(elements: usize, ranks: usize) -> Vec<Vec<usize>> {
    let (base, extra) = (elements / ranks, elements % ranks);
    let mut next = 0;
    (0..ranks)
        .map(|r| {
            let len = base + usize::from(r < extra);
            next += len;
            (next - len..next).collect()
        })
        .collect()
}

#[test]
fn send_recv_status_reports_source_tag_and_count() {
    let program = env!("CARGO_BIN_EXE_send-recv-status");
    check_needs_more_ranks(program, 1);
    for n in 2..=4 {
        let mut expected = Vec::new();
        for r in 1..n {
            let list: Vec<usize> = (1..=r).collect();
            expected.push(format!(
                "Rank 0 received {list:?} from rank {r}, tag 1, count {r}"
            ));
            let greeting = format!("Greetings from rank {r}");
            // postcard: a one-byte length (under 128), then the UTF-8 bytes
            let bytes = 1 + greeting.len();
            expected.push(format!(
                "Rank 0 received {greeting:?} from rank {r}, tag 2, {bytes} bytes"
            ));
        }
        check(program, n, &[], expected);
    }
}

#[test]
fn reduce_ops_computes_every_operation() {
    // The program's inputs: rank r holds value(r) and flag(r), and arrays of the next three.
    let value = |r: usize| ((r * 3 + 2) % 5 + 1) as i64;
    let flag = |r: usize| i64::from(r.is_multiple_of(3));
    for n in 1..=4 {
        let column = |input: &dyn Fn(usize) -> i64, j: usize| -> Vec<i64> {
            (0..n).map(|r| input(r + j)).collect()
        };
        type Op = fn(&[i64]) -> i64;
        let ops: [(&str, bool, Op); 10] = [
            ("SUM", false, |v| v.iter().sum()),
            ("PROD", false, |v| v.iter().product()),
            ("MAX", false, |v| *v.iter().max().unwrap()),
            ("MIN", false, |v| *v.iter().min().unwrap()),
            ("LAND", true, |v| i64::from(v.iter().all(|&x| x != 0))),
            ("LOR", true, |v| i64::from(v.iter().any(|&x| x != 0))),
            ("LXOR", true, |v| {
                (v.iter().filter(|&&x| x != 0).count() % 2) as i64
            }),
            ("BAND", false, |v| v.iter().fold(!0, |a, b| a & b)),
            ("BOR", false, |v| v.iter().fold(0, |a, b| a | b)),
            ("BXOR", false, |v| v.iter().fold(0, |a, b| a ^ b)),
        ];
        let mut expected = Vec::new();
        for (name, on_flags, op) in ops {
            let input: &dyn Fn(usize) -> i64 = if on_flags { &flag } else { &value };
            let per_element: Vec<i64> = (0..3).map(|j| op(&column(input, j))).collect();
            expected.push(format!(
                "{name}: {}, element-wise {per_element:?}",
                per_element[0]
            ));
        }
        for (name, pick_max) in [("MAXLOC", true), ("MINLOC", false)] {
            let loc = |j: usize| {
                let col = column(&value, j);
                let best = if pick_max {
                    *col.iter().max().unwrap()
                } else {
                    *col.iter().min().unwrap()
                };
                (best, col.iter().position(|&x| x == best).unwrap())
            };
            let per_element: Vec<(i64, usize)> = (0..3).map(loc).collect();
            expected.push(format!(
                "{name}: {:?}, element-wise {per_element:?}",
                per_element[0]
            ));
        }
        let out = check(env!("CARGO_BIN_EXE_reduce-ops"), n, &[], expected);
        // Its pair datatype and operations are freed before MPI_Finalize: MPICH
        // (yaksa) reports a datatype left over as "leaked handle pool objects".
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("leaked"),
            "reduce-ops at {n} ranks: {stderr}"
        );
    }
}

#[test]
fn sum_allreduce_gives_every_rank_the_total() {
    for n in 1..=4 {
        let expected = expect::sorted(expect::allreduce_lines(n));
        check(env!("CARGO_BIN_EXE_sum-allreduce"), n, &[], expected);
    }
}

#[test]
fn exchange_swaps_arrays_safely_at_any_size() {
    let program = env!("CARGO_BIN_EXE_exchange");
    for n in 1..=4 {
        for mode in ["sendrecv", "nonblocking"] {
            let expected = expect::sorted(expect::exchange_arrays_lines(n, 100_000));
            check(program, n, &["--count", "100000", "--mode", mode], expected);
        }
        // Small standard sends are buffered by both MPIs we support: it works, unsafely.
        let expected = expect::sorted(expect::exchange_arrays_lines(n, 10));
        check(program, n, &["--count", "10"], expected);
    }
}

#[test]
fn exchange_by_synchronous_sends_first_hangs_at_any_size() {
    // MPI_Ssend waits for the matching receive, which neither partner reaches: the
    // launcher stops the job after its timeout, and no partner printed a line.
    let program = env!("CARGO_BIN_EXE_exchange");
    let mut job =
        mpi_basics::launch::mpiexec_command(program, 3, &["--count", "1", "--mode", "ssend"]);
    job.env("MPIEXEC_TIMEOUT", "3");
    // Should the launcher's own timeout fail, the test's deadline ends the job.
    let out =
        mpi_basics::deadline::output(&mut job, Duration::from_secs(60)).expect("the launcher runs");
    assert!(
        !out.status.success(),
        "a both-Ssend-first exchange cannot finish"
    );
    // (MPICH's launcher writes its timeout notice on standard output too.)
    let printed: Vec<String> = sorted_lines(&out)
        .into_iter()
        .filter(|l| l.starts_with("Rank "))
        .collect();
    assert_eq!(printed, ["Rank 2 has no partner"]);
}
