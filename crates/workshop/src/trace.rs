//! `workshop trace -- mpiexec -n 4 target/release/sum-p2p`: see the messages.
//!
//! Runs the launcher line with the tracing library `libmpi_trace.so`
//! (crates/mpi-trace) preloaded, so every MPI call of every rank is recorded
//! through MPI's profiling interface, with no change to the program. Then it
//! reads the per-rank files and writes into `target/trace/<program>/`:
//!
//! - `timeline.png` and `timeline.svg`: one lane per rank, time across; a box
//!   for each MPI call, coloured by kind (point-to-point, collective, waiting),
//!   plain lane for computing; an arrow from each send to its receive;
//! - `trace.json`: the Chrome trace-event format that Perfetto
//!   (ui.perfetto.dev) and `chrome://tracing` open: one track per rank, one
//!   slice per call, one flow arrow per message;
//! - `ranks/rank-R.trace`: what each rank recorded (see crates/mpi-trace);
//!
//! and prints a summary after the program's own output (which it leaves
//! untouched): per rank, time computing and in MPI, messages and bytes, the
//! longest wait and for whom, and every message sent but never received; for
//! a program that runs threads, the MPI thread level asked for and granted.
//!
//! The library must be built against the MPI that runs the job (rsmpi's
//! bindings are per MPI): the one beside this program is, when both come from
//! the same build (`. ci/mpi-env`, then `cargo build --release --workspace`;
//! with Open MPI they are in target/openmpi/release).
//!
//! `workshop trace --simulated -- -n 64 sum-p2p` traces a lesson on a
//! simulated cluster instead (SimGrid's SMPI): the same files, picture and
//! summary, in simulated time (`trace/simulated.rs`).
//!
//! The summary and `trace.json` are made in `trace/report.rs`, the picture in
//! `trace/timeline.rs`.
//!
//! # Matching sends to receives
//!
//! MPI keeps messages between one sender and one receiver with the same tag
//! (and communicator) in order: the k-th such send is received by the k-th
//! such receive. So sends and receives are matched by (source, destination,
//! tag, order).

use std::collections::{BTreeMap, HashMap};
use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use clap::Args;
use plotters::prelude::*;

use crate::plot::{FONT, register_font};

mod report;
mod simulated;
mod timeline;
pub use report::{Message, chrome_json, human_time, messages, summary};
use report::{counted, origin};
pub use timeline::{MAX_ARROWS, timeline_size, write_timeline};

/// `workshop trace [--out DIR] -- LAUNCHER…`, or `workshop trace --simulated -- -n N LESSON`
#[derive(Args, Debug)]
pub struct TraceArgs {
    /// Folder for the timeline, trace.json and the ranks' files (default: target/trace/PROGRAM,
    /// or target/trace/simulated/PROGRAM)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// The tracing library (default: libmpi_trace.so beside this program)
    #[arg(long, value_name = "FILE", conflicts_with = "simulated")]
    pub lib: Option<PathBuf>,
    /// Make every send to another rank synchronous (MPI_Ssend), as `ci/check`
    /// does: a program that works only while MPI buffers small messages hangs
    /// (stop it with MPIEXEC_TIMEOUT=S), and the trace shows where
    #[arg(long)]
    pub ssend: bool,
    /// Do not show the traced program's own output (only the summary)
    #[arg(long)]
    pub hide_output: bool,
    /// Also save the timeline picture as FILE.png (for the notes; not under
    /// `workshop notes --check`, which changes nothing)
    #[arg(long, value_name = "FILE.png")]
    pub save_png: Option<PathBuf>,
    /// Run the job on a simulated cluster (SimGrid's SMPI; ci/build-smpi builds the
    /// lessons with the tracer linked in): the job is then `-n RANKS LESSON [ARGS…]`,
    /// e.g. `workshop trace --simulated -- -n 64 sum-p2p`, and every time is simulated
    /// (the same on every run)
    #[arg(long)]
    pub simulated: bool,
    /// The simulated cluster: a platform of smpi/platforms (infiniband, ethernet) or a
    /// platform file; ranks fill one node's cores before the next
    #[arg(long, value_name = "NAME|FILE.xml", default_value = simulated::DEFAULT_PLATFORM, requires = "simulated")]
    pub platform: String,
    /// Whose collective algorithms SMPI plays (its smpi/coll-selector): ompi (Open MPI's
    /// choice, a tree for a small reduce: what every simulated run uses unless told), mpich,
    /// mvapich2, impi, or default (SMPI's own: a reduce's root receives every value at once)
    #[arg(long, value_name = "SELECTOR", requires = "simulated",
          value_parser = ["default", "ompi", "mpich", "mvapich2", "impi"])]
    pub collectives: Option<String>,
    /// The job to trace, as you would start it: mpiexec -n 4 target/release/sum-p2p
    /// (with --simulated: -n 64 sum-p2p)
    #[arg(last = true, required = true, value_name = "LAUNCHER")]
    pub command: Vec<String>,
}

