//! Workshop example 4, second half: the same total with one collective, `reduce`.
//! The solution.
//!
//! Every rank holds `(rank + 1) * 10` and prints it. Instead of receiving the
//! values one by one (`sum-p2p`), every rank calls `reduce`: MPI adds them up
//! (the operation `SUM`; how is the MPI library's choice, a tree when there
//! are many ranks) and leaves the total on the root, rank 0, which prints it.

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
    if let Some(sum) = total_on_rank_0(&world, val) {
        println!("Rank 0 worked out the total {sum}");
    }
}

/// Every rank calls this with its `val`: `Some(total)` on rank 0, `None` on the others.
fn total_on_rank_0(world: &SimpleCommunicator, val: i32) -> Option<i32> {
    // sum = comm.reduce(val, op=MPI.SUM, root=0): a collective, so every rank
    // calls it; only the root passes a place for the result.
    let root = world.process_at_rank(0);
    if world.rank() == 0 {
        let mut sum = 0;
        root.reduce_into_root(&val, &mut sum, SystemOperation::sum());
        Some(sum)
    } else {
        root.reduce_into(&val, SystemOperation::sum());
        None
    }
}
