//! `libmpi_trace.so`: records every MPI call a program makes, through MPI's
//! standard *profiling interface* (PMPI), with no change to the program.
//!
//! # The idea: PMPI
//!
//! Every MPI library defines each function twice: `PMPI_Send` does the work
//! and `MPI_Send` is a (weak) alias of it. A tool may define its own
//! `MPI_Send` that notes the time, calls `PMPI_Send` and notes the time again.
//! Loaded first (`LD_PRELOAD=libmpi_trace.so mpiexec -n 4 prog`), the tool's
//! `MPI_Send` is the one the program calls. MPICH and Open MPI both work so.
//!
//! # What is recorded
//!
//! One [`Event`] (48 bytes) per call: which call, start and end time, the
//! peer (the other rank of a message, or a collective's root, as a rank of
//! `MPI_COMM_WORLD`), tag, bytes, and the peer's rank in the call's
//! communicator. Events go into a per-process buffer of fixed size, made at
//! `MPI_Init` (`MPI_TRACE_EVENTS`, default 1 Mi events; pages the trace
//! never reaches cost no memory); when it is full, further events are only
//! counted as dropped. The buffer is the file `rank-R.live`, mapped into
//! memory (live.rs), which also says which call the rank is inside right
//! now: a job killed while it hangs leaves that file, and the tools read it. Recording is one atomic increment and one store: no
//! allocation, no lock. Unsuccessful polls in a loop (`MPI_Test`,
//! `MPI_Iprobe`, `MPI_Improbe` returning "not yet") are merged into one event
//! that counts them, so a waiting loop does not fill the buffer.
//!
//! # Clocks
//!
//! Ranks on rank 0's host read the same monotonic clock: when the launcher
//! says all ranks are on one host, nothing is done; otherwise the ranks
//! compare boot ids (one allgather), and those on rank 0's boot need nothing.
//! For the others, at `MPI_Init`, rank 0 plays a few ping-pongs with each: the other
//! rank answers with its clock, rank 0 takes the midpoint of its send and
//! receive times as the same instant, and keeps the estimate of the fastest
//! round trip. Times in the files are on rank 0's clock, so traces of ranks
//! on several hosts line up.
//!
//! # Output
//!
//! At `MPI_Finalize` (or `MPI_Abort`) each rank writes
//! `$MPI_TRACE_DIR/rank-R.trace` (default folder `mpi-trace`): a few
//! `# key value` header lines, then one tab-separated line per event (see
//! setup.rs), and removes its `rank-R.live`.
//!
//! # Sends without buffering
//!
//! With `MPI_TRACE_SSEND=1`, `MPI_Send` to another rank becomes `MPI_Ssend`:
//! it completes only once the receiver has started the matching receive. MPI
//! allows a standard send to behave so (it only *may* buffer), and programs
//! that rely on buffering hang under it, as they would with larger messages. The library prints nothing, except one line on stderr
//! if it cannot write its file: the program's own output is unchanged.
//!
//! # Threads
//!
//! A program that runs threads tells `MPI_Init_thread` which of them will
//! call MPI (the thread level); both the level asked for and the one granted
//! are in the trace's header. It may call MPI from several threads at once
//! only if `MPI_Init_thread` granted `MPI_THREAD_MULTIPLE`. Below that level, MPI calls never overlap,
//! so recording needs no care; at `MULTIPLE`, each event still gets its own
//! slot (the atomic increment), and polls are not merged. A thread-local flag
//! stops recording inside a call that the MPI library makes from within
//! another (no recursion, no double counting).
//!
//! # Where things are
//!
//! This file: the event buffer, the clocks and `traced`, which every
//! wrapper goes through. `live.rs`: the buffer as a mapped file. `setup.rs`:
//! start (MPI_Init) and the text trace (MPI_Finalize, MPI_Abort). `util.rs`:
//! sizes, ranks, statuses, pending requests. `smpi.rs`: the clock of a
//! simulated run (SimGrid's SMPI). The wrappers by family:
//! `p2p.rs` (with MPI_Init and MPI_Finalize), `completion.rs`, `collective.rs`.