// The files and their reader are shared with the tracer and the exercise checker.
pub use trace_format::{Event, JobTrace, Kind, RankTrace, kind_of, read_rank};
use trace_format::{WORLD, thread_level_name};

/// Reads the ranks' files of a job (see [`trace_format::read_dir`]).
pub fn read_dir(dir: &Path) -> Result<JobTrace, String> {
    trace_format::read_dir(dir, None)
}

// ---------------------------------------------------------------------------
// Running the job.

/// The tracing library beside this program (target/release/libmpi_trace.so).
fn default_lib() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    Ok(exe.with_file_name("libmpi_trace.so"))
}

/// target/ (this program is target/release/workshop).
fn target_dir() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    exe.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .ok_or_else(|| "cannot find the target folder".to_owned())
}

/// The job's command line, with the tracing library given to the MPI program only.
///
/// The program is the first argument after the launcher that names an
/// executable file; `env LD_PRELOAD=… MPI_TRACE_DIR=…` is put before it, so
/// the launcher and its helper processes (which are not MPI programs) do not
/// load the library (and with it libmpi). Otherwise (a program found through
/// PATH, say) the variables are set for the whole line, and Open MPI's
/// `mpirun`, which forwards only the variables named with `-x`, gets `-x`s;
/// the returned flag says so.
fn launcher_line(
    command: &[String],
    preload: &OsStr,
    dir: &Path,
    ssend: bool,
) -> (Vec<OsString>, bool) {
    let is_program = |arg: &String| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(arg).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    let mut line: Vec<OsString> = command.iter().map(OsString::from).collect();
    if let Some(i) = (1..command.len()).find(|&i| is_program(&command[i])) {
        let mut preload_var = OsString::from("LD_PRELOAD=");
        preload_var.push(preload);
        let mut dir_var = OsString::from("MPI_TRACE_DIR=");
        dir_var.push(dir);
        let mut vars = vec![OsString::from("env"), preload_var, dir_var];
        if ssend {
            vars.push(OsString::from("MPI_TRACE_SSEND=1"));
        }
        line.splice(i..i, vars);
        return (line, false);
    }
    let name = Path::new(&command[0])
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    if name.contains("openmpi") || name == "orterun" || name == "oshrun" {
        let mut flags = vec!["-x", "LD_PRELOAD", "-x", "MPI_TRACE_DIR"];
        if ssend {
            flags.extend(["-x", "MPI_TRACE_SSEND"]);
        }
        line.splice(1..1, flags.into_iter().map(OsString::from));
    }
    (line, true)
}

/// How a traced job ended.
struct Ended {
    /// Why it failed (`exit status: 1`), if it did.
    failed: Option<String>,
    /// When the job stopped, on the trace's clock: the calls of ranks that
    /// never returned (a job stopped while it hung) are drawn up to here.
    stopped_at: i64,
    /// Printed before the summary (how a simulated job was run).
    preamble: String,
    /// The program's name, where the ranks' files name another (a traced build).
    program: Option<String>,
    /// The simulated platform's name (the picture says "simulated").
    simulated: Option<String>,
}

