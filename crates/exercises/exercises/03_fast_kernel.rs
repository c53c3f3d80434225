//! Lesson 3 (the workshop's Numba steps): the bottleneck as a fast kernel.
//!
//! The profile showed that pi's time goes into the loop. The workshop moves
//! that loop into a function of its own and compiles it with Numba's `@jit`.
//! Rust is compiled already, so the loop below, `naive_loop`, runs about as
//! fast as C. It is slow for another reason: its one running `sum` makes every
//! addition wait for the one before it, so the CPU does one step at a time.
//!
//! Your task: write `fast_loop`, the same sum at least twice as fast, then run
//! `ci/check fast-kernel`. No fast-math (Rust has none, and the answer must
//! stay exact to rounding): keep several *independent* running sums instead
//! of one, step i going to sum number i % 8, and add them up at the end. With
//! no addition waiting for the previous one, the compiler can do 2, 4 or 8
//! steps at once in the CPU's vector registers.
//!
//! The checker runs the naive loop and yours side by side (`--kernel naive`,
//! `--kernel fast`) and compares their results and their times.

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
        Kernel::Fast => fast_loop(args.steps),
    };
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{}",
        pi_line(args.steps, pi_from_sum(sum, args.steps), secs)
    );
}

/// The workshop's loop, as `pi_kernel::naive_sum(num_steps, 0, num_steps)` has it.
#[allow(dead_code)] // yours replaces it
fn naive_loop(num_steps: u64) -> f64 {
    let step = 1.0 / num_steps as f64;
    let mut sum = 0.0;
    for i in 0..num_steps {
        let x = (i as f64 + 0.5) * step;
        sum += 4.0 / (1.0 + x * x);
    }
    sum
}

/// The same sum as `naive_loop`, at least twice as fast.
fn fast_loop(num_steps: u64) -> f64 {
    todo!(
        "the sum of 4/(1+x*x) over {num_steps} steps, with several independent running sums \
         (start from naive_loop)"
    )
}
