//! `workshop trace` end to end: the lessons traced under mpiexec with the
//! PMPI library, and what it records, draws and reports.
//!
//! It runs the programs built beside `workshop` (target/release/sum-p2p,
//! libmpi_trace.so, …): build the workspace first (`cargo build --release --workspace`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use workshop::trace::{self, JobTrace, Kind};

const WORKSHOP: &str = env!("CARGO_BIN_EXE_workshop");

fn bin(name: &str) -> PathBuf {
    let path = Path::new(WORKSHOP).with_file_name(name);
    assert!(
        path.is_file(),
        "{} is not built: run `cargo build --release --workspace` first",
        path.display()
    );
    path
}

/// Runs `command`, killing it and all it started after `secs` seconds should
/// the launcher's own timeout fail: a hung job fails its test, never CI.
fn within(command: &mut Command, secs: u64) -> Output {
    mpi_basics::deadline::output(command, Duration::from_secs(secs)).expect("the job starts")
}

/// `workshop trace --out OUT -- mpiexec -n RANKS PROGRAM`, with a timeout; the job must succeed.
fn traced(program: &str, ranks: usize, out: &Path) -> (Output, String) {
    let (output, stdout) = traced_any(program, ranks, out);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (output, stdout)
}

/// The same, however the job ends.
fn traced_any(program: &str, ranks: usize, out: &Path) -> (Output, String) {
    bin("libmpi_trace.so");
    let mut command = Command::new(WORKSHOP);
    command
        .args(["trace", "--out"])
        .arg(out)
        .arg("--")
        .args(launcher(ranks))
        .arg(bin(program))
        .env("MPIEXEC_TIMEOUT", "60");
    let output = within(&mut command, 120);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    (output, stdout)
}

/// A job left a message unreceived: it ends normally (Open MPI, MPICH 4.0), or
/// MPICH 4.1 and newer fail it in MPI_Finalize, saying so ("Communicator
/// (handle=44000000) being freed has 1 unmatched message(s)").
fn ended_normally_or_mpich_saw_the_message(output: &Output) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() || stderr.contains("unmatched message(s)"),
        "{}{stderr}",
        String::from_utf8_lossy(&output.stdout)
    );
}

/// The launcher's words for RANKS ranks (`mpiexec.mpich -n 4`, `mpirun.openmpi -n 4 …`).
fn launcher(ranks: usize) -> Vec<String> {
    mpi_basics::launch::launcher_line(ranks).expect("a launcher")
}

/// The launcher's command for RANKS ranks of `env VARS… PROGRAM`: the variables
/// reach the program whatever the launcher forwards (Open MPI's needs `-x`).
fn launched(ranks: usize, vars: &[(&str, &std::ffi::OsStr)], program: &str) -> Command {
    let line = launcher(ranks);
    let mut command = Command::new(&line[0]);
    command.args(&line[1..]).arg("env");
    for (name, value) in vars {
        let mut pair = std::ffi::OsString::from(format!("{name}="));
        pair.push(value);
        command.arg(pair);
    }
    command.arg(bin(program)).env("MPIEXEC_TIMEOUT", "60");
    command
}

fn untraced(program: &str, ranks: usize) -> Vec<u8> {
    let output = within(
        launched(ranks, &[], program).env("MPIEXEC_TIMEOUT", "60"),
        120,
    );
    assert!(output.status.success());
    output.stdout
}

fn job(out: &Path) -> JobTrace {
    trace::read_dir(&out.join("ranks")).expect("the ranks' trace files")
}

/// The program's own lines: everything before the summary.
fn program_part(stdout: &str) -> &str {
    &stdout[..stdout.find("Trace of ").expect("a summary")]
}

