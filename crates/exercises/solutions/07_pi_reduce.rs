//! Exercise 2 (workshop section 3.2, `pi_numba_mpi_reduce.py`): parallel pi,
//! all five steps. The solution.
//!
//! The N steps of the midpoint rule are shared out between the ranks: each
//! rank sums its own block of steps, the ranks' sums are added up on rank 0,
//! and rank 0 prints pi as the workshop does.

use std::ops::Range;
use std::time::Instant;

use clap::Parser;
use mpi::collective::SystemOperation;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use pi_kernel::{block_range, pi_from_sum, pi_line};

#[derive(Parser)]
#[command(about = "Exercise 2: pi by the midpoint rule, steps split across MPI ranks")]
struct Args {
    /// Number of steps N
    #[arg(long, value_name = "N", default_value_t = 10_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    steps: u64,
}

fn main() {
    let args: Args = lesson_cli::parse_args();
    let universe = exercises::init(); // MPI_Init; lets ci/check see what each rank prints
    let world = universe.world();
    let (rank, size) = rank_and_size(&world);
    let start = Instant::now();

    let steps = my_steps(args.steps, rank as u64, size as u64);
    let local_sum = loop_steps(args.steps, steps.start, steps.end);
    let sum = collect(&world, local_sum);

    let secs = start.elapsed().as_secs_f64();
    report(rank, args.steps, sum, secs);
}

/// Step 1: the sum of 4/(1+x²) over the steps `begin..end` of `num_steps`,
/// with x = (i + 0.5) / num_steps.
fn loop_steps(num_steps: u64, begin: u64, end: u64) -> f64 {
    let step = 1.0 / num_steps as f64;
    let mut sum = 0.0;
    for i in begin..end {
        let x = (i as f64 + 0.5) * step;
        sum += 4.0 / (1.0 + x * x);
    }
    sum
}

/// Step 2: this process's rank and the number of ranks.
fn rank_and_size(world: &SimpleCommunicator) -> (i32, i32) {
    (world.rank(), world.size())
}

/// Step 3: the steps `begin..end` that `rank` (of `size` ranks) sums, out of
/// `num_steps`: blocks in rank order that cover every step exactly once.
fn my_steps(num_steps: u64, rank: u64, size: u64) -> Range<u64> {
    // Blocks whose sizes differ by at most one; the first `num_steps % size`
    // ranks take one step more. The workshop's `num_steps/size` steps per rank
    // would drop those left-over steps.
    block_range(num_steps, rank, size)
}

/// Step 4: the total of every rank's `local_sum`, on rank 0 (the workshop's
/// `sum = ??????`). What the other ranks return is not used.
fn collect(world: &SimpleCommunicator, local_sum: f64) -> f64 {
    // Every rank calls reduce (it is a collective call); the root passes a
    // place for the result, the others only their value.
    let root = world.process_at_rank(0);
    let mut sum = 0.0;
    if world.rank() == 0 {
        root.reduce_into_root(&local_sum, &mut sum, SystemOperation::sum());
    } else {
        root.reduce_into(&local_sum, SystemOperation::sum());
    }
    sum
}

/// Step 5: on rank 0 only, print `pi_kernel::pi_line(num_steps, pi, secs)`
/// with pi = sum / num_steps (`pi_kernel::pi_from_sum`).
fn report(rank: i32, num_steps: u64, sum: f64, secs: f64) {
    if rank == 0 {
        println!("{}", pi_line(num_steps, pi_from_sum(sum, num_steps), secs));
    }
}
