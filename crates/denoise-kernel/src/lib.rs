//! Exercise 1's bilateral filter: scikit-image's `denoise_bilateral` in Rust,
//! verifiably the same and many times faster, plus the noisy photos to run it on.
//!
//! # The filter
//!
//! Each output pixel is a weighted average of the pixels in a `win × win`
//! window around it. A neighbour's weight is the product of
//! - a **spatial** weight, a Gaussian of its distance in the image (`sigma_spatial`), and
//! - a **colour** weight, a Gaussian of how different its colour is (`sigma_color`),
//!
//! so noise (small colour differences) is averaged away while edges (large
//! differences) are kept.
//!
//! # Two flavours
//!
//! [`Flavour::Skimage`] computes what scikit-image 0.26 computes, bit for bit
//! (to 1e-12 on the reference data in `data/reference/`), quirks included:
//! 1. *Skewed spatial weights.* scikit-image builds its spatial table on the
//!    grid `-10..=9` (20 × 20 values for a 19-pixel window) but reads it as if
//!    it were 19 wide. The weights are therefore off-centre and asymmetric: the
//!    centre pixel gets weight 0.0037 instead of 1, and the result moves by
//!    up to 0.30 compared with a symmetric kernel.
//! 2. *Coarse colour table.* The colour weight comes from a 10 000-bin table
//!    indexed by `(distance * (bins / channels) / max) as int`, with an integer
//!    division `bins / channels` (3333 for RGB) and `max` the brightest value of
//!    *this* image. So the same photo, darkened, is filtered differently.
//! 3. *Black border.* Neighbours outside the image count as black pixels
//!    (`cval = 0`), which darkens the edges of the result.
//!
//! [`Flavour::Exact`] is the textbook filter: a symmetric Gaussian centred on
//! the pixel, the Gaussian of the true Euclidean colour distance (no table),
//! and neighbours outside the image simply left out (the weights of those
//! inside are renormalised). It is what the workshop *meant*; use
//! [`Flavour::Skimage`] to compare with Python.
//!
//! Both flavours return a constant image unchanged, and both run the same fast
//! kernel (`src/kernel.rs`, whose comments explain each trick): planar,
//! zero-padded planes; 8 adjacent output pixels per AVX-512 register (4 with
//! AVX2, 4 in plain arrays on any other CPU), the path chosen at run time
//! ([`SimdPath`]). The Skimage flavour gives the same bits on every path; the
//! Exact flavour agrees to ~1e-16 (it may use fused multiply-add).
//!
//! Where we differ from scikit-image on purpose: an alpha channel (`LumaA`,
//! `Rgba`) is passed through instead of entering the colour distance; `f32`
//! images are filtered in `f64`; the default `sigma_color` is the standard
//! deviation of the colour channels summed in plain order (numpy sums
//! pairwise, so the last bits may differ).
//!
//! # Speed
//!
//! One 640×480 RGB photo, workshop parameters, one core of this project's
//! machine (a 2-core Intel Xeon with AVX-512; CPU time from `cargo run
//! --release -p denoise-kernel --example cpu_time`): scikit-image 0.26 about
//! 600 ms, the naive Rust port about 700 ms, the scalar fallback about 380 ms,
//! AVX2 about 120 ms, AVX-512 about 110 ms for either flavour. What is left is
//! bound by the square-root unit (8 lanes every ~16 cycles on this CPU).
//! `cargo bench -p denoise-kernel` compares them with imageproc's filter;
//! `scripts/compare_skimage.py` times scikit-image on the same photo and
//! checks that the results agree (largest difference ~7e-16 on full photos).
//!
//! # Programs
//!
//! - `make-noisy [--count N] [--small] [--clean] [--force] [--output DIR]`:
//!   the workshop's 100 noisy photos in `data/noisy/`, same bytes everywhere.
//! - `bilateral IN OUT [--flavour skimage|exact] [--sigma-color S]
//!   [--sigma-spatial S] [--max-pixels N]`: one photo, printing `Took 0.041
//!   seconds for IN`. IN is read strictly ([`read`]: by content, refusing cut
//!   or corrupt data and photos over the pixel limit); OUT's format, and that
//!   it is not IN by another name (device and inode), are checked first.
//! - `psnr CLEAN IMAGE...`: how close each image is to the clean one, in dB.
//!
//! # API for the lessons
//!
//! - [`denoise_file`]: one photo in, one photo out, with the workshop's
//!   parameters (`sigma_color = 0.1`, `sigma_spatial = 3`); returns the filter
//!   time. This is what the MPI lesson calls for each of its photos.
//! - [`bilateral`] filters an `image` crate buffer of `f64` or `f32` pixels
//!   (`Luma`, `LumaA`, `Rgb`, `Rgba`; alpha is passed through unfiltered).
//! - [`FloatImage`] is a float64 image of any channel count, read from and
//!   written to files (8- or 16-bit PNG, JPEG); [`bilateral_image`],
//!   [`bilateral_par`] (rayon, row bands), [`bilateral_with_path`] and
//!   [`bilateral_owned`] (in the image's own buffer: half the peak memory) filter it.
//! - [`psnr`] measures how close an image is to the clean original.
//! - [`noisy`] makes the workshop's noisy photos (bin `make-noisy`).
//!
//! ```
//! use denoise_kernel::{BilateralParams, Flavour, FloatImage, bilateral_image};
//! let img = FloatImage::new(4, 3, 1, false, (0..12).map(|i| i as f64 / 11.0).collect()).unwrap();
//! let out = bilateral_image(&img, &BilateralParams::workshop(Flavour::Exact)).unwrap();
//! assert_eq!((out.width, out.height), (4, 3));
//! ```

