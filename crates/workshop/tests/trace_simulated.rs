//! `workshop trace --simulated`: the lessons traced on a simulated cluster
//! (SimGrid's SMPI), with the tracer linked into their traced builds
//! (`ci/build-smpi`, target/smpi/release/NAME-traced).
//!
//! Every test is named `smpi_…`. Without SMPI or its build they say so and
//! pass, unless `WORKSHOP_SMPI=required` (as `ci/test` sets it), which makes
//! them fail instead.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use workshop::trace::{self, JobTrace, Kind};

const WORKSHOP: &str = env!("CARGO_BIN_EXE_workshop");

fn run(command: &mut Command) -> Output {
    mpi_basics::deadline::output(command, Duration::from_secs(300)).expect("workshop starts")
}

/// `workshop trace --simulated [EXTRA…] --out OUT -- -n RANKS LESSON`; it must succeed.
fn traced(lesson: &str, ranks: usize, out: &Path, extra: &[&str]) -> (JobTrace, String) {
    let output = run(Command::new(WORKSHOP)
        .args(["trace", "--simulated", "--hide-output", "--out"])
        .arg(out)
        .args(extra)
        .args(["--", "-n", &ranks.to_string(), lesson]));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let job = trace::read_dir(&out.join("ranks")).expect("the ranks' trace files");
    (job, stdout)
}

#[test]
fn smpi_sum_p2p_rank_0_receives_from_1_to_7_in_order_on_the_simulated_clock() {
    if !mpi_basics::simulate::ready_for_tests("sum-p2p-traced") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sum-p2p");
    let (job, stdout) = traced("sum-p2p", 8, &out, &[]);
    assert_eq!(job.ranks.len(), 8);
    let receives: Vec<_> = job.ranks[0].events.iter().filter(|e| e.is_recv()).collect();
    let from: Vec<i32> = receives.iter().map(|e| e.peer).collect();
    assert_eq!(
        from,
        [1, 2, 3, 4, 5, 6, 7],
        "one after another, in rank order"
    );
    // Simulated time moves on with each receive, never back.
    for pair in receives.windows(2) {
        assert!(
            pair[0].start <= pair[0].end && pair[0].end <= pair[1].start,
            "{pair:?}"
        );
    }
    assert!(receives[6].end > receives[0].end, "{receives:?}");
    for r in 1..8 {
        let sends: Vec<_> = job.ranks[r].events.iter().filter(|e| e.is_send()).collect();
        assert_eq!(sends.len(), 1, "rank {r} sends once: {sends:?}");
        assert_eq!((sends[0].call.as_str(), sends[0].peer), ("MPI_Send", 0));
    }
    assert!(
        stdout.starts_with("Simulated: 8 ranks on infiniband (1 node of 36 cores)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Trace of sum-p2p on 8 ranks: 7 point-to-point messages"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Every message sent was received."),
        "{stdout}"
    );
    // The picture, as for a real run.
    let png = image::open(out.join("timeline.png")).unwrap().to_rgb8();
    assert_eq!(png.dimensions(), trace::timeline_size(8));
    let svg = std::fs::read_to_string(out.join("timeline.svg")).unwrap();
    assert!(svg.contains("simulated time since MPI_Init returned"));
}

#[test]
fn smpi_sum_reduce_is_one_reduce_on_every_rank() {
    if !mpi_basics::simulate::ready_for_tests("sum-p2p-traced") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sum-reduce");
    // Without --collectives: Open MPI's algorithms, as every simulated run.
    let (job, stdout) = traced("sum-reduce", 8, &out, &[]);
    for rank in &job.ranks {
        let calls: Vec<&str> = (rank.events.iter())
            .filter(|e| e.kind() != Kind::Setup)
            .map(|e| e.call.as_str())
            .collect();
        assert_eq!(calls, ["MPI_Reduce"], "rank {}", rank.rank);
    }
    assert!(
        stdout.contains("Open MPI's collective algorithms"),
        "{stdout}"
    );
    // Open MPI's tree: the root waits longest, for the whole tree; the leaves
    // send their value and return at once.
    let waits: Vec<i64> = (job.ranks.iter())
        .map(|r| r.events.iter().find(|e| e.call == "MPI_Reduce").unwrap())
        .map(|e| e.end - e.start)
        .collect();
    assert!(waits[1..].iter().all(|&w| w < waits[0]), "{waits:?}");
    assert!(waits.iter().filter(|&&w| w == 0).count() >= 4, "{waits:?}");
}

#[test]
fn smpi_two_runs_give_the_same_times() {
    if !mpi_basics::simulate::ready_for_tests("sum-p2p-traced") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let times = |name: &str| {
        let (job, _) = traced("sum-p2p", 8, &dir.path().join(name), &[]);
        let t: Vec<Vec<(i64, i64)>> = (job.ranks.iter())
            .map(|r| r.events.iter().map(|e| (e.start, e.end)).collect())
            .collect();
        t
    };
    assert_eq!(times("a"), times("b"));
}

/// What `workshop trace --simulated` says to bad input: one line, no panic.
fn refused(command: &mut Command, says: &str) {
    let output = run(command);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains(says), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn smpi_bad_input_is_one_clear_line() {
    let workshop = || {
        let mut c = Command::new(WORKSHOP);
        c.args(["trace", "--simulated", "--"]);
        c
    };
    // No SMPI: no smpirun on the PATH.
    let empty = tempfile::tempdir().unwrap();
    refused(
        workshop()
            .args(["-n", "4", "sum-p2p"])
            .env("PATH", empty.path()),
        "SMPI is not installed",
    );
    refused(workshop().args(["sum-p2p"]), "-n RANKS LESSON");
    if !mpi_basics::simulate::ready_for_tests("sum-p2p-traced") {
        return;
    }
    refused(
        workshop().args(["-n", "4", "no-such-lesson"]),
        "`no-such-lesson` is not a simulated lesson: the traced ones are sum-p2p, sum-reduce",
    );
    refused(
        workshop().args(["-n", "100000", "sum-p2p"]),
        "100000 ranks do not fit on infiniband",
    );
    // A workshop without the SMPI build beside it (its target/smpi is looked for
    // beside its own target/release).
    let copy = empty.path().join("target/release/workshop");
    std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
    std::fs::copy(WORKSHOP, &copy).unwrap();
    refused(
        Command::new(&copy).args(["trace", "--simulated", "--", "-n", "4", "sum-p2p"]),
        "run ci/build-smpi",
    );
}
