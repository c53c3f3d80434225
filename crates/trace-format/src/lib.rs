//! The files of `libmpi_trace.so` (crates/mpi-trace), in one place for the
//! library that writes them and the tools that read them (`workshop trace`,
//! the exercise checker).
//!
//! A traced rank keeps its events in `rank-R.live` (see [`live`]), a file
//! mapped into its memory, so what it did survives even a `kill -9`. At
//! `MPI_Finalize` or `MPI_Abort` it writes them as text to `rank-R.trace` and
//! removes the live file. A job that hangs and is killed leaves only live
//! files: [`read_dir`] reads those too, and marks each call that never
//! returned with [`NEVER`].
//!
//! The text file: header lines `# key value` (`mpi-trace 1`, `rank`, `size`,
//! `offset_ns`, `thread_requested`, `thread_level`, `dropped`, `untracked`,
//! `events`, `program`, `ended` = finalize | abort | killed), then one line per event:
//! `call start end peer tag bytes count comm_peer flags`, tab-separated,
//! times in nanoseconds on rank 0's clock.

pub mod live;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

/// The event sends a message to `peer` (a send, or the send half of a sendrecv).
pub const SEND: u8 = 1;
/// The event completes the receive of a message from `peer`.
pub const RECV: u8 = 2;
/// An extra record of a call whose time another event already counts (the
/// receive half of a sendrecv, each receive completed by one waitall).
pub const PART: u8 = 4;
/// A poll (`MPI_Test`, `MPI_Iprobe`, ...) that found nothing; `count` of them merged.
pub const MISS: u8 = 8;
/// The call's communicator is `MPI_COMM_WORLD`.
pub const WORLD: u8 = 16;
/// The call never returned: the job was killed while the rank was inside it.
pub const NEVER: u8 = 32;

/// MPI's thread levels, numbered as the files number them: MPI's order, 0 to 3
/// (the values of the C constants are each implementation's own).
pub const THREAD_LEVELS: [&str; 4] = ["SINGLE", "FUNNELED", "SERIALIZED", "MULTIPLE"];

/// The name of a thread level as the files number it: `FUNNELED`.
pub fn thread_level_name(level: i32) -> &'static str {
    usize::try_from(level)
        .ok()
        .and_then(|i| THREAD_LEVELS.get(i))
        .map_or("unknown", |name| name)
}

/// The MPI functions the library traces. The number of each is what the
/// live file stores, so new calls go at the end.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum Call {
    Init,
    InitThread,
    Finalize,
    Abort,
    Send,
    Ssend,
    Recv,
    Isend,
    Irecv,
    Sendrecv,
    Probe,
    Iprobe,
    Mprobe,
    Improbe,
    Mrecv,
    Wait,
    Waitall,
    Waitany,
    Waitsome,
    Test,
    Testall,
    Testany,
    Testsome,
    Barrier,
    Ibarrier,
    Bcast,
    Reduce,
    Allreduce,
    Gather,
    Gatherv,
    Allgather,
    Allgatherv,
    Scatter,
    Scatterv,
}

impl Call {
    /// Every call, in the order of its number.
    pub const ALL: [Call; 34] = {
        use Call::*;
        [
            Init, InitThread, Finalize, Abort, Send, Ssend, Recv, Isend, Irecv, Sendrecv, Probe,
            Iprobe, Mprobe, Improbe, Mrecv, Wait, Waitall, Waitany, Waitsome, Test, Testall,
            Testany, Testsome, Barrier, Ibarrier, Bcast, Reduce, Allreduce, Gather, Gatherv,
            Allgather, Allgatherv, Scatter, Scatterv,
        ]
    };

    /// The MPI name, `MPI_Send`.
    pub fn name(self) -> &'static str {
        use Call::*;
        match self {
            Init => "MPI_Init",
            InitThread => "MPI_Init_thread",
            Finalize => "MPI_Finalize",
            Abort => "MPI_Abort",
            Send => "MPI_Send",
            Ssend => "MPI_Ssend",
            Recv => "MPI_Recv",
            Isend => "MPI_Isend",
            Irecv => "MPI_Irecv",
            Sendrecv => "MPI_Sendrecv",
            Probe => "MPI_Probe",
            Iprobe => "MPI_Iprobe",
            Mprobe => "MPI_Mprobe",
            Improbe => "MPI_Improbe",
            Mrecv => "MPI_Mrecv",
            Wait => "MPI_Wait",
            Waitall => "MPI_Waitall",
            Waitany => "MPI_Waitany",
            Waitsome => "MPI_Waitsome",
            Test => "MPI_Test",
            Testall => "MPI_Testall",
            Testany => "MPI_Testany",
            Testsome => "MPI_Testsome",
            Barrier => "MPI_Barrier",
            Ibarrier => "MPI_Ibarrier",
            Bcast => "MPI_Bcast",
            Reduce => "MPI_Reduce",
            Allreduce => "MPI_Allreduce",
            Gather => "MPI_Gather",
            Gatherv => "MPI_Gatherv",
            Allgather => "MPI_Allgather",
            Allgatherv => "MPI_Allgatherv",
            Scatter => "MPI_Scatter",
            Scatterv => "MPI_Scatterv",
        }
    }

    /// The call numbered `n` in a live file.
    pub fn from_number(n: u8) -> Option<Call> {
        Call::ALL.get(usize::from(n)).copied()
    }
}

