//! Exercise 2 (workshop section 3.2, `pi_numba_mpi_reduce.py`): parallel pi,
//! all five steps.
//!
//! The N steps of the midpoint rule are shared out between the ranks: each
//! rank sums its own block of steps, the ranks' sums are added up on rank 0,
//! and rank 0 prints pi as the workshop does:
//! `Pi with N steps is 3.14159265358979... in 0.001 secs`.
//!
//! Your task, the workshop's steps in order (each a `todo!()` below), then
//! `ci/check pi-reduce`:
//! 1. `loop_steps`: the loop over the steps `begin..end` only;
//! 2. `rank_and_size`: add MPI: which rank this is, of how many;
//! 3. `my_steps`: decompose: this rank's block of the N steps;
//! 4. `collect`: add every rank's `local_sum` up on rank 0 (reduce);
//! 5. `report`: rank 0, and only rank 0, prints the result.

use std::ops::Range;
use std::time::Instant;

use clap::Parser;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

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
    todo!(
        "step 1: sum 4/(1+x*x) for i in {begin}..{end}, x = (i + 0.5) * step, step = 1/{num_steps}"
    )
}

/// Step 2: this process's rank and the number of ranks.
fn rank_and_size(world: &SimpleCommunicator) -> (i32, i32) {
    let _ = world;
    todo!("step 2: return (rank, size) of the world communicator")
}

/// Step 3: the steps `begin..end` that `rank` (of `size` ranks) sums, out of
/// `num_steps`: blocks in rank order that cover every step exactly once.
fn my_steps(num_steps: u64, rank: u64, size: u64) -> Range<u64> {
    todo!(
        "step 3: return the steps begin..end that rank {rank} of {size} sums, out of {num_steps} \
         (pi_kernel::block_range can work it out)"
    )
}

/// Step 4: the total of every rank's `local_sum`, on rank 0 (the workshop's
/// `sum = ??????`). What the other ranks return is not used.
fn collect(world: &SimpleCommunicator, local_sum: f64) -> f64 {
    todo!(
        "step 4: rank {} has local_sum = {local_sum}: add all ranks' up on rank 0 with a reduce",
        world.rank()
    )
}

/// Step 5: on rank 0 only, print `pi_kernel::pi_line(num_steps, pi, secs)`
/// with pi = sum / num_steps (`pi_kernel::pi_from_sum`).
fn report(rank: i32, num_steps: u64, sum: f64, secs: f64) {
    todo!(
        "step 5: rank {rank}: print pi from sum = {sum} ({num_steps} steps, {secs} s), on rank 0 only"
    )
}
