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
//! [`write_trace`]), and removes its `rank-R.live`.
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
//! A program may call MPI from several threads only if `MPI_Init_thread`
//! granted `MPI_THREAD_MULTIPLE`. Below that level, MPI calls never overlap,
//! so recording needs no care; at `MULTIPLE`, each event still gets its own
//! slot (the atomic increment), and polls are not merged. A thread-local flag
//! stops recording inside a call that the MPI library makes from within
//! another (no recursion, no double counting).

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

mod live;

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
fn clock_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid out-pointer; CLOCK_MONOTONIC always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

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
    let constant = cfg!(target_arch = "x86_64")
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
        // SAFETY: index i was claimed by this call alone (fetch_add), see `impl Sync`.
        unsafe { self.live.slot(i).write(event) };
        self.live.written(i + 1);
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

// ---------------------------------------------------------------------------
// Helpers: sizes, ranks, statuses.

fn world() -> MPI_Comm {
    // SAFETY: an immutable constant of the MPI library (rsmpi's C shim).
    unsafe { RSMPI_COMM_WORLD }
}

fn is_world(comm: MPI_Comm) -> bool {
    comm == world()
}

fn type_bytes(count: c_int, datatype: MPI_Datatype) -> u64 {
    let mut size: c_int = 0;
    // SAFETY: `size` is a valid out-pointer; a bad datatype only returns an error code.
    if unsafe { PMPI_Type_size(datatype, &mut size) } != 0 {
        return 0;
    }
    (count.max(0) as u64) * (size.max(0) as u64)
}

/// The world rank of rank `rank` of `comm` (-1 for MPI_PROC_NULL, MPI_ANY_SOURCE, ...).
fn world_rank(comm: MPI_Comm, rank: c_int) -> i32 {
    if rank < 0 {
        return -1;
    }
    if is_world(comm) {
        return rank;
    }
    // Other communicators (rare in the lessons): translate through their groups.
    let mut out: c_int = -1;
    // SAFETY: the groups are created, used and freed here; all pointers are to locals.
    unsafe {
        let (mut from, mut to) = (MaybeUninit::uninit(), MaybeUninit::uninit());
        if PMPI_Comm_group(comm, from.as_mut_ptr()) != 0 {
            return -1;
        }
        if PMPI_Comm_group(world(), to.as_mut_ptr()) != 0 {
            PMPI_Group_free(from.as_mut_ptr());
            return -1;
        }
        PMPI_Group_translate_ranks(from.assume_init(), 1, &rank, to.assume_init(), &mut out);
        PMPI_Group_free(from.as_mut_ptr());
        PMPI_Group_free(to.as_mut_ptr());
    }
    if out < 0 { -1 } else { out }
}

fn world_flag(comm: MPI_Comm) -> u8 {
    if is_world(comm) { WORLD } else { 0 }
}

/// A status to pass to MPI: the caller's, or ours when it passed MPI_STATUS_IGNORE
/// (we need the source, tag and size of what arrived).
fn status_or(status: *mut MPI_Status, ours: &mut MaybeUninit<MPI_Status>) -> *mut MPI_Status {
    // SAFETY: reading an immutable constant of the MPI library.
    if status == unsafe { RSMPI_STATUS_IGNORE } {
        ours.as_mut_ptr()
    } else {
        status
    }
}

/// Fills `event` as the receive of the message `status` describes, on `comm`.
///
/// # Safety
/// `status` must point to a status that MPI filled in for a completed receive.
unsafe fn received(event: &mut Event, comm: Option<MPI_Comm>, status: *const MPI_Status) {
    // SAFETY: the caller's contract.
    let (source, tag) = unsafe { ((*status).MPI_SOURCE, (*status).MPI_TAG) };
    let mut count: c_int = 0;
    // SAFETY: as above; `count` is a valid out-pointer.
    unsafe { PMPI_Get_count(status, RSMPI_UINT8_T, &mut count) };
    event.flags |= RECV;
    event.comm_peer = source;
    event.tag = tag;
    event.bytes = count.max(0) as u64;
    event.peer = match comm {
        Some(comm) => {
            event.flags |= world_flag(comm);
            world_rank(comm, source)
        }
        None => source,
    };
}

// ---------------------------------------------------------------------------
// Requests and matched messages: what a later MPI_Wait/MPI_Test/MPI_Mrecv completes.

#[derive(Clone, Copy)]
enum Pending {
    /// An `MPI_Irecv` (or a message from `MPI_Mprobe`) on this communicator.
    Recv(MPI_Comm),
    /// An `MPI_Ibarrier`.
    Barrier,
}

struct Requests {
    slots: Vec<(u64, Pending)>,
}

// SAFETY: a communicator handle is a plain value (an int in MPICH, a pointer to
// a library-owned object in Open MPI) that is only compared and passed back to MPI.
unsafe impl Send for Requests {}

/// At most this many outstanding requests are followed (more are counted as untracked).
const MAX_PENDING: usize = 4096;
static PENDING: Mutex<Requests> = Mutex::new(Requests { slots: Vec::new() });

/// A request or message handle as a number (an int in MPICH, a pointer in Open MPI).
fn key<T: Copy>(handle: &T) -> u64 {
    let mut k = 0u64;
    let n = size_of::<T>().min(8);
    // SAFETY: copies the first `n` (≤ 8) bytes of a plain handle into a u64.
    unsafe {
        std::ptr::copy_nonoverlapping(
            handle as *const T as *const u8,
            &mut k as *mut u64 as *mut u8,
            n,
        )
    };
    k
}

fn remember(k: u64, what: Pending) {
    let mut table = PENDING.lock().unwrap_or_else(|e| e.into_inner());
    if table.slots.len() >= MAX_PENDING {
        UNTRACKED.fetch_add(1, Ordering::Relaxed);
        return;
    }
    if table.slots.capacity() == 0 {
        table.slots.reserve_exact(64);
    }
    table.slots.push((k, what));
}

fn forget(k: u64) -> Option<Pending> {
    let mut table = PENDING.lock().unwrap_or_else(|e| e.into_inner());
    let i = table.slots.iter().rposition(|(key, _)| *key == k)?;
    Some(table.slots.swap_remove(i).1)
}

