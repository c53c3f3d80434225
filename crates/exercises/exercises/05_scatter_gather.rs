//! Workshop section 4 (`scatter_gather.py`): `scatter` and `gather`.
//!
//! Rank 0 holds the list `[0, 1, ..., size-1]` and scatters it: rank i gets
//! element i. Every rank multiplies its number by 10, and rank 0 gathers the
//! results back into a list, in rank order. With 4 ranks:
//!
//! ```text
//! Rank 0 received a scattered int 0
//! Rank 1 received a scattered int 1
//! Rank 2 received a scattered int 2
//! Rank 3 received a scattered int 3
//! Rank 0 collected a list [0, 10, 20, 30]
//! ```
//!
//! Your task: complete `scatter_from_rank_0` and `gather_on_rank_0`, then run
//! `ci/check scatter-gather`.

use clap::Parser;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

#[derive(Parser)]
#[command(
    about = "Rank 0 scatters 0..size, every rank multiplies its number by 10, rank 0 gathers them"
)]
struct Args {}

fn main() {
    let _: Args = lesson_cli::parse_args();
    let universe = exercises::init(); // MPI_Init; lets ci/check see what each rank prints
    let world = universe.world();
    let (rank, size) = (world.rank(), world.size());

    // scatter needs, on the root, a list of exactly `size` elements: one per rank.
    let list: Vec<i32> = if rank == 0 {
        (0..size).collect()
    } else {
        Vec::new()
    };
    let x = scatter_from_rank_0(&world, &list);
    println!("Rank {rank} received a scattered int {x}");

    let x = x * 10; // each rank updates its value

    if let Some(list2) = gather_on_rank_0(&world, x) {
        println!("Rank {rank} collected a list {list2:?}");
    }
}

/// Rank 0 sends element i of `list` to rank i; every rank returns the element
/// it received. (`list` is read on rank 0 only.)
fn scatter_from_rank_0(world: &SimpleCommunicator, list: &[i32]) -> i32 {
    todo!(
        "scatter rank 0's list (here {list:?}) so rank {} receives its element",
        world.rank()
    )
}

/// Rank 0 collects every rank's `x` into a list in rank order: `Some(list)` on
/// rank 0, `None` on the others.
fn gather_on_rank_0(world: &SimpleCommunicator, x: i32) -> Option<Vec<i32>> {
    todo!(
        "gather every rank's x on rank 0 (rank {} has x = {x})",
        world.rank()
    )
}
