//! Pi by the midpoint rule: the workshop's running example (lessons 1, 3 and 6).
//!
//! pi = ∫₀¹ 4/(1+x²) dx ≈ step · Σ 4/(1+xᵢ²), with xᵢ = (i+½)·step and step = 1/N.
//!
//! Every function here sums a *block* `[begin, end)` of the N steps and returns
//! the block's partial sum, so the same kernel serves the serial program
//! (one block, `0..N`) and the MPI program (one block per rank, then a reduce).
//!
//! - [`naive_sum`] is the workshop's loop, line for line (lesson 1).
//! - [`fast_sum`] computes the same sum several times faster (lesson 3).
//! - [`block_range`] hands each rank its block (Exercise 2).

use std::ops::Range;
use std::sync::OnceLock;

static WORK_METER: OnceLock<fn(steps: u64)> = OnceLock::new();

/// Has [`fast_sum`] report every block's number of steps to `meter` (once set, for good).
///
/// For a *simulated* run: the lessons built for SimGrid's SMPI (page 07) charge
/// each block's cost to the simulated clock from its steps, the same on every
/// run, instead of from how long the real machine happened to take. Unset
/// everywhere else: fast_sum then pays one atomic load per block.
pub fn set_work_meter(meter: fn(steps: u64)) {
    let _ = WORK_METER.set(meter);
}

/// The workshop's loop, exactly: one running sum, one step after the other.
///
/// Each iteration's addition must wait for the previous one (the CPU still
/// overlaps the divisions, which do not depend on `sum`), and the compiler may
/// not reorder floating-point additions, so it cannot split the sum or
/// vectorise the loop: that is why it is as slow as the C version.
// ANCHOR: naive_sum
pub fn naive_sum(num_steps: u64, begin: u64, end: u64) -> f64 {
    let step = 1.0 / num_steps as f64;
    let mut sum = 0.0;
    for i in begin..end {
        let x = (i as f64 + 0.5) * step;
        sum += 4.0 / (1.0 + x * x);
    }
    sum
}
// ANCHOR_END: naive_sum

/// The same sum as [`naive_sum`], several times faster and more accurate.
///
/// Two tricks, both without `-ffast-math` (every operation is IEEE-exact):
///
/// 1. **Independent accumulators.** The naive loop has one running sum, so each
///    addition waits for the one before it. Here `LANES` sums run side by side,
///    step `i` going to accumulator `i % LANES`. Nothing depends on the previous
///    step any more, so the compiler packs the lanes into SIMD registers (8
///    doubles per AVX-512 register) and the CPU keeps many divisions in flight.
///    The x values are bit-for-bit those of the naive loop: each lane carries its
///    own `i + 0.5` and adds `LANES` to it, which is exact for any i below 2^52.
/// 2. **Blocked summation.** Lane sums are cut into blocks of `BLOCK` steps; each
///    block's total is added to the grand total. A long running sum loses about
///    one rounding error per addition relative to its (large) size; short sums
///    added together lose far less, so the result is *more* accurate than the
///    naive loop, not less.
///
/// The SIMD width is picked at run time ([`std::arch::is_x86_feature_detected`]):
/// the same code is compiled three times, for AVX-512, AVX2 and plain x86-64
/// (or the target's default elsewhere), so a binary built on one machine runs on any.
pub fn fast_sum(num_steps: u64, begin: u64, end: u64) -> f64 {
    if let Some(meter) = WORK_METER.get() {
        meter(end.saturating_sub(begin));
    }
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has AVX-512F, checked just above.
            return unsafe { fast_sum_avx512(num_steps, begin, end) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            return unsafe { fast_sum_avx2(num_steps, begin, end) };
        }
    }
    fast_sum_portable(num_steps, begin, end)
}