// ---------------------------------------------------------------------------
// Start and end.

fn start_tracing(clocks: (u64, u64), thread_level: c_int) {
    let (mut rank, mut size) = (0, 1);
    // SAFETY: MPI is initialised; out-pointers are locals.
    unsafe {
        PMPI_Comm_rank(world(), &mut rank);
        PMPI_Comm_size(world(), &mut size);
    }
    let capacity = std::env::var("MPI_TRACE_EVENTS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(DEFAULT_EVENTS);
    // Event-clock units per nanosecond, from MPI_Init's own duration (for the
    // merge gap, and for reading the live file of a rank that never finalizes).
    let (ticks, ns) = (now() - clocks.0, clock_ns() - clocks.1);
    let per_ns = if ns > 0 && ticks > 0 {
        ticks as f64 / ns as f64
    } else {
        1.0
    };
    let offset = align_clocks(rank, size);
    let header = LiveHeader {
        rank,
        size,
        thread_level,
        offset_ns: offset,
        ticks0: clocks.0,
        ns0: clocks.1,
        ns_per_tick: 1.0 / per_ns,
        program: program_name(),
    };
    let live = live::Live::new(trace_dir().join(layout::file_name(rank)), capacity, &header);
    SSEND.store(
        std::env::var_os("MPI_TRACE_SSEND").is_some_and(|v| v == "1"),
        Ordering::Relaxed,
    );
    // SAFETY: reading an immutable constant.
    let multiple = unsafe { RSMPI_THREAD_MULTIPLE };
    let trace = Trace {
        live,
        next: AtomicUsize::new(0),
        dropped: AtomicU64::new(0),
        merge: thread_level < multiple,
        rank,
        size,
        clocks,
        merge_gap: (MERGE_GAP_NS as f64 * per_ns) as u64,
        offset,
        thread_level,
    };
    if TRACE.set(trace).is_ok()
        && let Some(trace) = TRACE.get()
    {
        trace.record(Event {
            flags: WORLD,
            ..Event::new(Call::InitThread, clocks.0, now())
        });
    }
}

/// Whether the launcher says every rank runs on this host: MPICH's Hydra sets
/// MPI_LOCALNRANKS, Open MPI OMPI_COMM_WORLD_LOCAL_SIZE (the ranks on this
/// host). Every rank sees the same answer: either all ranks share one host or not.
fn all_on_one_host(size: i32) -> bool {
    ["MPI_LOCALNRANKS", "OMPI_COMM_WORLD_LOCAL_SIZE"]
        .iter()
        .any(|name| std::env::var(name).is_ok_and(|v| v.trim().parse::<i32>() == Ok(size)))
}

/// This rank's clock minus rank 0's (see the module docs). Ranks on rank 0's
/// host (same boot id) share its clock: 0. The others play ping-pongs with
/// rank 0 on a private duplicate of the world communicator.
fn align_clocks(rank: i32, size: i32) -> i64 {
    // MPI_TRACE_ALIGN=always: ping-pong even on one host (the tests check the
    // estimate against the shared clock, whose true offset is 0).
    let always = std::env::var_os("MPI_TRACE_ALIGN").is_some_and(|v| v == "always");
    if !always && all_on_one_host(size) {
        return 0; // nothing to align, and no collective to pay for at init
    }
    let mut comm = MaybeUninit::uninit();
    // SAFETY: collective over the world, at init, on every rank alike.
    if unsafe { PMPI_Comm_dup(world(), comm.as_mut_ptr()) } != 0 {
        return 0;
    }
    // SAFETY: initialised by the successful PMPI_Comm_dup.
    let mut comm = unsafe { comm.assume_init() };
    let mine = if always {
        u64::MAX - rank as u64
    } else {
        boot_id(rank)
    };
    let mut boots = vec![0u64; size.max(1) as usize];
    let mut offset = 0i64;
    // SAFETY: every buffer is a local (or `boots`, of `size` elements) of the
    // type and count given; the status is RSMPI_STATUS_IGNORE; every rank
    // runs the same sequence of collectives, and rank 0 and each remote rank
    // the same sequence of messages.
    unsafe {
        let st = RSMPI_STATUS_IGNORE;
        let (u64t, i64t) = (RSMPI_UINT64_T, RSMPI_INT64_T);
        let me = &mine as *const u64 as *const c_void;
        PMPI_Allgather(me, 1, u64t, boots.as_mut_ptr().cast(), 1, u64t, comm);
        let remote: Vec<i32> = (1..size)
            .filter(|&r| boots[r as usize] != boots[0])
            .collect();
        if rank == 0 {
            for &r in &remote {
                let mut best = (u64::MAX, 0i64);
                for _ in 0..SYNC_ROUNDS {
                    let t0 = clock_ns();
                    PMPI_Send(std::ptr::null(), 0, u64t, r, 0, comm);
                    let mut theirs = 0u64;
                    let into = &mut theirs as *mut u64 as *mut c_void;
                    PMPI_Recv(into, 1, u64t, r, 0, comm, st);
                    let t1 = clock_ns();
                    if t1 - t0 < best.0 {
                        let middle = t0 / 2 + t1 / 2 + (t0 % 2 + t1 % 2) / 2;
                        best = (t1 - t0, theirs as i64 - middle as i64);
                    }
                }
                PMPI_Send(&best.1 as *const i64 as *const c_void, 1, i64t, r, 1, comm);
            }
        } else if remote.contains(&rank) {
            for _ in 0..SYNC_ROUNDS {
                PMPI_Recv(std::ptr::null_mut(), 0, u64t, 0, 0, comm, st);
                let now = clock_ns();
                PMPI_Send(&now as *const u64 as *const c_void, 1, u64t, 0, 0, comm);
            }
            let into = &mut offset as *mut i64 as *mut c_void;
            PMPI_Recv(into, 1, i64t, 0, 1, comm, st);
        }
        if !remote.is_empty() {
            // Rank 0 finishes the ping-pongs last: leave MPI_Init together, as
            // ranks do untraced (MPI_Init ends with a fence of its own).
            PMPI_Barrier(comm);
        }
        PMPI_Comm_free(&mut comm);
    }
    offset
}

/// The folder of the trace files: `$MPI_TRACE_DIR`, default `mpi-trace`.
fn trace_dir() -> std::path::PathBuf {
    std::env::var_os("MPI_TRACE_DIR")
        .unwrap_or_else(|| "mpi-trace".into())
        .into()
}

/// The traced program's file name, for the trace's header.
fn program_name() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default()
}

