//! The rank's events in a file mapped into memory (`rank-R.live`, layout in
//! `trace_format::live`): recording an event is a store into the mapping, and
//! the kernel keeps the file's pages whatever happens to the process, so a job
//! killed while it hangs still shows what each rank did and where it waits.
//! When the file cannot be made (a read-only folder), the same layout lives in
//! anonymous memory: the trace is then written at MPI_Finalize only.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use trace_format::live::{self as layout, LiveHeader, RawEvent};

/// Event slots made writable ahead of use at a time (256 KiB).
const CHUNK: usize = 256 * 1024 / size_of::<RawEvent>();

/// The mapped header and event slots.
pub struct Live {
    base: *mut u8,
    capacity: usize,
    /// The file, removed once the text trace is written (None: anonymous memory).
    pub path: Option<PathBuf>,
}

// SAFETY: the mapping lives as long as the process; the header's counters are
// atomics, and each event slot is written by the one caller that claimed it.
unsafe impl Sync for Live {}
unsafe impl Send for Live {}

impl Live {
    /// Maps `capacity` event slots, backed by `path` when it can be created.
    pub fn new(path: PathBuf, capacity: usize, header: &LiveHeader) -> Live {
        let bytes = layout::HEADER_BYTES + capacity * size_of::<RawEvent>();
        let (base, path) = match map_file(&path, bytes) {
            Some(base) => (base, Some(path)),
            None => (map_anonymous(bytes), None),
        };
        let live = Live {
            base,
            capacity: if base.is_null() { 0 } else { capacity },
            path,
        };
        if !base.is_null() {
            live.write_header(header);
            live.ahead(0);
        }
        live
    }

    fn write_header(&self, h: &LiveHeader) {
        let put = |at: usize, v: &[u8]| {
            // SAFETY: every offset of the layout lies inside the header.
            unsafe { std::ptr::copy_nonoverlapping(v.as_ptr(), self.base.add(at), v.len()) }
        };
        put(layout::RANK, &h.rank.to_ne_bytes());
        put(layout::SIZE, &h.size.to_ne_bytes());
        put(layout::THREAD_LEVEL, &h.thread_level.to_ne_bytes());
        put(layout::THREAD_REQUESTED, &h.thread_requested.to_ne_bytes());
        put(layout::OFFSET_NS, &h.offset_ns.to_ne_bytes());
        put(layout::TICKS0, &h.ticks0.to_ne_bytes());
        put(layout::NS0, &h.ns0.to_ne_bytes());
        put(layout::NS_PER_TICK, &h.ns_per_tick.to_ne_bytes());
        put(layout::CAPACITY, &(self.capacity as u64).to_ne_bytes());
        let name = h.program.as_bytes();
        put(
            layout::PROGRAM,
            &name[..name.len().min(layout::PROGRAM_BYTES - 1)],
        );
        // The magic last: a reader never sees a half-written header as valid.
        put(0, &layout::MAGIC);
    }

    fn counter(&self, at: usize) -> &AtomicU64 {
        // SAFETY: `at` is an 8-aligned offset inside the (page-aligned) header.
        unsafe { &*self.base.add(at).cast::<AtomicU64>() }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Slot `i` (`i < capacity`).
    pub fn slot(&self, i: usize) -> *mut RawEvent {
        debug_assert!(i < self.capacity);
        // SAFETY: inside the mapping; slots are 8-aligned (the header is 256 bytes).
        unsafe {
            self.base
                .add(layout::HEADER_BYTES)
                .cast::<RawEvent>()
                .add(i)
        }
    }

    /// Makes the slots from `i` on writable ahead of use, a chunk at a time,
    /// when slot `i` starts a chunk. Each first write to a page of a mapped
    /// file costs a fault (the file system gives the page its block); one
    /// call for 256 KiB of slots costs less than 64 faults in the hot path.
    /// Kernels before Linux 5.14 refuse the advice: then the pages fault as usual.
    pub fn ahead(&self, i: usize) {
        if !i.is_multiple_of(CHUNK) || self.path.is_none() || i >= self.capacity {
            return;
        }
        let page = 4096;
        let from = (layout::HEADER_BYTES + i * size_of::<RawEvent>()) / page * page;
        let to = layout::HEADER_BYTES + (i + CHUNK).min(self.capacity) * size_of::<RawEvent>();
        // SAFETY: a page-aligned range inside the mapping; the advice only
        // faults its pages in, writable, and changes no byte.
        unsafe {
            libc::madvise(
                self.base.add(from).cast(),
                to - from,
                libc::MADV_POPULATE_WRITE,
            )
        };
    }

    /// Says that slots up to `n` are written (what a reader of a killed rank
    /// takes). `concurrent`: other threads may record at the same time
    /// (MPI_THREAD_MULTIPLE), so the count only grows; else a plain store.
    pub fn written(&self, n: usize, concurrent: bool) {
        if self.capacity == 0 {
            return;
        }
        let next = self.counter(layout::NEXT);
        if concurrent {
            next.fetch_max(n as u64, Ordering::Release);
        } else {
            next.store(n as u64, Ordering::Release);
        }
    }

    pub fn dropped(&self) {
        if self.capacity > 0 {
            self.counter(layout::DROPPED)
                .fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The rank is now inside `event` (its end not known yet).
    pub fn doing(&self, event: RawEvent) {
        if self.capacity == 0 {
            return;
        }
        // SAFETY: DOING is a 48-byte, 8-aligned field of the header.
        unsafe { self.base.add(layout::DOING).cast::<RawEvent>().write(event) };
        self.counter(layout::BUSY).store(1, Ordering::Release);
    }

    /// The call in `doing` returned.
    pub fn done(&self) {
        if self.capacity > 0 {
            self.counter(layout::BUSY).store(0, Ordering::Release);
        }
    }
}

/// A shared mapping of a new file of `bytes` bytes (sparse: pages the trace
/// never reaches take no disk and no memory).
fn map_file(path: &std::path::Path, bytes: usize) -> Option<*mut u8> {
    use std::os::fd::AsRawFd as _;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).ok()?;
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
        .ok()?;
    file.set_len(bytes as u64).ok()?;
    // SAFETY: a fresh shared mapping of a file we just sized; the mapping
    // outlives the descriptor, which may be closed.
    let base = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            bytes,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED,
            file.as_raw_fd(),
            0,
        )
    };
    if base == libc::MAP_FAILED {
        let _ = std::fs::remove_file(path);
        return None;
    }
    Some(base.cast())
}

/// Anonymous memory of the same layout (null if even that fails: nothing is recorded).
fn map_anonymous(bytes: usize) -> *mut u8 {
    // SAFETY: a fresh private anonymous mapping; NORESERVE: untouched pages cost nothing.
    let base = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            bytes,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    if base == libc::MAP_FAILED {
        std::ptr::null_mut()
    } else {
        base.cast()
    }
}
