//! The wrappers of the collective calls.

use super::*;

// SAFETY (for every MPI function below): the caller (the traced program)
// passes the arguments the MPI standard requires; we hand them unchanged to
// the PMPI_ function of the same name, except that MPI_STATUS_IGNORE may be
// replaced by a pointer to a local status. After the call we read only values
// MPI defines on return (statuses of completed operations, flags, indices,
// out-counts).

pub(crate) fn collective(
    call: Call,
    start: u64,
    comm: MPI_Comm,
    root: Option<c_int>,
    bytes: u64,
) -> Event {
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
        // SAFETY: see the block comment at the top.
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
        // SAFETY: see the block comment at the top.
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
        // SAFETY: see the block comment at the top.
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
        // SAFETY: see the block comment at the top.
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
        // SAFETY: see the block comment at the top.
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
        // SAFETY: see the block comment at the top.
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
        // SAFETY: see the block comment at the top.
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
        // SAFETY: see the block comment at the top.
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
        // SAFETY: see the block comment at the top.
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
        // SAFETY: see the block comment at the top.
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
        // SAFETY: see the block comment at the top.
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