/// Writes `$MPI_TRACE_DIR/rank-R.trace` once (finalize or abort).
///
/// Format: header lines `# key value` (`mpi-trace 1`, `rank`, `size`,
/// `offset_ns`, `thread_level`, `dropped`, `untracked`, `events`, `program`,
/// `ended` = finalize|abort), then one line per event:
/// `call start end peer tag bytes count comm_peer flags`, tab-separated, times in
/// nanoseconds on rank 0's clock. Written to a temporary name, then renamed.
fn write_trace(ended: &str) {
    let Some(trace) = TRACE.get() else { return };
    if WRITTEN.swap(1, Ordering::AcqRel) != 0 {
        return;
    }
    let dir = trace_dir();
    let path = dir.join(format!("rank-{}.trace", trace.rank));
    let temp = dir.join(format!(".rank-{}.trace.tmp", trace.rank));
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(&dir)?;
        let mut out = std::io::BufWriter::new(std::fs::File::create(&temp)?);
        let program = program_name();
        let count = trace
            .next
            .load(Ordering::Acquire)
            .min(trace.live.capacity());
        // Ticks to nanoseconds: a line through MPI_Init's and this moment's readings.
        let (t0, n0) = trace.clocks;
        let (t1, n1) = (now(), clock_ns());
        let scale = if t1 > t0 {
            (n1 - n0) as f64 / (t1 - t0) as f64
        } else {
            1.0
        };
        writeln!(out, "# mpi-trace 1")?;
        writeln!(out, "# rank {}", trace.rank)?;
        writeln!(out, "# size {}", trace.size)?;
        writeln!(out, "# offset_ns {}", trace.offset)?;
        writeln!(out, "# thread_level {}", trace.thread_level)?;
        writeln!(out, "# dropped {}", trace.dropped.load(Ordering::Relaxed))?;
        writeln!(out, "# untracked {}", UNTRACKED.load(Ordering::Relaxed))?;
        writeln!(out, "# events {count}")?;
        writeln!(out, "# program {program}")?;
        writeln!(out, "# ended {ended}")?;
        // The same format as trace_format::RankTrace::to_text, streamed.
        for e in trace.events() {
            let at = |t: u64| {
                let ns = n0 as f64 + (t as f64 - t0 as f64) * scale;
                ns.round() as i64 - trace.offset
            };
            writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                e.call.name(),
                at(e.start),
                at(e.end),
                e.peer,
                e.tag,
                e.bytes,
                e.count,
                e.comm_peer,
                e.flags
            )?;
        }
        out.into_inner().map_err(|e| e.into_error())?;
        std::fs::rename(&temp, &path)
    };
    match write() {
        // The text trace says it all: the live file is no longer needed.
        Ok(()) => {
            if let Some(live) = &trace.live.path {
                let _ = std::fs::remove_file(live);
            }
        }
        Err(err) => eprintln!("mpi-trace: cannot write {}: {err}", path.display()),
    }
}

// ---------------------------------------------------------------------------
// The MPI functions. Each calls its PMPI_ twin with the same arguments.
//
// SAFETY (for every function below): the caller (the traced program) passes
// the arguments the MPI standard requires; we hand them unchanged to the
// PMPI_ function of the same name, except that MPI_STATUS_IGNORE may be
// replaced by a pointer to a local status. After the call we read only
// values MPI defines on return (statuses of completed operations, flags,
// indices, out-counts).

/// MPI_Init: start MPI, then tracing.
///
/// # Safety
/// As for `MPI_Init`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MPI_Init(argc: *mut c_int, argv: *mut *mut *mut c_char) -> c_int {
    let start = start_clocks();
    // SAFETY: see the block comment above.
    let rc = unsafe { PMPI_Init(argc, argv) };
    if rc == 0 {
        let mut level = 0;
        // SAFETY: MPI is initialised; `level` is a local.
        unsafe { PMPI_Query_thread(&mut level) };
        start_tracing(start, level);
    }
    rc
}

/// # Safety
/// As for `MPI_Init_thread`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MPI_Init_thread(
    argc: *mut c_int,
    argv: *mut *mut *mut c_char,
    required: c_int,
    provided: *mut c_int,
) -> c_int {
    let start = start_clocks();
    // SAFETY: see the block comment above.
    let rc = unsafe { PMPI_Init_thread(argc, argv, required, provided) };
    if rc == 0 {
        // SAFETY: MPI set *provided on success.
        start_tracing(start, unsafe { *provided });
    }
    rc
}

/// # Safety
/// As for `MPI_Finalize`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MPI_Finalize() -> c_int {
    if let Some(trace) = TRACE.get() {
        let t = now();
        trace.record(Event {
            flags: WORLD,
            ..Event::new(Call::Finalize, t, t)
        });
        write_trace("finalize");
    }
    // SAFETY: see the block comment above.
    unsafe { PMPI_Finalize() }
}

/// # Safety
/// As for `MPI_Abort`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MPI_Abort(comm: MPI_Comm, errorcode: c_int) -> c_int {
    if let Some(trace) = TRACE.get() {
        let t = now();
        trace.record(Event {
            flags: world_flag(comm),
            ..Event::new(Call::Abort, t, t)
        });
        write_trace("abort");
    }
    // SAFETY: see the block comment above.
    unsafe { PMPI_Abort(comm, errorcode) }
}

fn send_event(
    call: Call,
    start: u64,
    count: c_int,
    dt: MPI_Datatype,
    dest: c_int,
    tag: c_int,
    comm: MPI_Comm,
) -> Event {
    Event {
        bytes: type_bytes(count, dt),
        peer: world_rank(comm, dest),
        tag,
        comm_peer: dest,
        flags: SEND | world_flag(comm),
        ..Event::new(call, start, now())
    }
}

