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
//! longest wait and for whom, and every message sent but never received.
//!
//! The library must be built against the MPI that runs the job (rsmpi's
//! bindings are per MPI). For Open MPI: `MPICC=mpicc.openmpi
//! CARGO_TARGET_DIR=target-openmpi cargo build --release -p mpi-trace
//! -p mpi-basics`, then `workshop trace --lib
//! target-openmpi/release/libmpi_trace.so -- mpirun.openmpi -n 4
//! target-openmpi/release/sum-p2p`.
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

mod timeline;
pub use timeline::{MAX_ARROWS, timeline_size, write_timeline};

/// `workshop trace [--out DIR] -- LAUNCHER…`
#[derive(Args, Debug)]
pub struct TraceArgs {
    /// Folder for the timeline, trace.json and the ranks' files (default: target/trace/PROGRAM)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// The tracing library (default: libmpi_trace.so beside this program)
    #[arg(long, value_name = "FILE")]
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
    /// The job to trace, as you would start it: mpiexec -n 4 target/release/sum-p2p
    #[arg(last = true, required = true, value_name = "LAUNCHER")]
    pub command: Vec<String>,
}

// The files and their reader are shared with the tracer and the exercise checker.
use trace_format::WORLD;
pub use trace_format::{Event, JobTrace, Kind, RankTrace, kind_of, read_rank};

/// Reads the ranks' files of a job (see [`trace_format::read_dir`]).
pub fn read_dir(dir: &Path) -> Result<JobTrace, String> {
    trace_format::read_dir(dir, None)
}

/// A message: its send, and its receive if it was received.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub source: i32,
    pub dest: i32,
    pub tag: i32,
    pub bytes: u64,
    /// (rank, index into that rank's events) of the send.
    pub send: (usize, usize),
    pub recv: Option<(usize, usize)>,
}

/// Matches every send with its receive, by (source, destination, tag, order).
pub fn messages(job: &JobTrace) -> Vec<Message> {
    type Key = (i32, i32, i32, bool);
    let mut receives: HashMap<Key, Vec<(usize, usize)>> = HashMap::new();
    for (r, rank) in job.ranks.iter().enumerate() {
        for (i, e) in rank.events.iter().enumerate() {
            if e.is_recv() && e.peer >= 0 {
                let key = (e.peer, r as i32, e.tag, e.flags & WORLD != 0);
                receives.entry(key).or_default().push((r, i));
            }
        }
    }
    let mut taken: HashMap<Key, usize> = HashMap::new();
    let mut out = Vec::new();
    for (r, rank) in job.ranks.iter().enumerate() {
        for (i, e) in rank.events.iter().enumerate() {
            // A send that never returned is drawn as a wait, not as a message.
            if !e.is_send() || e.peer < 0 || e.never_returned() {
                continue;
            }
            let key = (r as i32, e.peer, e.tag, e.flags & WORLD != 0);
            let k = taken.entry(key).or_default();
            let recv = receives.get(&key).and_then(|list| list.get(*k)).copied();
            *k += 1;
            out.push(Message {
                source: r as i32,
                dest: e.peer,
                tag: e.tag,
                bytes: e.bytes,
                send: (r, i),
                recv,
            });
        }
    }
    out
}

/// The same collective call on every rank: the k-th collective on the world
/// communicator of each rank. For each rank's event index, the rank that
/// entered that collective last.
fn last_arrivals(job: &JobTrace) -> HashMap<(usize, usize), i32> {
    let lists: Vec<Vec<usize>> = job
        .ranks
        .iter()
        .map(|rank| {
            (rank.events.iter().enumerate())
                .filter(|(_, e)| e.kind() == Kind::Collective && e.flags & WORLD != 0)
                .map(|(i, _)| i)
                .collect()
        })
        .collect();
    let n = lists.iter().map(Vec::len).min().unwrap_or(0);
    let mut out = HashMap::new();
    for k in 0..n {
        let same_call = lists
            .iter()
            .enumerate()
            .all(|(r, l)| job.ranks[r].events[l[k]].call == job.ranks[0].events[lists[0][k]].call);
        if !same_call {
            break; // the ranks' collectives do not line up: say nothing rather than guess
        }
        let last = (0..lists.len())
            .max_by_key(|&r| job.ranks[r].events[lists[r][k]].start)
            .unwrap_or(0) as i32;
        for (r, l) in lists.iter().enumerate() {
            out.insert((r, l[k]), last);
        }
    }
    out
}

/// Times as people read them: `850 ns`, `12.3 µs`, `2.1 ms`, `1.25 s`.
pub fn human_time(secs: f64) -> String {
    if secs < 1e-6 {
        format!("{:.0} ns", secs * 1e9)
    } else if secs < 1e-3 {
        format!("{:.1} µs", secs * 1e6)
    } else if secs < 1.0 {
        format!("{:.1} ms", secs * 1e3)
    } else {
        format!("{secs:.2} s")
    }
}

fn human_bytes(bytes: u64) -> String {
    match bytes {
        b if b < 10_000 => format!("{b} B"),
        b if b < 10_000_000 => format!("{:.1} KB", b as f64 / 1e3),
        b => format!("{:.1} MB", b as f64 / 1e6),
    }
}

