//! Exercise 2: parallel computation of pi with `reduce` (workshop section 3.2).
//!
//! Every rank sums its own block of the steps with the fast kernel; `reduce`
//! adds the blocks' sums up on rank 0, which prints pi.
//!
//! The time printed is MPI's own clock, `MPI_Wtime` (`mpi::time()`): wall
//! time on a real cluster, simulated time on a simulated one. It starts after a
//! barrier, so starting the ranks is not in it, and ends on rank 0 once the
//! reduce has every rank's sum, so it covers the slowest rank. Each process's
//! clock is its own (unless `MPI_WTIME_IS_GLOBAL` is set): compare durations,
//! not time stamps, and in general report the maximum over the ranks.
//!
//! Run: `mpiexec -n 4 target/release/pi-mpi --steps 100000000`

use clap::Parser;
use mpi::collective::SystemOperation;
use mpi::traits::*;
use pi_kernel::{block_range, fast_sum, pi_from_sum, pi_line};

#[derive(Parser)]
#[command(about = "Pi by the midpoint rule, steps split across MPI ranks and summed with reduce")]
struct Args {
    /// Number of steps N
    #[arg(long, value_name = "N", default_value_t = 100_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    steps: u64,
}

fn main() {
    let args: Args = lesson_cli::parse_args();
    // ANCHOR: pi
    let universe = mpi_basics::init();
    let world = universe.world();
    let (rank, size) = (world.rank(), world.size());
    // Ranks leave MPI_Init at different moments: start the clock after a
    // barrier, or rank 0's time would miss work that others did before it
    // started. Ranks leave a barrier only roughly together (microseconds
    // apart; milliseconds when more ranks than cores take turns).
    world.barrier();
    let start = mpi::time();

    // Decompose: this rank's contiguous block of the steps (sizes differ by at most one).
    let block = block_range(args.steps, rank as u64, size as u64);
    let local_sum = fast_sum(args.steps, block.start, block.end);

    // Collect: rank 0 receives the sum of every rank's local_sum.
    let root = world.process_at_rank(0);
    if rank == 0 {
        let mut sum = 0.0;
        root.reduce_into_root(&local_sum, &mut sum, SystemOperation::sum());
        let secs = mpi::time() - start;
        let pi = pi_from_sum(sum, args.steps);
        println!("{} on {size} ranks", pi_line(args.steps, pi, secs));
    } else {
        root.reduce_into(&local_sum, SystemOperation::sum());
    }
    // ANCHOR_END: pi
}