/// Whether `dest` is this rank itself (or no rank: MPI_PROC_NULL). Such
/// sends stay standard under `MPI_TRACE_SSEND`: a synchronous send to oneself
/// would hang at once, where a standard one is buffered and its missing
/// receive is then reported by whoever checks for unreceived messages.
fn to_self(comm: MPI_Comm, dest: c_int) -> bool {
    if dest < 0 {
        return true;
    }
    let mut me = -1;
    if is_world(comm) {
        me = TRACE.get().map_or(-1, |t| t.rank);
    } else {
        // SAFETY: `me` is a valid out-pointer; a bad communicator only returns an error.
        unsafe { PMPI_Comm_rank(comm, &mut me) };
    }
    me == dest
}

/// MPI_Send; a synchronous send under `MPI_TRACE_SSEND=1` (see [`SSEND`]).
///
/// # Safety
/// As for `MPI_Send`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MPI_Send(
    buf: *const c_void,
    count: c_int,
    datatype: MPI_Datatype,
    dest: c_int,
    tag: c_int,
    comm: MPI_Comm,
) -> c_int {
    let synchronous = SSEND.load(Ordering::Relaxed) && !to_self(comm, dest);
    traced(
        doing(Call::Send, comm, dest, tag, SEND),
        // SAFETY: see the block comment above; MPI_Ssend takes the same arguments.
        || unsafe {
            if synchronous {
                PMPI_Ssend(buf, count, datatype, dest, tag, comm)
            } else {
                PMPI_Send(buf, count, datatype, dest, tag, comm)
            }
        },
        |t, start| {
            t.record(send_event(
                Call::Send,
                start,
                count,
                datatype,
                dest,
                tag,
                comm,
            ))
        },
    )
}

/// # Safety
/// As for `MPI_Ssend`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MPI_Ssend(
    buf: *const c_void,
    count: c_int,
    datatype: MPI_Datatype,
    dest: c_int,
    tag: c_int,
    comm: MPI_Comm,
) -> c_int {
    traced(
        doing(Call::Ssend, comm, dest, tag, SEND),
        // SAFETY: see the block comment above.
        || unsafe { PMPI_Ssend(buf, count, datatype, dest, tag, comm) },
        |t, start| {
            t.record(send_event(
                Call::Ssend,
                start,
                count,
                datatype,
                dest,
                tag,
                comm,
            ))
        },
    )
}

/// # Safety
/// As for `MPI_Isend`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MPI_Isend(
    buf: *const c_void,
    count: c_int,
    datatype: MPI_Datatype,
    dest: c_int,
    tag: c_int,
    comm: MPI_Comm,
    request: *mut MPI_Request,
) -> c_int {
    traced(
        doing(Call::Isend, comm, dest, tag, SEND),
        // SAFETY: see the block comment above.
        || unsafe { PMPI_Isend(buf, count, datatype, dest, tag, comm, request) },
        |t, start| {
            t.record(send_event(
                Call::Isend,
                start,
                count,
                datatype,
                dest,
                tag,
                comm,
            ))
        },
    )
}

/// # Safety
/// As for `MPI_Recv`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MPI_Recv(
    buf: *mut c_void,
    count: c_int,
    datatype: MPI_Datatype,
    source: c_int,
    tag: c_int,
    comm: MPI_Comm,
    status: *mut MPI_Status,
) -> c_int {
    let mut ours = MaybeUninit::uninit();
    let status = status_or(status, &mut ours);
    traced(
        doing(Call::Recv, comm, source, tag, 0),
        // SAFETY: see the block comment above.
        || unsafe { PMPI_Recv(buf, count, datatype, source, tag, comm, status) },
        |t, start| {
            let mut e = Event::new(Call::Recv, start, now());
            // SAFETY: MPI filled in the status of the completed receive.
            unsafe { received(&mut e, Some(comm), status) };
            t.record(e);
        },
    )
}

/// # Safety
/// As for `MPI_Irecv`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MPI_Irecv(
    buf: *mut c_void,
    count: c_int,
    datatype: MPI_Datatype,
    source: c_int,
    tag: c_int,
    comm: MPI_Comm,
    request: *mut MPI_Request,
) -> c_int {
    traced(
        doing(Call::Irecv, comm, source, tag, 0),
        // SAFETY: see the block comment above.
        || unsafe { PMPI_Irecv(buf, count, datatype, source, tag, comm, request) },
        |t, start| {
            // SAFETY: MPI set *request.
            remember(key(unsafe { &*request }), Pending::Recv(comm));
            t.record(Event {
                peer: world_rank(comm, source),
                comm_peer: source,
                tag,
                bytes: type_bytes(count, datatype),
                flags: world_flag(comm),
                ..Event::new(Call::Irecv, start, now())
            });
        },
    )
}

/// # Safety
/// As for `MPI_Sendrecv`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MPI_Sendrecv(
    sendbuf: *const c_void,
    sendcount: c_int,
    sendtype: MPI_Datatype,
    dest: c_int,
    sendtag: c_int,
    recvbuf: *mut c_void,
    recvcount: c_int,
    recvtype: MPI_Datatype,
    source: c_int,
    recvtag: c_int,
    comm: MPI_Comm,
    status: *mut MPI_Status,
) -> c_int {
    let mut ours = MaybeUninit::uninit();
    let status = status_or(status, &mut ours);
    traced(
        doing(Call::Sendrecv, comm, dest, sendtag, SEND),
        // SAFETY: see the block comment above.
        || unsafe {
            PMPI_Sendrecv(
                sendbuf, sendcount, sendtype, dest, sendtag, recvbuf, recvcount, recvtype, source,
                recvtag, comm, status,
            )
        },
        |t, start| {
            let send = send_event(
                Call::Sendrecv,
                start,
                sendcount,
                sendtype,
                dest,
                sendtag,
                comm,
            );
            let mut recv = Event::new(Call::Sendrecv, start, send.end);
            // SAFETY: MPI filled in the status of the completed receive.
            unsafe { received(&mut recv, Some(comm), status) };
            recv.flags |= PART;
            t.record(send);
            t.record(recv);
        },
    )
}

fn probe_event(call: Call, start: u64, comm: MPI_Comm, source: c_int, tag: c_int) -> Event {
    Event {
        peer: world_rank(comm, source),
        comm_peer: source,
        tag,
        flags: world_flag(comm),
        ..Event::new(call, start, now())
    }
}

