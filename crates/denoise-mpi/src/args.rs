//! The command line both programs take ([`PhotoArgs`]) and the workshop's
//! default folders.

use std::path::PathBuf;

use denoise_kernel::Flavour;

/// Where the workshop's programs read their photos (`noisy/`) ...
pub const DEFAULT_INPUT: &str = "data/noisy";
/// ... and write the results (`denoised/`).
pub const DEFAULT_OUTPUT: &str = "data/denoised";
/// The command that makes the 100 noisy photos.
pub const MAKE_NOISY: &str = "cargo run --release -p denoise-kernel --bin make-noisy";

/// Which bilateral filter to run (see `denoise_kernel::Flavour`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FlavourArg {
    /// scikit-image's `denoise_bilateral`, quirks included (what the workshop ran)
    Skimage,
    /// The textbook bilateral filter
    Exact,
}

impl From<FlavourArg> for Flavour {
    fn from(f: FlavourArg) -> Flavour {
        match f {
            FlavourArg::Skimage => Flavour::Skimage,
            FlavourArg::Exact => Flavour::Exact,
        }
    }
}

/// The options both programs take.
#[derive(clap::Args, Debug, Clone)]
pub struct PhotoArgs {
    /// Folder of noisy photos: every *.jpg and *.jpeg file in it, sorted by name
    #[arg(long, value_name = "DIR", default_value = DEFAULT_INPUT)]
    pub input: PathBuf,
    /// Folder for the denoised photos, same file names (created if missing;
    /// photos already there are replaced)
    #[arg(long, value_name = "DIR", default_value = DEFAULT_OUTPUT)]
    pub output: PathBuf,
    /// Bilateral filter flavour
    #[arg(long, value_enum, default_value_t = FlavourArg::Skimage)]
    pub flavour: FlavourArg,
    /// Print no per-file lines (errors, the total and the summary still print)
    #[arg(long)]
    pub quiet: bool,
    /// Also write a before/after PNG of the first photo (noisy left, denoised
    /// right); replaced if it exists
    #[arg(long, value_name = "FILE.png")]
    pub montage: Option<PathBuf>,
    /// Draw the progress bar even when standard error is not a terminal (under
    /// mpiexec it never is: mpiexec forwards it through a pipe)
    #[arg(long)]
    pub progress: bool,
    /// Refuse a photo of more pixels than this (one error line; the others go
    /// on) [default: what half of this machine's memory can filter, shared by
    /// the ranks that run on it]
    #[arg(long, value_name = "N")]
    pub max_pixels: Option<u64>,
    /// Each photo's time on a real core, from FILE's `Took S seconds for NAME`
    /// lines (what denoise-serial prints). This build runs on a simulated
    /// cluster: the photos are listed, not read nor written, and their times are
    /// charged to the simulated clock
    #[cfg(feature = "smpi")]
    #[arg(long, value_name = "FILE")]
    pub costs: PathBuf,
}
