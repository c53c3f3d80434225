//! What both workshop benchmarks end with: one table of ratios, every variant
//! against the baselines, from the samples criterion took in the same run (so a
//! busy machine slows them all alike). Shared by `pi-kernel`'s and
//! `denoise-kernel`'s benchmarks (`#[path]`), as neither crate depends on the other.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, SamplingMode};

/// Samples per variant: criterion's minimum, as each call already takes milliseconds.
const SAMPLES: usize = 10;

/// Criterion as `cargo bench` sets it up, but without a verdict on the previous run
/// ("Performance has regressed"), which on a shared machine mostly reports the other
/// users: by default criterion saves each run as the baseline `base` and compares the
/// next with it; here it compares with a baseline that is never saved. Criterion's own
/// baseline options (`--save-baseline NAME`, then `--baseline NAME`) still work.
pub fn criterion() -> Criterion {
    let criterion = Criterion::default().configure_from_args();
    let baseline_asked = std::env::args().any(|arg| {
        [
            "--save-baseline",
            "--baseline",
            "--discard-baseline",
            "-s",
            "-b",
        ]
        .iter()
        .any(|flag| arg.starts_with(flag))
    });
    if baseline_asked {
        criterion
    } else {
        criterion.retain_baseline("not-compared".to_owned(), false)
    }
}

/// Benchmarks' median times per call, by label, in the order they ran.
#[derive(Default)]
pub struct RatioTable {
    rows: Vec<(String, Vec<Duration>)>,
}

impl RatioTable {
    /// Sets up a group for calls of milliseconds to seconds: every sample makes the same
    /// number of calls (flat sampling, which criterion advises for long calls).
    pub fn configure(group: &mut BenchmarkGroup<'_, WallTime>) {
        group
            .sampling_mode(SamplingMode::Flat)
            .sample_size(SAMPLES)
            // One call: `bench` has just made one, so caches are warm, and criterion
            // plans its samples from this call's time (see `bench`).
            .warm_up_time(Duration::from_millis(1));
    }

    /// Benchmarks `call` as `id` and keeps its samples under `label`.
    pub fn bench<R>(
        &mut self,
        group: &mut BenchmarkGroup<'_, WallTime>,
        id: BenchmarkId,
        label: &str,
        mut call: impl FnMut() -> R,
    ) {
        // One call first, to give criterion time for 1.5 calls a sample. It plans from
        // its own warm-up call, rounding up: two calls a sample (20 in all, the fewest
        // it accepts without warning "Unable to complete 10 samples"), unless the
        // machine slows down by half between the two calls.
        let start = Instant::now();
        black_box(call());
        let once = start.elapsed();
        group.measurement_time((once * 3 * SAMPLES as u32 / 2).max(Duration::from_secs(1)));
        let mut per_call = Vec::new();
        group.bench_function(id, |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                for _ in 0..iters {
                    black_box(call());
                }
                let elapsed = start.elapsed();
                per_call.push(elapsed / iters as u32);
                elapsed
            })
        });
        // Criterion warms up, then takes its samples: the last calls are the samples.
        let samples = per_call.split_off(per_call.len().saturating_sub(SAMPLES));
        self.rows.push((label.to_owned(), samples));
    }

    /// The median of a variant's samples; `None` if it was filtered out or only
    /// tested (`cargo bench -- NAME`, `cargo test --benches`).
    fn median(&self, label: &str) -> Option<Duration> {
        let (_, samples) = self.rows.iter().find(|(l, _)| l == label)?;
        if samples.len() < SAMPLES {
            return None;
        }
        let mut sorted = samples.clone();
        sorted.sort();
        Some(sorted[SAMPLES / 2])
    }

    /// Prints the table as Markdown: the median per call of each variant and, for each
    /// baseline, how many times faster than it the variant is (below 1: slower).
    pub fn print(&self, title: &str, baselines: &[&str]) {
        let rows: Vec<(&str, Duration)> = self
            .rows
            .iter()
            .filter_map(|(label, _)| Some((label.as_str(), self.median(label)?)))
            .collect();
        if rows.is_empty() {
            return;
        }
        let mut header = format!("| {title} | median |");
        let mut rule = "|---|---:|".to_owned();
        for baseline in baselines {
            header += &format!(" versus {baseline} |");
            rule += "---:|";
        }
        println!("\n{header}\n{rule}");
        for (label, median) in rows {
            let mut line = format!("| {label} | {} |", millis(median));
            for baseline in baselines {
                line += &match self.median(baseline) {
                    Some(base) => format!(" {:.2}× |", base.as_secs_f64() / median.as_secs_f64()),
                    None => " – |".to_owned(),
                };
            }
            println!("{line}");
        }
        println!("(median of {SAMPLES} samples each; above 1×: faster than the baseline)");
    }
}

fn millis(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}
