//! The wrappers of MPI_Init, MPI_Finalize, MPI_Abort, the point-to-point
//! calls and the probes.

use super::*;

// SAFETY (for every MPI function below): the caller (the traced program)
// passes the arguments the MPI standard requires; we hand them unchanged to
// the PMPI_ function of the same name, except that MPI_STATUS_IGNORE may be
// replaced by a pointer to a local status. After the call we read only values
// MPI defines on return (statuses of completed operations, flags, indices,
// out-counts).

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
    // SAFETY: see the block comment at the top.
    let rc = unsafe { PMPI_Init(argc, argv) };
    if rc == 0 {
        let mut level = 0;
        // SAFETY: MPI is initialised; `level` is a local.
        unsafe { PMPI_Query_thread(&mut level) };
        // MPI_Init asks for MPI_THREAD_SINGLE, as MPI_Init_thread(SINGLE) would.
        // SAFETY: reading an immutable constant.
        start_tracing(start, unsafe { RSMPI_THREAD_SINGLE }, level);
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
    // SAFETY: see the block comment at the top.
    let rc = unsafe { PMPI_Init_thread(argc, argv, required, provided) };
    if rc == 0 {
        // SAFETY: MPI set *provided on success.
        start_tracing(start, required, unsafe { *provided });
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
    // SAFETY: see the block comment at the top.
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
    // SAFETY: see the block comment at the top.
    unsafe { PMPI_Abort(comm, errorcode) }
}

pub(crate) fn send_event(
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
pub(crate) fn to_self(comm: MPI_Comm, dest: c_int) -> bool {
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
        // SAFETY: see the block comment at the top.
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
        // SAFETY: see the block comment at the top.
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
        // SAFETY: see the block comment at the top.
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
        // SAFETY: see the block comment at the top.
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
        // SAFETY: see the block comment at the top.
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

pub(crate) fn probe_event(
    call: Call,
    start: u64,
    comm: MPI_Comm,
    source: c_int,
    tag: c_int,
) -> Event {
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
pub(crate) unsafe fn probed(
    call: Call,
    start: u64,
    comm: MPI_Comm,
    status: *const MPI_Status,
) -> Event {
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
        // SAFETY: see the block comment at the top.
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
        // SAFETY: see the block comment at the top.
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
        // SAFETY: see the block comment at the top.
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
        // SAFETY: see the block comment at the top.
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
        // SAFETY: see the block comment at the top.
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
