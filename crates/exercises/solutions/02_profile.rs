//! Lesson 2 (workshop section 2.2, `kernprof -l -v pi.py`): find the
//! bottleneck of the pi program, line by line. The solution.
//!
//! Python's `line_profiler` times every line of a function marked `@profile`.
//! Rust has no such hook, so here the function says it itself: a line that
//! starts with `prof.tick();` is timed, and a `for` loop that goes through
//! `prof.iter(..)` times its `for` line at every step. The program then
//! prints line_profiler's table (hits, time, % time per line).

use clap::Parser;
use pi_kernel::pi_line;
use profiling_demo::{LineProfiler, LineStats, render_table};

#[derive(Parser)]
#[command(about = "Lesson 2: line-by-line profile of the pi loop, and its bottleneck")]
struct Args {
    /// Number of steps N
    #[arg(long, value_name = "N", default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    steps: u64,
}

// The workshop's Pi function (rustfmt leaves these lines as they are).
#[rustfmt::skip]
fn pi(num_steps: u64, prof: &LineProfiler) -> f64 {
    prof.tick(); let step = 1.0 / num_steps as f64;
    prof.tick(); let mut sum = 0.0;
    for i in prof.iter(0..num_steps) {
        prof.tick(); let x = (i as f64 + 0.5) * step;
        prof.tick(); sum += 4.0 / (1.0 + x * x);
    }
    prof.stop(); step * sum
}

fn main() {
    let args: Args = lesson_cli::parse_args();
    let _universe = exercises::init(); // lets ci/check see what is printed (no MPI used)
    let prof = LineProfiler::new();
    let start = std::time::Instant::now();
    let pi = pi(args.steps, &prof);
    println!("{}", pi_line(args.steps, pi, start.elapsed().as_secs_f64()));
    let file = "crates/exercises/solutions/02_profile.rs";
    let stats = prof.stats();
    println!(
        "{}",
        render_table(file, "pi", include_str!("02_profile.rs"), &stats)
    );
    println!("The bottleneck is line {}", bottleneck(&stats));
}

/// The line (its number in this file) with the most time: `stats` holds
/// (line number, hits and time) for every line that was hit.
fn bottleneck(stats: &[(u32, LineStats)]) -> u32 {
    // The loop's lines run N times each, the others once: one of them wins.
    stats
        .iter()
        .max_by_key(|(_, s)| s.time)
        .map_or(0, |&(line, _)| line)
}