#[test]
fn sum_p2p_records_three_sends_to_rank_0_and_their_receives_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sum-p2p");
    let (_, stdout) = traced("sum-p2p", 4, &out);
    let job = job(&out);
    assert_eq!(job.ranks.len(), 4);

    for r in 1..4 {
        let sends: Vec<_> = job.ranks[r].events.iter().filter(|e| e.is_send()).collect();
        assert_eq!(sends.len(), 1, "rank {r} sends once: {sends:?}");
        assert_eq!((sends[0].call.as_str(), sends[0].peer), ("MPI_Send", 0));
        assert!(!job.ranks[r].events.iter().any(|e| e.is_recv()));
    }
    let receives: Vec<i32> = (job.ranks[0].events.iter())
        .filter(|e| e.is_recv())
        .map(|e| e.peer)
        .collect();
    assert_eq!(
        receives,
        [1, 2, 3],
        "rank 0 receives from 1, 2, 3 in sequence"
    );

    let messages = trace::messages(&job);
    assert_eq!(messages.len(), 3);
    let mut by_arrival: Vec<_> = messages
        .iter()
        .map(|m| (m.recv.expect("received"), m.source))
        .collect();
    by_arrival.sort();
    assert!(by_arrival.iter().all(|((rank, _), _)| *rank == 0));
    let order: Vec<i32> = by_arrival.iter().map(|(_, source)| *source).collect();
    assert_eq!(
        order,
        [1, 2, 3],
        "each send matched to the receive that took it"
    );

    assert!(
        stdout.contains("Trace of sum-p2p on 4 ranks: 3 point-to-point messages"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Every message sent was received."),
        "{stdout}"
    );
    assert!(stdout.contains("rank 0 waited "), "{stdout}");

    // The program's own output: the same lines as untraced (ranks print in any order).
    let mut traced_lines: Vec<&str> = program_part(&stdout).lines().collect();
    let plain = String::from_utf8(untraced("sum-p2p", 4)).unwrap();
    let mut plain_lines: Vec<&str> = plain.lines().collect();
    traced_lines.sort();
    plain_lines.sort();
    assert_eq!(traced_lines, plain_lines);

    // trace.json: valid JSON, one track per rank, one flow per message.
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("trace.json")).unwrap()).unwrap();
    let events = json["traceEvents"].as_array().expect("traceEvents");
    let count = |ph: &str, name: Option<&str>| {
        events
            .iter()
            .filter(|e| e["ph"] == ph && name.is_none_or(|n| e["name"] == n))
            .count()
    };
    assert_eq!(count("M", Some("thread_name")), 4, "one track per rank");
    assert_eq!(count("s", None), 3, "one flow start per message");
    assert_eq!(count("f", None), 3, "one flow end per message");
    assert_eq!(count("X", Some("MPI_Recv")), 3);

    // The timeline: the documented size, and boxes drawn in the point-to-point colour.
    let png = image::open(out.join("timeline.png")).unwrap().to_rgb8();
    assert_eq!(png.dimensions(), trace::timeline_size(4));
    let blue = png.pixels().filter(|p| p.0 == [31, 119, 180]).count();
    assert!(blue > 200, "only {blue} pixels of point-to-point boxes");
    let svg = std::fs::read_to_string(out.join("timeline.svg")).unwrap();
    assert!(svg.contains("rank 3"));
}

#[test]
fn sum_reduce_records_one_reduce_per_rank_and_no_messages() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t");
    let (_, stdout) = traced("sum-reduce", 4, &out);
    let job = job(&out);
    for rank in &job.ranks {
        let calls: Vec<&str> = (rank.events.iter())
            .filter(|e| e.kind() != Kind::Setup)
            .map(|e| e.call.as_str())
            .collect();
        assert_eq!(calls, ["MPI_Reduce"], "rank {}", rank.rank);
        let reduce = rank.events.iter().find(|e| e.call == "MPI_Reduce").unwrap();
        assert_eq!((reduce.peer, reduce.bytes), (0, 4), "root 0, one i32");
    }
    assert!(trace::messages(&job).is_empty());
    assert!(
        stdout.contains("0 point-to-point messages (0 B), 1 collective call per rank"),
        "{stdout}"
    );
}

#[test]
fn hello_bcast_records_one_bcast_per_rank() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t");
    traced("hello-bcast", 3, &out);
    let job = job(&out);
    assert_eq!(job.ranks.len(), 3);
    for rank in &job.ranks {
        let bcasts = rank.events.iter().filter(|e| e.call == "MPI_Bcast").count();
        assert_eq!(bcasts, 1, "rank {}", rank.rank);
        assert!(!rank.events.iter().any(|e| e.kind() == Kind::PointToPoint));
    }
}

#[test]
fn an_unmatched_send_is_reported_and_the_output_is_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t");
    let (output, stdout) = traced_any("unmatched-send", 2, &out);
    ended_normally_or_mpich_saw_the_message(&output);
    assert!(
        stdout.contains("1 message sent but never received:"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  rank 1 -> rank 0, tag 2, 4 B (MPI_Send)"),
        "{stdout}"
    );
    // Only rank 0 prints: its output is the same traced or not. (UCX itself
    // warns about the unreceived message on stdout, with a timestamp: left out.)
    let ours = |text: &str| -> String {
        text.lines()
            .filter(|l| !l.contains("UCX  WARN"))
            .map(|l| format!("{l}\n"))
            .collect()
    };
    let plain = within(&mut launched(2, &[], "unmatched-send"), 120);
    ended_normally_or_mpich_saw_the_message(&plain);
    let plain = String::from_utf8(plain.stdout).unwrap();
    assert_eq!(ours(program_part(&stdout)), ours(&plain));
    assert_eq!(ours(&plain), "Rank 0 received 7 with tag 1\n");
}

/// `mpiexec -n RANKS PROGRAM` with the library preloaded by hand, tracing into `dir`.
fn preloaded(program: &str, ranks: usize, dir: &Path, max_events: Option<&str>) -> Output {
    let lib = bin("libmpi_trace.so");
    let mut vars = vec![
        ("LD_PRELOAD", lib.as_os_str()),
        ("MPI_TRACE_DIR", dir.as_os_str()),
    ];
    if let Some(n) = max_events {
        vars.push(("MPI_TRACE_EVENTS", std::ffi::OsStr::new(n)));
    }
    let output = within(&mut launched(ranks, &vars, program), 120);
    assert!(output.status.success());
    output
}

