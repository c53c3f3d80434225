//! A wrong answer the checker must catch: `fast-kernel` that is the naive loop
//! again, one running sum: the right pi, but not faster.
//! Used by tests/both_directions.rs; not an exercise.

use std::time::Instant;

use clap::{Parser, ValueEnum};
use pi_kernel::{naive_sum, pi_from_sum, pi_line};

#[derive(Clone, Copy, ValueEnum)]
enum Kernel {
    /// The workshop's loop
    Naive,
    /// Yours
    Fast,
}

#[derive(Parser)]
#[command(about = "Lesson 3: pi by the midpoint rule with the naive loop or a fast one")]
struct Args {
    /// Number of steps N
    #[arg(long, value_name = "N", default_value_t = 100_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    steps: u64,
    /// Which loop sums the steps
    #[arg(long, value_enum, default_value_t = Kernel::Fast)]
    kernel: Kernel,
}

fn main() {
    let args: Args = lesson_cli::parse_args();
    let _universe = exercises::init(); // lets ci/check see what is printed (no MPI used)
    let start = Instant::now();
    let sum = match args.kernel {
        Kernel::Naive => naive_sum(args.steps, 0, args.steps),
        Kernel::Fast => naive_sum(args.steps, 0, args.steps),
    };
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{}",
        pi_line(args.steps, pi_from_sum(sum, args.steps), secs)
    );
}
