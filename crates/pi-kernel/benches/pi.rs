//! C versus Rust, side by side: the workshop's C loop (gcc -O3, and gcc with
//! -march=native -ffast-math), the same loop in Rust, and the fast kernel (its
//! portable build and the best one for this CPU), each summing 10^8 steps, then
//! one table of how each compares with the two C builds, measured in this run.
//!
//! Run: `cargo bench -p pi-kernel` (13 s of CPU time once built; `ci/workshop` builds it).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion};
use pi_kernel::{c_sum, c_sum_fast_math, fast_sum, fast_sum_portable, naive_sum};

mod ratio_table;
use ratio_table::RatioTable;

const STEPS: u64 = 100_000_000;

/// A kernel sums steps `[begin, end)` of `num_steps`.
type SumKernel = fn(u64, u64, u64) -> f64;

const C_O3: &str = "C -O3 (workshop loop)";
const C_FAST_MATH: &str = "C -O3 -march=native -ffast-math";

fn pi_kernels(c: &mut Criterion) {
    let mut group = c.benchmark_group("pi 1e8 steps");
    RatioTable::configure(&mut group);
    let kernels: [(&str, SumKernel); 5] = [
        (C_O3, c_sum),
        (C_FAST_MATH, c_sum_fast_math),
        ("Rust naive (workshop loop)", naive_sum),
        ("Rust fast, portable build", fast_sum_portable),
        ("Rust fast (best for this CPU)", fast_sum),
    ];
    let mut table = RatioTable::default();
    for (name, kernel) in kernels {
        table.bench(&mut group, BenchmarkId::from_parameter(name), name, || {
            kernel(black_box(STEPS), 0, black_box(STEPS))
        });
    }
    group.finish();
    table.print("kernel, 10⁸ steps", &[C_O3, C_FAST_MATH]);
}

// criterion_main! would let criterion's command line switch the comparison back on.
fn main() {
    let mut criterion = ratio_table::criterion();
    pi_kernels(&mut criterion);
    criterion.final_summary();
}
