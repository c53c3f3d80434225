//! Workshop example 1 (`hello_mpi.py`): MPI hello world. The solution.
//!
//! `mpiexec -n 4` starts this same program four times. MPI numbers the copies,
//! the *ranks*, 0 to 3, and the world communicator (`MPI.COMM_WORLD`) holds
//! them all. Each rank asks it which rank it is and how many there are, and
//! prints one line.

use clap::Parser;
use mpi::traits::*;

#[derive(Parser)]
#[command(about = "Every MPI rank says hello with its rank and the number of ranks")]
struct Args {}

fn main() {
    let _: Args = lesson_cli::parse_args();
    let universe = exercises::init(); // MPI_Init; lets ci/check see what each rank prints
    let world = universe.world(); // comm = MPI.COMM_WORLD
    let rank = world.rank(); // comm.Get_rank(): 0, 1, ... size-1
    let size = world.size(); // comm.Get_size(): how many copies mpiexec started
    println!("hello world from process {rank}/{size}");
}
