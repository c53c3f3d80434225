//! The MPI helpers every lesson program shares.
//!
//! - [`init`]: start MPI, and make a panic in any rank end the whole job.
//! - [`init_threaded`]: the same for a program that runs threads of its own.
//! - [`expect`]: what the MPI basics lessons print at N ranks (tests and checker compare with it).
//! - [`deadline`]: run a job, killing it and all it started if it outlives a limit.
//! - [`launch`]: run a built lesson program under `mpiexec -n N` (tests, tools).
//! - [`obj`]: send any serde value (mpi4py's lowercase `send`, `bcast`, `scatter`, ...).
//! - [`ops`]: MAXLOC and MINLOC, the reduce operations rsmpi does not have.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Once, OnceLock};
use std::thread::{self, ThreadId};

use mpi::environment::Universe;
use mpi::topology::SimpleCommunicator;
use mpi::traits::Communicator;

/// MPI's thread levels, in increasing order: `Single`, `Funneled`, `Serialized`, `Multiple`.
pub use mpi::Threading;

pub mod deadline;
pub mod expect;
pub mod launch;
pub mod obj;
pub mod ops;
pub mod simulate;
#[cfg(feature = "smpi")]
pub mod smpi;

/// Whether a rank blocked in an MPI call keeps its core busy. MPICH and Open MPI
/// poll the network while they wait (they spin), so a program that must leave its
/// core to others waits in a loop of non-blocking tests and short sleeps. Under
/// SimGrid's SMPI (feature `smpi`) a blocked rank costs nothing, while each test
/// adds simulated time and each sleep real time: there it simply blocks.
pub const WAITING_SPINS: bool = cfg!(not(feature = "smpi"));

/// Exit status of a job ended by a panicking rank.
pub const PANIC_EXIT: i32 = 101;

/// Starts MPI for a program without threads of its own (`MPI_THREAD_SINGLE`)
/// and returns the universe; MPI is finalised when it is dropped.
///
/// It also installs a panic hook. Why: when one rank panics while the others
/// wait for it in a collective (a `reduce`, a `barrier`), the panicking rank
/// unwinds into `MPI_Finalize`, which waits for the others, who wait for it:
/// the job hangs forever. The hook prints the panic as usual, then calls
/// `MPI_Abort` on the world communicator, which ends every rank of the job
/// with a non-zero status.
///
/// Exits with a one-line error if MPI was already started in this process.
pub fn init() -> Universe {
    init_threaded(Threading::Single)
}

/// Starts MPI for a program that runs threads of its own (`MPI_Init_thread`),
/// asking for the thread level `required`, and returns the universe.
///
/// MPI must be told: `MPI_Init` promises that only one thread will run. The
/// levels: `Single` (no other threads), `Funneled` (threads, but only the main
/// thread, the one that started MPI, calls MPI), `Serialized` (any thread, one
/// at a time), `Multiple` (any thread, any time). The library may grant less
/// than asked; then every rank (all run the same library) finalises MPI and
/// exits with status 1, rank 0 printing one line with both levels.
///
/// A panic ends the whole job, as with [`init`], but `MPI_Abort` is an MPI
/// call like any other: below `Multiple`, a thread other than the main one may
/// not make it whenever it likes (at `Funneled` never, at `Serialized` not
/// while another thread is inside MPI). So the panic hook:
/// - in the main thread, or in any thread at `Multiple`: calls it at once;
/// - in another thread: only prints the panic, and the thread ends. The main
///   thread learns of it when it joins that thread: `join()` returns the
///   panic, `.expect(..)` panics again in the main thread, and that hook calls
///   `MPI_Abort` (`std::thread::scope` panics in the same way for a thread
///   nobody joined). A main thread that waits in `join()`, as pi-hybrid's
///   does, needs nothing more. One that keeps calling MPI while its threads
///   work (a loop answering requests) calls [`abort_if_a_thread_panicked`] in
///   that loop, or the job would end only when it finally joins. One blocked
///   in an MPI call that never completes cannot be reached: so while its
///   threads run, a `Funneled` main thread only joins them or polls.
pub fn init_threaded(required: Threading) -> Universe {
    let Some((universe, granted)) = mpi::initialize_with_threading(required) else {
        lesson_cli::exit_failure("MPI is already initialised in this process (MPI_Init works once)")
    };
    let world = universe.world();
    let (rank, size) = (world.rank(), world.size());
    // SMPI grants only MPI_THREAD_SINGLE (its ranks are the simulator's own
    // threads), and the lessons built for it start no thread of their own.
    if granted < required && cfg!(not(feature = "smpi")) {
        drop(universe); // MPI_Finalize, on every rank alike, before exiting
        if rank == 0 {
            lesson_cli::exit_failure(thread_level_error(required, granted));
        }
        std::process::exit(1)
    }
    let _ = STARTED.set(Started {
        rank,
        size,
        granted,
        main_thread: thread::current().id(),
    });
    abort_job_on_panic();
    #[cfg(feature = "smpi")]
    smpi::charge_kernel_work();
    universe
}

