//! Object messaging under real MPI: the `obj-selftest` program checks every
//! call at 1 to 4 ranks (each rank asserts what it receives; a failure aborts
//! the job) and rank 0 prints one `ok` line per check that ran.

use mpi_basics::launch::{mpiexec, sorted_lines, stdout_of};

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
    let p2p = if ranks >= 2 { &point_to_point[..] } else { &[] };
    let mut lines: Vec<String> = p2p
        .iter()
        .chain(&collective)
        .map(|check| format!("ok {check}"))
        .collect();
    lines.sort();
    lines
}

#[test]
fn object_messaging_passes_every_check_at_1_to_4_ranks() {
    for ranks in 1..=4 {
        let out = mpiexec(env!("CARGO_BIN_EXE_obj-selftest"), ranks, &[]);
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
