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
//! kernel (`src/kernel.rs` and `src/kernel/x86.rs`, whose comments explain each
//! trick): planar, zero-padded planes; 8 adjacent output pixels per AVX-512 register (4 with
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

// One file per topic (each says what it holds); the public items are
// re-exported here, so callers write `denoise_kernel::X` whatever the file.
mod atomic_write;
mod bands;
mod encode;
mod entry;
mod error;
mod files;
mod float_image;
mod jpeg_check;
mod kernel;
pub mod naive;
pub mod noisy;
mod params;
mod quality;
pub mod read;
mod tables;

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
pub use files::{
    Denoised, bits_of, cuts_to_8_bits, denoise_file, denoise_file_with, open_photo, same_file,
};
pub use float_image::FloatImage;
pub use kernel::SimdPath;
pub use params::{BilateralParams, Flavour};
pub use quality::psnr;
pub use tables::{exact_spatial_lut, skimage_colour_lut, skimage_spatial_lut};