/// One recorded MPI call (a line of a rank's file).
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub call: String,
    /// Nanoseconds, on rank 0's clock.
    pub start: i64,
    pub end: i64,
    /// The other rank (world rank; a collective's root), or -1.
    pub peer: i32,
    pub tag: i32,
    pub bytes: u64,
    /// Calls this event stands for (merged unsuccessful polls).
    pub count: u32,
    /// The peer's rank in the call's own communicator, or -1.
    pub comm_peer: i32,
    pub flags: u8,
}

impl Event {
    pub fn is_send(&self) -> bool {
        self.flags & SEND != 0
    }
    pub fn is_recv(&self) -> bool {
        self.flags & RECV != 0
    }
    /// Its time is counted by another event of the same call.
    pub fn is_part(&self) -> bool {
        self.flags & PART != 0
    }
    /// On `MPI_COMM_WORLD`.
    pub fn on_world(&self) -> bool {
        self.flags & WORLD != 0
    }
    /// The rank was still inside this call when the job was killed.
    pub fn never_returned(&self) -> bool {
        self.flags & NEVER != 0
    }
    pub fn kind(&self) -> Kind {
        kind_of(&self.call)
    }
    pub fn secs(&self) -> f64 {
        (self.end - self.start).max(0) as f64 * 1e-9
    }

    /// The call as a reader would write it: `MPI_Recv(from 1, tag 0)`,
    /// `MPI_Send(to 0, tag 5)`, `MPI_Reduce(root 0)`, `MPI_Barrier`.
    pub fn described(&self) -> String {
        let mut what = Vec::new();
        let peer = if self.peer >= 0 {
            self.peer
        } else {
            self.comm_peer
        };
        match self.kind() {
            Kind::PointToPoint | Kind::Waiting if peer >= 0 => {
                let dir = if self.is_send() { "to" } else { "from" };
                what.push(format!("{dir} {peer}"));
            }
            Kind::PointToPoint | Kind::Waiting if self.call.contains("Recv") => {
                what.push("from any rank".to_string());
            }
            Kind::Collective if peer >= 0 => what.push(format!("root {peer}")),
            _ => {}
        }
        if self.tag >= 0 && self.kind() != Kind::Collective {
            what.push(format!("tag {}", self.tag));
        }
        if what.is_empty() {
            self.call.clone()
        } else {
            format!("{}({})", self.call, what.join(", "))
        }
    }
}

/// What an MPI call does, for the colours and the summary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// MPI_Init, MPI_Finalize, MPI_Abort.
    Setup,
    PointToPoint,
    Collective,
    /// Waiting for or polling something started earlier (Wait, Test, Probe).
    Waiting,
}

pub fn kind_of(call: &str) -> Kind {
    let name = call.strip_prefix("MPI_").unwrap_or(call);
    match name {
        "Init" | "Init_thread" | "Finalize" | "Abort" => Kind::Setup,
        "Send" | "Ssend" | "Recv" | "Isend" | "Irecv" | "Sendrecv" | "Mrecv" => Kind::PointToPoint,
        n if n.starts_with("Wait") || n.starts_with("Test") || n.contains("probe") => Kind::Waiting,
        _ => Kind::Collective,
    }
}

/// What one rank recorded.
#[derive(Clone, Debug)]
pub struct RankTrace {
    pub rank: i32,
    pub size: i32,
    pub program: String,
    /// `finalize`, `abort`, or `killed` (read from a live file).
    pub ended: String,
    pub offset_ns: i64,
    /// The thread level the program asked for ([`THREAD_LEVELS`]): `MPI_Init`
    /// asks for SINGLE, `MPI_Init_thread` says. SINGLE in files written before
    /// it was recorded.
    pub thread_requested: i32,
    /// The thread level MPI granted.
    pub thread_level: i32,
    pub dropped: u64,
    pub untracked: u64,
    pub events: Vec<Event>,
}