/// A probe that found a message: the message's source, tag and size.
///
/// # Safety
/// `status` describes the probed message.
unsafe fn probed(call: Call, start: u64, comm: MPI_Comm, status: *const MPI_Status) -> Event {
    let mut e = Event::new(call, start, now());
    // SAFETY: the caller's contract.
    unsafe { received(&mut e, Some(comm), status) };
    e.flags &= !RECV; // found, not yet received
    e
}

/// # Safety
/// As for `MPI_Probe`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MPI_Probe(
    source: c_int,
    tag: c_int,
    comm: MPI_Comm,
    status: *mut MPI_Status,
) -> c_int {
    let mut ours = MaybeUninit::uninit();
    let status = status_or(status, &mut ours);
    traced(
        doing(Call::Probe, comm, source, tag, 0),
        // SAFETY: see the block comment above.
        || unsafe { PMPI_Probe(source, tag, comm, status) },
        // SAFETY: MPI filled in the status of the probed message.
        |t, start| t.record(unsafe { probed(Call::Probe, start, comm, status) }),
    )
}

/// # Safety
/// As for `MPI_Iprobe`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MPI_Iprobe(
    source: c_int,
    tag: c_int,
    comm: MPI_Comm,
    flag: *mut c_int,
    status: *mut MPI_Status,
) -> c_int {
    let mut ours = MaybeUninit::uninit();
    let status = status_or(status, &mut ours);
    traced(
        doing(Call::Iprobe, comm, source, tag, 0),
        // SAFETY: see the block comment above.
        || unsafe { PMPI_Iprobe(source, tag, comm, flag, status) },
        |t, start| {
            // SAFETY: MPI set *flag, and the status when it is true.
            if unsafe { *flag } != 0 {
                t.record(unsafe { probed(Call::Iprobe, start, comm, status) });
            } else {
                let mut e = probe_event(Call::Iprobe, start, comm, source, tag);
                e.flags |= MISS;
                t.record(e);
            }
        },
    )
}

/// # Safety
/// As for `MPI_Mprobe`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MPI_Mprobe(
    source: c_int,
    tag: c_int,
    comm: MPI_Comm,
    message: *mut MPI_Message,
    status: *mut MPI_Status,
) -> c_int {
    let mut ours = MaybeUninit::uninit();
    let status = status_or(status, &mut ours);
    traced(
        doing(Call::Mprobe, comm, source, tag, 0),
        // SAFETY: see the block comment above.
        || unsafe { PMPI_Mprobe(source, tag, comm, message, status) },
        |t, start| {
            // SAFETY: MPI set *message and the status.
            remember(key(unsafe { &*message }), Pending::Recv(comm));
            t.record(unsafe { probed(Call::Mprobe, start, comm, status) });
        },
    )
}

/// # Safety
/// As for `MPI_Improbe`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MPI_Improbe(
    source: c_int,
    tag: c_int,
    comm: MPI_Comm,
    flag: *mut c_int,
    message: *mut MPI_Message,
    status: *mut MPI_Status,
) -> c_int {
    let mut ours = MaybeUninit::uninit();
    let status = status_or(status, &mut ours);
    traced(
        doing(Call::Improbe, comm, source, tag, 0),
        // SAFETY: see the block comment above.
        || unsafe { PMPI_Improbe(source, tag, comm, flag, message, status) },
        |t, start| {
            // SAFETY: MPI set *flag, and *message and the status when it is true.
            if unsafe { *flag } != 0 {
                remember(key(unsafe { &*message }), Pending::Recv(comm));
                // SAFETY: the flag is true: MPI filled in the status.
                t.record(unsafe { probed(Call::Improbe, start, comm, status) });
            } else {
                let mut e = probe_event(Call::Improbe, start, comm, source, tag);
                e.flags |= MISS;
                t.record(e);
            }
        },
    )
}

/// # Safety
/// As for `MPI_Mrecv`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MPI_Mrecv(
    buf: *mut c_void,
    count: c_int,
    datatype: MPI_Datatype,
    message: *mut MPI_Message,
    status: *mut MPI_Status,
) -> c_int {
    let mut ours = MaybeUninit::uninit();
    let status = status_or(status, &mut ours);
    // The handle is reset by the call: look up its communicator first.
    // SAFETY: *message is the caller's matched-message handle.
    let k = key(unsafe { &*message });
    traced(
        doing_call(Call::Mrecv),
        // SAFETY: see the block comment above.
        || unsafe { PMPI_Mrecv(buf, count, datatype, message, status) },
        |t, start| {
            let comm = match forget(k) {
                Some(Pending::Recv(comm)) => Some(comm),
                _ => None,
            };
            let mut e = Event::new(Call::Mrecv, start, now());
            // SAFETY: MPI filled in the status of the completed receive.
            unsafe { received(&mut e, comm, status) };
            t.record(e);
        },
    )
}

// Completions: MPI_Wait, MPI_Test and their array forms.

/// Up to this many requests of one array call are followed without allocating.
const STACK_REQUESTS: usize = 16;

/// Keys of the requests of an array call, taken before MPI resets them.
struct Keys {
    stack: [u64; STACK_REQUESTS],
    heap: Vec<u64>,
}

impl Keys {
    /// # Safety
    /// `requests` points to `n` request handles.
    unsafe fn of(n: c_int, requests: *const MPI_Request) -> Keys {
        let n = n.max(0) as usize;
        let mut keys = Keys {
            stack: [0; STACK_REQUESTS],
            heap: Vec::new(),
        };
        // SAFETY: the caller's contract.
        let requests = unsafe { std::slice::from_raw_parts(requests, n) };
        if n <= STACK_REQUESTS {
            for (k, r) in keys.stack.iter_mut().zip(requests) {
                *k = key(r);
            }
        } else {
            keys.heap = requests.iter().map(key).collect();
        }
        keys
    }

    fn get(&self, i: usize) -> u64 {
        if self.heap.is_empty() {
            self.stack[i]
        } else {
            self.heap[i]
        }
    }
}

/// Statuses for an array call when the caller passed MPI_STATUSES_IGNORE.
struct Statuses {
    stack: [MaybeUninit<MPI_Status>; STACK_REQUESTS],
    heap: Vec<MaybeUninit<MPI_Status>>,
}

