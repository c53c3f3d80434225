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
mod encode;
mod error;
mod float_image;
mod jpeg_check;
mod kernel;
pub mod naive;
pub mod noisy;
mod params;
pub mod read;

use std::ops::Range;
use std::path::Path;
use std::time::{Duration, Instant};

use image::{DynamicImage, ImageBuffer, Pixel};
use rayon::prelude::*;

pub use atomic_write::{
    OutputFile, TEMP_PREFIX, TEMP_SUFFIX, check_writable, hold_writes, is_stale_temp_name,
    temp_file_reason, write_atomic, write_atomic_with,
};
pub use encode::{OutputFormat, encode_jpeg, save_photo, write_jpeg};
pub use error::DenoiseError;
pub use float_image::FloatImage;
pub use kernel::SimdPath;
pub use params::{BilateralParams, Flavour};

use error::write_error;
use kernel::{ColourWeight, Prepared};

/// Sample types the filter accepts in [`bilateral`]: `f64` and `f32`.
pub trait FloatSample: image::Primitive {
    fn to_f64(self) -> f64;
    fn from_f64(v: f64) -> Self;
}

impl FloatSample for f64 {
    fn to_f64(self) -> f64 {
        self
    }
    fn from_f64(v: f64) -> f64 {
        v
    }
}

/// `f32` images are filtered in `f64` and rounded back once at the end (so they
/// are *more* accurate than scikit-image's float32 path, not bit-equal to it).
impl FloatSample for f32 {
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    fn from_f64(v: f64) -> f32 {
        v as f32
    }
}

/// Filters an `image` crate buffer of `f64` or `f32` pixels (`Luma`, `LumaA`,
/// `Rgb`, `Rgba`): alpha is passed through, the colour channels are filtered.
pub fn bilateral<P, S>(
    image: &ImageBuffer<P, Vec<S>>,
    params: &BilateralParams,
) -> Result<ImageBuffer<P, Vec<S>>, DenoiseError>
where
    P: Pixel<Subpixel = S>,
    S: FloatSample,
{
    let float = FloatImage::new(
        image.width() as usize,
        image.height() as usize,
        P::CHANNEL_COUNT as usize,
        P::HAS_ALPHA,
        image.as_raw().iter().map(|&v| v.to_f64()).collect(),
    )?;
    let out = bilateral_image(&float, params)?;
    let data = out.data.into_iter().map(S::from_f64).collect();
    Ok(ImageBuffer::from_raw(image.width(), image.height(), data).expect("same size as the input"))
}

/// Filters an 8-bit image: [`FloatImage::from_u8`] (scikit-image's
/// `img_as_float`), then [`bilateral_image`]. The result is float64.
pub fn bilateral_u8<P: Pixel<Subpixel = u8>>(
    image: &ImageBuffer<P, Vec<u8>>,
    params: &BilateralParams,
) -> Result<FloatImage, DenoiseError> {
    bilateral_image(&FloatImage::from_u8(image), params)
}

/// Filters on one core with the fastest kernel this CPU has.
pub fn bilateral_image(
    image: &FloatImage,
    params: &BilateralParams,
) -> Result<FloatImage, DenoiseError> {
    filter(image, params, SimdPath::best(), false)
}

/// Filters with a chosen kernel path (for tests and benchmarks).
pub fn bilateral_with_path(
    image: &FloatImage,
    params: &BilateralParams,
    path: SimdPath,
) -> Result<FloatImage, DenoiseError> {
    filter(image, params, path, false)
}

/// Filters on all cores of rayon's pool: the rows are cut into bands of a few
/// rows and each thread filters whole bands. Same results as
/// [`bilateral_image`]: every output pixel is computed by the same code.
pub fn bilateral_par(
    image: &FloatImage,
    params: &BilateralParams,
) -> Result<FloatImage, DenoiseError> {
    filter(image, params, SimdPath::best(), true)
}

/// Rows per rayon task: small enough to balance 2–64 threads on a photo,
/// large enough that task overhead is nothing next to the filtering.
const BAND_ROWS: usize = 4;