impl RankTrace {
    /// When the program's own part began: MPI_Init returned.
    pub fn begin(&self) -> i64 {
        self.events
            .iter()
            .find(|e| e.kind() == Kind::Setup)
            .map_or(0, |e| e.end)
    }
    /// When it ended: MPI_Finalize (or MPI_Abort) was called, or it was killed.
    pub fn finish(&self) -> i64 {
        if self.ended == "killed" {
            return self.events.iter().map(|e| e.end).max().unwrap_or(0);
        }
        self.events
            .iter()
            .rev()
            .find(|e| e.kind() == Kind::Setup)
            .map_or_else(|| self.events.last().map_or(0, |e| e.end), |e| e.start)
    }
    /// The calls made by the program itself (not Init/Finalize).
    pub fn calls(&self) -> impl Iterator<Item = &Event> {
        self.events.iter().filter(|e| e.kind() != Kind::Setup)
    }
    /// The call it was inside when the job was killed.
    pub fn stuck_in(&self) -> Option<&Event> {
        self.events.iter().find(|e| e.never_returned())
    }

    /// The whole file, as `rank-R.trace` holds it.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = write!(
            out,
            "# mpi-trace 1\n# rank {}\n# size {}\n# offset_ns {}\n# thread_requested {}\n\
             # thread_level {}\n# dropped {}\n# untracked {}\n# events {}\n# program {}\n\
             # ended {}\n",
            self.rank,
            self.size,
            self.offset_ns,
            self.thread_requested,
            self.thread_level,
            self.dropped,
            self.untracked,
            self.events.len(),
            self.program,
            self.ended
        );
        for e in &self.events {
            let _ = writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                e.call, e.start, e.end, e.peer, e.tag, e.bytes, e.count, e.comm_peer, e.flags
            );
        }
        out
    }
}

/// A whole job's trace: one entry per rank, in rank order.
#[derive(Clone, Debug)]
pub struct JobTrace {
    pub ranks: Vec<RankTrace>,
}

impl JobTrace {
    /// Whether the job was killed before every rank finished.
    pub fn killed(&self) -> bool {
        self.ranks.iter().any(|r| r.ended == "killed")
    }
}

/// Reads a job's trace folder: every `rank-R.trace`, and for a rank that
/// left none (killed), its `rank-R.live`. A call that never returned is drawn
/// up to `killed_at` (nanoseconds of this host's monotonic clock, when the
/// job was stopped), or else up to the job's last recorded moment.
pub fn read_dir(dir: &Path, killed_at: Option<i64>) -> Result<JobTrace, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut ranks = Vec::new();
    let mut live = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if name.starts_with("rank-") && name.ends_with(".trace") {
            ranks.push(read_rank(&path)?);
        } else if name.starts_with("rank-") && name.ends_with(".live") {
            live.push(path);
        }
    }
    for path in live {
        let rank = live::read(&path)?;
        if !ranks.iter().any(|r| r.rank == rank.rank) {
            ranks.push(rank);
        }
    }
    if ranks.is_empty() {
        return Err(format!(
            "{}: no rank-R.trace or rank-R.live files: the job did not start MPI with the tracing library loaded",
            dir.display()
        ));
    }
    ranks.sort_by_key(|r| r.rank);
    let size = ranks[0].size;
    if ranks.len() != size as usize || ranks.iter().enumerate().any(|(i, r)| r.rank != i as i32) {
        return Err(format!(
            "{}: {} rank files for a job of {size} ranks (a rank never reached MPI_Init?)",
            dir.display(),
            ranks.len()
        ));
    }
    // Calls that never returned last until the job was stopped.
    let last = ranks
        .iter()
        .flat_map(|r| r.events.iter().map(|e| e.end))
        .max()
        .unwrap_or(0);
    let until = killed_at.map_or(last, |k| k.max(last));
    for rank in &mut ranks {
        for e in rank.events.iter_mut().filter(|e| e.never_returned()) {
            e.end = until;
        }
    }
    Ok(JobTrace { ranks })
}

/// Reads one rank's text file.
pub fn read_rank(path: &Path) -> Result<RankTrace, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse_rank(&text).map_err(|(line, why)| format!("{}:{line}: {why}", path.display()))
}