impl Statuses {
    fn new() -> Statuses {
        Statuses {
            stack: [MaybeUninit::uninit(); STACK_REQUESTS],
            heap: Vec::new(),
        }
    }

    /// The caller's array, or room for `n` of ours.
    fn or(&mut self, given: *mut MPI_Status, n: c_int) -> *mut MPI_Status {
        // SAFETY: reading an immutable constant.
        if given != unsafe { RSMPI_STATUSES_IGNORE } {
            return given;
        }
        let n = n.max(0) as usize;
        if n <= STACK_REQUESTS {
            self.stack.as_mut_ptr().cast()
        } else {
            self.heap = vec![MaybeUninit::uninit(); n];
            self.heap.as_mut_ptr().cast()
        }
    }
}

/// Records the completion of one request (its receive, or its barrier).
///
/// # Safety
/// `status` is MPI's status of the completed request.
unsafe fn completed(
    t: &Trace,
    k: u64,
    call: Call,
    start: u64,
    end: u64,
    status: *const MPI_Status,
    part: bool,
) -> bool {
    match forget(k) {
        Some(Pending::Recv(comm)) => {
            let mut e = Event::new(call, start, end);
            // SAFETY: the caller's contract.
            unsafe { received(&mut e, Some(comm), status) };
            if part {
                e.flags |= PART;
            }
            t.record(e);
            true
        }
        Some(Pending::Barrier) | None => false,
    }
}

/// # Safety
/// As for `MPI_Wait`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MPI_Wait(request: *mut MPI_Request, status: *mut MPI_Status) -> c_int {
    let mut ours = MaybeUninit::uninit();
    let status = status_or(status, &mut ours);
    // SAFETY: *request is the caller's request handle.
    let k = key(unsafe { &*request });
    traced(
        doing_call(Call::Wait),
        // SAFETY: see the block comment above.
        || unsafe { PMPI_Wait(request, status) },
        |t, start| {
            let end = now();
            // SAFETY: MPI filled in the status of the completed request.
            if !unsafe { completed(t, k, Call::Wait, start, end, status, false) } {
                t.record(Event::new(Call::Wait, start, end));
            }
        },
    )
}

/// # Safety
/// As for `MPI_Test`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MPI_Test(
    request: *mut MPI_Request,
    flag: *mut c_int,
    status: *mut MPI_Status,
) -> c_int {
    let mut ours = MaybeUninit::uninit();
    let status = status_or(status, &mut ours);
    // SAFETY: *request is the caller's request handle.
    let k = key(unsafe { &*request });
    traced(
        doing_call(Call::Test),
        // SAFETY: see the block comment above.
        || unsafe { PMPI_Test(request, flag, status) },
        |t, start| {
            let end = now();
            // SAFETY: MPI set *flag, and the status when it is true.
            if unsafe { *flag } == 0 {
                t.record(Event {
                    flags: MISS,
                    ..Event::new(Call::Test, start, end)
                });
                return;
            }
            // SAFETY: the flag is true: MPI filled in the status.
            if !unsafe { completed(t, k, Call::Test, start, end, status, false) } {
                t.record(Event::new(Call::Test, start, end));
            }
        },
    )
}

/// Records an array completion: one event for the call, one PART event per
/// receive it completed (`done` lists the completed indices).
///
/// # Safety
/// `statuses[i]` is filled in for every completed index `i`.
unsafe fn completed_many(
    t: &Trace,
    call: Call,
    start: u64,
    keys: &Keys,
    done: impl Iterator<Item = usize>,
    statuses: *const MPI_Status,
) {
    let end = now();
    t.record(Event::new(call, start, end));
    for i in done {
        // SAFETY: the caller's contract.
        unsafe {
            completed(
                t,
                keys.get(i),
                call,
                start,
                end,
                statuses.wrapping_add(i),
                true,
            )
        };
    }
}

/// # Safety
/// As for `MPI_Waitall`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MPI_Waitall(
    count: c_int,
    requests: *mut MPI_Request,
    statuses: *mut MPI_Status,
) -> c_int {
    // SAFETY: the caller passes `count` requests.
    let keys = unsafe { Keys::of(count, requests) };
    let mut ours = Statuses::new();
    let statuses = ours.or(statuses, count);
    traced(
        doing_call(Call::Waitall),
        // SAFETY: see the block comment above.
        || unsafe { PMPI_Waitall(count, requests, statuses) },
        // SAFETY: every status is filled in.
        |t, start| unsafe {
            completed_many(
                t,
                Call::Waitall,
                start,
                &keys,
                0..count.max(0) as usize,
                statuses,
            )
        },
    )
}

/// # Safety
/// As for `MPI_Testall`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MPI_Testall(
    count: c_int,
    requests: *mut MPI_Request,
    flag: *mut c_int,
    statuses: *mut MPI_Status,
) -> c_int {
    // SAFETY: the caller passes `count` requests.
    let keys = unsafe { Keys::of(count, requests) };
    let mut ours = Statuses::new();
    let statuses = ours.or(statuses, count);
    traced(
        doing_call(Call::Testall),
        // SAFETY: see the block comment above.
        || unsafe { PMPI_Testall(count, requests, flag, statuses) },
        |t, start| {
            // SAFETY: MPI set *flag, and every status when it is true.
            if unsafe { *flag } == 0 {
                t.record(Event {
                    flags: MISS,
                    ..Event::new(Call::Testall, start, now())
                });
            } else {
                // SAFETY: the flag is true: MPI filled in every status.
                unsafe {
                    completed_many(
                        t,
                        Call::Testall,
                        start,
                        &keys,
                        0..count.max(0) as usize,
                        statuses,
                    )
                }
            }
        },
    )
}