/// Filters on one core like [`bilateral_image`], but takes the image and
/// writes the result into its own buffer: one float64 copy of the photo less
/// (the programs' path; peak about half of the borrowing version's).
pub fn bilateral_owned(
    image: FloatImage,
    params: &BilateralParams,
) -> Result<FloatImage, DenoiseError> {
    filter_owned(image, params, SimdPath::best(), false)
}

/// Filters a decoded photo in its own samples, the programs' path: an 8-bit
/// photo stays 8-bit (each result rounded as scikit-image's `img_as_ubyte`
/// rounds the float result), a 16-bit one 16-bit, alpha is left as it is.
/// The same pixels as [`bilateral_image`] followed by
/// [`FloatImage::to_dynamic`], without a float64 copy of the photo: the
/// memory needed beyond the photo is one band of rows (a few MB).
pub fn bilateral_photo(
    image: &mut DynamicImage,
    params: &BilateralParams,
) -> Result<(), DenoiseError> {
    match image {
        DynamicImage::ImageLuma8(i) => filter_photo(i, params),
        DynamicImage::ImageLumaA8(i) => filter_photo(i, params),
        DynamicImage::ImageRgb8(i) => filter_photo(i, params),
        DynamicImage::ImageRgba8(i) => filter_photo(i, params),
        DynamicImage::ImageLuma16(i) => filter_photo(i, params),
        DynamicImage::ImageLumaA16(i) => filter_photo(i, params),
        DynamicImage::ImageRgb16(i) => filter_photo(i, params),
        DynamicImage::ImageRgba16(i) => filter_photo(i, params),
        // Float samples (never decoded from a file here): filtered as float64.
        other => {
            let filtered = bilateral_owned(FloatImage::from_dynamic(other), params)?;
            *other = filtered.to_dynamic();
            Ok(())
        }
    }
}

fn filter_photo<P: Pixel>(
    image: &mut ImageBuffer<P, Vec<P::Subpixel>>,
    params: &BilateralParams,
) -> Result<(), DenoiseError>
where
    P::Subpixel: UnitSample,
{
    let shape = (
        image.width() as usize,
        image.height() as usize,
        P::CHANNEL_COUNT as usize,
        P::HAS_ALPHA,
    );
    filter_in_place(image, shape, params, SimdPath::best(), false, usize::MAX)
}

fn filter(
    image: &FloatImage,
    params: &BilateralParams,
    path: SimdPath,
    parallel: bool,
) -> Result<FloatImage, DenoiseError> {
    let mut copy = FloatImage {
        data: read::try_vec(image.data.len(), 0.0)?,
        ..*image
    };
    copy.data.copy_from_slice(&image.data);
    filter_owned(copy, params, path, parallel)
}

/// The filter on a float64 image, written into the image's own buffer.
fn filter_owned(
    mut image: FloatImage,
    params: &BilateralParams,
    path: SimdPath,
    parallel: bool,
) -> Result<FloatImage, DenoiseError> {
    image.check()?;
    let shape = (image.width, image.height, image.channels, image.has_alpha);
    filter_in_place(&mut image.data, shape, params, path, parallel, usize::MAX)?;
    Ok(image)
}

/// A sample the filter reads and writes in place: it works on scikit-image's
/// 0..1 float scale (`img_as_float`) and stores its results back the way
/// `img_as_ubyte` / `img_as_uint` do, so an 8-bit photo is filtered in its
/// own 8-bit buffer, with no float64 copy of the whole image.
pub trait UnitSample: Copy + Send + Sync {
    /// The value on the 0..1 scale.
    fn to_unit(self) -> f64;
    /// A result stored back: rounded to the nearest sample (ties to even), clipped.
    fn from_unit(v: f64) -> Self;
}

