//! Object messaging under real MPI: the `obj-selftest` program checks every
//! call at 1 to 4 ranks (each rank asserts what it receives; a failure aborts
//! the job) and rank 0 prints one `ok` line per check that ran. With the
//! tracer (crates/mpi-trace) preloaded, it also shows how many MPI messages
//! an object call makes: one for a small object, a tree for reduce_obj.

use std::path::Path;

use mpi_basics::launch::{mpiexec, mpiexec_command_with_env, output, sorted_lines, stdout_of};
use trace_format::JobTrace;

const SELFTEST: &str = env!("CARGO_BIN_EXE_obj-selftest");

/// The checks obj-selftest runs at `ranks` ranks (point-to-point ones need a partner).
fn expected_checks(ranks: usize) -> Vec<String> {
    let point_to_point = [
        "round trip String",
        "round trip nested Vec",
        "round trip struct",
        "round trip empty Vec",
        "round trip 10 MB Vec<f64>",
        "round trip 1 MB Vec<u32>",
        "round trip Vec<f32>",
        "round trip 40 KB Vec<f32>",
        "any source, any tag, status",
        "recv into the wrong type is an error",
        "recv of a large message into the wrong type is an error",
        "bcast into the wrong type is an error",
    ];
    let collective = [
        "bcast struct and 10 MB",
        "scatter nested Vec (one empty)",
        "gather struct",
        "allgather String",
        "collectives with the last rank as root",
        "gather and allgather short and long values",
        "reduce with closures, in rank order",
        "scatter with the wrong count is an error on every rank",
        "bcast without a root value is an error on every rank",
        "still in step after the errors",
    ];
    // A rank 2 that cannot encode needs 3 ranks.
    let from_3 = ["reduce of a value one rank cannot encode is an error at the root"];
    let p2p = if ranks >= 2 { &point_to_point[..] } else { &[] };
    let three = if ranks >= 3 { &from_3[..] } else { &[] };
    let mut lines: Vec<String> = p2p
        .iter()
        .chain(&collective)
        .chain(three)
        .map(|check| format!("ok {check}"))
        .collect();
    lines.sort();
    lines
}

#[test]
fn object_messaging_passes_every_check_at_1_to_4_ranks() {
    for ranks in 1..=4 {
        let out = mpiexec(SELFTEST, ranks, &[]);
        assert!(
            out.status.success(),
            "obj-selftest -n {ranks} failed: {}{}",
            stdout_of(&out),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            sorted_lines(&out),
            expected_checks(ranks),
            "at {ranks} ranks"
        );
    }
}

/// Runs `obj-selftest ARGS` at `ranks` ranks with the tracer preloaded;
/// returns what it printed and every rank's recorded MPI calls.
fn traced(ranks: usize, args: &[&str]) -> (String, JobTrace) {
    let lib = Path::new(SELFTEST).with_file_name("libmpi_trace.so");
    assert!(
        lib.is_file(),
        "{} is not built: cargo build --release -p mpi-trace",
        lib.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let vars = [
        ("LD_PRELOAD", lib.as_os_str()),
        ("MPI_TRACE_DIR", dir.path().as_os_str()),
    ];
    let out = output(&mut mpiexec_command_with_env(SELFTEST, ranks, &vars, args));
    let stdout = stdout_of(&out);
    assert!(
        out.status.success(),
        "obj-selftest {args:?} at {ranks} ranks: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let job = trace_format::read_dir(dir.path(), None).unwrap();
    assert_eq!(job.ranks.len(), ranks);
    (stdout, job)
}

/// The MPI calls a rank made between MPI_Init and MPI_Finalize, by name.
fn calls_of(job: &JobTrace, rank: i32) -> Vec<&str> {
    let trace = job.ranks.iter().find(|r| r.rank == rank).unwrap();
    trace
        .events
        .iter()
        .map(|e| e.call.as_str())
        .filter(|c| !c.starts_with("MPI_Init") && *c != "MPI_Finalize")
        .collect()
}

#[test]
fn a_small_object_travels_as_one_message() {
    let (stdout, job) = traced(2, &["--small-message"]);
    assert_eq!(
        stdout,
        "rank 1 received Point { x: 1.5, y: -2.0 } in 16 bytes\n"
    );
    assert_eq!(
        calls_of(&job, 0),
        ["MPI_Send"],
        "rank 0: one send, nothing else"
    );
    assert_eq!(
        calls_of(&job, 1),
        ["MPI_Recv"],
        "rank 1: one receive, nothing else"
    );
}

#[test]
fn reduce_obj_is_a_tree_in_rank_order_at_8_ranks() {
    let ranks = 8;
    for root in [0, 5] {
        let (stdout, job) = traced(ranks, &["--reduce-to", &root.to_string()]);
        assert_eq!(
            stdout,
            format!("reduce_obj to rank {root}: 0+1+2+3+4+5+6+7\n"),
            "a non-commutative op, combined in rank order"
        );
        let count =
            |rank: i32, call: &str| calls_of(&job, rank).iter().filter(|c| **c == call).count();
        for rank in 0..ranks as i32 {
            let calls = calls_of(&job, rank);
            assert!(
                calls.iter().all(|c| ["MPI_Send", "MPI_Recv"].contains(c)),
                "root {root}, rank {rank}: only point-to-point messages, got {calls:?}"
            );
            assert!(
                count(rank, "MPI_Send") <= 1,
                "root {root}, rank {rank} sends at most once: {calls:?}"
            );
        }
        // log2(8) = 3 rounds: rank 0 receives from ranks 1, 2 and 4.
        assert_eq!(
            count(0, "MPI_Recv"),
            3,
            "root {root}: {:?}",
            calls_of(&job, 0)
        );
        let sends: usize = (0..ranks as i32).map(|r| count(r, "MPI_Send")).sum();
        // 7 to build the tree, and one more from rank 0 to another root.
        assert_eq!(sends, if root == 0 { 7 } else { 8 }, "root {root}");
    }
}