/// # Safety
/// As for `MPI_Waitany`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MPI_Waitany(
    count: c_int,
    requests: *mut MPI_Request,
    index: *mut c_int,
    status: *mut MPI_Status,
) -> c_int {
    // SAFETY: the caller passes `count` requests.
    let keys = unsafe { Keys::of(count, requests) };
    let mut ours = MaybeUninit::uninit();
    let status = status_or(status, &mut ours);
    traced(
        doing_call(Call::Waitany),
        // SAFETY: see the block comment above.
        || unsafe { PMPI_Waitany(count, requests, index, status) },
        |t, start| {
            // SAFETY: MPI set *index (MPI_UNDEFINED when nothing was active) and the status.
            let i = unsafe { *index };
            let done = (0..count).contains(&i).then_some(i as usize);
            // The status is of request `index` only: point "statuses[i]" at it.
            let base = status.wrapping_sub(done.unwrap_or(0));
            // SAFETY: `base + index` is the status MPI filled in for request `index`.
            unsafe { completed_many(t, Call::Waitany, start, &keys, done.into_iter(), base) }
        },
    )
}

/// # Safety
/// As for `MPI_Testany`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MPI_Testany(
    count: c_int,
    requests: *mut MPI_Request,
    index: *mut c_int,
    flag: *mut c_int,
    status: *mut MPI_Status,
) -> c_int {
    // SAFETY: the caller passes `count` requests.
    let keys = unsafe { Keys::of(count, requests) };
    let mut ours = MaybeUninit::uninit();
    let status = status_or(status, &mut ours);
    traced(
        doing_call(Call::Testany),
        // SAFETY: see the block comment above.
        || unsafe { PMPI_Testany(count, requests, index, flag, status) },
        |t, start| {
            // SAFETY: MPI set *flag and *index, and the status when a request completed.
            let (flag, i) = unsafe { (*flag, *index) };
            let done = (flag != 0 && (0..count).contains(&i)).then_some(i as usize);
            if flag == 0 {
                t.record(Event {
                    flags: MISS,
                    ..Event::new(Call::Testany, start, now())
                });
                return;
            }
            let base = status.wrapping_sub(done.unwrap_or(0));
            // SAFETY: `base + index` is the status MPI filled in (see MPI_Waitany).
            unsafe { completed_many(t, Call::Testany, start, &keys, done.into_iter(), base) }
        },
    )
}

/// The shared body of MPI_Waitsome and MPI_Testsome.
///
/// # Safety
/// As for `MPI_Waitsome`.
unsafe fn some(
    call: Call,
    incount: c_int,
    requests: *mut MPI_Request,
    outcount: *mut c_int,
    indices: *mut c_int,
    statuses: *mut MPI_Status,
    pmpi: unsafe extern "C" fn(
        c_int,
        *mut MPI_Request,
        *mut c_int,
        *mut c_int,
        *mut MPI_Status,
    ) -> c_int,
) -> c_int {
    // SAFETY: the caller passes `incount` requests.
    let keys = unsafe { Keys::of(incount, requests) };
    let mut ours = Statuses::new();
    let statuses = ours.or(statuses, incount);
    traced(
        doing_call(call),
        // SAFETY: see the block comment above.
        || unsafe { pmpi(incount, requests, outcount, indices, statuses) },
        |t, start| {
            // SAFETY: MPI set *outcount (MPI_UNDEFINED or ≥ 0), the first
            // *outcount indices, and statuses[0..outcount] in that order.
            let n = unsafe { *outcount };
            if n <= 0 {
                t.record(Event {
                    flags: if n == 0 { MISS } else { 0 },
                    ..Event::new(call, start, now())
                });
                return;
            }
            let end = now();
            t.record(Event::new(call, start, end));
            for j in 0..n as usize {
                // SAFETY: j < outcount, so MPI set indices[j].
                let i = unsafe { *indices.add(j) } as usize;
                // SAFETY: index j < outcount: statuses[j] and indices[j] were set by MPI.
                unsafe { completed(t, keys.get(i), call, start, end, statuses.add(j), true) };
            }
        },
    )
}

/// # Safety
/// As for `MPI_Waitsome`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MPI_Waitsome(
    incount: c_int,
    requests: *mut MPI_Request,
    outcount: *mut c_int,
    indices: *mut c_int,
    statuses: *mut MPI_Status,
) -> c_int {
    // SAFETY: the caller's arguments, passed on.
    unsafe {
        some(
            Call::Waitsome,
            incount,
            requests,
            outcount,
            indices,
            statuses,
            PMPI_Waitsome,
        )
    }
}

/// # Safety
/// As for `MPI_Testsome`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MPI_Testsome(
    incount: c_int,
    requests: *mut MPI_Request,
    outcount: *mut c_int,
    indices: *mut c_int,
    statuses: *mut MPI_Status,
) -> c_int {
    // SAFETY: the caller's arguments, passed on.
    unsafe {
        some(
            Call::Testsome,
            incount,
            requests,
            outcount,
            indices,
            statuses,
            PMPI_Testsome,
        )
    }
}

// Collectives.

fn collective(call: Call, start: u64, comm: MPI_Comm, root: Option<c_int>, bytes: u64) -> Event {
    let root = root.unwrap_or(-1);
    Event {
        peer: world_rank(comm, root),
        comm_peer: root,
        bytes,
        flags: world_flag(comm),
        ..Event::new(call, start, now())
    }
}

/// # Safety
/// As for `MPI_Barrier`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MPI_Barrier(comm: MPI_Comm) -> c_int {
    traced(
        doing(Call::Barrier, comm, -1, -1, 0),
        // SAFETY: see the block comment above.
        || unsafe { PMPI_Barrier(comm) },
        |t, start| t.record(collective(Call::Barrier, start, comm, None, 0)),
    )
}

/// # Safety
/// As for `MPI_Ibarrier`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MPI_Ibarrier(comm: MPI_Comm, request: *mut MPI_Request) -> c_int {
    traced(
        doing(Call::Ibarrier, comm, -1, -1, 0),
        // SAFETY: see the block comment above.
        || unsafe { PMPI_Ibarrier(comm, request) },
        |t, start| {
            // SAFETY: MPI set *request.
            remember(key(unsafe { &*request }), Pending::Barrier);
            t.record(collective(Call::Ibarrier, start, comm, None, 0));
        },
    )
}

/// # Safety
/// As for `MPI_Bcast`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MPI_Bcast(
    buffer: *mut c_void,
    count: c_int,
    datatype: MPI_Datatype,
    root: c_int,
    comm: MPI_Comm,
) -> c_int {
    traced(
        doing(Call::Bcast, comm, root, -1, 0),
        // SAFETY: see the block comment above.
        || unsafe { PMPI_Bcast(buffer, count, datatype, root, comm) },
        |t, start| {
            t.record(collective(
                Call::Bcast,
                start,
                comm,
                Some(root),
                type_bytes(count, datatype),
            ))
        },
    )
}