mod atomic_write;
mod bands;
mod encode;
mod entry;
mod error;
mod float_image;
mod jpeg_check;
mod kernel;
pub mod naive;
pub mod noisy;
mod params;
pub mod read;
mod tables;

use std::path::Path;
use std::time::{Duration, Instant};

use image::DynamicImage;

pub use atomic_write::{
    OutputFile, TEMP_PREFIX, TEMP_SUFFIX, check_writable, hold_writes, is_stale_temp_name,
    temp_file_reason, write_atomic, write_atomic_with,
};
pub use bands::UnitSample;
pub use encode::{OutputFormat, encode_jpeg, save_photo, write_jpeg};
pub use entry::{
    FloatSample, bilateral, bilateral_image, bilateral_owned, bilateral_par, bilateral_photo,
    bilateral_u8, bilateral_with_path,
};
pub use error::DenoiseError;
pub use float_image::FloatImage;
pub use kernel::SimdPath;
pub use params::{BilateralParams, Flavour};
pub use tables::{exact_spatial_lut, skimage_colour_lut, skimage_spatial_lut};

use error::write_error;

/// Peak signal-to-noise ratio in dB of `image` against `clean` over the colour
/// channels, for values in 0..1: `10 log10(1 / mean squared error)`.
/// Higher is closer; infinite when identical.
pub fn psnr(clean: &FloatImage, image: &FloatImage) -> Result<f64, DenoiseError> {
    let same = (clean.width, clean.height, clean.colour_channels())
        == (image.width, image.height, image.colour_channels());
    if !same {
        return Err(DenoiseError::Image(format!(
            "cannot compare a {}×{}×{} image with a {}×{}×{} one",
            image.width,
            image.height,
            image.colour_channels(),
            clean.width,
            clean.height,
            clean.colour_channels()
        )));
    }
    let dims = clean.colour_channels();
    let pixels = |i: &FloatImage| {
        i.data
            .chunks_exact(i.channels)
            .flat_map(|p| &p[..dims])
            .copied()
            .collect::<Vec<_>>()
    };
    let (a, b) = (pixels(clean), pixels(image));
    let mse = a
        .iter()
        .zip(&b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        / a.len().max(1) as f64;
    Ok(10.0 * (1.0 / mse).log10())
}

/// Whether two paths name the same file or folder: the same (device, inode),
/// so a symlink, a hard link, `..` or a bind mount of it are all caught.
/// False when either does not exist.
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        #[cfg(unix)]
        (Ok(x), Ok(y)) => {
            use std::os::unix::fs::MetadataExt;
            (x.dev(), x.ino()) == (y.dev(), y.ino())
        }
        #[cfg(not(unix))]
        (Ok(_), Ok(_)) => matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y),
        _ => false,
    }
}

