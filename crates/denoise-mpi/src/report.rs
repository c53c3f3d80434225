//! What each rank did ([`RankReport`]), and the end of a run: the summary,
//! the montage and the exit status.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::{PhotoArgs, count, shown};

/// One photo that could not be denoised, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    pub file: String,
    pub rank: i32,
    pub reason: String,
}

/// What one rank did: how many photos it denoised, how long it was busy
/// doing so, and which photos failed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RankReport {
    pub rank: i32,
    /// Photos denoised and written.
    pub done: u32,
    /// Seconds spent on photos (reading, filtering and writing, failures included).
    pub busy_secs: f64,
    pub failures: Vec<Failure>,
    /// The process's peak memory (resident set) in MiB, where the system tells it.
    pub peak_mib: Option<f64>,
}

impl RankReport {
    /// Notes the peak memory so far; call it when the rank's work is done.
    pub fn measure_peak_memory(&mut self) {
        self.peak_mib = peak_memory_mib();
    }
}

/// This process's peak resident memory in MiB (Linux: `VmHWM` in
/// `/proc/self/status`), or `None` elsewhere.
pub fn peak_memory_mib() -> Option<f64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Rank 0's closing summary: files per rank, the busiest rank's time, how
/// long the others waited for it, and the failures.
pub fn summary(reports: &[RankReport], files: usize, schedule: &str) -> String {
    let busiest = reports
        .iter()
        .max_by(|a, b| a.busy_secs.total_cmp(&b.busy_secs))
        .expect("at least rank 0");
    let mut s = format!(
        "Summary: {} on {}, {schedule} schedule\n",
        count(files, "photo"),
        count(reports.len(), "rank")
    );
    for r in reports {
        let idle = busiest.busy_secs - r.busy_secs;
        let failed = if r.failures.is_empty() {
            String::new()
        } else {
            format!(", {} failed", r.failures.len())
        };
        let peak = r
            .peak_mib
            .map(|m| format!(", peak memory {m:.0} MiB"))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "  rank {}: {} in {:.3} s (idle {idle:.3} s{peak}){failed}",
            r.rank,
            count(r.done as usize, "photo"),
            r.busy_secs
        );
    }
    let idle: f64 = reports
        .iter()
        .map(|r| busiest.busy_secs - r.busy_secs)
        .sum();
    let _ = writeln!(
        s,
        "Busiest rank: {} ({:.3} s busy); the others were idle {idle:.3} s in all",
        busiest.rank, busiest.busy_secs
    );
    let failures: Vec<&Failure> = reports.iter().flat_map(|r| &r.failures).collect();
    if failures.is_empty() {
        s.push_str("Failures: none\n");
    } else {
        let _ = writeln!(s, "Failures: {}", failures.len());
        for f in failures {
            let _ = writeln!(s, "  {} (rank {}): {}", shown(&f.file), f.rank, f.reason);
        }
    }
    s
}

/// The end of a run, on rank 0 (or the serial program): writes the montage if
/// asked, and returns the exit status: 0 if every photo was denoised, 1 if
/// some failed (they are listed on one `error:` line).
pub fn finish(args: &PhotoArgs, files: &[String], reports: &[RankReport]) -> i32 {
    let mut status = 0;
    if let Some(montage) = &args.montage {
        let first = &files[0];
        if let Err(e) = write_montage(&args.input.join(first), &args.output.join(first), montage) {
            eprintln!("error: montage {}: {e}", montage.display());
            status = 1;
        }
    }
    let mut failed: Vec<&str> = reports
        .iter()
        .flat_map(|r| &r.failures)
        .map(|f| f.file.as_str())
        .collect();
    if !failed.is_empty() {
        failed.sort();
        let names: Vec<String> = failed.iter().map(|f| shown(f)).collect();
        eprintln!(
            "error: {} of {} failed: {}",
            failed.len(),
            count(files.len(), "photo"),
            names.join(", ")
        );
        status = 1;
    }
    status
}

/// `denoise-serial --montage FILE --montage-only`: the montage of the first
/// photo from its denoised copy already in the output folder, denoising
/// nothing (a whole run for one picture takes minutes). Returns the line to
/// print, or a one-line error naming the file when that copy is missing.
pub fn montage_from_output(args: &PhotoArgs) -> Result<String, String> {
    let montage = args
        .montage
        .as_ref()
        .ok_or("--montage-only needs --montage FILE.png")?;
    let files = crate::plan(args)?;
    let first = &files[0];
    let denoised = args.output.join(first);
    if !denoised.is_file() {
        return Err(format!(
            "{}: not denoised yet: run denoise-serial or denoise-parallel (with --output {}) first",
            denoised.display(),
            args.output.display()
        ));
    }
    write_montage(&args.input.join(first), &denoised, montage)
        .map_err(|e| format!("montage {}: {e}", montage.display()))?;
    Ok(format!(
        "Montage of {first} (noisy left, denoised right): {}",
        montage.display()
    ))
}

/// Writes a PNG with the noisy photo on the left and the denoised one on the
/// right (side by side, black below the shorter one), written atomically;
/// creates the montage's folder if needed.
pub fn write_montage(noisy: &Path, denoised: &Path, montage: &Path) -> Result<(), String> {
    let open = |p: &Path| {
        image::open(p)
            .map(|i| i.to_rgb8())
            .map_err(|e| format!("cannot read {}: {e}", p.display()))
    };
    let (left, right) = (open(noisy)?, open(denoised)?);
    let mut both = image::RgbImage::new(
        left.width() + right.width(),
        left.height().max(right.height()),
    );
    image::imageops::replace(&mut both, &left, 0, 0);
    image::imageops::replace(&mut both, &right, i64::from(left.width()), 0);
    let mut png = std::io::Cursor::new(Vec::new());
    both.write_to(&mut png, image::ImageFormat::Png)
        .map_err(|e| e.to_string())?;
    if let Some(folder) = montage.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(folder)
            .map_err(|e| format!("cannot create folder {}: {e}", folder.display()))?;
    }
    denoise_kernel::write_atomic(montage, png.get_ref()).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_reports_idle_time_against_the_busiest_rank_and_failures() {
        let reports = [
            RankReport {
                rank: 0,
                done: 3,
                busy_secs: 3.0,
                ..RankReport::default()
            },
            RankReport {
                rank: 1,
                done: 1,
                busy_secs: 1.5,
                failures: vec![Failure {
                    file: "bad.jpg".into(),
                    rank: 1,
                    reason: "truncated".into(),
                }],
                peak_mib: Some(42.0),
            },
        ];
        let text = summary(&reports, 5, "static");
        assert!(
            text.starts_with("Summary: 5 photos on 2 ranks, static schedule\n"),
            "{text}"
        );
        assert!(
            text.contains("  rank 0: 3 photos in 3.000 s (idle 0.000 s)\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "  rank 1: 1 photo in 1.500 s (idle 1.500 s, peak memory 42 MiB), 1 failed\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("Busiest rank: 0 (3.000 s busy); the others were idle 1.500 s in all\n"),
            "{text}"
        );
        assert!(
            text.ends_with("Failures: 1\n  bad.jpg (rank 1): truncated\n"),
            "{text}"
        );
    }
}