use std::cell::Cell;
use std::ffi::{c_char, c_int, c_void};
use std::io::Write;
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use mpi_sys::*;

// The call names, the flags and the 48-byte event are shared with the tools
// that read the files (crates/trace-format).
pub use trace_format::live::RawEvent as Event;
use trace_format::live::{self as layout, LiveHeader};
pub use trace_format::{Call, MISS, PART, RECV, SEND, WORLD};

mod collective;
mod completion;
mod live;
mod p2p;
mod setup;
#[cfg(feature = "smpi")]
mod smpi;
mod util;
use setup::*;
use util::*;

/// Default buffer size, in events (48 MiB reserved; only what is used is touched).
const DEFAULT_EVENTS: usize = 1 << 20;
/// Polls further apart than this are not merged (the program did something else between them).
const MERGE_GAP_NS: u64 = 5_000_000;
/// Ping-pongs per rank for the clock alignment.
const SYNC_ROUNDS: usize = 16;

/// The per-process trace: a fixed buffer and the index of the next free slot.
struct Trace {
    /// The event slots and the in-flight call, in `rank-R.live` (see live.rs).
    live: live::Live,
    next: AtomicUsize,
    dropped: AtomicU64,
    /// Polls may be merged: MPI calls never overlap (below MPI_THREAD_MULTIPLE).
    merge: bool,
    rank: i32,
    size: i32,
    /// (event clock, nanoseconds) read at MPI_Init, for turning ticks into nanoseconds.
    clocks: (u64, u64),
    /// Polls further apart than this, in event-clock units, are not merged.
    merge_gap: u64,
    /// This rank's clock minus rank 0's, in nanoseconds.
    offset: i64,
    /// Thread levels (numbered as trace_format::THREAD_LEVELS): asked for, and granted.
    thread_requested: i32,
    thread_level: i32,
}

// SAFETY: each event slot is written by the one caller that claimed its
// index with `next.fetch_add`, and read only at finalize, after the program's
// last MPI call; a merge rewrites the last slot only when MPI calls cannot
// overlap (`merge`, below MPI_THREAD_MULTIPLE).
unsafe impl Sync for Trace {}

static TRACE: OnceLock<Trace> = OnceLock::new();
/// Requests the table could not hold (their receives are then not matched).
static UNTRACKED: AtomicU64 = AtomicU64::new(0);
static WRITTEN: AtomicI32 = AtomicI32::new(0);
/// `MPI_TRACE_SSEND=1`: every standard send to another rank is made as a
/// synchronous send (`MPI_Ssend`), which completes only once its receive has
/// started. A program that works only because MPI buffered its small
/// messages then hangs, as it would with large messages or another MPI.
static SSEND: AtomicBool = AtomicBool::new(false);

thread_local! {
    /// Inside a traced call on this thread: calls made from within it are not recorded.
    static BUSY: Cell<bool> = const { Cell::new(false) };
}

/// Nanoseconds of the system's monotonic clock: the same clock for every
/// process of one host (one boot).
#[cfg(not(feature = "smpi"))]
fn clock_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid out-pointer; CLOCK_MONOTONIC always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Under SMPI, the simulated clock (smpi.rs).
#[cfg(feature = "smpi")]
use smpi::clock_ns;

/// Which boot of which machine this process runs on: ranks with rank 0's
/// boot share its monotonic clock and need no alignment.
fn boot_id(rank: i32) -> u64 {
    match std::fs::read_to_string("/proc/sys/kernel/random/boot_id") {
        // FNV-1a of the id's text.
        Ok(id) => id.trim().bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        }),
        // Unknown: a value of its own, so the clocks are aligned by ping-pongs.
        Err(_) => u64::from(std::process::id()) << 32 | rank as u32 as u64,
    }
}

/// Event timestamps read the processor's time-stamp counter when it ticks at
/// a constant rate (x86-64 `constant_tsc` and `nonstop_tsc`): a few
/// nanoseconds, where even the fast monotonic clock costs about 20. Ticks are
/// turned into nanoseconds when the trace is written, from two readings of
/// both clocks (at MPI_Init and at the end).
static USE_TSC: AtomicBool = AtomicBool::new(false);

