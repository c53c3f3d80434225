//! Lesson 3 (the workshop's Numba steps): the bottleneck as a fast kernel.
//! The solution.
//!
//! The naive loop's one running `sum` makes every addition wait for the one
//! before it. Here 8 sums run side by side, step i going to sum i % 8: no
//! addition waits for the previous step, so the compiler packs the 8 lanes
//! into vector registers and the CPU keeps many divisions in flight. Every
//! operation is still IEEE-exact (no fast-math); only the order of the
//! additions changes, which moves the result by a few roundings.
//! The loop is compiled for AVX2 too (`#[target_feature]`), chosen at run
//! time: twice the width of plain x86-64's registers. (`pi_kernel::fast_sum`
//! goes further: AVX-512, and blocked summation for accuracy.)

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

/// The same sum as the workshop's loop, with 8 independent running sums,
/// compiled twice: for AVX2 (4 doubles per register), used when the CPU has
/// it, and for plain x86-64 (2 per register).
fn fast_loop(num_steps: u64) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, checked just above.
        return unsafe { fast_loop_avx2(num_steps) };
    }
    lanes(num_steps)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn fast_loop_avx2(num_steps: u64) -> f64 {
    lanes(num_steps)
}

#[inline(always)]
fn lanes(num_steps: u64) -> f64 {
    const LANES: usize = 8;
    let step = 1.0 / num_steps as f64;
    let mut sums = [0.0f64; LANES];
    // Each lane carries its own i + 0.5 and adds 8 to it: exact below 2^52,
    // so every x is bit for bit the naive loop's.
    let mut half: [f64; LANES] = std::array::from_fn(|lane| lane as f64 + 0.5);
    let rounds = num_steps / LANES as u64;
    for _ in 0..rounds {
        for lane in 0..LANES {
            let x = half[lane] * step;
            sums[lane] += 4.0 / (1.0 + x * x);
            half[lane] += LANES as f64;
        }
    }
    // The steps left over when 8 does not divide num_steps.
    let mut sum: f64 = sums.iter().sum();
    for i in rounds * LANES as u64..num_steps {
        let x = (i as f64 + 0.5) * step;
        sum += 4.0 / (1.0 + x * x);
    }
    sum
}
