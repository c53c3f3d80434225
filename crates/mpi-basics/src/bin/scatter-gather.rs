//! Appendix 6.2: scatter and gather (`scatter_gather.py`).
//!
//! `scatter` hands item `i` of the root's list to rank `i`: the list must
//! hold EXACTLY one item per rank. Each rank works on its item, then
//! `gather` collects one value from every rank, in rank order, at the root.
//!
//! Run: `mpiexec -n 4 target/release/scatter-gather`

use clap::Parser;
use mpi::traits::*;
use mpi_basics::obj::{gather_obj, scatter_obj};

#[derive(Parser)]
#[command(
    about = "Rank 0 scatters 0..size, every rank multiplies its number by 10, rank 0 gathers them"
)]
struct Args {}

fn main() {
    let _: Args = lesson_cli::parse_args();
    // ANCHOR: scatter_gather
    let universe = mpi_basics::init();
    let world = universe.world();
    let (rank, size) = (world.rank(), world.size());
    let root = world.process_at_rank(0);

    // The list exists only at the root: [0, 1, 2, 3] when size = 4.
    let list = (rank == 0).then(|| (0..size).collect::<Vec<i32>>());
    let x: i32 = scatter_obj(&root, list).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(x, rank, "rank i gets item i");
    println!("Rank {rank} received a scattered int {x}");

    let x = x * 10; // each rank updates its value

    // The root gets Some(list of every rank's x); the other ranks get None.
    let collected = gather_obj(&root, &x).unwrap_or_else(|e| panic!("{e}"));
    if let Some(list) = collected {
        let expected: Vec<i32> = (0..size).map(|i| i * 10).collect();
        assert_eq!(list, expected, "one value per rank, in rank order");
        println!("Rank {rank} collected a list {list:?}");
    }
    // ANCHOR_END: scatter_gather
}