#[inline(always)]
fn now() -> u64 {
    #[cfg(target_arch = "x86_64")]
    if USE_TSC.load(Ordering::Relaxed) {
        #[allow(unused_unsafe)]
        // SAFETY: reading the time-stamp counter has no preconditions.
        return unsafe { std::arch::x86_64::_rdtsc() };
    }
    clock_ns()
}

/// Chooses the event clock (once, at MPI_Init) and reads both clocks.
fn start_clocks() -> (u64, u64) {
    // Under SMPI the simulated clock is the only one.
    let constant = !cfg!(feature = "smpi")
        && cfg!(target_arch = "x86_64")
        && std::fs::read_to_string("/proc/cpuinfo").is_ok_and(|info| {
            info.lines()
                .find(|l| l.starts_with("flags"))
                .is_some_and(|l| l.contains(" constant_tsc") && l.contains(" nonstop_tsc"))
        });
    USE_TSC.store(constant, Ordering::Relaxed);
    (now(), clock_ns())
}

/// Runs `pmpi`; if tracing is on and this is not a call from within another
/// traced call, times it and hands the result and start time to `after`.
/// While `pmpi` runs, the live file says the rank is inside `doing` (the call
/// and what is known of it before it starts: peer, tag, root).
#[inline(always)]
fn traced(doing: Event, pmpi: impl FnOnce() -> c_int, after: impl FnOnce(&Trace, u64)) -> c_int {
    let Some(trace) = TRACE.get() else {
        return pmpi();
    };
    if BUSY.get() {
        return pmpi();
    }
    BUSY.set(true);
    let start = now();
    trace.live.doing(Event { start, ..doing });
    let rc = pmpi();
    trace.live.done();
    after(trace, start);
    BUSY.set(false);
    rc
}

/// What a call to or from `peer` (a rank of `comm`) is about to do.
fn doing(call: Call, comm: MPI_Comm, peer: c_int, tag: c_int, flags: u8) -> Event {
    let world = is_world(comm);
    Event {
        // Only world ranks are translated here (cheaply); others stay -1.
        peer: if world && peer >= 0 { peer } else { -1 },
        comm_peer: peer,
        tag,
        flags: flags | if world { WORLD } else { 0 },
        ..Event::new(call, 0, 0)
    }
}

/// A call whose peer and tag are unknown before it runs (waits, tests, all-to-all collectives).
fn doing_call(call: Call) -> Event {
    Event::new(call, 0, 0)
}

impl Trace {
    fn record(&self, event: Event) {
        if event.flags & MISS != 0 && self.merge && self.merge_poll(&event) {
            return;
        }
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        if i >= self.live.capacity() {
            self.next.store(self.live.capacity(), Ordering::Relaxed);
            self.dropped.fetch_add(1, Ordering::Relaxed);
            self.live.dropped();
            return;
        }
        self.live.ahead(i + 1);
        // SAFETY: index i was claimed by this call alone (fetch_add), see `impl Sync`.
        unsafe { self.live.slot(i).write(event) };
        self.live.written(i + 1, !self.merge);
    }

    /// Extends the last event if it is the same unsuccessful poll, just before.
    fn merge_poll(&self, event: &Event) -> bool {
        let n = self.next.load(Ordering::Relaxed);
        let Some(i) = n.checked_sub(1).filter(|&i| i < self.live.capacity()) else {
            return false;
        };
        // SAFETY: slot n-1 was written (n counts written slots), and MPI calls do
        // not overlap (`self.merge`), so nobody else touches it now.
        let last = unsafe { &mut *self.live.slot(i) };
        let same = last.call == event.call
            && last.flags == event.flags
            && last.comm_peer == event.comm_peer
            && last.tag == event.tag
            && event.start.saturating_sub(last.end) < self.merge_gap;
        if same {
            last.end = event.end;
            last.count += 1;
        }
        same
    }

    /// The events recorded so far.
    fn events(&self) -> impl Iterator<Item = Event> + '_ {
        let n = self.next.load(Ordering::Acquire).min(self.live.capacity());
        // SAFETY: the first `n` slots were written; no MPI call runs now.
        (0..n).map(|i| unsafe { *self.live.slot(i) })
    }
}
