//! A wrong answer the checker must catch: `pi-reduce` with the workshop's own
//! decomposition, `num_steps/size` steps per rank, which drops the left-over
//! steps when the rank count does not divide the step count.
//! Used by tests/both_directions.rs; not an exercise.

use std::ops::Range;
use std::time::Instant;

use clap::Parser;
use mpi::collective::SystemOperation;
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
    // The workshop's decomposition: num_steps/size steps each, the rest dropped.
    let per_rank = num_steps / size;
    rank * per_rank..(rank + 1) * per_rank
}

/// Adds up every rank's `local_sum`: `Some(total)` on rank 0, `None` on the others.
fn sum_on_rank_0(world: &SimpleCommunicator, local_sum: f64) -> Option<f64> {
    // Every rank calls reduce (it is a collective call); the root passes a
    // place for the result, the others only their value.
    let root = world.process_at_rank(0);
    if world.rank() == 0 {
        let mut sum = 0.0;
        root.reduce_into_root(&local_sum, &mut sum, SystemOperation::sum());
        Some(sum)
    } else {
        root.reduce_into(&local_sum, SystemOperation::sum());
        None
    }
}
