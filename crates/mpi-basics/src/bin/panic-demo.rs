//! What happens when one rank fails: rank 1 (or rank 0 when alone) panics
//! while the others wait in a `barrier`.
//!
//! Without `mpi_basics::init`'s panic hook the job would hang forever: the
//! panicking rank unwinds into `MPI_Finalize`, which waits for ranks that wait
//! for it. With the hook, `MPI_Abort` ends every rank at once, status non-zero.

use clap::Parser;
use mpi::traits::*;

#[derive(Parser)]
#[command(
    about = "One rank panics on purpose while the others wait in a barrier: the job must end at once (MPI_Abort), not hang"
)]
struct Args {}

fn main() {
    let _args: Args = lesson_cli::parse_args();
    // ANCHOR: panic
    let universe = mpi_basics::init();
    let world = universe.world();
    let failing_rank = if world.size() > 1 { 1 } else { 0 };
    if world.rank() == failing_rank {
        panic!("rank {failing_rank} fails on purpose");
    }
    world.barrier(); // the other ranks wait here for a rank that will never come
    println!(
        "rank {} passed the barrier (this must not happen)",
        world.rank()
    );
    // ANCHOR_END: panic
}
