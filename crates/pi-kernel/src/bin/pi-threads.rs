//! Shared memory (workshop section 3.1.2): pi over the threads of one process.
//!
//! MPI runs separate processes, each with its own memory, that exchange messages.
//! Threads share one memory: here each thread sums its own block of the steps
//! (the same `block_range` the MPI ranks use), returns its partial sum when it
//! finishes, and the main thread adds the partial sums up. No messages, no locks:
//! `std::thread::scope` lets threads borrow local data and guarantees every
//! thread has finished before the scope ends. Python's GIL rules this out for
//! Python threads; Rust threads run truly in parallel (the role OpenMP plays in C).
//!
//! Run: `target/release/pi-threads --threads 2 --steps 100000000`

use std::num::NonZeroUsize;
use std::thread;
use std::time::Instant;

use clap::Parser;
use pi_kernel::{block_range, fast_sum, pi_from_sum, pi_line};

#[derive(Parser)]
#[command(about = "Pi by the midpoint rule, steps split across the threads of one process")]
struct Args {
    /// Number of steps N
    #[arg(long, value_name = "N", default_value_t = 100_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    steps: u64,
    /// Number of threads [default: the cores this process may use]
    #[arg(long, value_name = "N", value_parser = lesson_cli::thread_count)]
    threads: Option<NonZeroUsize>,
}

fn main() {
    let args: Args = lesson_cli::parse_args();
    let threads = args
        .threads
        .or_else(|| thread::available_parallelism().ok())
        .map_or(1, NonZeroUsize::get);
    // ANCHOR: threads
    let start = Instant::now();

    let sum = thread::scope(|scope| {
        // Decompose: thread t sums block t of the steps, as rank t would in pi-mpi.
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let block = block_range(args.steps, t as u64, threads as u64);
                thread::Builder::new()
                    .spawn_scoped(scope, move || fast_sum(args.steps, block.start, block.end))
                    .unwrap_or_else(|err| {
                        lesson_cli::exit_failure(format!("cannot start thread {t}: {err}"))
                    })
            })
            .collect();
        // Collect: `join` waits for a thread and hands back its partial sum. Adding
        // them in thread order makes the result the same on every run.
        workers
            .into_iter()
            .map(|worker| worker.join().expect("a pi thread panicked"))
            .sum::<f64>()
    });

    let pi = pi_from_sum(sum, args.steps);
    let secs = start.elapsed().as_secs_f64();
    println!("{} on {threads} threads", pi_line(args.steps, pi, secs));
    // ANCHOR_END: threads
}
