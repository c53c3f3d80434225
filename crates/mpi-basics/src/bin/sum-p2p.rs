//! Example 4, first half: a sum worked out with point-to-point messages
//! (workshop section 3.2, `sum_p2p.py`).
//!
//! Every rank holds `(rank + 1) * 10`. Rank 0 receives the others' values
//! *in sequence*, rank 1 first, then rank 2, ...: with 1000 ranks, 999
//! receives one after another. `sum-reduce` does the same with one collective.
//!
//! Run: `mpiexec -n 4 target/release/sum-p2p`

use clap::Parser;
use mpi::traits::*;
use mpi_basics::obj::{recv_obj, send_obj};

#[derive(Parser)]
#[command(about = "Rank 0 adds up every rank's value (rank+1)*10, receiving them one by one")]
struct Args {}

fn main() {
    let _: Args = lesson_cli::parse_args();
    // ANCHOR: sum
    let universe = mpi_basics::init();
    let world = universe.world();
    let (rank, size) = (world.rank(), world.size());
    let tag = 0;

    let val = (rank + 1) * 10;
    println!("Rank {rank} has value {val}");
    if rank == 0 {
        let mut sum = val;
        for i in 1..size {
            let (v, _status) =
                recv_obj::<i32>(&world.process_at_rank(i), tag).unwrap_or_else(|e| panic!("{e}"));
            sum += v;
        }
        // 10 + 20 + ... + 10*size
        assert_eq!(
            sum,
            10 * size * (size + 1) / 2,
            "the total of every rank's value"
        );
        println!("Rank 0 worked out the total {sum}");
    } else {
        send_obj(&world.process_at_rank(0), &val, tag).unwrap_or_else(|e| panic!("{e}"));
    }
    // ANCHOR_END: sum
}
