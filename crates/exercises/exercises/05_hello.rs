//! Workshop example 1 (`hello_mpi.py`): MPI hello world, written by you.
//!
//! `mpiexec -n 4` starts this same program four times. MPI numbers the copies,
//! the *ranks*, 0 to 3, and the world communicator (`MPI.COMM_WORLD`) holds
//! them all. Each rank asks it which rank it is and how many there are, and
//! prints one line. With 4 ranks (in any order):
//!
//! ```text
//! hello world from process 0/4
//! hello world from process 1/4
//! hello world from process 2/4
//! hello world from process 3/4
//! ```
//!
//! Your task: replace the `todo!()` in `main`, then run `ci/check hello`.

use clap::Parser;
use mpi::traits::*;

#[derive(Parser)]
#[command(about = "Every MPI rank says hello with its rank and the number of ranks")]
struct Args {}

fn main() {
    let _: Args = lesson_cli::parse_args();
    let universe = exercises::init(); // MPI_Init; lets ci/check see what each rank prints
    let world = universe.world(); // comm = MPI.COMM_WORLD
    todo!(
        "this job has {} ranks: ask `world` for this process's rank and the size, and print \
         `hello world from process RANK/SIZE`",
        world.size()
    )
}
