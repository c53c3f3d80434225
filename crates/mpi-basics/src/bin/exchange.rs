//! Safe and unsafe exchanges: two partners swap arrays, four ways.
//!
//! Ranks 0 and 1 are partners, 2 and 3 too, and so on; each sends its array of
//! `--count` numbers to its partner and receives the partner's.
//!
//! - `standard`: both call `MPI_Send`, then `MPI_Recv`. The standard lets a send
//!   return once its buffer may be reused: the MPI may copy a small message
//!   aside (the *eager* protocol) or wait until the receiver is there (the
//!   *rendezvous* protocol, for large ones). So this works at 10 numbers and
//!   hangs at 100 000: both partners wait in their send for a receive that never
//!   comes. The standard calls such a program *unsafe*.
//! - `ssend`: `MPI_Ssend` returns only once the receive has started: the same
//!   program hangs at any size. Swapping sends for `Ssend` is how to test that a
//!   program does not rely on buffering.
//! - `sendrecv`: `MPI_Sendrecv` sends and receives at once: safe at any size
//!   (when the partner does the matching receive, here its own `Sendrecv`).
//! - `nonblocking`: `MPI_Isend` and `MPI_Irecv` start both transfers and return
//!   at once; `MPI_Waitall` waits for both. Neither buffer may be touched until
//!   its request is complete, which `Waitall` guarantees.
//!
//! Run: `mpiexec -n 2 target/release/exchange --count 100000 --mode nonblocking`

use clap::{Parser, ValueEnum};
use mpi::point_to_point::send_receive_into;
use mpi::topology::Process;
use mpi::traits::*;

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Mode {
    /// Both partners MPI_Send first, then MPI_Recv (unsafe: relies on buffering)
    Standard,
    /// Both partners MPI_Ssend first (hangs at any size)
    Ssend,
    /// MPI_Sendrecv (safe)
    Sendrecv,
    /// MPI_Isend + MPI_Irecv, then MPI_Waitall (safe)
    Nonblocking,
}

#[derive(Parser)]
#[command(
    about = "Pairs of ranks swap arrays of COUNT numbers: standard, synchronous, combined or non-blocking"
)]
struct Args {
    /// How many numbers each rank sends
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=100_000_000))]
    count: u32,
    /// How the partners exchange
    #[arg(long, value_enum, default_value_t = Mode::Standard)]
    mode: Mode,
}

fn main() {
    let args: Args = lesson_cli::parse_args();
    let universe = mpi_basics::init();
    let world = universe.world();
    let (rank, size) = (world.rank(), world.size());
    let partner = rank ^ 1; // 0 <-> 1, 2 <-> 3, ...
    if partner >= size {
        println!("Rank {rank} has no partner");
        return;
    }
    // Rank r sends r*1000000 + i: what arrives shows where it came from.
    let mine: Vec<i32> = (0..args.count as i32)
        .map(|i| rank * 1_000_000 + i)
        .collect();
    let mut theirs = vec![0i32; mine.len()];
    swap(
        world.process_at_rank(partner),
        args.mode,
        &mine,
        &mut theirs,
    );

    let expected: Vec<i32> = (0..args.count as i32)
        .map(|i| partner * 1_000_000 + i)
        .collect();
    assert_eq!(theirs, expected, "the partner's array, in order");
    println!(
        "Rank {rank} received {} numbers from rank {partner}",
        theirs.len()
    );
}

// ANCHOR: swap
/// Sends `mine` to `other` and receives its array into `theirs`; both partners run it.
fn swap(other: Process<'_>, mode: Mode, mine: &[i32], theirs: &mut [i32]) {
    match mode {
        Mode::Standard => {
            other.send(mine); // returns early only if MPI buffers the message
            other.receive_into(theirs);
        }
        Mode::Ssend => {
            other.synchronous_send(mine); // waits for the partner's receive: never comes
            other.receive_into(theirs);
        }
        Mode::Sendrecv => {
            send_receive_into(mine, &other, theirs, &other);
        }
        Mode::Nonblocking => {
            mpi::request::multiple_scope(2, |scope, requests| {
                requests.add(other.immediate_receive_into(scope, theirs));
                requests.add(other.immediate_send(scope, mine));
                let mut done = Vec::new();
                requests.wait_all(&mut done); // MPI_Waitall: both buffers are free again
            });
        }
    }
}
// ANCHOR_END: swap
