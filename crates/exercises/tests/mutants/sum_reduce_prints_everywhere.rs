//! A wrong answer the checker must catch: `sum-reduce` with an all-reduce, so
//! that every rank has the total, and every rank prints it.
//! Used by tests/both_directions.rs; not an exercise.

use clap::Parser;
use mpi::collective::SystemOperation;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

#[derive(Parser)]
#[command(about = "Rank 0 gets the sum of every rank's value (rank+1)*10 with one reduce")]
struct Args {}

fn main() {
    let _: Args = lesson_cli::parse_args();
    let universe = exercises::init(); // MPI_Init; lets ci/check see what each rank prints
    let world = universe.world();
    let rank = world.rank();

    let val = (rank + 1) * 10;
    println!("Rank {rank} has value {val}");
    let sum = total_everywhere(&world, val);
    println!("Rank 0 worked out the total {sum}");
}

/// The total of every rank's `val`, on every rank.
fn total_everywhere(world: &SimpleCommunicator, val: i32) -> i32 {
    let mut sum = 0;
    world.all_reduce_into(&val, &mut sum, SystemOperation::sum());
    sum
}
