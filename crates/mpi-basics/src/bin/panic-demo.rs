//! What happens when one rank fails: rank 1 (or rank 0 when alone) panics
//! while the others wait in a `barrier`.
//!
//! Without `mpi_basics::init`'s panic hook the job would hang forever: the
//! panicking rank unwinds into `MPI_Finalize`, which waits for ranks that wait
//! for it. With the hook, `MPI_Abort` ends every rank at once, status non-zero.
//!
//! With `--in-thread MAIN`, the panic comes from a thread that rank 1 started,
//! not from its main thread; MAIN is what the main thread does meanwhile:
//! - `joins`: waits for the thread, as `pi-hybrid` does. At FUNNELED only the
//!   main thread may call `MPI_Abort`: `join()` hands it the panic, and it aborts.
//! - `polls`: keeps calling MPI, as `denoise-parallel`'s rank 0 does, and
//!   aborts when `mpi_basics::abort_if_a_thread_panicked` says so.
//! - `waits`: waits in a receive that never completes. At FUNNELED nothing can
//!   end that job (the launcher's timeout does); `--level multiple` lets the
//!   panicking thread call `MPI_Abort` itself.

use std::thread;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use mpi::traits::*;
use mpi_basics::Threading;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum MainThread {
    /// Waits for the thread in join()
    Joins,
    /// Polls for messages in a loop, checking for a panicked thread
    Polls,
    /// Waits in a receive that never completes
    Waits,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Level {
    Funneled,
    Multiple,
}

#[derive(Parser)]
#[command(
    about = "One rank panics on purpose while the others wait in a barrier: the job must end at once (MPI_Abort), not hang"
)]
struct Args {
    /// Panic in a thread of that rank, not in its main thread, which meanwhile does MAIN
    #[arg(long, value_enum, value_name = "MAIN")]
    in_thread: Option<MainThread>,
    /// With --in-thread: the thread level to ask MPI for
    #[arg(long, value_enum, default_value_t = Level::Funneled, requires = "in_thread")]
    level: Level,
}

fn main() {
    let args: Args = lesson_cli::parse_args();
    if let Some(main_thread) = args.in_thread {
        return panic_in_a_thread(main_thread, args.level);
    }
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

/// The same, with the panic in a thread of the failing rank.
fn panic_in_a_thread(main_thread: MainThread, level: Level) {
    let level = match level {
        Level::Funneled => Threading::Funneled,
        Level::Multiple => Threading::Multiple,
    };
    let universe = mpi_basics::init_threaded(level);
    let world = universe.world();
    let failing_rank = if world.size() > 1 { 1 } else { 0 };
    if world.rank() == failing_rank {
        thread::scope(|scope| {
            let worker = scope.spawn(|| {
                // Let the main thread reach its join, loop or receive first.
                thread::sleep(Duration::from_millis(200));
                panic!("a thread of rank {failing_rank} fails on purpose");
            });
            match main_thread {
                MainThread::Joins => worker.join().expect("the thread panicked"),
                MainThread::Polls => loop {
                    mpi_basics::abort_if_a_thread_panicked();
                    if world.any_process().immediate_probe().is_some() {
                        break; // never: nobody sends
                    }
                    thread::sleep(Duration::from_millis(1));
                },
                MainThread::Waits => {
                    let _: (u64, _) = world.process_at_rank(failing_rank).receive();
                }
            }
        });
    }
    world.barrier(); // the other ranks wait here for a rank that will never come
    println!(
        "rank {} passed the barrier (this must not happen)",
        world.rank()
    );
}