/// The summary printed after the job.
pub fn summary(job: &JobTrace, messages: &[Message], out_dir: &Path) -> String {
    let program = &job.ranks[0].program;
    let mut s = String::new();
    let total_bytes: u64 = messages.iter().map(|m| m.bytes).sum();
    let collectives = job
        .ranks
        .iter()
        .map(|r| r.calls().filter(|e| e.kind() == Kind::Collective).count())
        .max()
        .unwrap_or(0);
    let _ = writeln!(
        s,
        "Trace of {program} on {} ranks: {} point-to-point messages ({}), {collectives} collective calls per rank",
        job.ranks.len(),
        messages.len(),
        human_bytes(total_bytes)
    );
    let _ = writeln!(
        s,
        "| rank | computing | in MPI | MPI calls | messages sent | messages received | longest wait |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|");
    let last = last_arrivals(job);
    let mut waits = Vec::new();
    for (r, rank) in job.ranks.iter().enumerate() {
        let span = (rank.finish() - rank.begin()).max(0) as f64 * 1e-9;
        let in_mpi: f64 = rank.calls().filter(|e| !e.is_part()).map(Event::secs).sum();
        let calls: u64 = rank
            .calls()
            .filter(|e| !e.is_part())
            .map(|e| u64::from(e.count))
            .sum();
        let sent: Vec<&Message> = messages.iter().filter(|m| m.source == r as i32).collect();
        let got: Vec<&Message> = messages
            .iter()
            .filter(|m| m.recv.is_some_and(|(d, _)| d == r))
            .collect();
        let longest = (rank.events.iter().enumerate())
            .filter(|(_, e)| e.kind() != Kind::Setup && !e.is_part())
            .max_by_key(|(_, e)| e.end - e.start);
        let wait = match longest {
            Some((i, e)) => {
                let whom = if e.kind() == Kind::Collective {
                    match last.get(&(r, i)) {
                        Some(&l) if l != r as i32 => format!(" for rank {l}"),
                        Some(_) => " (the last to arrive)".to_owned(),
                        None => String::new(),
                    }
                } else if e.peer >= 0 {
                    format!(" for rank {}", e.peer)
                } else if e.count > 1 {
                    format!(" (polling, {} calls)", e.count)
                } else {
                    String::new()
                };
                let line = format!(
                    "rank {r} waited {} in {}{whom}",
                    human_time(e.secs()),
                    e.call
                );
                let cell = format!("{} in {}{whom}", human_time(e.secs()), e.call);
                waits.push(line);
                cell
            }
            None => "-".to_owned(),
        };
        let share = |x: f64| {
            if span > 0.0 {
                format!("{} ({:.0} %)", human_time(x), 100.0 * x / span)
            } else {
                human_time(x)
            }
        };
        let _ = writeln!(
            s,
            "| {r} | {} | {} | {calls} | {} msgs, {} | {} msgs, {} | {wait} |",
            share((span - in_mpi).max(0.0)),
            share(in_mpi.min(span.max(in_mpi))),
            sent.len(),
            human_bytes(sent.iter().map(|m| m.bytes).sum()),
            got.len(),
            human_bytes(got.iter().map(|m| m.bytes).sum()),
        );
    }
    for line in waits {
        let _ = writeln!(s, "{line}");
    }
    let lost: Vec<&Message> = messages.iter().filter(|m| m.recv.is_none()).collect();
    if lost.is_empty() {
        let _ = writeln!(s, "Every message sent was received.");
    } else {
        let _ = writeln!(s, "{} messages sent but never received:", lost.len());
        for m in lost {
            let e = &job.ranks[m.send.0].events[m.send.1];
            let _ = writeln!(
                s,
                "  rank {} -> rank {}, tag {}, {} ({})",
                m.source,
                m.dest,
                m.tag,
                human_bytes(m.bytes),
                e.call
            );
        }
    }
    for rank in &job.ranks {
        if rank.dropped > 0 {
            let _ = writeln!(
                s,
                "rank {}: the trace buffer was full, {} events dropped (raise MPI_TRACE_EVENTS)",
                rank.rank, rank.dropped
            );
        }
        if rank.untracked > 0 {
            let _ = writeln!(
                s,
                "rank {}: {} requests were not followed, their receives are not matched",
                rank.rank, rank.untracked
            );
        }
        if rank.ended == "abort" {
            let _ = writeln!(s, "rank {} called MPI_Abort", rank.rank);
        }
        if let Some(stuck) = rank.stuck_in() {
            let _ = writeln!(
                s,
                "rank {} never returned from {}",
                rank.rank,
                stuck.described()
            );
        } else if rank.ended == "killed" {
            let _ = writeln!(s, "rank {} was stopped outside MPI", rank.rank);
        }
    }
    if messages.len() > MAX_ARROWS {
        let _ = writeln!(
            s,
            "{} messages: the timeline draws one arrow per sender, receiver and 1/100 of the time (trace.json has every message)",
            messages.len()
        );
    }
    // Shown relative to the current folder when inside it (the notes show this line).
    let cwd = std::env::current_dir().unwrap_or_default();
    let shown = out_dir.strip_prefix(&cwd).unwrap_or(out_dir);
    let _ = writeln!(
        s,
        "Timeline: {0}/timeline.png (and .svg); Perfetto or chrome://tracing: {0}/trace.json",
        shown.display()
    );
    s
}

