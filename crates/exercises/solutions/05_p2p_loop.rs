//! Workshop example 2 (`hello_p2p.py`): point-to-point messages, send and receive.
//!
//! Rank 0 sends the text `Hello, Rank i` to every other rank i; each of them
//! waits for its message and prints it. With 4 ranks the output is
//!
//! ```text
//! Hello, Rank 1
//! Hello, Rank 2
//! Hello, Rank 3
//! ```
//!
//! (in any order: the ranks print at the same time). A `String` has no fixed
//! size, so it travels with `send_obj`/`recv_obj` (see `mpi_basics::obj`), as
//! in the lesson program `hello-p2p`.
//!
//! Solution. Check it with `ci/check --solution p2p-loop`.

use clap::Parser;
use mpi::Tag;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use mpi_basics::obj::{recv_obj, send_obj};

#[derive(Parser)]
#[command(about = "Rank 0 sends \"Hello, Rank i\" to every other rank i, which prints it")]
struct Args {}

fn main() {
    let _: Args = lesson_cli::parse_args();
    let universe = exercises::init(); // MPI_Init; lets ci/check see what each rank prints
    let world = universe.world();
    let tag: Tag = 0; // a label both sides agree on

    if world.rank() == 0 {
        send_greetings(&world, tag);
    } else {
        // Wait until rank 0's message arrives.
        let (msg, _status) =
            recv_obj::<String>(&world.process_at_rank(0), tag).unwrap_or_else(|e| panic!("{e}"));
        println!("{msg}");
    }
}

/// Rank 0's part: send the text `Hello, Rank i` to every other rank i.
fn send_greetings(world: &SimpleCommunicator, tag: Tag) {
    // Rank 0 does not send to itself: the loop starts at 1, as `range(1, size)`.
    for i in 1..world.size() {
        let msg = format!("Hello, Rank {i}");
        // A blocking send: for a short message it usually returns before
        // rank i has even called receive (MPI keeps the bytes meanwhile).
        send_obj(&world.process_at_rank(i), &msg, tag).unwrap_or_else(|e| panic!("{e}"));
    }
}
