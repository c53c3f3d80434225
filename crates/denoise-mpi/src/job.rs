//! [`Job`]: one rank's photos, denoised one at a time; and
//! [`wait_for_all_ranks`], where a rank that is done waits for the others.

use std::io::Write as _;
use std::sync::atomic::Ordering;
use std::time::Instant;

use denoise_kernel::DenoiseError;
use indicatif::ProgressBar;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

use crate::{DONE, Failure, PhotoArgs, RankReport, shown};

/// Denoises photos one at a time for one rank, printing as the workshop does.
pub struct Job<'a> {
    pub args: &'a PhotoArgs,
    /// `Some(rank)` prefixes the lines with `Process RANK: ` (the MPI program).
    pub process: Option<i32>,
    /// A progress bar; lines are printed above it.
    pub bar: ProgressBar,
    pub report: RankReport,
    /// On the simulated cluster: each photo's time, read once.
    #[cfg(feature = "smpi")]
    costs: Option<crate::Costs>,
}

impl<'a> Job<'a> {
    pub fn new(args: &'a PhotoArgs, process: Option<i32>, bar: ProgressBar) -> Job<'a> {
        let report = RankReport {
            rank: process.unwrap_or(0),
            ..RankReport::default()
        };
        Job {
            args,
            process,
            bar,
            report,
            #[cfg(feature = "smpi")]
            costs: None,
        }
    }

    /// Reads, denoises and writes one photo (the body of the workshop's `loop`),
    /// prints `[Process R: ]Took 0.041 seconds for noisy_000.jpg` or
    /// `error: noisy_000.jpg: <reason>`, and records the result.
    ///
    /// The time is the whole photo's (read + filter + write), so the lines of
    /// one rank add up to its busy time in the summary.
    #[cfg(not(feature = "smpi"))]
    pub fn denoise(&mut self, name: &str) {
        let start = Instant::now();
        let (input, output) = (self.args.input.join(name), self.args.output.join(name));
        // denoise_file refuses a photo that is empty, cut short, corrupt or too
        // large, and writes to a temporary file that it renames when complete.
        let result = denoise_kernel::denoise_file(
            &input,
            &output,
            self.args.flavour.into(),
            self.args
                .max_pixels
                .unwrap_or_else(denoise_kernel::read::default_max_pixels),
        )
        .map(|denoised| denoised.cut_to_8_bits)
        .map_err(reason);
        self.record(name, result, start.elapsed().as_secs_f64());
    }

    /// On the simulated cluster: the photo's measured time, charged at once.
    #[cfg(feature = "smpi")]
    pub fn denoise(&mut self, name: &str) {
        self.denoise_in_slices(name, f64::INFINITY, || ());
    }

    /// On the simulated cluster: the photo's measured time (`--costs`) is charged
    /// to the simulated clock, in slices of at most `slice` seconds with
    /// `between()` called after each one (rank 0 answers requests there, as its
    /// helper thread lets the real rank 0 answer at once). Nothing is read or written.
    #[cfg(feature = "smpi")]
    pub fn denoise_in_slices(&mut self, name: &str, slice: f64, mut between: impl FnMut()) {
        let costs = self
            .costs
            .get_or_insert_with(|| crate::read_costs(&self.args.costs).unwrap_or_default());
        let Some(&secs) = costs.get(shown(name).as_str()) else {
            let reason = format!("no time for it in {}", self.args.costs.display());
            return self.record(name, Err(reason), 0.0);
        };
        let mut left = secs;
        while left > 0.0 {
            mpi_basics::smpi::compute_for(left.min(slice));
            left -= slice;
            between();
        }
        self.record(name, Ok(false), secs);
    }

    /// Prints and counts one photo's result: `Ok(cut_to_8_bits)` or the reason it failed.
    fn record(&mut self, name: &str, result: Result<bool, String>, secs: f64) {
        self.report.busy_secs += secs;
        match result {
            Ok(cut_to_8_bits) => {
                self.report.done += 1;
                DONE.fetch_add(1, Ordering::SeqCst);
                if cut_to_8_bits {
                    let line = format!(
                        "note: {}: 16-bit photo written as JPEG, which holds 8 bits: cut to 8 bits\n",
                        shown(name)
                    );
                    let _ = self
                        .bar
                        .suspend(|| std::io::stderr().write_all(line.as_bytes()));
                }
                if !self.args.quiet {
                    let prefix = self
                        .process
                        .map(|r| format!("Process {r}: "))
                        .unwrap_or_default();
                    let name = shown(name);
                    self.bar
                        .suspend(|| println!("{prefix}Took {secs:.3} seconds for {name}"));
                }
            }
            Err(reason) => {
                let line = format!("error: {}: {reason}\n", shown(name));
                // One write, so that lines of ranks sharing stderr never mix.
                let _ = self
                    .bar
                    .suspend(|| std::io::stderr().write_all(line.as_bytes()));
                self.report.failures.push(Failure {
                    file: name.to_owned(),
                    rank: self.report.rank,
                    reason,
                });
            }
        }
        self.bar.inc(1);
    }
}

/// The error on one line, without the folder: the `error: NAME: ` line
/// already names the file.
fn reason(e: DenoiseError) -> String {
    let message = match e {
        DenoiseError::File { message, .. } => message,
        other => other.to_string(),
    };
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(": ")
}

/// Waits until every rank has called it, like `barrier`, but sleeps while
/// waiting: MPICH's blocking calls spin on the CPU, and a rank that is done
/// should leave its core to the ranks still working (4 ranks on 2 cores).
/// It starts a non-blocking barrier (`MPI_Ibarrier`) and tests it every
/// millisecond (where waiting costs nothing, it is a plain barrier).
pub fn wait_for_all_ranks(world: &SimpleCommunicator) {
    if !mpi_basics::WAITING_SPINS {
        world.barrier();
        return;
    }
    let mut barrier = world.immediate_barrier();
    loop {
        match barrier.test() {
            Ok(_) => return,
            Err(pending) => barrier = pending,
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}
