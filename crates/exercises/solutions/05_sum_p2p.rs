//! Workshop example 4, first half (`sum_p2p.py`): a total worked out with
//! point-to-point messages.
//!
//! Every rank holds `(rank + 1) * 10` and prints it. Every other rank sends its
//! value to rank 0, which receives them *in sequence*, rank 1 first, then
//! rank 2, ..., adds them to its own and prints the total. With 4 ranks:
//!
//! ```text
//! Rank 0 has value 10
//! Rank 1 has value 20
//! Rank 2 has value 30
//! Rank 3 has value 40
//! Rank 0 worked out the total 100
//! ```
//!
//! (the "has value" lines in any order). This is the send/recv way to collect
//! results; `pi-reduce` does it with one collective `reduce`.
//!
//! Solution. Check it with `ci/check --solution sum-p2p`.

use clap::Parser;
use mpi::Tag;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use mpi_basics::obj::{recv_obj, send_obj};

#[derive(Parser)]
#[command(about = "Rank 0 adds up every rank's value (rank+1)*10, receiving them one by one")]
struct Args {}

fn main() {
    let _: Args = lesson_cli::parse_args();
    let universe = exercises::init(); // MPI_Init; lets ci/check see what each rank prints
    let world = universe.world();
    let rank = world.rank();
    let tag: Tag = 0;

    let val = (rank + 1) * 10;
    println!("Rank {rank} has value {val}");
    if rank == 0 {
        let sum = receive_and_add(&world, val, tag);
        println!("Rank 0 worked out the total {sum}");
    } else {
        send_obj(&world.process_at_rank(0), &val, tag).unwrap_or_else(|e| panic!("{e}"));
    }
}

/// Rank 0's part: its own `val` plus the value every other rank sends, received one by one.
fn receive_and_add(world: &SimpleCommunicator, val: i32, tag: Tag) -> i32 {
    let mut sum = val;
    // One receive after the other: rank 0 waits for rank 1, then rank 2, ...
    // With 1000 ranks that is 999 receives in a row. `reduce` leaves the how
    // to the MPI library, which can use a tree of messages at scale.
    for i in 1..world.size() {
        let (value, _status) =
            recv_obj::<i32>(&world.process_at_rank(i), tag).unwrap_or_else(|e| panic!("{e}"));
        sum += value;
    }
    sum
}
