//! `rank-R.live`: a rank's events while it runs, in a file mapped into its
//! memory (`mmap`, shared). Each event the tracer records is a store into
//! that mapping, so the kernel's page cache holds it the moment it is made:
//! when a hung job is killed, even with SIGKILL, the file keeps every call the
//! rank made and the one it was inside. The tracer removes the file once it
//! has written `rank-R.trace` at `MPI_Finalize` or `MPI_Abort`.
//!
//! Layout (native byte order: read on the machine that wrote it): a
//! [`HEADER_BYTES`]-byte header (offsets below), then `capacity` slots of
//! [`RawEvent`]. The header's `doing` slot describes the call the rank is
//! inside right now; `busy` is 1 while it is.

use crate::{Call, Event, NEVER, RankTrace};
use std::path::Path;

/// One recorded call as the tracer stores it: 48 bytes, no pointers.
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C)]
pub struct RawEvent {
    /// Event-clock ticks (see the header's `ns_per_tick`).
    pub start: u64,
    pub end: u64,
    /// Bytes of the message, or of this rank's share of a collective.
    pub bytes: u64,
    /// The other rank, as a rank of `MPI_COMM_WORLD`; -1 for none.
    pub peer: i32,
    /// The message tag; -1 for none.
    pub tag: i32,
    /// The peer's rank in the call's own communicator; -1 for none.
    pub comm_peer: i32,
    /// How many calls this event stands for (merged polls), else 1.
    pub count: u32,
    pub call: Call,
    /// [`crate::SEND`], [`crate::RECV`], ...
    pub flags: u8,
}

const _: () = assert!(size_of::<RawEvent>() == 48);

impl RawEvent {
    pub fn new(call: Call, start: u64, end: u64) -> RawEvent {
        RawEvent {
            start,
            end,
            bytes: 0,
            peer: -1,
            tag: -1,
            comm_peer: -1,
            count: 1,
            call,
            flags: 0,
        }
    }
}

/// "mpitrlv1": a live file of this layout.
pub const MAGIC: [u8; 8] = *b"mpitrlv1";
/// Header offsets, in bytes.
pub const RANK: usize = 8; // i32
pub const SIZE: usize = 12; // i32
pub const THREAD_LEVEL: usize = 16; // i32: granted
pub const THREAD_REQUESTED: usize = 20; // i32 (0, SINGLE, in files written before it was)
pub const OFFSET_NS: usize = 24; // i64: this rank's clock minus rank 0's
pub const TICKS0: usize = 32; // u64: event clock at MPI_Init
pub const NS0: usize = 40; // u64: monotonic nanoseconds at MPI_Init
pub const NS_PER_TICK: usize = 48; // f64
pub const CAPACITY: usize = 56; // u64: event slots after the header
pub const NEXT: usize = 64; // u64: slots written so far (may pass CAPACITY)
pub const DROPPED: usize = 72; // u64
pub const BUSY: usize = 80; // u64: 1 while inside the call in DOING
pub const DOING: usize = 88; // RawEvent: the call being made now
pub const PROGRAM: usize = 136; // up to 120 bytes of the program's name, NUL-padded
pub const PROGRAM_BYTES: usize = 120;
/// Where the event slots begin.
pub const HEADER_BYTES: usize = 256;

/// The live file of `rank` in a trace folder.
pub fn file_name(rank: i32) -> String {
    format!("rank-{rank}.live")
}

fn field<const N: usize>(bytes: &[u8], at: usize) -> [u8; N] {
    bytes[at..at + N].try_into().expect("inside the header")
}

/// Reads a live file left by a rank that never reached `MPI_Finalize`: its
/// events, and the call it was inside (flag [`NEVER`], ending where it
/// started; [`crate::read_dir`] stretches it to the job's end).
pub fn read(path: &Path) -> Result<RankTrace, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    decode(&bytes).map_err(|why| format!("{}: {why}", path.display()))
}

/// [`read`], from the file's bytes.
pub fn decode(bytes: &[u8]) -> Result<RankTrace, String> {
    if bytes.len() < HEADER_BYTES || bytes[..8] != MAGIC {
        return Err("not a live file of mpi-trace".to_string());
    }
    let i32_at = |at| i32::from_ne_bytes(field(bytes, at));
    let u64_at = |at| u64::from_ne_bytes(field(bytes, at));
    let ticks0 = u64_at(TICKS0);
    let ns0 = u64_at(NS0);
    let scale = f64::from_ne_bytes(field(bytes, NS_PER_TICK));
    let offset = i64::from_ne_bytes(field(bytes, OFFSET_NS));
    let at = |t: u64| (ns0 as f64 + (t as f64 - ticks0 as f64) * scale).round() as i64 - offset;
    let event = |raw: &[u8], flags_extra: u8| -> Option<crate::Event> {
        let u = |o: usize| u64::from_ne_bytes(field(raw, o));
        let i = |o: usize| i32::from_ne_bytes(field(raw, o));
        let call = Call::from_number(raw[40])?;
        let start = at(u(0));
        let end = if flags_extra & NEVER != 0 {
            start
        } else {
            at(u(8))
        };
        Some(Event {
            call: call.name().to_string(),
            start,
            end,
            bytes: u(16),
            peer: i(24),
            tag: i(28),
            comm_peer: i(32),
            count: u32::from_ne_bytes(field(raw, 36)),
            flags: raw[41] | flags_extra,
        })
    };
    let capacity = u64_at(CAPACITY) as usize;
    let written = (u64_at(NEXT) as usize).min(capacity);
    let slots = bytes.len().saturating_sub(HEADER_BYTES) / size_of::<RawEvent>();
    let mut events: Vec<Event> = (0..written.min(slots))
        .map(|k| HEADER_BYTES + k * size_of::<RawEvent>())
        .filter_map(|o| event(&bytes[o..o + size_of::<RawEvent>()], 0))
        // A slot claimed but not yet filled when the rank was killed.
        .filter(|e| e.end >= e.start)
        .collect();
    if u64_at(BUSY) == 1
        && let Some(doing) = event(&bytes[DOING..DOING + size_of::<RawEvent>()], NEVER)
    {
        events.push(doing);
    }
    let program = &bytes[PROGRAM..PROGRAM + PROGRAM_BYTES];
    let program = &program[..program
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(PROGRAM_BYTES)];
    Ok(RankTrace {
        rank: i32_at(RANK),
        size: i32_at(SIZE),
        program: String::from_utf8_lossy(program).into_owned(),
        ended: "killed".to_string(),
        offset_ns: offset,
        thread_requested: i32_at(THREAD_REQUESTED),
        thread_level: i32_at(THREAD_LEVEL),
        dropped: u64_at(DROPPED) + u64_at(NEXT).saturating_sub(capacity as u64),
        untracked: 0,
        events,
    })
}

