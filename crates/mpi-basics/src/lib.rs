//! The MPI helpers every lesson program shares.
//!
//! - [`init`]: start MPI, and make a panic in any rank end the whole job.
//! - [`expect`]: what the MPI basics lessons print at N ranks (tests and checker compare with it).
//! - [`launch`]: run a built lesson program under `mpiexec -n N` (tests, tools).
//! - [`obj`]: send any serde value (mpi4py's lowercase `send`, `bcast`, `scatter`, ...).
//! - [`ops`]: MAXLOC and MINLOC, the reduce operations rsmpi does not have.

use std::sync::Once;

use mpi::environment::Universe;
use mpi::topology::SimpleCommunicator;
use mpi::traits::Communicator;

pub mod expect;
pub mod launch;
pub mod obj;
pub mod ops;

/// Exit status of a job ended by a panicking rank.
pub const PANIC_EXIT: i32 = 101;

/// Starts MPI (`MPI_Init`) and returns the universe; MPI is finalised when it is dropped.
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
    let Some(universe) = mpi::initialize() else {
        lesson_cli::exit_failure("MPI is already initialised in this process (MPI_Init works once)")
    };
    abort_job_on_panic();
    universe
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

fn abort_job_on_panic() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let default_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let mpi_running =
                mpi::environment::is_initialized() && !mpi::environment::is_finalized();
            if !mpi_running {
                default_hook(info);
                return;
            }
            let world = SimpleCommunicator::world();
            // Say so first: MPI_Abort kills the job at once, and mpiexec may drop
            // what a rank prints in its last moments.
            eprintln!(
                "rank {} of {} panicked: aborting the whole MPI job",
                world.rank(),
                world.size()
            );
            default_hook(info);
            world.abort(PANIC_EXIT);
        }));
    });
}