impl UnitSample for u8 {
    /// `byte * (1/255)`, not `byte / 255`: the two differ in the last bit for
    /// 24 byte values, and scikit-image multiplies.
    fn to_unit(self) -> f64 {
        f64::from(self) * (1.0 / 255.0)
    }
    fn from_unit(v: f64) -> u8 {
        (v * 255.0).round_ties_even().clamp(0.0, 255.0) as u8
    }
}

impl UnitSample for u16 {
    fn to_unit(self) -> f64 {
        f64::from(self) * (1.0 / 65535.0)
    }
    fn from_unit(v: f64) -> u16 {
        (v * 65535.0).round_ties_even().clamp(0.0, 65535.0) as u16
    }
}

impl UnitSample for f64 {
    fn to_unit(self) -> f64 {
        self
    }
    fn from_unit(v: f64) -> f64 {
        v
    }
}

/// Bytes of padded planes a band may take: a band's rows are chosen to fit
/// (16 MiB is a few hundred rows of a 4000-pixel RGB photo; the copies of the
/// `2 ext` margin rows each band adds are then a few percent of the work).
const BAND_PLANE_BYTES: usize = 16 << 20;

/// Rows per band for planes of row `stride` and `dims` colour channels: what
/// fits [`BAND_PLANE_BYTES`], at least 16 and at least `ext` (see
/// [`filter_in_place`]), at most the image's height. `at_most` lowers it (the tests use it to cut small images into many bands).
fn band_rows(stride: usize, height: usize, dims: usize, ext: usize, at_most: usize) -> usize {
    let fit = (BAND_PLANE_BYTES / (8 * dims * stride)).saturating_sub(2 * ext);
    fit.max(16).min(at_most).max(ext).min(height).max(1)
}

