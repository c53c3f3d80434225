//! Example 2: point-to-point communication (workshop section 3.2, `hello_p2p.py`).
//!
//! Rank 0 sends a different string to each other rank with `send_obj`;
//! each other rank receives it with `recv_obj` and prints it. A `String`
//! has no fixed size, so it travels as encoded bytes (see `mpi_basics::obj`),
//! as mpi4py's lowercase `send`/`recv` pickle Python objects.
//!
//! Run: `mpiexec -n 4 target/release/hello-p2p`

use clap::Parser;
use mpi::traits::*;
use mpi_basics::obj::{recv_obj, send_obj};

#[derive(Parser)]
#[command(about = "Rank 0 sends \"Hello, Rank i\" to every other rank i, which prints it")]
struct Args {}

fn main() {
    let _: Args = lesson_cli::parse_args();
    // ANCHOR: p2p
    let universe =
        mpi_basics::require_ranks(mpi_basics::init(), 2, "rank 0 sends to the other ranks");
    let world = universe.world();
    let (rank, size) = (world.rank(), world.size());
    let tag = 0;

    if rank == 0 {
        for i in 1..size {
            let msg = format!("Hello, Rank {i}");
            send_obj(&world.process_at_rank(i), &msg, tag).unwrap_or_else(|e| panic!("{e}"));
        }
    } else {
        let (msg, _status) =
            recv_obj::<String>(&world.process_at_rank(0), tag).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            msg,
            format!("Hello, Rank {rank}"),
            "each rank gets its own greeting"
        );
        println!("{msg}");
    }
    // ANCHOR_END: p2p
}
