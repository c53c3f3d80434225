//! The sum once more, with `allreduce`: every rank gets the total, not only the root.
//!
//! `MPI_Allreduce` is a reduce whose result every rank receives (as a reduce
//! followed by a broadcast would give, in one call). Like every collective, all
//! ranks of the communicator call it, in the same order as their other
//! collectives; collectives have no tags, so that order is how MPI matches them.
//!
//! Run: `mpiexec -n 4 target/release/sum-allreduce`

use clap::Parser;
use mpi::collective::SystemOperation;
use mpi::traits::*;

#[derive(Parser)]
#[command(about = "Every rank gets the sum of every rank's value (rank+1)*10 with one allreduce")]
struct Args {}

fn main() {
    let _: Args = lesson_cli::parse_args();
    // ANCHOR: allreduce
    let universe = mpi_basics::init();
    let world = universe.world();
    let (rank, size) = (world.rank(), world.size());

    let val = (rank + 1) * 10;
    let mut sum = 0;
    world.all_reduce_into(&val, &mut sum, SystemOperation::sum()); // every rank calls it
    assert_eq!(
        sum,
        10 * size * (size + 1) / 2,
        "the total of every rank's value"
    );
    println!("Rank {rank} knows the total {sum}");
    // ANCHOR_END: allreduce
}
