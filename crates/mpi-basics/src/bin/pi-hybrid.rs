//! MPI + threads ("hybrid"): pi over MPI ranks, each running several threads.
//!
//! On a cluster the usual layout is a few ranks per machine (often one), each
//! using that machine's cores through threads: messages between machines,
//! shared memory inside one. Here every rank takes its block of the steps
//! (as in pi-mpi), splits that block among its threads (as in pi-threads),
//! adds its threads' partial sums, and `reduce` adds the ranks' sums on rank 0.
//!
//! Run: `mpiexec -n 2 target/release/pi-hybrid --threads 2 --steps 100000000`

use std::num::NonZeroUsize;
use std::thread;
use std::time::Instant;

use clap::Parser;
use mpi::collective::SystemOperation;
use mpi::traits::*;
use mpi_basics::Threading;
use pi_kernel::{block_range, fast_sum, pi_from_sum, pi_line};

#[derive(Parser)]
#[command(about = "Pi by the midpoint rule over MPI ranks x threads per rank, summed with reduce")]
struct Args {
    /// Number of steps N
    #[arg(long, value_name = "N", default_value_t = 100_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    steps: u64,
    /// Threads per rank [default: $SLURM_CPUS_PER_TASK if set, else the CPUs this rank may run on]
    #[arg(long, value_name = "T", value_parser = lesson_cli::thread_count)]
    threads: Option<NonZeroUsize>,
}

fn main() {
    let args: Args = lesson_cli::parse_args();
    // ANCHOR: hybrid
    // Which threads may call MPI? MPI names four levels: SINGLE (no threads),
    // FUNNELED (threads exist, only the main thread calls MPI), SERIALIZED (any
    // thread, one at a time) and MULTIPLE (any thread, any time). A program
    // tells MPI_Init_thread the level it needs and gets the level granted.
    // This program is FUNNELED: the worker threads only compute, and the main
    // thread makes every MPI call, before the threads start and after they
    // have all finished. (init_threaded stops if MPI grants less.)
    let universe = mpi_basics::init_threaded(Threading::Funneled);
    let world = universe.world();
    let (rank, size) = (world.rank(), world.size());
    let threads = args.threads.map_or_else(default_threads, NonZeroUsize::get);
    // Start the clocks together: ranks leave MPI_Init at different moments, and
    // rank 0's time would miss the work of any rank that started before it.
    world.barrier();
    let start = Instant::now();

    // Decompose, level 1: this rank's block of the steps.
    let block = block_range(args.steps, rank as u64, size as u64);
    // Decompose, level 2: this rank's threads share out its block, the same way.
    let local_sum = thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let part = block_range(block.end - block.start, t as u64, threads as u64);
                let (begin, end) = (block.start + part.start, block.start + part.end);
                thread::Builder::new()
                    .spawn_scoped(scope, move || fast_sum(args.steps, begin, end))
                    .unwrap_or_else(|err| panic!("rank {rank} cannot start thread {t}: {err}"))
            })
            .collect();
        // A worker that panicked hands its panic to the main thread here: the
        // main thread panics in turn, and aborts the job (only it may call MPI).
        workers
            .into_iter()
            .map(|worker| worker.join().expect("a pi thread panicked"))
            .sum::<f64>()
    });

    // Collect: only the main thread calls MPI, after its threads have finished.
    let root = world.process_at_rank(0);
    if rank == 0 {
        let mut sum = 0.0;
        root.reduce_into_root(&local_sum, &mut sum, SystemOperation::sum());
        let secs = start.elapsed().as_secs_f64();
        let pi = pi_from_sum(sum, args.steps);
        println!(
            "{} on {size} ranks x {threads} threads",
            pi_line(args.steps, pi, secs)
        );
    } else {
        root.reduce_into(&local_sum, SystemOperation::sum());
    }
    // ANCHOR_END: hybrid
}

/// Threads per rank when `--threads` is not given. Under Slurm, the CPUs it
/// gave each task (`srun -c N`, `#SBATCH --cpus-per-task=N`): this rank's
/// share, even when nothing binds the rank to them. Otherwise the CPUs this
/// rank may run on: `available_parallelism` counts only those the launcher
/// bound it to (Open MPI binds each rank to one core when it starts 2 ranks or
/// fewer), and the whole machine for a rank bound to nothing (MPICH's mpiexec
/// binds nothing: ranks x threads may then be more than the cores).
fn default_threads() -> usize {
    let slurm = std::env::var("SLURM_CPUS_PER_TASK").ok();
    slurm
        .and_then(|cpus| cpus.trim().parse().ok())
        .filter(|&cpus| cpus > 0)
        .unwrap_or_else(|| thread::available_parallelism().map_or(1, NonZeroUsize::get))
        .min(lesson_cli::MAX_THREADS)
}
