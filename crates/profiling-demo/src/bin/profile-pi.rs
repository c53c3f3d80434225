//! Lesson 2: find the bottleneck of the pi program, line by line.
//!
//! The Rust version of `kernprof -l -v pi.py`: runs the workshop's `Pi`
//! function with a tick at every line and prints line_profiler's table.
//!
//! Run: `target/release/profile-pi` (1000000 steps, as the workshop's hands-on).

use std::time::Instant;

use clap::Parser;
use pi_kernel::{naive_sum, pi_line};
use profiling_demo::{LineProfiler, render_table};

#[derive(Parser)]
#[command(about = "Line-by-line profile of the pi loop (workshop lesson 2)")]
struct Args {
    /// Number of steps N
    #[arg(long, value_name = "N", default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    steps: u64,
}
// ANCHOR: pi
// The workshop's Pi function. `prof.tick();` marks the start of each line
// and `prof.iter(..)` each step of the loop (rustfmt would split the lines).
#[rustfmt::skip]
fn pi(num_steps: u64, prof: &LineProfiler) -> f64 {
    prof.tick(); let start = Instant::now();
    prof.tick(); let step = 1.0 / num_steps as f64;
    prof.tick(); let mut sum = 0.0;
    for i in prof.iter(0..num_steps) {
        prof.tick(); let x = (i as f64 + 0.5) * step;
        prof.tick(); sum += 4.0 / (1.0 + x * x);
    }
    prof.tick(); let pi = step * sum;
    prof.tick(); let secs = start.elapsed().as_secs_f64();
    prof.tick(); println!("{}", pi_line(num_steps, pi, secs));
    prof.stop(); pi
}
// ANCHOR_END: pi

fn main() {
    let args: Args = lesson_cli::parse_args();
    let prof = LineProfiler::new();
    pi(args.steps, &prof);

    let source = include_str!("profile-pi.rs");
    let file = "crates/profiling-demo/src/bin/profile-pi.rs";
    println!("{}", render_table(file, "pi", source, &prof.stats()));

    // How much did measuring slow the loop? Time the same loop without ticks.
    let start = Instant::now();
    let sum = naive_sum(args.steps, 0, args.steps);
    let plain = start.elapsed().as_secs_f64();
    let profiled: f64 = prof.stats().iter().map(|(_, s)| s.time.as_secs_f64()).sum();
    let overhead_ns = prof.overhead().as_secs_f64() * 1e9;
    println!(
        "Without profiling the same loop takes {plain:.6} s (sum {sum:.6}). Each tick reads the clock, \
         about {overhead_ns:.0} ns that was subtracted from every hit; the profiled time above is {:.1}x the plain run.",
        profiled / plain
    );
}