/// [`fast_sum`] for AVX-512, with one more trick: **no division instruction.**
///
/// Even with every lane busy, the loop above waits on the CPU's divider: on
/// the Intel Xeon of the lesson's benchmark a new 512-bit `vdivpd` can start
/// only about every 16 cycles (its throughput; its latency is longer).
/// AVX-512 has a fast reciprocal estimate, `vrcp14pd`, good to 14 bits
/// (relative error below 2⁻¹⁴). With `r₀ ≈ 1/d` and `e = 1 − d·r₀`
/// (so |e| < 2⁻¹⁴), the exact reciprocal is
/// `1/d = r₀ / (1 − e) = r₀·(1 + e + e² + e³ + …)`; stopping after e³ leaves an
/// error of order e⁴ < 2⁻⁵⁶, below one rounding of a double. That is four
/// fused multiply-adds, which the CPU runs two per cycle, instead of a division.
/// Each term is then within about one unit in the last place of `4/d`,
/// and the factor 4 (a power of two, so exact) is applied once per block.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn fast_sum_avx512(num_steps: u64, begin: u64, end: u64) -> f64 {
    use std::arch::x86_64::*;
    /// Registers of 8 doubles each: 4 × 8 = 32 independent sums.
    const REGS: usize = 4;
    const WIDTH: u64 = 8 * REGS as u64;

    let step = _mm512_set1_pd(1.0 / num_steps as f64);
    let one = _mm512_set1_pd(1.0);
    let stride = _mm512_set1_pd(WIDTH as f64);
    let mut total = 0.0;
    let mut i = begin;
    while end - i >= WIDTH {
        let rounds = ((end - i) / WIDTH).min(BLOCK);
        let mut x_index: [__m512d; REGS] = std::array::from_fn(|r| {
            let lanes: [f64; 8] = std::array::from_fn(|k| (i + (8 * r + k) as u64) as f64 + 0.5);
            // SAFETY: reads 8 doubles from an 8-double array.
            unsafe { _mm512_loadu_pd(lanes.as_ptr()) }
        });
        let mut acc = [_mm512_setzero_pd(); REGS];
        for _ in 0..rounds {
            for r in 0..REGS {
                let x = _mm512_mul_pd(x_index[r], step);
                let d = _mm512_add_pd(one, _mm512_mul_pd(x, x));
                let r0 = _mm512_rcp14_pd(d);
                let e = _mm512_fnmadd_pd(d, r0, one); // e = 1 − d·r₀
                let series = _mm512_fmadd_pd(_mm512_fmadd_pd(e, e, e), e, e); // e + e² + e³
                acc[r] = _mm512_add_pd(acc[r], _mm512_fmadd_pd(r0, series, r0)); // += 1/d
                x_index[r] = _mm512_add_pd(x_index[r], stride);
            }
        }
        let halves = [_mm512_add_pd(acc[0], acc[2]), _mm512_add_pd(acc[1], acc[3])];
        total += 4.0 * _mm512_reduce_add_pd(_mm512_add_pd(halves[0], halves[1]));
        i += rounds * WIDTH;
    }
    total + naive_sum(num_steps, i, end)
}

/// [`fast_sum`] compiled for AVX2: 256-bit instructions.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn fast_sum_avx2(num_steps: u64, begin: u64, end: u64) -> f64 {
    lanes_sum(num_steps, begin, end)
}

/// [`fast_sum`] compiled for the target's baseline (SSE2 on x86-64, NEON on arm64).
/// Public so tests and benchmarks can compare it with the wider versions.
pub fn fast_sum_portable(num_steps: u64, begin: u64, end: u64) -> f64 {
    lanes_sum(num_steps, begin, end)
}

/// Independent sums, side by side: 32 doubles = four AVX-512 registers, enough
/// divisions in flight to keep the divider busy.
const LANES: usize = 32;
/// Steps per lane in one block of the blocked summation.
const BLOCK: u64 = 1024;

/// The body shared by every `fast_sum_*` version; `inline(always)` so that each
/// version compiles it with its own target features.
#[inline(always)]
fn lanes_sum(num_steps: u64, begin: u64, end: u64) -> f64 {
    let step = 1.0 / num_steps as f64;
    let mut total = 0.0;
    let mut i = begin;
    while end - i >= LANES as u64 {
        let rounds = ((end - i) / LANES as u64).min(BLOCK);
        // Lane k handles steps i+k, i+k+LANES, i+k+2·LANES, ...
        let mut x_index: [f64; LANES] = std::array::from_fn(|k| (i + k as u64) as f64 + 0.5);
        let mut acc = [0.0f64; LANES];
        for _ in 0..rounds {
            for k in 0..LANES {
                let x = x_index[k] * step;
                acc[k] += 4.0 / (1.0 + x * x);
                x_index[k] += LANES as f64;
            }
        }
        total += pairwise(&acc);
        i += rounds * LANES as u64;
    }
    // The last few steps (fewer than LANES) one at a time.
    total + naive_sum(num_steps, i, end)
}