/// The bytes of a live file, as the tracer lays them out (for tests and for
/// anyone writing one without a mapping).
pub fn encode(rank: &LiveHeader, events: &[RawEvent], doing: Option<RawEvent>) -> Vec<u8> {
    let mut bytes = vec![0u8; HEADER_BYTES + size_of_val(events)];
    bytes[..8].copy_from_slice(&MAGIC);
    let mut put = |at: usize, v: &[u8]| bytes[at..at + v.len()].copy_from_slice(v);
    put(RANK, &rank.rank.to_ne_bytes());
    put(SIZE, &rank.size.to_ne_bytes());
    put(THREAD_LEVEL, &rank.thread_level.to_ne_bytes());
    put(THREAD_REQUESTED, &rank.thread_requested.to_ne_bytes());
    put(OFFSET_NS, &rank.offset_ns.to_ne_bytes());
    put(TICKS0, &rank.ticks0.to_ne_bytes());
    put(NS0, &rank.ns0.to_ne_bytes());
    put(NS_PER_TICK, &rank.ns_per_tick.to_ne_bytes());
    put(CAPACITY, &(events.len() as u64).to_ne_bytes());
    put(NEXT, &(events.len() as u64).to_ne_bytes());
    let name = rank.program.as_bytes();
    put(PROGRAM, &name[..name.len().min(PROGRAM_BYTES - 1)]);
    let raw = |e: &RawEvent| {
        // SAFETY: RawEvent is repr(C) plain data (integers and a u8 enum); its
        // padding bytes are never read back.
        unsafe { std::slice::from_raw_parts((e as *const RawEvent).cast::<u8>(), 48) }.to_vec()
    };
    if let Some(doing) = doing {
        put(BUSY, &1u64.to_ne_bytes());
        put(DOING, &raw(&doing));
    }
    for (k, e) in events.iter().enumerate() {
        put(HEADER_BYTES + k * 48, &raw(e));
    }
    bytes
}

/// What a live file's header says of its rank.
#[derive(Clone, Debug, Default)]
pub struct LiveHeader {
    pub rank: i32,
    pub size: i32,
    /// Thread levels, numbered as [`crate::THREAD_LEVELS`]: asked for, and granted.
    pub thread_requested: i32,
    pub thread_level: i32,
    pub offset_ns: i64,
    pub ticks0: u64,
    pub ns0: u64,
    pub ns_per_tick: f64,
    pub program: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{RECV, WORLD};

    #[test]
    fn a_killed_ranks_file_gives_its_calls_and_the_one_it_was_in() {
        let header = LiveHeader {
            rank: 1,
            size: 2,
            ns0: 1_000,
            ticks0: 100,
            ns_per_tick: 2.0,
            program: "ex-deadlock".into(),
            thread_requested: 1,
            thread_level: 2,
            ..LiveHeader::default()
        };
        let init = RawEvent::new(Call::InitThread, 100, 150);
        let recv = RawEvent {
            peer: 0,
            comm_peer: 0,
            tag: 0,
            flags: WORLD,
            ..RawEvent::new(Call::Recv, 200, 0)
        };
        let rank = decode(&encode(&header, &[init], Some(recv))).unwrap();
        assert_eq!(
            (rank.rank, rank.size, rank.ended.as_str()),
            (1, 2, "killed")
        );
        assert_eq!(rank.program, "ex-deadlock");
        assert_eq!((rank.thread_requested, rank.thread_level), (1, 2));
        assert_eq!(rank.events.len(), 2);
        assert_eq!(
            (rank.events[0].start, rank.events[0].end),
            (1_000, 1_100),
            "ticks become nanoseconds"
        );
        let stuck = rank.stuck_in().unwrap();
        assert_eq!(stuck.described(), "MPI_Recv(from 0, tag 0)");
        assert_eq!(stuck.start, 1_200);
        assert_eq!(stuck.flags & RECV, 0);
        // Not inside a call: nothing is added.
        let idle = decode(&encode(&header, &[init], None)).unwrap();
        assert!(idle.stuck_in().is_none());
        assert!(decode(b"short").is_err());
    }
}
