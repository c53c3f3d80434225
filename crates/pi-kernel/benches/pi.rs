//! C versus Rust, side by side: the workshop's C loop (gcc -O3, and gcc with
//! -march=native -ffast-math), the same loop in Rust, and the fast kernel (its
//! portable build and the best one for this CPU), each summing 10^8 steps.
//!
//! Run: `cargo bench -p pi-kernel` (about a minute).

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use pi_kernel::{c_sum, c_sum_fast_math, fast_sum, fast_sum_portable, naive_sum};

const STEPS: u64 = 100_000_000;

/// A kernel sums steps `[begin, end)` of `num_steps`.
type SumKernel = fn(u64, u64, u64) -> f64;

fn pi_kernels(c: &mut Criterion) {
    let mut group = c.benchmark_group("pi 1e8 steps");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(4));
    let kernels: [(&str, SumKernel); 5] = [
        ("C -O3 (workshop loop)", c_sum),
        ("C -O3 -march=native -ffast-math", c_sum_fast_math),
        ("Rust naive (workshop loop)", naive_sum),
        ("Rust fast, portable build", fast_sum_portable),
        ("Rust fast (best for this CPU)", fast_sum),
    ];
    for (name, kernel) in kernels {
        group.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| kernel(black_box(STEPS), 0, black_box(STEPS)))
        });
    }
    group.finish();
}

criterion_group!(benches, pi_kernels);
criterion_main!(benches);
