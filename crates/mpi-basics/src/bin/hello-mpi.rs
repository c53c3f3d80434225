//! Example 1: MPI hello world (workshop section 3.2, `hello_mpi.py`).
//!
//! `mpiexec -n 4` starts 4 copies of this program. MPI numbers them: each
//! copy (a *rank*) learns its own number and how many there are.
//!
//! Run: `mpiexec -n 4 target/release/hello-mpi`

use clap::Parser;
use mpi::traits::*;

#[derive(Parser)]
#[command(about = "Every rank says hello with its rank and the number of ranks")]
struct Args {}

fn main() {
    let _: Args = lesson_cli::parse_args();
    let universe = mpi_basics::init();
    let world = universe.world(); // COMM_WORLD: every rank of this job
    let (rank, size) = (world.rank(), world.size());
    assert!((0..size).contains(&rank), "ranks are numbered 0..size");
    println!("hello world from process {rank}/{size}");
}