/// JSON string contents (the names here are plain, but a program may be named anything).
fn json_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// The job in the Chrome trace-event format: process 0 is the job, thread R
/// is rank R; an "X" (complete) event per call; an "s"/"f" flow pair per
/// message, from its send to its receive. Times in microseconds from the
/// first rank's return from MPI_Init.
pub fn chrome_json(job: &JobTrace, messages: &[Message]) -> String {
    let t0 = origin(job);
    let us = |t: i64| (t - t0) as f64 / 1000.0;
    let mut items: Vec<String> = Vec::new();
    let program = json_escape(&job.ranks[0].program);
    items.push(format!(
        r#"{{"name":"process_name","ph":"M","pid":0,"tid":0,"args":{{"name":"{program} ({} ranks)"}}}}"#,
        job.ranks.len()
    ));
    for (r, rank) in job.ranks.iter().enumerate() {
        items.push(format!(
            r#"{{"name":"thread_name","ph":"M","pid":0,"tid":{r},"args":{{"name":"rank {r}"}}}}"#
        ));
        items.push(format!(
            r#"{{"name":"thread_sort_index","ph":"M","pid":0,"tid":{r},"args":{{"sort_index":{r}}}}}"#
        ));
        for e in rank.calls().filter(|e| !e.is_part()) {
            let cat = match e.kind() {
                Kind::PointToPoint => "p2p",
                Kind::Collective => "collective",
                Kind::Waiting => "waiting",
                Kind::Setup => "setup",
            };
            items.push(format!(
                r#"{{"name":"{}","cat":"{cat}","ph":"X","pid":0,"tid":{r},"ts":{:.3},"dur":{:.3},"args":{{"peer":{},"tag":{},"bytes":{},"calls":{}}}}}"#,
                json_escape(&e.call),
                us(e.start),
                us(e.end) - us(e.start),
                e.peer,
                e.tag,
                e.bytes,
                e.count
            ));
        }
    }
    for (id, m) in messages.iter().enumerate() {
        let Some((dr, di)) = m.recv else { continue };
        let send = &job.ranks[m.send.0].events[m.send.1];
        let recv = &job.ranks[dr].events[di];
        // Flow ends bind to the slice that encloses them: just inside each call.
        let at_recv = if recv.end > recv.start {
            recv.end - 1
        } else {
            recv.end
        };
        items.push(format!(
            r#"{{"name":"message","cat":"message","ph":"s","id":{id},"pid":0,"tid":{},"ts":{:.3},"args":{{"tag":{},"bytes":{}}}}}"#,
            m.source,
            us(send.start),
            m.tag,
            m.bytes
        ));
        items.push(format!(
            r#"{{"name":"message","cat":"message","ph":"f","bp":"e","id":{id},"pid":0,"tid":{dr},"ts":{:.3}}}"#,
            us(at_recv)
        ));
    }
    format!(
        "{{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n{}\n]}}\n",
        items.join(",\n")
    )
}

/// Time zero of the pictures: the first rank's return from MPI_Init.
fn origin(job: &JobTrace) -> i64 {
    job.ranks.iter().map(RankTrace::begin).min().unwrap_or(0)
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

/// Runs `workshop trace`.
pub fn run(args: &TraceArgs) -> Result<(), String> {
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
    let trace_root = target_dir()?.join("trace");
    let raw = trace_root.join(format!(".run-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&raw);
    std::fs::create_dir_all(&raw).map_err(|e| format!("{}: {e}", raw.display()))?;
    let result = trace_job(args, &lib, &raw, &trace_root);
    let _ = std::fs::remove_dir_all(&raw);
    result
}

fn trace_job(args: &TraceArgs, lib: &Path, raw: &Path, trace_root: &Path) -> Result<(), String> {
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
    // A job stopped while it hung (a timeout, Ctrl-C) leaves each rank's live
    // file: the calls they were inside are drawn up to this moment.
    let job = trace_format::read_dir(raw, Some(monotonic_ns())).map_err(|e| {
        if status.success() {
            e
        } else {
            format!("the traced job failed ({status}) and left no trace: {e}")
        }
    })?;
    let program = job.ranks[0].program.clone();
    let out = match &args.out {
        Some(out) => out.clone(),
        None => trace_root.join(if program.is_empty() { "job" } else { &program }),
    };
    write_outputs(&out, &job)?;
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
    print!("{}", summary(&job, &messages, &out));
    if status.success() {
        Ok(())
    } else {
        Err(format!("the traced job failed ({status})"))
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
/// `out` is whole or as it was.
fn write_outputs(out: &Path, job: &JobTrace) -> Result<(), String> {
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
        write_timeline(&temp, job, &messages)
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
            text.contains("1 messages sent but never received"),
            "{text}"
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
