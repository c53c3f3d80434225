//! Deadlock: blocking calls wait (after the workshop's send/recv examples).
//!
//! Ranks 0 and 1 are partners, 2 and 3 too, and so on: each sends its value
//! `(rank + 1) * 10` to its partner and receives the partner's. A last rank
//! without a partner says so. With 3 ranks:
//!
//! ```text
//! Rank 0 received 20 from rank 1
//! Rank 1 received 10 from rank 0
//! Rank 2 has no partner
//! ```
//!
//! As shipped, this program never ends at 2 ranks or more: both partners
//! *receive* first, and a receive waits until the message has arrived, which
//! the partner only sends after its own receive, which waits too. Run it
//! (`ci/check deadlock`) to see how the checker reports a job that hangs.
//!
//! Your task: change `swap_with` so that every pair finishes (nothing to fill in:
//! the program as it is *is* the bug), then run `ci/check deadlock`. Careful:
//! letting both partners *send* first seems to work with MPICH, which buffers
//! small messages, but MPI does not promise it. The checker sends without
//! buffering, so that order hangs there too.

use clap::Parser;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

#[derive(Parser)]
#[command(about = "Pairs of ranks swap their values (rank+1)*10")]
struct Args {}

fn main() {
    let _: Args = lesson_cli::parse_args();
    let universe = exercises::init(); // MPI_Init; lets ci/check see what each rank prints
    let world = universe.world();
    let (rank, size) = (world.rank(), world.size());

    let partner = rank ^ 1; // 0 <-> 1, 2 <-> 3, ...
    if partner >= size {
        println!("Rank {rank} has no partner");
        return;
    }
    let theirs = swap_with(&world, partner, (rank + 1) * 10);
    println!("Rank {rank} received {theirs} from rank {partner}");
}

/// Sends `mine` to rank `partner` and returns the value `partner` sends.
/// Both partners run these same lines.
fn swap_with(world: &SimpleCommunicator, partner: i32, mine: i32) -> i32 {
    let other = world.process_at_rank(partner);
    let (theirs, _status) = other.receive::<i32>(); // waits for the partner's value...
    other.send(&mine); // ...which it sends only after its own receive: never
    theirs
}