/// Sums a lane array as a balanced tree: halves added together, then quarters...
#[inline(always)]
fn pairwise(acc: &[f64; LANES]) -> f64 {
    let mut v = *acc;
    let mut width = LANES;
    while width > 1 {
        width /= 2;
        for k in 0..width {
            v[k] += v[k + width];
        }
    }
    v[0]
}

/// Pi from the sum of all N steps: pi ≈ step · sum.
pub fn pi_from_sum(sum: f64, num_steps: u64) -> f64 {
    sum * (1.0 / num_steps as f64)
}

/// The block of `n` items that `rank` of `size` ranks works on.
///
/// Blocks are contiguous, in rank order, cover `0..n` exactly once and differ in
/// size by at most one: the first `n % size` ranks take one extra item. (The
/// workshop's `num_steps/size` per rank silently drops the remainder.) When
/// there are more ranks than items, the last ranks get empty blocks.
///
/// # Panics
/// If `size` is 0 or `rank >= size`.
// ANCHOR: block_range
pub fn block_range(n: u64, rank: u64, size: u64) -> Range<u64> {
    assert!(rank < size, "rank {rank} is not below size {size}");
    let base = n / size;
    let extra = n % size;
    let start = rank * base + rank.min(extra);
    let len = base + u64::from(rank < extra);
    start..start + len
}
// ANCHOR_END: block_range

/// Which loop computes the sum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Kernel {
    /// The workshop's loop ([`naive_sum`]).
    Naive,
    /// The vectorised kernel ([`fast_sum`]).
    Fast,
}

impl Kernel {
    /// Sums steps `[begin, end)` of `num_steps` with this kernel.
    pub fn sum(self, num_steps: u64, begin: u64, end: u64) -> f64 {
        match self {
            Kernel::Naive => naive_sum(num_steps, begin, end),
            Kernel::Fast => fast_sum(num_steps, begin, end),
        }
    }
}

/// The workshop's output line: `Pi with N steps is P in T secs`, with pi to 20
/// decimals as the workshop's `%.20f`.
pub fn pi_line(num_steps: u64, pi: f64, secs: f64) -> String {
    format!("Pi with {num_steps} steps is {pi:.20} in {secs:.6} secs")
}

/// A line printed by [`pi_line`] (and the parallel programs' `… secs on 4 ranks`),
/// read back: what the tests and tools check a run by.
#[derive(Clone, Debug, PartialEq)]
pub struct PiReport {
    pub steps: u64,
    pub pi: f64,
    pub secs: f64,
    /// What ran it, after `secs on `: `4 ranks`, `2 threads`, `2 ranks x 2 threads`.
    pub on: Option<String>,
}

impl PiReport {
    /// Reads `Pi with N steps is P in T secs[ on WHO]`, with P to 20 decimals as
    /// the workshop prints it; `None` for any other line.
    pub fn parse(line: &str) -> Option<Self> {
        let rest = line.strip_prefix("Pi with ")?;
        let (steps, rest) = rest.split_once(" steps is ")?;
        let (pi, rest) = rest.split_once(" in ")?;
        let (secs, on) = rest.split_once(" secs")?;
        let on = match on {
            "" => None,
            _ => Some(on.strip_prefix(" on ")?.to_owned()),
        };
        let decimals = pi.split_once('.').map(|(_, d)| d.len());
        if decimals != Some(20) {
            return None;
        }
        Some(Self {
            steps: steps.parse().ok()?,
            pi: pi.parse().ok()?,
            secs: secs.parse().ok()?,
            on,
        })
    }
}

unsafe extern "C" {
    /// The workshop's C loop (`c/pi.c`, built at -O3 by `build.rs`), for the benchmark.
    fn pi_c_loop(num_steps: i64, begin: i64, end: i64) -> f64;
    /// The same C loop built with `-O3 -march=native -ffast-math`.
    fn pi_c_loop_fast_math(num_steps: i64, begin: i64, end: i64) -> f64;
}

fn to_c_long(v: u64) -> i64 {
    i64::try_from(v).expect("step count fits a C long")
}

/// Sums steps `[begin, end)` with the workshop's C loop, built at -O3.
pub fn c_sum(num_steps: u64, begin: u64, end: u64) -> f64 {
    // SAFETY: the C function only reads its three integer arguments.
    unsafe { pi_c_loop(to_c_long(num_steps), to_c_long(begin), to_c_long(end)) }
}

