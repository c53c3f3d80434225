//! Workshop example 3 (`hello_bcast.py`): collective communication, broadcast.
//!
//! Rank 0 has a message, `Hello from Rank 0`, and *broadcasts* it: after the
//! call every rank holds a copy. A broadcast is a *collective* call: every rank
//! makes it, the root (rank 0) giving the value and the others receiving it.
//! Every rank but 0 prints what it got. With 4 ranks (in any order):
//!
//! ```text
//! Rank 1 received: Hello from Rank 0
//! Rank 2 received: Hello from Rank 0
//! Rank 3 received: Hello from Rank 0
//! ```
//!
//! Your task: complete `broadcast_from_rank_0`, then run `ci/check bcast`.

use clap::Parser;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

#[derive(Parser)]
#[command(about = "Rank 0 broadcasts \"Hello from Rank 0\"; every other rank prints it")]
struct Args {}

fn main() {
    let _: Args = lesson_cli::parse_args();
    let universe = exercises::init(); // MPI_Init; lets ci/check see what each rank prints
    let world = universe.world();
    let rank = world.rank();

    // Only rank 0 has the message; the others have nothing yet.
    let mine = (rank == 0).then(|| "Hello from Rank 0".to_string());
    let msg = broadcast_from_rank_0(&world, mine);
    if rank != 0 {
        println!("Rank {rank} received: {msg}");
    }
}

/// Every rank calls this; rank 0 passes `Some(message)`, the others `None`.
/// Every rank returns rank 0's message.
fn broadcast_from_rank_0(world: &SimpleCommunicator, mine: Option<String>) -> String {
    todo!(
        "rank {} has {mine:?}: broadcast rank 0's message to every rank \
         (a String has no fixed size: mpi_basics::obj::bcast_obj)",
        world.rank()
    )
}