/// The filter, in place: the colour channels of `data` (interleaved, `width ×
/// height × channels`, the last channel alpha if `has_alpha`) are replaced by
/// their filtered values; alpha is left as it is.
///
/// The image is filtered one band of rows at a time. A band's planes are
/// loaded with its rows and `ext` rows on each side; its results wait in a
/// small buffer and are stored only after the *next* band has been loaded,
/// because that band still reads the last `ext` rows of this one. A band of
/// at least `ext` rows is what makes this enough: no band ever reads a row
/// two bands back. Memory: the samples, one band's planes and its results.
fn filter_in_place<S: UnitSample>(
    data: &mut [S],
    (w, h, channels, has_alpha): (usize, usize, usize, bool),
    params: &BilateralParams,
    path: SimdPath,
    parallel: bool,
    max_band_rows: usize,
) -> Result<(), DenoiseError> {
    params.check()?;
    let dims = channels.saturating_sub(has_alpha as usize);
    if !(1..=4).contains(&dims) || data.len() != w * h * channels {
        return Err(DenoiseError::Image(format!(
            "{} samples do not make a {w}×{h} image of {dims} colour channels",
            data.len()
        )));
    }
    let values = || {
        data.chunks_exact(channels)
            .flat_map(move |p| &p[..dims])
            .map(|v| v.to_unit())
    };
    // One pass for the checks and the range (the filter needs max - min).
    let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values() {
        if !v.is_finite() {
            return Err(DenoiseError::Image(
                "the image contains NaN or infinite values".into(),
            ));
        }
        min = min.min(v);
        max = max.max(v);
    }
    // Nothing to smooth (and scikit-image returns the input as it is).
    if w * h == 0 || min == max {
        return Ok(());
    }
    let sigma_color = params
        .sigma_color
        .unwrap_or_else(|| std_dev(values(), w * h * dims));
    let win = params.window();
    let ext = (win - 1) / 2;

    // What the two flavours do differently: the offset, the colour weight,
    // the spatial table, and whether out-of-image neighbours are left out.
    let (offset, colour, spatial, leave_out_border) = match params.flavour {
        Flavour::Skimage => {
            // scikit-image shifts an image with negative values to start at 0.
            let offset = if min < 0.0 { min } else { 0.0 };
            let max_value = max - offset;
            let colour = ColourWeight::Lut {
                lut: skimage_colour_lut(params.bins, sigma_color, max_value),
                // `bins / dims` is an integer division in scikit-image's Cython.
                dist_scale: (params.bins / dims) as f64 / max_value,
                max_bin: (params.bins - 1) as f64,
            };
            (
                offset,
                colour,
                skimage_spatial_lut(win, params.sigma_spatial),
                false,
            )
        }
        Flavour::Exact => {
            // exp(-d² / (2σ²)) = 2^(-d² · k): the kernel works in base 2.
            let colour = ColourWeight::Gauss {
                k: std::f64::consts::LOG2_E / (2.0 * sigma_color * sigma_color),
            };
            (
                0.0,
                colour,
                exact_spatial_lut(win, params.sigma_spatial),
                true,
            )
        }
    };
    let stride = kernel::plane_stride(w, ext);
    let rows = band_rows(stride, h, dims, ext, max_band_rows);
    let mut prepared = Prepared {
        width: w,
        height: h,
        dims,
        win,
        ext,
        planes: kernel::band_planes(dims, stride, rows, ext)?,
        stride,
        base: 0,
        band_rows: 0,
        spatial,
        colour,
        column_mask: leave_out_border.then(|| kernel::column_mask(w, ext, stride)),
    };
    let mut results = read::try_vec(rows * w * dims, 0.0)?;

    // The results of rows `done`, shifted back, stored beside the untouched alpha.
    let store = |data: &mut [S], results: &[f64], done: Range<usize>| {
        let pixels =
            data[done.start * w * channels..done.end * w * channels].chunks_exact_mut(channels);
        for (pixel, colour) in pixels.zip(results.chunks_exact(dims)) {
            for (o, &v) in pixel.iter_mut().zip(colour) {
                *o = S::from_unit(if offset != 0.0 { v + offset } else { v });
            }
        }
    };
    let mut waiting: Option<Range<usize>> = None;
    for start in (0..h).step_by(rows) {
        let band = start..(start + rows).min(h);
        prepared.fill_band(data, channels, offset, band.clone());
        if let Some(done) = waiting.take() {
            store(data, &results, done);
        }
        let out = &mut results[..band.len() * w * dims];
        if parallel {
            let prepared = &prepared;
            out.par_chunks_mut(BAND_ROWS * w * dims)
                .enumerate()
                .for_each(|(i, out)| {
                    let first = band.start + i * BAND_ROWS;
                    prepared.run(first..first + out.len() / (w * dims), out, path);
                });
        } else {
            prepared.run(band.clone(), out, path);
        }
        waiting = Some(band);
    }
    if let Some(done) = waiting {
        store(data, &results, done);
    }
    Ok(())
}

/// Population standard deviation (numpy's `std`), two passes.
fn std_dev(values: impl Iterator<Item = f64> + Clone, n: usize) -> f64 {
    let mean = values.clone().sum::<f64>() / n as f64;
    (values.map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64).sqrt()
}

/// scikit-image's colour table: `exp(-0.5 * (v² / sigma²))` for
/// `v = linspace(0, max_value, bins, endpoint=False)`.
pub fn skimage_colour_lut(bins: usize, sigma_color: f64, max_value: f64) -> Vec<f64> {
    let step = max_value / bins as f64;
    let sigma2 = sigma_color * sigma_color;
    (0..bins)
        .map(|i| {
            let v = i as f64 * step;
            (-0.5 * (v * v / sigma2)).exp()
        })
        .collect()
}

/// scikit-image's spatial weights *as its loop reads them*: the table is built
/// on the grid `-win/2 - 1 ..= win/2` (`np.arange(-win // 2, win // 2 + 1)`,
/// `win + 1` points because Python's `//` rounds down), then read at
/// `kr * win + kc`. We return those `win × win` values in reading order.
pub fn skimage_spatial_lut(win: usize, sigma_spatial: f64) -> Vec<f64> {
    let grid: Vec<f64> = (-(win as i64 + 1) / 2..=win as i64 / 2)
        .map(|g| g as f64)
        .collect();
    let n = grid.len();
    let sigma2 = sigma_spatial * sigma_spatial;
    let table: Vec<f64> = (0..n * n)
        .map(|i| {
            let d = grid[i / n].hypot(grid[i % n]);
            (-0.5 * (d * d / sigma2)).exp()
        })
        .collect();
    table[..win * win].to_vec()
}