/// Runs `workshop trace`.
pub fn run(args: &TraceArgs) -> Result<(), String> {
    let target = target_dir()?;
    let trace_root = target.join("trace");
    let raw = trace_root.join(format!(".run-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&raw);
    std::fs::create_dir_all(&raw).map_err(|e| format!("{}: {e}", raw.display()))?;
    let ended = if args.simulated {
        simulated::run_job(args, &raw, &target)
    } else {
        run_job(args, &raw)
    };
    let result = ended.and_then(|ended| report_job(args, &ended, &raw, &trace_root));
    let _ = std::fs::remove_dir_all(&raw);
    result
}

/// Runs the launcher line with the tracing library preloaded.
fn run_job(args: &TraceArgs, raw: &Path) -> Result<Ended, String> {
    let lib = match &args.lib {
        Some(lib) => lib.clone(),
        None => default_lib()?,
    };
    if !lib.is_file() {
        return Err(format!(
            "{}: the tracing library is not built: run `cargo build --release -p mpi-trace`",
            lib.display()
        ));
    }
    let lib = std::fs::canonicalize(&lib).map_err(|e| format!("{}: {e}", lib.display()))?;
    let preload = match std::env::var_os("LD_PRELOAD") {
        Some(old) if !old.is_empty() => {
            let mut v = lib.as_os_str().to_owned();
            v.push(":");
            v.push(old);
            v
        }
        _ => lib.as_os_str().to_owned(),
    };
    let (line, whole_line) = launcher_line(&args.command, &preload, raw, args.ssend);
    let mut command = Command::new(&line[0]);
    command.args(&line[1..]);
    if whole_line {
        command
            .env("LD_PRELOAD", &preload)
            .env("MPI_TRACE_DIR", raw);
        if args.ssend {
            command.env("MPI_TRACE_SSEND", "1");
        }
    }
    if args.hide_output {
        command.stdout(std::process::Stdio::null());
    }
    let status = command
        .status()
        .map_err(|e| format!("cannot run `{}`: {e}", args.command[0]))?;
    Ok(Ended {
        failed: (!status.success()).then(|| status.to_string()),
        // A job stopped while it hung (a timeout, Ctrl-C) leaves each rank's
        // live file: the calls they were inside are drawn up to this moment.
        stopped_at: monotonic_ns(),
        preamble: String::new(),
        program: None,
        simulated: None,
    })
}

/// Reads the ranks' files of a job that ended, writes the outputs and prints the summary.
fn report_job(
    args: &TraceArgs,
    ended: &Ended,
    raw: &Path,
    trace_root: &Path,
) -> Result<(), String> {
    let mut job =
        trace_format::read_dir(raw, Some(ended.stopped_at)).map_err(|e| match &ended.failed {
            None => e,
            Some(status) => format!("the traced job failed ({status}) and left no trace: {e}"),
        })?;
    if let Some(program) = &ended.program {
        for rank in &mut job.ranks {
            rank.program.clone_from(program);
        }
    }
    let program = job.ranks[0].program.clone();
    let out = match &args.out {
        Some(out) => out.clone(),
        // Simulated runs apart from real ones: target/trace/simulated/sum-p2p.
        None if ended.simulated.is_some() => trace_root.join("simulated").join(&program),
        None => trace_root.join(if program.is_empty() { "job" } else { &program }),
    };
    write_outputs(&out, &job, ended.simulated.as_deref())?;
    let checking_notes = std::env::var_os(crate::notes::CHECK_ENV).is_some();
    if let Some(png) = args.save_png.as_ref().filter(|_| !checking_notes) {
        if let Some(parent) = png.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        let temp = png.with_extension("png.tmp");
        std::fs::copy(out.join("timeline.png"), &temp)
            .and_then(|_| std::fs::rename(&temp, png))
            .map_err(|e| format!("{}: {e}", png.display()))?;
    }
    let messages = messages(&job);
    print!("{}{}", ended.preamble, summary(&job, &messages, &out));
    match &ended.failed {
        None => Ok(()),
        Some(status) => Err(format!("the traced job failed ({status})")),
    }
}

/// Now, on the monotonic clock the ranks of this host time their calls with.
fn monotonic_ns() -> i64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid out-pointer; CLOCK_MONOTONIC always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec * 1_000_000_000 + ts.tv_nsec
}

/// Writes the outputs into a new folder beside `out`, then puts it in place:
/// `out` is whole or as it was. `simulated`: the platform of a simulated run.
fn write_outputs(out: &Path, job: &JobTrace, simulated: Option<&str>) -> Result<(), String> {
    let messages = messages(job);
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    let name = out.file_name().unwrap_or_default().to_string_lossy();
    let temp = parent.join(format!(".{name}.new-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&temp);
    let ranks = temp.join("ranks");
    std::fs::create_dir_all(&ranks).map_err(|e| format!("{}: {e}", ranks.display()))?;
    let write = || -> Result<(), String> {
        // As text, also for ranks that were killed (read from their live files).
        for rank in &job.ranks {
            let file = ranks.join(format!("rank-{}.trace", rank.rank));
            std::fs::write(&file, rank.to_text())
                .map_err(|e| format!("{}: {e}", file.display()))?;
        }
        let json = temp.join("trace.json");
        std::fs::write(&json, chrome_json(job, &messages))
            .map_err(|e| format!("{}: {e}", json.display()))?;
        write_timeline(&temp, job, &messages, simulated)
    };
    if let Err(e) = write() {
        let _ = std::fs::remove_dir_all(&temp);
        return Err(e);
    }
    if out.exists() {
        if !out.join("trace.json").is_file()
            && std::fs::read_dir(out).is_ok_and(|mut d| d.next().is_some())
        {
            let _ = std::fs::remove_dir_all(&temp);
            return Err(format!(
                "{}: a folder that is not a trace output; choose another --out",
                out.display()
            ));
        }
        std::fs::remove_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    }
    std::fs::rename(&temp, out).map_err(|e| format!("{}: {e}", out.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use trace_format::{RECV, SEND};

    fn event(call: &str, start: i64, end: i64, peer: i32, tag: i32, flags: u8) -> Event {
        Event {
            call: call.into(),
            start,
            end,
            peer,
            tag,
            bytes: 4,
            count: 1,
            comm_peer: peer,
            flags: flags | WORLD,
        }
    }

    fn rank(r: i32, size: i32, mut calls: Vec<Event>) -> RankTrace {
        calls.insert(0, event("MPI_Init_thread", 0, 10, -1, -1, 0));
        let end = calls.last().map_or(10, |e| e.end) + 5;
        calls.push(event("MPI_Finalize", end, end, -1, -1, 0));
        RankTrace {
            rank: r,
            size,
            program: "demo".into(),
            ended: "finalize".into(),
            offset_ns: 0,
            thread_requested: 0,
            thread_level: 0,
            dropped: 0,
            untracked: 0,
            events: calls,
        }
    }

    #[test]
    fn calls_have_kinds() {
        assert_eq!(kind_of("MPI_Send"), Kind::PointToPoint);
        assert_eq!(kind_of("MPI_Mrecv"), Kind::PointToPoint);
        assert_eq!(kind_of("MPI_Improbe"), Kind::Waiting);
        assert_eq!(kind_of("MPI_Waitall"), Kind::Waiting);
        assert_eq!(kind_of("MPI_Reduce"), Kind::Collective);
        assert_eq!(kind_of("MPI_Finalize"), Kind::Setup);
    }

    #[test]
    fn sends_match_receives_by_source_dest_tag_and_order() {
        let job = JobTrace {
            ranks: vec![
                rank(
                    0,
                    2,
                    vec![
                        event("MPI_Recv", 20, 30, 1, 5, RECV),
                        event("MPI_Recv", 30, 40, 1, 5, RECV),
                        event("MPI_Recv", 40, 50, 1, 6, RECV),
                    ],
                ),
                rank(
                    1,
                    2,
                    vec![
                        event("MPI_Send", 11, 12, 0, 6, SEND),
                        event("MPI_Send", 12, 13, 0, 5, SEND),
                        event("MPI_Send", 13, 14, 0, 5, SEND),
                        event("MPI_Send", 14, 15, 0, 7, SEND),
                    ],
                ),
            ],
        };
        let m = messages(&job);
        assert_eq!(m.len(), 4);
        // Index 0 of rank 0 is MPI_Init_thread: receives are events 1, 2, 3.
        assert_eq!(m[0].recv, Some((0, 3)), "tag 6 to the tag-6 receive");
        assert_eq!(
            m[1].recv,
            Some((0, 1)),
            "first tag-5 send to the first tag-5 receive"
        );
        assert_eq!(m[2].recv, Some((0, 2)));
        assert_eq!(m[3].recv, None, "tag 7 was never received");
        let text = summary(&job, &m, Path::new("out"));
        assert!(
            text.contains("\n1 message sent but never received:"),
            "{text}"
        );
        // Counts of one are singular, others plural.
        assert!(
            text.starts_with(
                "Trace of demo on 2 ranks: 4 point-to-point messages (16 B), 0 collective calls per rank\n"
            ),
            "{text}"
        );
        assert!(text.contains("| 0 msgs, 0 B | 3 msgs, 12 B |"), "{text}");
        assert!(text.contains("| 4 msgs, 16 B | 0 msgs, 0 B |"), "{text}");
        let one = JobTrace {
            ranks: vec![
                rank(0, 2, vec![event("MPI_Recv", 20, 30, 1, 5, RECV)]),
                rank(1, 2, vec![event("MPI_Send", 11, 12, 0, 5, SEND)]),
            ],
        };
        let text_one = summary(&one, &messages(&one), Path::new("out"));
        assert!(
            text_one.starts_with("Trace of demo on 2 ranks: 1 point-to-point message (4 B), 0 collective calls per rank\n"),
            "{text_one}"
        );
        assert!(
            text_one.contains("| 0 msgs, 0 B | 1 msg, 4 B |"),
            "{text_one}"
        );
        assert!(
            text_one.contains("| 1 msg, 4 B | 0 msgs, 0 B |"),
            "{text_one}"
        );
        assert!(text.contains("rank 1 -> rank 0, tag 7"), "{text}");
        let json: String = chrome_json(&job, &m);
        assert_eq!(
            json.matches(r#""ph":"s""#).count(),
            3,
            "one flow per received message"
        );
    }

    #[test]
    fn the_longest_collective_wait_names_the_last_rank_to_arrive() {
        let job = JobTrace {
            ranks: vec![
                rank(0, 2, vec![event("MPI_Reduce", 20, 90, 0, -1, 0)]),
                rank(1, 2, vec![event("MPI_Reduce", 85, 90, 0, -1, 0)]),
            ],
        };
        let text = summary(&job, &messages(&job), Path::new("out"));
        assert!(
            text.contains("rank 0 waited 70 ns in MPI_Reduce for rank 1"),
            "{text}"
        );
        assert!(text.contains("Every message sent was received."), "{text}");
    }

    #[test]
    fn the_thread_levels_are_one_line_and_only_when_a_rank_asked_for_threads() {
        let single = JobTrace {
            ranks: vec![rank(0, 2, vec![]), rank(1, 2, vec![])],
        };
        let text = summary(&single, &[], Path::new("out"));
        assert!(!text.contains("thread level"), "{text}");
        let with = |levels: [(i32, i32); 3]| {
            let ranks = (0..3)
                .map(|r| RankTrace {
                    thread_requested: levels[r].0,
                    thread_level: levels[r].1,
                    ..rank(r as i32, 3, vec![])
                })
                .collect();
            summary(&JobTrace { ranks }, &[], Path::new("out"))
        };
        let text = with([(1, 1); 3]);
        assert_eq!(
            text.lines().nth(1),
            Some("MPI thread level: asked FUNNELED, got FUNNELED (every rank)"),
            "{text}"
        );
        let text = with([(3, 3), (3, 1), (3, 3)]);
        assert!(
            text.contains(
                "MPI thread level: asked MULTIPLE, got FUNNELED (rank 1); \
                 asked MULTIPLE, got MULTIPLE (ranks 0, 2)\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn times_read_naturally() {
        assert_eq!(human_time(2.1e-3), "2.1 ms");
        assert_eq!(human_time(12.34e-6), "12.3 µs");
        assert_eq!(human_time(850e-9), "850 ns");
        assert_eq!(human_time(1.25), "1.25 s");
    }

    #[test]
    fn the_library_goes_to_the_program_not_the_launcher() {
        let exe = std::env::current_exe()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let line = |s: &str| {
            let words: Vec<String> = s.split(' ').map(String::from).collect();
            let (line, whole) = launcher_line(&words, OsStr::new("/l.so"), Path::new("/d"), false);
            let line: Vec<String> = line
                .iter()
                .map(|w| w.to_string_lossy().into_owned())
                .collect();
            (line.join(" "), whole)
        };
        assert_eq!(
            line(&format!("mpiexec -n 4 {exe} --x")),
            (
                format!("mpiexec -n 4 env LD_PRELOAD=/l.so MPI_TRACE_DIR=/d {exe} --x"),
                false
            )
        );
        assert_eq!(line("mpiexec -n 4 p"), ("mpiexec -n 4 p".to_owned(), true));
        assert_eq!(
            line("mpirun.openmpi -n 2 p"),
            (
                "mpirun.openmpi -x LD_PRELOAD -x MPI_TRACE_DIR -n 2 p".to_owned(),
                true
            )
        );
    }
}
