//! Lesson 1: pi by the midpoint rule on one core.
//!
//! `pi --kernel naive` runs the workshop's loop (as slow as its C version);
//! `pi --kernel fast` runs the vectorised kernel of lesson 3.

use std::time::Instant;

use clap::Parser;
use pi_kernel::{Kernel, pi_from_sum, pi_line};

#[derive(Parser)]
#[command(about = "Pi by the midpoint rule on 4/(1+x^2), on one core (workshop lesson 1)")]
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
    // ANCHOR: timed_sum
    let start = Instant::now();
    let sum = args.kernel.sum(args.steps, 0, args.steps);
    let pi = pi_from_sum(sum, args.steps);
    let secs = start.elapsed().as_secs_f64();
    println!("{}", pi_line(args.steps, pi, secs));
    // ANCHOR_END: timed_sum
}
