//! Helpers of the wrappers: sizes, ranks, statuses, and the requests and
//! matched messages that a later MPI_Wait, MPI_Test or MPI_Mrecv completes.

use super::*;

pub(crate) fn world() -> MPI_Comm {
    // SAFETY: an immutable constant of the MPI library (rsmpi's C shim).
    unsafe { RSMPI_COMM_WORLD }
}

pub(crate) fn is_world(comm: MPI_Comm) -> bool {
    comm == world()
}

pub(crate) fn type_bytes(count: c_int, datatype: MPI_Datatype) -> u64 {
    let mut size: c_int = 0;
    // SAFETY: `size` is a valid out-pointer; a bad datatype only returns an error code.
    if unsafe { PMPI_Type_size(datatype, &mut size) } != 0 {
        return 0;
    }
    (count.max(0) as u64) * (size.max(0) as u64)
}

/// The world rank of rank `rank` of `comm` (-1 for MPI_PROC_NULL, MPI_ANY_SOURCE, ...).
pub(crate) fn world_rank(comm: MPI_Comm, rank: c_int) -> i32 {
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

pub(crate) fn world_flag(comm: MPI_Comm) -> u8 {
    if is_world(comm) { WORLD } else { 0 }
}

/// A status to pass to MPI: the caller's, or ours when it passed MPI_STATUS_IGNORE
/// (we need the source, tag and size of what arrived).
pub(crate) fn status_or(
    status: *mut MPI_Status,
    ours: &mut MaybeUninit<MPI_Status>,
) -> *mut MPI_Status {
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
pub(crate) unsafe fn received(
    event: &mut Event,
    comm: Option<MPI_Comm>,
    status: *const MPI_Status,
) {
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
pub(crate) enum Pending {
    /// An `MPI_Irecv` (or a message from `MPI_Mprobe`) on this communicator.
    Recv(MPI_Comm),
    /// An `MPI_Ibarrier`.
    Barrier,
}

pub(crate) struct Requests {
    slots: Vec<(u64, Pending)>,
}

// SAFETY: a communicator handle is a plain value (an int in MPICH, a pointer to
// a library-owned object in Open MPI) that is only compared and passed back to MPI.
unsafe impl Send for Requests {}

/// At most this many outstanding requests are followed (more are counted as untracked).
pub(crate) const MAX_PENDING: usize = 4096;
pub(crate) static PENDING: Mutex<Requests> = Mutex::new(Requests { slots: Vec::new() });

/// A request or message handle as a number (an int in MPICH, a pointer in Open MPI).
pub(crate) fn key<T: Copy>(handle: &T) -> u64 {
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

pub(crate) fn remember(k: u64, what: Pending) {
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

pub(crate) fn forget(k: u64) -> Option<Pending> {
    let mut table = PENDING.lock().unwrap_or_else(|e| e.into_inner());
    let i = table.slots.iter().rposition(|(key, _)| *key == k)?;
    Some(table.slots.swap_remove(i).1)
}
