//! Deadlock: blocking calls wait. The solution.
//!
//! Ranks 0 and 1 are partners, 2 and 3 too, and so on: each sends its value
//! `(rank + 1) * 10` to its partner and receives the partner's. A last rank
//! without a partner says so.
//!
//! Both partners receiving first waits forever. Two fixes: order the calls so
//! that one partner sends while the other receives (the lower rank sends
//! first), or let MPI do both at once with `MPI_Sendrecv`, used here.

use clap::Parser;
use mpi::point_to_point::send_receive;
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
    // MPI_Sendrecv: the send and the receive proceed together, so neither
    // partner waits for the other to go first. It is safe because the partner
    // makes the same call: each send meets a matching receive.
    let (theirs, _status) = send_receive::<i32, _, _, _>(&mine, &other, &other);
    theirs
}
