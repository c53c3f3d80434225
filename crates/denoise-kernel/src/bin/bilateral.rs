//! Denoises one photo: the body of the workshop's `denoise_serial.py` loop.
//!
//!     bilateral data/noisy/noisy_000.jpg data/denoised/noisy_000.jpg
//!     Took 0.041 seconds for data/noisy/noisy_000.jpg
//!
//! OUT's extension picks the format: `.png`, `.jpg`, `.tif` (8 or 16 bits, as
//! the input has them; JPEG is 8-bit) or `.f64le` (the raw float64 result,
//! H × W × C little-endian, to compare exactly with Python).

use std::path::PathBuf;

use clap::Parser;
use denoise_kernel::{
    BilateralParams, DenoiseError, Flavour, check_writable, denoise_file_with, read, same_file,
};
use lesson_cli::{exit_failure, exit_usage, parse_args};

#[derive(Parser)]
#[command(about = "Denoise one image with the bilateral filter (scikit-image's denoise_bilateral)")]
#[command(allow_negative_numbers = true)]
struct Args {
    /// Input image (JPEG, PNG or TIFF, 8 or 16 bits; read by its content, whatever its name).
    input: PathBuf,
    /// Output image (.jpg, .jpeg, .png, .tif, .tiff or .f64le), overwritten if it exists; must not be the input.
    output: PathBuf,
    /// skimage: bit-compatible with scikit-image; exact: the textbook filter.
    #[arg(long, default_value = "skimage")]
    flavour: Flavour,
    /// Colour standard deviation (0..1 scale). Default 0.1, as in the workshop.
    #[arg(long, default_value_t = 0.1)]
    sigma_color: f64,
    /// Spatial standard deviation in pixels. Default 3, as in the workshop.
    #[arg(long, default_value_t = 3.0)]
    sigma_spatial: f64,
    /// Refuse an image of more pixels than this [default: what half of this machine's memory can filter]
    #[arg(long, value_name = "N")]
    max_pixels: Option<u64>,
}

fn main() {
    let args: Args = parse_args();
    // ANCHOR: params
    let params = BilateralParams {
        sigma_color: Some(args.sigma_color),
        sigma_spatial: args.sigma_spatial,
        flavour: args.flavour,
        ..BilateralParams::default()
    };
    // ANCHOR_END: params
    // Everything that can be checked before the work is checked first.
    if let Err(e) = params.check() {
        exit_usage(e);
    }
    if let Err(e) = check_writable(&args.output) {
        exit_usage(e);
    }
    if args.input == args.output || same_file(&args.input, &args.output) {
        exit_usage(format!(
            "cannot write {}: it is the same file as the input {}; choose another file",
            args.output.display(),
            args.input.display()
        ));
    }
    let max_pixels = args.max_pixels.unwrap_or_else(read::default_max_pixels);
    // ANCHOR: denoise
    // An input that cannot be read is a usage error (2); the rest fail (1).
    let denoised = denoise_file_with(&args.input, &args.output, &params, max_pixels)
        .unwrap_or_else(|e| match e {
            DenoiseError::File { .. } => exit_usage(e),
            _ => exit_failure(e),
        });
    if denoised.cut_to_8_bits {
        eprintln!(
            "note: {}: JPEG holds 8 bits per sample: the 16-bit result is cut to 8 bits (name it .png to keep 16)",
            args.output.display()
        );
    }
    let took = denoised.filter_time.as_secs_f64();
    println!("Took {took:.3} seconds for {}", args.input.display());
    // ANCHOR_END: denoise
}
