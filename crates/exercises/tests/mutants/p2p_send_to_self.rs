//! A wrong answer the checker must catch: `p2p-loop` whose loop starts at 0, so
//! rank 0 also sends "Hello, Rank 0" to itself and never receives it. At 2
//! ranks the output is right and the job ends with status 0.
//! Used by tests/both_directions.rs; not an exercise.

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
    for i in 0..world.size() {
        let msg = format!("Hello, Rank {i}");
        // A blocking send: for a short message it usually returns before
        // rank i has even called receive (MPI keeps the bytes meanwhile).
        send_obj(&world.process_at_rank(i), &msg, tag).unwrap_or_else(|e| panic!("{e}"));
    }
}