/// The textbook spatial weights: `exp(-(dr² + dc²) / (2 sigma²))`, centred.
pub fn exact_spatial_lut(win: usize, sigma_spatial: f64) -> Vec<f64> {
    let ext = (win - 1) as f64 / 2.0;
    (0..win * win)
        .map(|i| {
            let (dr, dc) = ((i / win) as f64 - ext, (i % win) as f64 - ext);
            (-(dr * dr + dc * dc) / (2.0 * sigma_spatial * sigma_spatial)).exp()
        })
        .collect()
}

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

#[cfg(test)]
mod tests {
    use super::*;

    /// A test image: smooth gradients plus a hash as noise, some values
    /// negative when `shift` (scikit-image's offset then applies).
    fn test_values(n: usize, shift: bool) -> Vec<f64> {
        (0..n)
            .map(|i| {
                let noise =
                    ((i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as f64 / 16_777_216.0;
                0.5 * noise + (i % 97) as f64 / 194.0 - if shift { 0.4 } else { 0.0 }
            })
            .collect()
    }

    /// Bands of as few rows as allowed give the same bits as one band, for
    /// every kernel path, both flavours, with alpha, with an offset, and for
    /// 8-bit samples filtered in place.
    #[test]
    fn bands_give_the_same_bits_as_one_band() {
        let (w, h) = (29, 83);
        for (sigma_spatial, channels, has_alpha, shift) in [
            (3.0, 3, false, false), // ext 9: bands of 16 rows
            (7.0, 4, true, true),   // ext 21: bands of 21 rows, alpha, offset
            (1.0, 1, false, false), // ext 3
        ] {
            for flavour in [Flavour::Skimage, Flavour::Exact] {
                let params = BilateralParams {
                    sigma_color: Some(0.1),
                    sigma_spatial,
                    flavour,
                    ..BilateralParams::default()
                };
                let input = test_values(w * h * channels, shift);
                let shape = (w, h, channels, has_alpha);
                for path in SimdPath::available() {
                    for parallel in [false, true] {
                        let mut whole = input.clone();
                        filter_in_place(&mut whole, shape, &params, path, parallel, usize::MAX)
                            .unwrap();
                        let mut banded = input.clone();
                        filter_in_place(&mut banded, shape, &params, path, parallel, 1).unwrap();
                        assert!(whole != input, "the filter changed nothing");
                        let same = whole
                            .iter()
                            .zip(&banded)
                            .all(|(a, b)| a.to_bits() == b.to_bits());
                        assert!(
                            same,
                            "{flavour:?} {path:?} σs={sigma_spatial} parallel={parallel}"
                        );
                    }
                }
                if shift {
                    continue;
                }
                // 8-bit samples, in place: the float result, rounded as img_as_ubyte.
                let bytes: Vec<u8> = input.iter().map(|&v| u8::from_unit(v)).collect();
                let mut floats: Vec<f64> = bytes.iter().map(|&b| b.to_unit()).collect();
                filter_in_place(
                    &mut floats,
                    shape,
                    &params,
                    SimdPath::best(),
                    false,
                    usize::MAX,
                )
                .unwrap();
                let mut in_place = bytes.clone();
                filter_in_place(&mut in_place, shape, &params, SimdPath::best(), false, 1).unwrap();
                let rounded: Vec<u8> = floats
                    .iter()
                    .zip(&bytes)
                    .enumerate()
                    .map(|(i, (&v, &b))| {
                        if has_alpha && i % channels == channels - 1 {
                            b
                        } else {
                            u8::from_unit(v)
                        }
                    })
                    .collect();
                assert_eq!(in_place, rounded, "{flavour:?} σs={sigma_spatial}");
            }
        }
    }
}
