//! Example 3: collective communication, broadcast (workshop section 3.2, `hello_bcast.py`).
//!
//! `bcast_obj` is a *collective*: every rank calls it. The root (rank 0)
//! gives the value, `Some(...)`; the others give `None` and get the root's copy.
//!
//! Run: `mpiexec -n 4 target/release/hello-bcast`

use clap::Parser;
use mpi::traits::*;
use mpi_basics::obj::bcast_obj;

#[derive(Parser)]
#[command(
    about = "Rank 0 broadcasts \"Hello from Rank 0\"; every other rank prints what it received"
)]
struct Args {}

fn main() {
    let _: Args = lesson_cli::parse_args();
    // ANCHOR: bcast
    let universe = mpi_basics::require_ranks(
        mpi_basics::init(),
        2,
        "rank 0 broadcasts to the other ranks",
    );
    let world = universe.world();
    let rank = world.rank();
    let root = world.process_at_rank(0);

    let mine = (rank == 0).then(|| "Hello from Rank 0".to_string());
    let msg: String = bcast_obj(&root, mine).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        msg, "Hello from Rank 0",
        "every rank holds the root's value"
    );
    if rank != 0 {
        println!("Rank {rank} received: {msg}");
    }
    // ANCHOR_END: bcast
}