#[test]
fn the_library_alone_changes_no_byte_of_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let output = preloaded("sum-p2p", 1, dir.path(), None);
    assert_eq!(output.stdout, untraced("sum-p2p", 1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("mpi-trace"),
        "the library is silent: {stderr}"
    );
    let job = trace::read_dir(dir.path()).unwrap();
    assert_eq!(job.ranks.len(), 1);
}

#[test]
fn a_small_buffer_drops_events_and_says_so() {
    // sum-p2p's rank 0 records MPI_Init_thread, 3 receives and MPI_Finalize;
    // a buffer of 2 events keeps the first two.
    let dir = tempfile::tempdir().unwrap();
    preloaded("sum-p2p", 4, dir.path(), Some("2"));
    let rank0 = trace::read_rank(&dir.path().join("rank-0.trace")).unwrap();
    assert_eq!(rank0.events.len(), 2);
    assert_eq!(
        rank0.dropped, 3,
        "two receives and MPI_Finalize did not fit"
    );
}

#[test]
fn clocks_aligned_by_ping_pongs_agree_with_the_shared_clock() {
    // On one host every rank reads the same clock: the true offset is 0, so the
    // ping-pong estimate (forced here) must come out near 0. Its error is at most
    // half the fastest round trip: microseconds on an idle machine, but
    // milliseconds when ranks wait for a busy core, hence the wide bound.
    let dir = tempfile::tempdir().unwrap();
    let lib = bin("libmpi_trace.so");
    let vars = [
        ("LD_PRELOAD", lib.as_os_str()),
        ("MPI_TRACE_DIR", dir.path().as_os_str()),
        ("MPI_TRACE_ALIGN", std::ffi::OsStr::new("always")),
    ];
    let output = within(&mut launched(3, &vars, "sum-p2p"), 120);
    assert!(output.status.success());
    for r in 1..3 {
        let text = std::fs::read_to_string(dir.path().join(format!("rank-{r}.trace"))).unwrap();
        let offset: i64 = (text.lines())
            .find_map(|l| l.strip_prefix("# offset_ns "))
            .expect("an offset line")
            .parse()
            .unwrap();
        assert!(offset.abs() < 50_000_000, "rank {r}: offset {offset} ns");
    }
    let job = trace::read_dir(dir.path()).unwrap();
    assert!(trace::messages(&job).iter().all(|m| m.recv.is_some()));
}

#[test]
fn a_job_that_cannot_start_is_a_one_line_error() {
    let output = Command::new(WORKSHOP)
        .args(["trace", "--", "/nonexistent/launcher", "-n", "2"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot run `/nonexistent/launcher`"),
        "{stderr}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}

/// `workshop trace [--ssend] -- mpiexec -n 2 PROGRAM`, stopped by the
/// launcher after 3 s: (its output, the summary).
fn traced_hang(program: &str, ssend: bool, out: &Path) -> (Output, String) {
    bin("libmpi_trace.so");
    let mut command = Command::new(WORKSHOP);
    command.args(["trace", "--out"]).arg(out);
    if ssend {
        command.arg("--ssend");
    }
    command
        .arg("--")
        .args(launcher(2))
        .arg(bin(program))
        .env("MPIEXEC_TIMEOUT", "3");
    let output = within(&mut command, 60);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    (output, stdout)
}

/// Both partners send first: MPICH's buffering lets that pass; with
/// `--ssend` (synchronous sends, as ci/check makes them) it hangs, and the
/// trace names both sends.
#[test]
fn both_sending_first_hangs_with_synchronous_sends() {
    let out = tempfile::tempdir().unwrap();
    let (output, stdout) = traced_hang("mutant-deadlock-both-send-first", true, out.path());
    assert!(!output.status.success(), "{stdout}");
    for (rank, partner) in [(0, 1), (1, 0)] {
        let line = format!("rank {rank} never returned from MPI_Send(to {partner}, tag 0)");
        assert!(stdout.contains(&line), "{line}\n{stdout}");
    }
    // Waiting sends are not messages: none is listed as never received.
    assert!(
        stdout.contains("Every message sent was received."),
        "{stdout}"
    );
}

/// The shipped deadlock exercise hangs: stopped by the launcher's timeout, it
/// still gets its picture, with both receives drawn to the end and named.
#[test]
fn a_hung_job_is_drawn_and_each_ranks_waiting_call_named() {
    let out = tempfile::tempdir().unwrap();
    let (output, _) = traced_hang("ex-deadlock", false, out.path());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "the job hangs: {stdout}{stderr}");
    for (rank, partner) in [(0, 1), (1, 0)] {
        let line = format!("rank {rank} never returned from MPI_Recv(from {partner}");
        assert!(stdout.contains(&line), "{line}\n{stdout}{stderr}");
    }
    assert!(out.path().join("timeline.png").is_file(), "{stdout}");
    let job = job(out.path());
    assert!(job.killed());
    for rank in &job.ranks {
        let stuck = rank.stuck_in().expect("a call that never returned");
        assert_eq!(stuck.call, "MPI_Recv");
        // Drawn to the end: it lasts until the launcher stopped the job (3 s).
        assert!(stuck.secs() > 2.0, "{stuck:?}");
    }
}
