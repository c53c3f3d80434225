//! The wrappers of the completions: MPI_Wait, MPI_Test and their array forms.

use super::*;

// SAFETY (for every MPI function below): the caller (the traced program)
// passes the arguments the MPI standard requires; we hand them unchanged to
// the PMPI_ function of the same name, except that MPI_STATUS_IGNORE may be
// replaced by a pointer to a local status. After the call we read only values
// MPI defines on return (statuses of completed operations, flags, indices,
// out-counts).

/// Up to this many requests of one array call are followed without allocating.
pub(crate) const STACK_REQUESTS: usize = 16;

/// Keys of the requests of an array call, taken before MPI resets them.
pub(crate) struct Keys {
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
pub(crate) struct Statuses {
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
pub(crate) unsafe fn completed(
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
        // SAFETY: see the block comment at the top.
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
        // SAFETY: see the block comment at the top.
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
pub(crate) unsafe fn completed_many(
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
        // SAFETY: see the block comment at the top.
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
        // SAFETY: see the block comment at the top.
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
        // SAFETY: see the block comment at the top.
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
        // SAFETY: see the block comment at the top.
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
pub(crate) unsafe fn some(
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
        // SAFETY: see the block comment at the top.
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