/// Parses the text of a rank's file; `Err((line, why))`.
pub fn parse_rank(text: &str) -> Result<RankTrace, (usize, String)> {
    let mut header: HashMap<&str, &str> = HashMap::new();
    let mut events = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if let Some(rest) = line.strip_prefix("# ") {
            let (key, value) = rest.split_once(' ').unwrap_or((rest, ""));
            header.insert(key, value);
            continue;
        }
        let bad = |why: &str| (i + 1, why.to_string());
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != 9 {
            return Err(bad(
                "not an event line of mpi-trace (9 tab-separated fields)",
            ));
        }
        let num = |j: usize| {
            f[j].parse::<i64>()
                .map_err(|_| bad("a field is not a number"))
        };
        events.push(Event {
            call: f[0].to_owned(),
            start: num(1)?,
            end: num(2)?,
            peer: num(3)? as i32,
            tag: num(4)? as i32,
            bytes: num(5)? as u64,
            count: num(6)? as u32,
            comm_peer: num(7)? as i32,
            flags: num(8)? as u8,
        });
    }
    if header.get("mpi-trace") != Some(&"1") {
        return Err((1, "not a trace file of mpi-trace version 1".to_string()));
    }
    let num = |key: &str| -> Result<i64, (usize, String)> {
        header
            .get(key)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| (1, format!("the header has no number `{key}`")))
    };
    Ok(RankTrace {
        rank: num("rank")? as i32,
        size: num("size")? as i32,
        program: header.get("program").unwrap_or(&"").to_string(),
        ended: header.get("ended").unwrap_or(&"").to_string(),
        offset_ns: num("offset_ns").unwrap_or(0),
        thread_requested: num("thread_requested").unwrap_or(0) as i32,
        thread_level: num("thread_level").unwrap_or(0) as i32,
        dropped: num("dropped")? as u64,
        untracked: num("untracked")? as u64,
        events,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(call: &str, peer: i32, tag: i32, flags: u8) -> Event {
        Event {
            call: call.into(),
            start: 1,
            end: 2,
            peer,
            tag,
            bytes: 4,
            count: 1,
            comm_peer: peer,
            flags,
        }
    }

    #[test]
    fn calls_are_numbered_in_order_and_named() {
        for (i, call) in Call::ALL.iter().enumerate() {
            assert_eq!(*call as u8 as usize, i);
            assert_eq!(Call::from_number(i as u8), Some(*call));
        }
        assert_eq!(Call::from_number(Call::ALL.len() as u8), None);
        assert_eq!(Call::Scatterv.name(), "MPI_Scatterv");
    }

    #[test]
    fn calls_are_described_as_a_reader_writes_them() {
        assert_eq!(
            event("MPI_Recv", 1, 0, WORLD).described(),
            "MPI_Recv(from 1, tag 0)"
        );
        assert_eq!(
            event("MPI_Send", 0, 5, SEND | WORLD).described(),
            "MPI_Send(to 0, tag 5)"
        );
        assert_eq!(
            event("MPI_Recv", -1, -1, 0).described(),
            "MPI_Recv(from any rank)"
        );
        assert_eq!(
            event("MPI_Reduce", 0, -1, 0).described(),
            "MPI_Reduce(root 0)"
        );
        assert_eq!(event("MPI_Barrier", -1, -1, 0).described(), "MPI_Barrier");
    }

    #[test]
    fn text_round_trips() {
        let rank = RankTrace {
            rank: 1,
            size: 2,
            program: "p".into(),
            ended: "killed".into(),
            offset_ns: -3,
            thread_requested: 1,
            thread_level: 3,
            dropped: 0,
            untracked: 0,
            events: vec![event("MPI_Recv", 0, 0, WORLD | NEVER)],
        };
        let back = parse_rank(&rank.to_text()).unwrap();
        assert_eq!(back.events, rank.events);
        assert_eq!(
            (back.rank, back.size, back.ended.as_str(), back.offset_ns),
            (1, 2, "killed", -3)
        );
        assert_eq!((back.thread_requested, back.thread_level), (1, 3));
        assert_eq!(
            back.stuck_in().unwrap().described(),
            "MPI_Recv(from 0, tag 0)"
        );
        assert!(parse_rank("MPI_Send\t1\n").is_err());
    }

    #[test]
    fn a_file_without_the_requested_level_reads_as_single() {
        let old = "# mpi-trace 1\n# rank 0\n# size 1\n# offset_ns 0\n# thread_level 1\n\
                   # dropped 0\n# untracked 0\n# events 0\n# program p\n# ended finalize\n";
        let rank = parse_rank(old).unwrap();
        assert_eq!((rank.thread_requested, rank.thread_level), (0, 1));
        assert_eq!(thread_level_name(rank.thread_requested), "SINGLE");
        assert_eq!(thread_level_name(3), "MULTIPLE");
        assert_eq!(thread_level_name(7), "unknown");
    }
}
