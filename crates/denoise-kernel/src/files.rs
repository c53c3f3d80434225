//! One photo, file to file: [`denoise_file`] reads a photo, filters it and
//! writes the result, as the programs and the MPI lesson do for each photo,
//! with the helpers they share (reading a photo, telling two paths are one file).

use std::path::Path;
use std::time::{Duration, Instant};

use image::DynamicImage;

use crate::error::write_error;
use crate::{
    BilateralParams, DenoiseError, Flavour, FloatImage, OutputFormat, bilateral_owned,
    bilateral_photo, read, save_photo,
};

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
