//! Exercise 1, "embarrassingly parallel photo processing": what the serial and
//! the MPI program share, so that each of them shows only its own idea.
//!
//! - [`PhotoArgs`]: the command line of both programs.
//! - [`plan`]: checks the folders and lists the photos *before* any work starts,
//!   so a bad folder is one clear error instead of 100 failures.
//! - [`Job`]: denoises one photo, prints its `Took … seconds` line, and records
//!   the result in the rank's [`RankReport`]; a bad photo is an error line, not a crash.
//! - [`read_costs`]: each photo's real time, which the simulated cluster charges.
//! - [`summary`], [`finish`]: the closing lines, the montage and the exit status.

// One file per topic (each says what it holds); the public items are
// re-exported here, so callers write `denoise_mpi::X` whatever the file.
mod args;
mod costs;
mod job;
mod output;
mod plan;
mod progress;
mod report;
mod signals;
mod text;

pub use args::{DEFAULT_INPUT, DEFAULT_OUTPUT, FlavourArg, MAKE_NOISY, PhotoArgs};
pub use costs::{Costs, check_costs, read_costs};
pub use job::{Job, wait_for_all_ranks};
pub use output::clean_output;
pub use plan::plan;
pub use progress::{ForwardedTerminal, progress_bar};
pub use report::{
    Failure, RankReport, finish, montage_from_output, peak_memory_mib, summary, write_montage,
};
pub use signals::{DONE, PhotosInProgress, exit_cleanly_on_signals};
pub use text::{count, shown};
