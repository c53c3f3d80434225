//! Example 4, second half: the same sum with the collective `reduce`
//! (workshop section 3.2).
//!
//! Every rank passes its value to `reduce`; MPI adds them up (`SUM`) and
//! leaves the total at the root, rank 0. The MPI standard says what reduce
//! computes, not how: the library picks the algorithm (with many ranks, a
//! tree; with a few ranks and a small value, possibly the same one-by-one
//! receives as `sum-p2p`). An `i32` has a fixed layout, so this is rsmpi's
//! *typed* reduce: no encoding (for any serde value and a closure, see
//! `reduce_obj`, which combines the values in a tree of point-to-point messages).
//!
//! Run: `mpiexec -n 4 target/release/sum-reduce`

use clap::Parser;
use mpi::collective::SystemOperation;
use mpi::traits::*;

#[derive(Parser)]
#[command(about = "Rank 0 gets the sum of every rank's value (rank+1)*10 with one reduce")]
struct Args {}

fn main() {
    let _: Args = lesson_cli::parse_args();
    // ANCHOR: reduce
    let universe = mpi_basics::init();
    let world = universe.world();
    let (rank, size) = (world.rank(), world.size());
    let root = world.process_at_rank(0);

    let val = (rank + 1) * 10;
    println!("Rank {rank} has value {val}");
    if rank == 0 {
        let mut sum = 0;
        root.reduce_into_root(&val, &mut sum, SystemOperation::sum());
        assert_eq!(
            sum,
            10 * size * (size + 1) / 2,
            "the total of every rank's value"
        );
        println!("Rank 0 worked out the total {sum}");
    } else {
        root.reduce_into(&val, SystemOperation::sum()); // only the root gets the result
    }
    // ANCHOR_END: reduce
}