/// # Safety
/// As for `MPI_Reduce`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MPI_Reduce(
    sendbuf: *const c_void,
    recvbuf: *mut c_void,
    count: c_int,
    datatype: MPI_Datatype,
    op: MPI_Op,
    root: c_int,
    comm: MPI_Comm,
) -> c_int {
    traced(
        doing(Call::Reduce, comm, root, -1, 0),
        // SAFETY: see the block comment above.
        || unsafe { PMPI_Reduce(sendbuf, recvbuf, count, datatype, op, root, comm) },
        |t, start| {
            t.record(collective(
                Call::Reduce,
                start,
                comm,
                Some(root),
                type_bytes(count, datatype),
            ))
        },
    )
}

/// # Safety
/// As for `MPI_Allreduce`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MPI_Allreduce(
    sendbuf: *const c_void,
    recvbuf: *mut c_void,
    count: c_int,
    datatype: MPI_Datatype,
    op: MPI_Op,
    comm: MPI_Comm,
) -> c_int {
    traced(
        doing_call(Call::Allreduce),
        // SAFETY: see the block comment above.
        || unsafe { PMPI_Allreduce(sendbuf, recvbuf, count, datatype, op, comm) },
        |t, start| {
            t.record(collective(
                Call::Allreduce,
                start,
                comm,
                None,
                type_bytes(count, datatype),
            ))
        },
    )
}

/// # Safety
/// As for `MPI_Gather`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MPI_Gather(
    sendbuf: *const c_void,
    sendcount: c_int,
    sendtype: MPI_Datatype,
    recvbuf: *mut c_void,
    recvcount: c_int,
    recvtype: MPI_Datatype,
    root: c_int,
    comm: MPI_Comm,
) -> c_int {
    traced(
        doing(Call::Gather, comm, root, -1, 0),
        // SAFETY: see the block comment above.
        || unsafe {
            PMPI_Gather(
                sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root, comm,
            )
        },
        |t, start| {
            t.record(collective(
                Call::Gather,
                start,
                comm,
                Some(root),
                type_bytes(sendcount, sendtype),
            ))
        },
    )
}

/// # Safety
/// As for `MPI_Gatherv`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MPI_Gatherv(
    sendbuf: *const c_void,
    sendcount: c_int,
    sendtype: MPI_Datatype,
    recvbuf: *mut c_void,
    recvcounts: *const c_int,
    displs: *const c_int,
    recvtype: MPI_Datatype,
    root: c_int,
    comm: MPI_Comm,
) -> c_int {
    traced(
        doing(Call::Gatherv, comm, root, -1, 0),
        // SAFETY: see the block comment above.
        || unsafe {
            PMPI_Gatherv(
                sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs, recvtype, root, comm,
            )
        },
        |t, start| {
            t.record(collective(
                Call::Gatherv,
                start,
                comm,
                Some(root),
                type_bytes(sendcount, sendtype),
            ))
        },
    )
}

/// # Safety
/// As for `MPI_Allgather`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MPI_Allgather(
    sendbuf: *const c_void,
    sendcount: c_int,
    sendtype: MPI_Datatype,
    recvbuf: *mut c_void,
    recvcount: c_int,
    recvtype: MPI_Datatype,
    comm: MPI_Comm,
) -> c_int {
    traced(
        doing_call(Call::Allgather),
        // SAFETY: see the block comment above.
        || unsafe {
            PMPI_Allgather(
                sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm,
            )
        },
        |t, start| {
            t.record(collective(
                Call::Allgather,
                start,
                comm,
                None,
                type_bytes(sendcount, sendtype),
            ))
        },
    )
}

/// # Safety
/// As for `MPI_Allgatherv`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MPI_Allgatherv(
    sendbuf: *const c_void,
    sendcount: c_int,
    sendtype: MPI_Datatype,
    recvbuf: *mut c_void,
    recvcounts: *const c_int,
    displs: *const c_int,
    recvtype: MPI_Datatype,
    comm: MPI_Comm,
) -> c_int {
    traced(
        doing_call(Call::Allgatherv),
        // SAFETY: see the block comment above.
        || unsafe {
            PMPI_Allgatherv(
                sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs, recvtype, comm,
            )
        },
        |t, start| {
            t.record(collective(
                Call::Allgatherv,
                start,
                comm,
                None,
                type_bytes(sendcount, sendtype),
            ))
        },
    )
}

/// # Safety
/// As for `MPI_Scatter`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MPI_Scatter(
    sendbuf: *const c_void,
    sendcount: c_int,
    sendtype: MPI_Datatype,
    recvbuf: *mut c_void,
    recvcount: c_int,
    recvtype: MPI_Datatype,
    root: c_int,
    comm: MPI_Comm,
) -> c_int {
    traced(
        doing(Call::Scatter, comm, root, -1, 0),
        // SAFETY: see the block comment above.
        || unsafe {
            PMPI_Scatter(
                sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root, comm,
            )
        },
        |t, start| {
            t.record(collective(
                Call::Scatter,
                start,
                comm,
                Some(root),
                type_bytes(recvcount, recvtype),
            ))
        },
    )
}

/// # Safety
/// As for `MPI_Scatterv`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MPI_Scatterv(
    sendbuf: *const c_void,
    sendcounts: *const c_int,
    displs: *const c_int,
    sendtype: MPI_Datatype,
    recvbuf: *mut c_void,
    recvcount: c_int,
    recvtype: MPI_Datatype,
    root: c_int,
    comm: MPI_Comm,
) -> c_int {
    traced(
        doing(Call::Scatterv, comm, root, -1, 0),
        // SAFETY: see the block comment above.
        || unsafe {
            PMPI_Scatterv(
                sendbuf, sendcounts, displs, sendtype, recvbuf, recvcount, recvtype, root, comm,
            )
        },
        |t, start| {
            t.record(collective(
                Call::Scatterv,
                start,
                comm,
                Some(root),
                type_bytes(recvcount, recvtype),
            ))
        },
    )
}
