//! Does denoising help? PSNR of each image against the noise-free original.
//!
//!     make-noisy --clean --count 1
//!     bilateral data/noisy/noisy_000.jpg data/denoised/noisy_000.png
//!     psnr data/clean/clean_000.png data/noisy/noisy_000.jpg data/denoised/noisy_000.png
//!     data/noisy/noisy_000.jpg: 22.41 dB
//!     data/denoised/noisy_000.png: 28.95 dB
//!
//! Higher is closer to the clean photo; +6 dB is half the error amplitude.

use std::path::PathBuf;

use clap::Parser;
use denoise_kernel::{FloatImage, psnr};
use lesson_cli::{exit_usage, parse_args};

#[derive(Parser)]
#[command(about = "PSNR (dB) of images against a clean original")]
struct Args {
    /// The noise-free image.
    clean: PathBuf,
    /// Images to compare with it (noisy, denoised, …).
    #[arg(required = true)]
    images: Vec<PathBuf>,
}

fn main() {
    let args: Args = parse_args();
    // ANCHOR: psnr
    let clean = FloatImage::open(&args.clean).unwrap_or_else(|e| exit_usage(e));
    for path in &args.images {
        let image = FloatImage::open(path).unwrap_or_else(|e| exit_usage(e));
        let db =
            psnr(&clean, &image).unwrap_or_else(|e| exit_usage(format!("{}: {e}", path.display())));
        println!("{}: {db:.2} dB", path.display());
    }
    // ANCHOR_END: psnr
}
