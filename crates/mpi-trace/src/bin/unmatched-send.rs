//! A test program for the tracer: a message that is sent but never received.
//!
//! Rank 1 sends rank 0 two small messages, with tags 1 and 2; rank 0
//! receives only the one with tag 1. The other stays in MPI's queue of
//! unexpected messages until the job ends: a common bug (a forgotten
//! `recv`), invisible in the output, which `workshop trace` reports as
//! "sent but never received". Small messages are sent *eagerly* (copied
//! out at once), so the send returns and the job ends normally with Open MPI
//! and Debian's MPICH 4.0; MPICH 4.1 and newer (PyPI's MPICH 5) notice it
//! too, and fail the job in `MPI_Finalize`: "Communicator (handle=44000000)
//! being freed has 1 unmatched message(s)".
//!
//! Run: `target/release/workshop trace -- mpiexec -n 2 target/release/unmatched-send`

use clap::Parser;
use mpi::traits::*;

#[derive(Parser)]
#[command(about = "Rank 1 sends rank 0 two messages (tags 1 and 2); rank 0 receives only tag 1")]
struct Args {}

fn main() {
    let _: Args = lesson_cli::parse_args();
    let universe = mpi_basics::require_ranks(mpi_basics::init(), 2, "rank 1 sends to rank 0");
    let world = universe.world();
    let rank = world.rank();
    if rank == 1 {
        let rank0 = world.process_at_rank(0);
        rank0.send_with_tag(&7i32, 1);
        rank0.send_with_tag(&8i32, 2); // never received
    } else if rank == 0 {
        let (value, _) = world.process_at_rank(1).receive_with_tag::<i32>(1);
        println!("Rank 0 received {value} with tag 1");
    }
    // Everybody waits here, so rank 0 cannot leave before the second message is sent.
    world.barrier();
}