/// For a main thread that keeps calling MPI while its other threads work:
/// if one of them has panicked, ends the whole job now (`MPI_Abort`, from
/// this thread, which may call MPI). Call it from the main thread only.
pub fn abort_if_a_thread_panicked() {
    if THREAD_PANICKED.load(Ordering::SeqCst) {
        let (rank, size) = STARTED.get().map_or((0, 1), |me| (me.rank, me.size));
        eprintln!("rank {rank} of {size}: a thread panicked: aborting the whole MPI job");
        SimpleCommunicator::world().abort(PANIC_EXIT);
    }
}

/// The MPI name of a thread level: `MPI_THREAD_FUNNELED`.
fn thread_level_name(level: Threading) -> &'static str {
    match level {
        Threading::Single => "MPI_THREAD_SINGLE",
        Threading::Funneled => "MPI_THREAD_FUNNELED",
        Threading::Serialized => "MPI_THREAD_SERIALIZED",
        Threading::Multiple => "MPI_THREAD_MULTIPLE",
    }
}

/// The line [`init_threaded`] prints when MPI grants less than the program needs.
fn thread_level_error(required: Threading, granted: Threading) -> String {
    format!(
        "this program runs threads and needs {}, and this MPI library granted only {} \
         (use an MPI built with thread support)",
        thread_level_name(required),
        thread_level_name(granted)
    )
}

/// Ends the program cleanly when it needs more ranks than it was started with.
///
/// Every rank checks the same size, so all of them finalise MPI and exit
/// with status 2 together; rank 0 prints one line saying why. Otherwise
/// gives the universe back.
pub fn require_ranks(universe: Universe, min: i32, why: &str) -> Universe {
    let world = universe.world();
    let (rank, size) = (world.rank(), world.size());
    if size >= min {
        return universe;
    }
    drop(universe); // MPI_Finalize before exiting
    if rank == 0 {
        lesson_cli::exit_usage(format!(
            "this program needs at least {min} ranks, got {size}: {why} (run it with mpiexec -n {min} or more)"
        ));
    }
    std::process::exit(lesson_cli::USAGE)
}

/// This rank, as the panic hook needs it, recorded when MPI started: the hook
/// itself may not ask MPI (`MPI_Comm_rank`) from a thread that may not call MPI.
struct Started {
    rank: i32,
    size: i32,
    granted: Threading,
    /// The thread that started MPI: MPI's "main thread".
    main_thread: ThreadId,
}

static STARTED: OnceLock<Started> = OnceLock::new();

/// Set once a thread that may not call MPI has panicked (and printed why).
static THREAD_PANICKED: AtomicBool = AtomicBool::new(false);

fn abort_job_on_panic() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let default_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // MPI_Finalized may be asked from any thread, at any time.
            let running = STARTED.get().filter(|_| !mpi::environment::is_finalized());
            let Some(me) = running else {
                default_hook(info);
                return;
            };
            let (rank, size) = (me.rank, me.size);
            let may_call_mpi = thread::current().id() == me.main_thread
                || me.granted == Threading::Multiple;
            if may_call_mpi {
                // Say so first: MPI_Abort kills the job at once, and mpiexec may drop
                // what a rank prints in its last moments.
                eprintln!("rank {rank} of {size} panicked: aborting the whole MPI job");
                default_hook(info);
                SimpleCommunicator::world().abort(PANIC_EXIT);
            }
            // Another thread, which may not call MPI: the main thread aborts,
            // when it joins this thread or checks the flag.
            eprintln!(
                "rank {rank} of {size}: a thread panicked: its main thread will abort the whole MPI job"
            );
            default_hook(info);
            // Only now, once the panic is printed: the main thread may abort as soon as it sees this.
            THREAD_PANICKED.store(true, Ordering::SeqCst);
        }));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_level_too_low_is_one_line_saying_what_was_asked_and_granted() {
        let line = thread_level_error(Threading::Funneled, Threading::Single);
        assert!(!line.contains('\n'), "{line}");
        assert!(
            line.contains("needs MPI_THREAD_FUNNELED")
                && line.contains("granted only MPI_THREAD_SINGLE"),
            "{line}"
        );
    }

    #[test]
    fn levels_are_ordered_as_mpi_orders_them() {
        use Threading::*;
        assert!(Single < Funneled && Funneled < Serialized && Serialized < Multiple);
    }
}
