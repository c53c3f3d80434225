//! The workshop's 100 noisy photos, made from a few base photographs.
//!
//! Photo `i` is a crop of base photo `i % sources`, resized to one of three
//! sizes, with Gaussian noise of a random sigma in 0.05..0.10 added, saved as
//! JPEG quality 90. Every random choice comes from a PCG generator seeded
//! with [`SEED`] on stream `i`, so photo 37 is the same whether you make 40
//! photos or 100, and the same bytes on every machine: the generator is
//! integer arithmetic, and the Gaussian numbers use only `+ - * / sqrt`
//! (exact in IEEE 754) and a logarithm written out below, never the
//! platform's `ln`, which may round differently from one libm to another.

use image::imageops::{self, FilterType};
use image::{DynamicImage, RgbImage};
use rand_core::RngCore;
use rand_pcg::Pcg64;

/// The seed of every photo's generator (photo `i` uses stream `i`).
pub const SEED: u128 = 0x006d_7069_2d77_6f72_6b73_686f_702d_7273; // "mpi-workshop-rs"

/// The workshop's sizes (width, height).
pub const SIZES: [(u32, u32); 3] = [(640, 480), (512, 512), (800, 600)];
/// Small sizes for fast tests (`make-noisy --small`).
pub const SMALL_SIZES: [(u32, u32); 3] = [(96, 72), (64, 64), (120, 90)];
/// Noise standard deviation range (values in 0..1).
pub const SIGMA_RANGE: (f64, f64) = (0.05, 0.10);
/// JPEG quality of the noisy photos.
pub const JPEG_QUALITY: u8 = 90;
/// The version of the photos' recipe: raise it with any change here that changes
/// their bytes. `make-noisy` records it in its up-to-date stamp, so photos made
/// by an older recipe are made again.
pub const RECIPE: u32 = 1;

/// Everything that defines photo `index`; one line of `manifest.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub index: usize,
    /// Index into the sorted list of base photos.
    pub source: usize,
    pub width: u32,
    pub height: u32,
    pub sigma: f64,
    /// Crop of the base photo: x, y, width, height.
    pub crop: (u32, u32, u32, u32),
}

/// A uniform number in `[0, 1)` with 53 random bits.
fn uniform(rng: &mut Pcg64) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform integer in `0..=n` (n small: the modulo bias is below 1e-15).
fn below_or_equal(rng: &mut Pcg64, n: u32) -> u32 {
    (rng.next_u64() % (u64::from(n) + 1)) as u32
}

/// Natural logarithm from `+ - * /` only, so it gives the same bits everywhere.
/// x = m · 2^e with m in [√½, √2); ln m = 2 atanh(s) = 2 (s + s³/3 + s⁵/5 + …)
/// with s = (m − 1)/(m + 1), |s| < 0.172, so 9 terms reach 1e-16.
pub fn portable_ln(x: f64) -> f64 {
    debug_assert!(x > 0.0 && x.is_finite());
    let bits = x.to_bits();
    let mut e = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let mut m = f64::from_bits((bits & ((1 << 52) - 1)) | (1023 << 52)); // in [1, 2)
    if m > std::f64::consts::SQRT_2 {
        m *= 0.5;
        e += 1;
    }
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let mut series = 0.0;
    for k in (0..9).rev() {
        series = series * s2 + 1.0 / (2 * k + 1) as f64;
    }
    2.0 * s * series + e as f64 * std::f64::consts::LN_2
}

/// A standard normal number by Marsaglia's polar method (Box–Muller without
/// sine and cosine): pick a point in the unit disc, scale it by
/// `sqrt(-2 ln s / s)`. One of the pair is used, to keep the code short.
pub fn gaussian(rng: &mut Pcg64) -> f64 {
    loop {
        let u = 2.0 * uniform(rng) - 1.0;
        let v = 2.0 * uniform(rng) - 1.0;
        let s = u * u + v * v;
        if s > 0.0 && s < 1.0 {
            return u * (-2.0 * portable_ln(s) / s).sqrt();
        }
    }
}

fn generator(index: usize) -> Pcg64 {
    Pcg64::new(SEED, index as u128 * 2 + 1)
}

/// Decides photo `index` from the sizes of the base photos.
pub fn plan(index: usize, source_sizes: &[(u32, u32)], sizes: &[(u32, u32); 3]) -> Plan {
    let mut rng = generator(index);
    let source = index % source_sizes.len();
    let (width, height) = sizes[(index / source_sizes.len()) % sizes.len()];
    let sigma = SIGMA_RANGE.0 + (SIGMA_RANGE.1 - SIGMA_RANGE.0) * uniform(&mut rng);
    // The largest crop with the target's aspect ratio, then 60–100 % of it.
    let (sw, sh) = source_sizes[source];
    let (full_w, full_h) = if u64::from(sw) * u64::from(height) > u64::from(sh) * u64::from(width) {
        (
            (f64::from(sh) * f64::from(width) / f64::from(height)).round() as u32,
            sh,
        )
    } else {
        (
            sw,
            (f64::from(sw) * f64::from(height) / f64::from(width)).round() as u32,
        )
    };
    let scale = 0.6 + 0.4 * uniform(&mut rng);
    let cw = ((f64::from(full_w) * scale).round() as u32).clamp(1, sw);
    let ch = ((f64::from(full_h) * scale).round() as u32).clamp(1, sh);
    let x = below_or_equal(&mut rng, sw - cw);
    let y = below_or_equal(&mut rng, sh - ch);
    Plan {
        index,
        source,
        width,
        height,
        sigma,
        crop: (x, y, cw, ch),
    }
}

/// The noise-free photo: the crop, resized (triangle filter: plain arithmetic,
/// same bytes everywhere).
pub fn clean_photo(plan: &Plan, source: &RgbImage) -> RgbImage {
    let (x, y, w, h) = plan.crop;
    let crop = imageops::crop_imm(source, x, y, w, h).to_image();
    imageops::resize(&crop, plan.width, plan.height, FilterType::Triangle)
}

/// Adds Gaussian noise of `plan.sigma` to every channel of every pixel, in the
/// 0..1 scale of `img_as_float`, clipped, rounded back to bytes.
pub fn add_noise(plan: &Plan, clean: &RgbImage) -> RgbImage {
    // A second stream for the noise, so the plan's choices stay put if the
    // noise code changes.
    let mut rng = Pcg64::new(SEED, plan.index as u128 * 2 + 2);
    let mut noisy = clean.clone();
    for b in noisy.iter_mut() {
        let v = f64::from(*b) * (1.0 / 255.0) + plan.sigma * gaussian(&mut rng);
        *b = (v.clamp(0.0, 1.0) * 255.0).round_ties_even() as u8;
    }
    noisy
}

/// The noisy photo's JPEG bytes.
pub fn noisy_jpeg(plan: &Plan, source: &RgbImage) -> Result<Vec<u8>, image::ImageError> {
    let noisy = add_noise(plan, &clean_photo(plan, source));
    crate::encode_jpeg(&DynamicImage::ImageRgb8(noisy), JPEG_QUALITY)
}

/// The header and one line of `manifest.csv`.
pub const MANIFEST_HEADER: &str =
    "file,source,width,height,noise_sigma,crop_x,crop_y,crop_width,crop_height";

pub fn manifest_line(plan: &Plan, file: &str, source: &str) -> String {
    let (x, y, w, h) = plan.crop;
    format!(
        "{file},{source},{},{},{:.4},{x},{y},{w},{h}",
        plan.width, plan.height, plan.sigma
    )
}