/// Denoises one photo with the workshop's parameters (`sigma_color = 0.1`,
/// `sigma_spatial = 3`) on one core, and writes it: this is the body of the
/// workshop's `loop(imgFiles)`.
///
/// - `input`: a PNG, JPEG or TIFF file of at most `max_pixels` pixels
///   ([`read::default_max_pixels`] is the programs' default).
/// - `output`: `.jpg`/`.jpeg`, `.png`, `.tif`/`.tiff` or `.f64le` (raw float64, `H × W × C`);
///   written to a temporary file in the same folder and renamed, so it is never
///   seen half-written. `output` must not be `input` (by any other name).
///
/// Returns the time spent filtering (reading and writing excluded), as the
/// workshop's `Took 0.041 seconds for noisy_000.jpg` line reports, and
/// whether a 16-bit photo was cut to 8 bits (JPEG output). Errors name the file.
pub fn denoise_file(
    input: &Path,
    output: &Path,
    flavour: Flavour,
    max_pixels: u64,
) -> Result<Denoised, DenoiseError> {
    denoise_file_with(
        input,
        output,
        &BilateralParams::workshop(flavour),
        max_pixels,
    )
}

/// [`denoise_file`] with any parameters (the `bilateral` program's path).
/// A photo is filtered in its own 8- or 16-bit samples ([`bilateral_photo`]);
/// only a `.f64le` output, the raw float64 result, needs the float64 copy.
/// Errors: [`DenoiseError::File`] when the input cannot be read,
/// [`DenoiseError::Write`] for the output, [`DenoiseError::Image`] when
/// filtering fails (out of memory); each names its file.
pub fn denoise_file_with(
    input: &Path,
    output: &Path,
    params: &BilateralParams,
    max_pixels: u64,
) -> Result<Denoised, DenoiseError> {
    let format = OutputFormat::of(output)?;
    if input == output || same_file(input, output) {
        return Err(write_error(
            output,
            format!(
                "it is the same file as the input {}; choose another file",
                input.display()
            ),
        ));
    }
    let filter_error = |e| DenoiseError::Image(format!("{}: {e}", input.display()));
    if format == OutputFormat::F64le {
        // The raw float64 result: filtered as float64 (8 bytes a value).
        let image = FloatImage::open_limited(input, max_pixels)?;
        let start = Instant::now();
        let denoised = bilateral_owned(image, params).map_err(filter_error)?;
        let filter_time = start.elapsed();
        denoised.save(output)?;
        return Ok(Denoised {
            filter_time,
            cut_to_8_bits: false,
        });
    }
    let mut photo = open_photo(input, max_pixels)?;
    let start = Instant::now();
    bilateral_photo(&mut photo, params).map_err(filter_error)?;
    let filter_time = start.elapsed();
    save_photo(&photo, output)?;
    Ok(Denoised {
        filter_time,
        cut_to_8_bits: cuts_to_8_bits(bits_of(&photo), output),
    })
}

/// Reads a PNG, JPEG or TIFF photo of at most `max_pixels` pixels, strictly (see
/// [`read`]): 8 or 16 bits per sample, gray or RGB, with or without alpha.
pub fn open_photo(path: &Path, max_pixels: u64) -> Result<DynamicImage, DenoiseError> {
    read::decode_file(path, max_pixels)
}

/// Bits per sample of a photo: 16 for 16-bit and float images, else 8.
pub fn bits_of(image: &DynamicImage) -> u8 {
    if image.color().bytes_per_pixel() > image.color().channel_count() {
        16
    } else {
        8
    }
}

/// What [`denoise_file`] did.
#[derive(Clone, Copy, Debug)]
pub struct Denoised {
    /// Time spent filtering (reading and writing excluded).
    pub filter_time: Duration,
    /// The input had 16 bits per sample and the output is a JPEG (8 bits).
    pub cut_to_8_bits: bool,
}

/// Whether saving an image of `bits` per sample to `output` loses precision: a 16-bit image
/// written as JPEG, which holds 8 bits per sample.
pub fn cuts_to_8_bits(bits: u8, output: &Path) -> bool {
    bits > 8 && matches!(OutputFormat::of(output), Ok(OutputFormat::Jpeg))
}
