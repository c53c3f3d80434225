//! Start and end: tracing starts in MPI_Init (buffer, clocks aligned across
//! hosts) and the text trace is written at MPI_Finalize or MPI_Abort.

use super::*;

/// Starts tracing, once MPI is initialised: `requested` and `granted` are
/// the thread levels as MPI_Init_thread takes and returns them.
pub(crate) fn start_tracing(clocks: (u64, u64), requested: c_int, granted: c_int) {
    #[cfg(feature = "smpi")]
    super::smpi::init_comms();
    let (thread_requested, thread_level) = (level_number(requested), level_number(granted));
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
        thread_requested,
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
    let multiple = level_number(unsafe { RSMPI_THREAD_MULTIPLE });
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
        thread_requested,
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

/// A thread level as the files number it (trace_format::THREAD_LEVELS: 0
/// SINGLE to 3 MULTIPLE, MPI's order): the C constants are only ordered, their
/// values are each implementation's own.
fn level_number(level: c_int) -> i32 {
    // SAFETY: reading immutable constants.
    let levels = unsafe {
        [
            RSMPI_THREAD_SINGLE,
            RSMPI_THREAD_FUNNELED,
            RSMPI_THREAD_SERIALIZED,
            RSMPI_THREAD_MULTIPLE,
        ]
    };
    levels
        .iter()
        .position(|&l| l == level)
        .map_or(level, |i| i as i32)
}

/// Whether the launcher says every rank runs on this host: MPICH's Hydra sets
/// MPI_LOCALNRANKS, Open MPI OMPI_COMM_WORLD_LOCAL_SIZE (the ranks on this
/// host). Every rank sees the same answer: either all ranks share one host or not.
pub(crate) fn all_on_one_host(size: i32) -> bool {
    ["MPI_LOCALNRANKS", "OMPI_COMM_WORLD_LOCAL_SIZE"]
        .iter()
        .any(|name| std::env::var(name).is_ok_and(|v| v.trim().parse::<i32>() == Ok(size)))
}

/// This rank's clock minus rank 0's (see the module docs). Ranks on rank 0's
/// host (same boot id) share its clock: 0. The others play ping-pongs with
/// rank 0 on a private duplicate of the world communicator.
pub(crate) fn align_clocks(rank: i32, size: i32) -> i64 {
    if cfg!(feature = "smpi") {
        return 0; // simulated ranks share the simulator's clock
    }
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
pub(crate) fn trace_dir() -> std::path::PathBuf {
    std::env::var_os("MPI_TRACE_DIR")
        .unwrap_or_else(|| "mpi-trace".into())
        .into()
}

/// The traced program's file name, for the trace's header.
#[cfg(not(feature = "smpi"))]
pub(crate) fn program_name() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default()
}
#[cfg(feature = "smpi")]
pub(crate) use super::smpi::program_name;

/// Writes `$MPI_TRACE_DIR/rank-R.trace` once (finalize or abort).
///
/// Format: header lines `# key value` (`mpi-trace 1`, `rank`, `size`,
/// `offset_ns`, `thread_requested`, `thread_level`, `dropped`, `untracked`,
/// `events`, `program`, `ended` = finalize|abort), then one line per event:
/// `call start end peer tag bytes count comm_peer flags`, tab-separated, times in
/// nanoseconds on rank 0's clock. Written to a temporary name, then renamed.
pub(crate) fn write_trace(ended: &str) {
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
        writeln!(out, "# thread_requested {}", trace.thread_requested)?;
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
