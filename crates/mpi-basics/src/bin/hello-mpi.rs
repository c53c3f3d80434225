//! Example 1: MPI hello world (workshop section 3.2, `hello_mpi.py`).
//!
//! `mpiexec -n 4` starts 4 copies of this program. MPI numbers them: each
//! copy (a *rank*) learns its own number and how many there are.
//!
//! Run: `mpiexec -n 4 target/release/hello-mpi`; across hosts, `--host` also
//! names the machine each rank runs on (`MPI_Get_processor_name`).

use clap::Parser;
use mpi::traits::*;

#[derive(Parser)]
#[command(about = "Every rank says hello with its rank and the number of ranks")]
struct Args {
    /// Also print the name of the host each rank runs on
    #[arg(long)]
    host: bool,
}

fn main() {
    let args: Args = lesson_cli::parse_args();
    // ANCHOR: hello
    let universe = mpi_basics::init();
    let world = universe.world(); // COMM_WORLD: every rank of this job
    let (rank, size) = (world.rank(), world.size());
    assert!((0..size).contains(&rank), "ranks are numbered 0..size");
    if args.host {
        let host = mpi::environment::processor_name().unwrap_or_default();
        println!("hello world from process {rank}/{size} on {host}");
    } else {
        println!("hello world from process {rank}/{size}");
    }
    // ANCHOR_END: hello
}
