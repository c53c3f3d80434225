//! Exercise 2 (workshop section 3.2, `pi_numba_mpi_reduce.py`): parallel pi.
//!
//! The N steps of the midpoint rule are shared out between the ranks: each
//! rank sums its own block of steps (step 4, decompose), then the ranks' sums
//! are added up on rank 0 (step 4, collect), which prints pi as the workshop does:
//! `Pi with N steps is 3.14159265358979... in 0.001 secs`.
//!
//! Your task: complete `my_steps` (the workshop's first two `??????`) and
//! `sum_on_rank_0` (the third), then run `ci/check pi-reduce`.

use std::ops::Range;
use std::time::Instant;

use clap::Parser;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use pi_kernel::{fast_sum, pi_from_sum, pi_line};

#[derive(Parser)]
#[command(about = "Exercise 2: pi by the midpoint rule, steps split across MPI ranks")]
struct Args {
    /// Number of steps N
    #[arg(long, value_name = "N", default_value_t = 100_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    steps: u64,
}

fn main() {
    let args: Args = lesson_cli::parse_args();
    let universe = exercises::init(); // MPI_Init; lets ci/check see what each rank prints
    let world = universe.world();
    let (rank, size) = (world.rank(), world.size());
    let start = Instant::now();

    // Decompose: this rank sums only its own block of the steps.
    let steps = my_steps(args.steps, rank as u64, size as u64);
    let local_sum = fast_sum(args.steps, steps.start, steps.end);

    // Collect: the total of every rank's local_sum, on rank 0 only.
    if let Some(sum) = sum_on_rank_0(&world, local_sum) {
        let secs = start.elapsed().as_secs_f64();
        println!(
            "{}",
            pi_line(args.steps, pi_from_sum(sum, args.steps), secs)
        );
    }
}

/// The steps `begin..end` that `rank` (of `size` ranks) sums, out of `num_steps`:
/// blocks in rank order that cover every step exactly once.
fn my_steps(num_steps: u64, rank: u64, size: u64) -> Range<u64> {
    todo!(
        "return the steps begin..end that rank {rank} of {size} sums, out of {num_steps} \
         (pi_kernel::block_range can work it out)"
    )
}

/// Adds up every rank's `local_sum`: `Some(total)` on rank 0, `None` on the others.
fn sum_on_rank_0(world: &SimpleCommunicator, local_sum: f64) -> Option<f64> {
    todo!(
        "rank {} has local_sum = {local_sum}: add all ranks' up on rank 0 with a reduce",
        world.rank()
    )
}