/// Sums steps `[begin, end)` with the C loop built at `-O3 -march=native -ffast-math`.
pub fn c_sum_fast_math(num_steps: u64, begin: u64, end: u64) -> f64 {
    // SAFETY: the C function only reads its three integer arguments.
    unsafe { pi_c_loop_fast_math(to_c_long(num_steps), to_c_long(begin), to_c_long(end)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_range_covers_every_step_once_with_even_sizes() {
        for n in [0u64, 1, 2, 3, 7, 10, 99, 100, 1000003] {
            for size in 1u64..=17 {
                let blocks: Vec<_> = (0..size).map(|r| block_range(n, r, size)).collect();
                assert_eq!(blocks[0].start, 0, "n={n} size={size}");
                assert_eq!(blocks.last().unwrap().end, n, "n={n} size={size}");
                for pair in blocks.windows(2) {
                    assert_eq!(
                        pair[0].end, pair[1].start,
                        "n={n} size={size}: gap or overlap"
                    );
                }
                let lens: Vec<u64> = blocks.iter().map(|b| b.end - b.start).collect();
                let (min, max) = (lens.iter().min().unwrap(), lens.iter().max().unwrap());
                assert!(max - min <= 1, "n={n} size={size}: sizes {lens:?}");
                assert_eq!(lens.iter().sum::<u64>(), n);
            }
        }
    }

    #[test]
    fn fast_and_naive_agree_on_blocks_of_any_length() {
        let n = 1_000_003;
        for (begin, end) in [
            (0, n),
            (0, 0),
            (5, 6),
            (17, 17 + 31),
            (3, 3 + 32 * 1024 + 33),
            (999_000, n),
        ] {
            let naive = naive_sum(n, begin, end);
            for (name, fast) in every_path(n, begin, end) {
                let scale = naive.abs().max(1e-300);
                assert!(
                    (fast - naive).abs() / scale <= 1e-12,
                    "{name} [{begin},{end}): fast {fast} naive {naive}"
                );
            }
        }
    }

    /// The sum by every version of the fast kernel this CPU can run.
    fn every_path(n: u64, begin: u64, end: u64) -> Vec<(&'static str, f64)> {
        let mut sums = vec![
            ("dispatch", fast_sum(n, begin, end)),
            ("portable", fast_sum_portable(n, begin, end)),
        ];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                sums.push(("avx2", unsafe { fast_sum_avx2(n, begin, end) }));
            }
            if std::arch::is_x86_feature_detected!("avx512f") {
                sums.push(("avx512", unsafe { fast_sum_avx512(n, begin, end) }));
            }
        }
        sums
    }

    #[test]
    fn blocks_add_up_to_the_whole() {
        let n = 1_000_003;
        let whole = fast_sum(n, 0, n);
        let parts: f64 = (0..7)
            .map(|r| block_range(n, r, 7))
            .map(|b| fast_sum(n, b.start, b.end))
            .sum();
        assert!((whole - parts).abs() <= 1e-12 * whole);
    }

    #[test]
    fn pi_is_right_and_c_agrees() {
        let n = 10_000_000;
        for (name, sum) in every_path(n, 0, n) {
            let pi = pi_from_sum(sum, n);
            assert!((pi - std::f64::consts::PI).abs() <= 1e-13, "{name}: {pi}");
        }
        let (naive, c) = (naive_sum(n, 0, 1000), c_sum(n, 0, 1000));
        assert_eq!(naive, c, "same loop, same order: bit-identical");
        let fast_math = pi_from_sum(c_sum_fast_math(n, 0, n), n);
        assert!(
            (fast_math - std::f64::consts::PI).abs() <= 1e-12,
            "{fast_math}"
        );
    }

    #[test]
    fn pi_reports_read_back_what_pi_line_prints() {
        let line = format!("{} on 3 ranks", pi_line(1000003, 3.25, 0.5));
        let report = PiReport::parse(&line).unwrap();
        assert_eq!(
            report,
            PiReport {
                steps: 1000003,
                pi: 3.25,
                secs: 0.5,
                on: Some("3 ranks".into())
            }
        );
        assert_eq!(PiReport::parse(&pi_line(10, 3.0, 1.0)).unwrap().on, None);
        for bad in [
            "Pi with 10 steps is 3.25 in 0.5 secs",
            "Pi with x steps is 3.00000000000000000000 in 1 secs",
            "hello",
        ] {
            assert_eq!(PiReport::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn pi_line_has_the_workshop_shape() {
        assert_eq!(
            pi_line(10, 3.25, 0.5),
            "Pi with 10 steps is 3.25000000000000000000 in 0.500000 secs"
        );
    }
}
