//! The hot loop: one bilateral filter, three ways to run it (AVX-512, AVX2, scalar).
//!
//! Everything the loop needs is prepared once per image in [`Prepared`]:
//!
//! - **Planar, zero-padded layout.** The interleaved `RGBRGB…` image becomes one
//!   plane per channel, with `ext` zero pixels on every side (plus a few spare
//!   columns on the right). A window around any pixel, even a corner pixel, is
//!   then plain memory: no `if inside the image` test and no bounds check in the
//!   inner loop, and the same channel of 8 horizontal neighbours sits in 8
//!   consecutive doubles, ready for one SIMD load. The zeros are exactly
//!   scikit-image's `mode='constant', cval=0` border.
//! - **One band of rows at a time.** An output row needs only its own row and
//!   `ext` rows above and below, so the planes hold a band of rows plus that
//!   margin ([`Prepared::fill_band`]), not the whole image: the filter's
//!   memory is a few megabytes whatever the photo's height.
//! - **Spatial weights in a table.** The weight of window offset `(kr, kc)` never
//!   changes, so it is read from `spatial[kr * win + kc]`.
//! - **Colour weights** from a table (Skimage flavour, scikit-image's 10 000-bin
//!   LUT) or from a short polynomial `exp` (Exact flavour, no quantisation).
//!
//! The SIMD kernels (`kernel/x86.rs`) compute 8 (AVX-512) or 4 (AVX2) *adjacent
//! output pixels* at once, one pixel per lane. Each lane performs exactly the
//! operations the scalar loop performs for its pixel, in the same order and
//! without fused multiply-add, so for the Skimage flavour all paths give the
//! same bits; for the Exact flavour they agree to ~1e-16 (the tests check both
//! to 1e-12).

use std::ops::Range;

/// Which implementation of the inner loop to run.
///
/// [`SimdPath::best`] picks the fastest one this CPU supports (checked at run
/// time, so one binary runs everywhere); tests run every path in
/// [`SimdPath::available`] and compare them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimdPath {
    /// Plain Rust, one output pixel at a time. Runs on any CPU.
    Scalar,
    /// x86-64 AVX2 (+ FMA): 4 output pixels per 256-bit register.
    Avx2,
    /// x86-64 AVX-512F: 8 output pixels per 512-bit register.
    Avx512,
}

impl SimdPath {
    /// Every path this CPU can run, slowest first (always starts with `Scalar`).
    pub fn available() -> Vec<SimdPath> {
        #[cfg_attr(not(target_arch = "x86_64"), allow(unused_mut))]
        let mut paths = vec![SimdPath::Scalar];
        #[cfg(target_arch = "x86_64")]
        {
            if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
                paths.push(SimdPath::Avx2);
            }
            if is_x86_feature_detected!("avx512f") {
                paths.push(SimdPath::Avx512);
            }
        }
        paths
    }

    /// The fastest path this CPU can run.
    pub fn best() -> SimdPath {
        *SimdPath::available()
            .last()
            .expect("Scalar is always available")
    }
}

/// How the colour weight of a neighbour is computed from its colour distance.
#[derive(Clone, Debug)]
pub(crate) enum ColourWeight {
    /// scikit-image: `lut[min((sqrt(d²) * dist_scale) as int, bins - 1)]`.
    /// `max_bin` is `bins - 1` as a float: clamping *before* the float-to-int
    /// conversion gives the same bin and keeps every index inside the table.
    Lut {
        lut: Vec<f64>,
        dist_scale: f64,
        max_bin: f64,
    },
    /// Textbook: `exp(-d² / (2 sigma_color²))`, computed as `2^(-d² * k)` with
    /// `k = log2(e) / (2 sigma_color²)` (see [`exp2_neg`]); no square root.
    Gauss { k: f64 },
}

/// An image ready for the kernel: padded planes plus the weight tables.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub width: usize,
    pub height: usize,
    /// Colour channels (the ones that enter the distance); alpha is not here.
    pub dims: usize,
    /// Window size (odd) and half-size `ext = (win - 1) / 2`.
    pub win: usize,
    pub ext: usize,
    /// One padded plane per colour channel: the padded rows `base ..` (image
    /// rows `base - ext ..`) of one band, `stride` values each.
    pub planes: Vec<Vec<f64>>,
    pub stride: usize,
    /// The first image row of the band the planes hold.
    pub base: usize,
    /// Rows of the band held now (at most the planes' capacity).
    pub band_rows: usize,
    /// `spatial[kr * win + kc]`: weight of window offset `(kr - ext, kc - ext)`.
    pub spatial: Vec<f64>,
    pub colour: ColourWeight,
    /// Exact flavour only: 1.0 for padded columns inside the image, 0.0 outside,
    /// so out-of-image neighbours get weight 0 (rows are skipped instead).
    pub column_mask: Option<Vec<f64>>,
}

/// Spare columns right of the padded image: a SIMD block starting at the last
/// few pixels of a row reads up to 7 pixels past the image, which must be memory.
const SPARE: usize = 8;

/// Row stride of the padded planes of an image `width` pixels wide.
pub(crate) fn plane_stride(width: usize, ext: usize) -> usize {
    width + 2 * ext + SPARE
}

/// `dims` zero planes for bands of up to `band_rows` rows, or an error when
/// the memory for them is not there.
pub(crate) fn band_planes(
    dims: usize,
    stride: usize,
    band_rows: usize,
    ext: usize,
) -> Result<Vec<Vec<f64>>, crate::DenoiseError> {
    (0..dims)
        .map(|_| crate::read::try_vec(stride * (band_rows + 2 * ext), 0.0))
        .collect()
}

/// For the Exact flavour: 1.0 for the padded columns inside the image, 0.0 for
/// the padding, so a neighbour outside the image gets weight 0.
pub(crate) fn column_mask(width: usize, ext: usize, stride: usize) -> Vec<f64> {
    (0..stride)
        .map(|c| {
            if (ext..ext + width).contains(&c) {
                1.0
            } else {
                0.0
            }
        })
        .collect()
}

impl Prepared {
    /// Loads the band of image rows `band` into the planes: the colour values
    /// of `data` (interleaved, `channels` per pixel) on the 0..1 scale, minus
    /// `offset`, with `ext` rows above and below (zeros outside the image).
    /// The padding columns are never written, so they stay zero.
    pub fn fill_band<S: crate::UnitSample>(
        &mut self,
        data: &[S],
        channels: usize,
        offset: f64,
        band: Range<usize>,
    ) {
        let (w, h, ext, stride) = (self.width, self.height, self.ext, self.stride);
        assert!(band.end <= h && band.len() * stride <= self.planes[0].len() - 2 * ext * stride);
        (self.base, self.band_rows) = (band.start, band.len());
        for (d, plane) in self.planes.iter_mut().enumerate() {
            for i in 0..band.len() + 2 * ext {
                let dst = &mut plane[i * stride + ext..][..w];
                // Padded row i of the band is image row base + i - ext.
                match (band.start + i).checked_sub(ext).filter(|&r| r < h) {
                    Some(r) => {
                        let src = &data[r * w * channels..][..w * channels];
                        for (x, pixel) in dst.iter_mut().zip(src.chunks_exact(channels)) {
                            *x = pixel[d].to_unit() - offset;
                        }
                    }
                    None => dst.fill(0.0),
                }
            }
        }
    }

    /// Window rows `kr` to visit for output row `r`. scikit-image counts the
    /// zero rows outside the image; the Exact flavour leaves them out, so it
    /// can skip them altogether.
    fn window_rows(&self, r: usize) -> Range<usize> {
        if self.column_mask.is_some() {
            self.ext.saturating_sub(r)..self.win.min(self.height + self.ext - r)
        } else {
            0..self.win
        }
    }

    /// Filters output rows `rows` into `out` (interleaved, `dims` values per
    /// pixel, starting at row `rows.start`) with the chosen path.
    /// The rows must lie in the band the planes hold (checked: the SIMD
    /// kernels' unchecked loads rely on it).
    pub fn run(&self, rows: Range<usize>, out: &mut [f64], path: SimdPath) {
        assert!(rows.start >= self.base && rows.end <= self.base + self.band_rows);
        assert_eq!(out.len(), rows.len() * self.width * self.dims);
        match self.dims {
            1 => self.run_dims::<1>(rows, out, path),
            2 => self.run_dims::<2>(rows, out, path),
            3 => self.run_dims::<3>(rows, out, path),
            4 => self.run_dims::<4>(rows, out, path),
            _ => unreachable!("dims is checked to be 1..=4 before preparing"),
        }
    }

    // The channel count is a compile-time constant inside the kernels, so the
    // per-channel loops are fully unrolled and the values stay in registers.
    fn run_dims<const D: usize>(&self, rows: Range<usize>, out: &mut [f64], path: SimdPath) {
        match path {
            SimdPath::Scalar => scalar::<D>(self, rows, out),
            #[cfg(target_arch = "x86_64")]
            SimdPath::Avx2
                if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") =>
            {
                // SAFETY: the CPU supports AVX2 and FMA, checked just above.
                unsafe { x86::avx2::<D>(self, rows, out) }
            }
            #[cfg(target_arch = "x86_64")]
            SimdPath::Avx512 if is_x86_feature_detected!("avx512f") => {
                // SAFETY: the CPU supports AVX-512F, checked just above.
                unsafe { x86::avx512::<D>(self, rows, out) }
            }
            // A path this CPU lacks falls back to the scalar loop (same results).
            _ => scalar::<D>(self, rows, out),
        }
    }
}

/// 2^(-y) for y >= 0 with a relative error of a few 1e-16: the Exact
/// flavour's colour weight, `exp(-d²/(2σ²)) = 2^(-d² · log2(e)/(2σ²))`.
///
/// 2^(-y) = 2^n · 2^f with n = round(-y) and |f| <= 1/2. 2^f = exp(f ln 2) is
/// its Taylor series to degree 11 (the next term is below 1e-14 · 2^f), and
/// 2^n is built directly in the exponent bits of a double. Working in base 2
/// saves the usual split of the argument by ln 2. The SIMD kernels take the
/// same steps but fuse the polynomial's multiply-adds, so the paths agree to
/// an ulp or two, not bit for bit.
#[inline(always)]
pub(crate) fn exp2_neg(y: f64) -> f64 {
    let x = 0.0 - y.min(EXP2_MAX);
    // Round to nearest (ties to even) without a rounding instruction, which
    // plain x86-64 lacks: adding 1.5 · 2^52 leaves no bits below the units.
    let n = (x + ROUND_MAGIC) - ROUND_MAGIC;
    let f = x - n;
    // Estrin's scheme: the polynomial as pairs, pairs of pairs, …, so its
    // multiplications can run side by side instead of in one long chain
    // (Horner's rule would make each wait for the one before).
    let a = &EXP2_COEFFS;
    let (f2, q) = (f * f, |i: usize| a[i] + a[i + 1] * f);
    let (f4, r0, r1, r2) = (
        f2 * f2,
        q(0) + q(2) * f2,
        q(4) + q(6) * f2,
        q(8) + q(10) * f2,
    );
    let p = (r0 + r1 * f4) + r2 * (f4 * f4);
    p * f64::from_bits((n + EXP_BIAS).to_bits() << 52)
}

const ROUND_MAGIC: f64 = 6_755_399_441_055_744.0;
/// Past this, 2^(-y) would leave the normal doubles; such weights (< 1e-300)
/// cannot change a result whose centre weight is 1.
const EXP2_MAX: f64 = 1000.0;
/// `n + EXP_BIAS` puts `n + 1023` into the low mantissa bits of a double;
/// shifting those bits left by 52 gives the double 2^n.
const EXP_BIAS: f64 = 1023.0 + 4_503_599_627_370_496.0;
/// (ln 2)^i / i! for i = 0 to 11: the Taylor series of 2^f = exp(f ln 2).
const EXP2_COEFFS: [f64; 12] = [
    1.0,
    std::f64::consts::LN_2,
    0.240_226_506_959_100_7,
    5.550_410_866_482_157_6e-2,
    9.618_129_107_628_477e-3,
    1.333_355_814_642_844_1e-3,
    1.540_353_039_338_160_6e-4,
    1.525_273_380_405_983_8e-5,
    1.321_548_679_014_430_5e-6,
    1.017_808_600_923_969_6e-7,
    7.054_911_620_801_121e-9,
    4.445_538_271_870_81e-10,
];

/// Output pixels per step of the portable loop.
const SCALAR_LANES: usize = 4;

/// The portable loop, on any CPU: planar and padded like the SIMD kernels,
/// and [`SCALAR_LANES`] adjacent output pixels per step, held in small arrays.
///
/// Four independent pixels give the CPU four chains of work to overlap (one
/// pixel alone waits on its own square root and sums), and the compiler can
/// pair the lanes in whatever vector registers the target has (SSE2, NEON).
/// Reading each window row as a slice leaves one bounds check per row instead
/// of one per read. The flavour is a compile-time parameter, so the inner
/// loop has no test of it.
fn scalar<const D: usize>(p: &Prepared, rows: Range<usize>, out: &mut [f64]) {
    match &p.colour {
        ColourWeight::Lut {
            lut,
            dist_scale,
            max_bin,
        } => scalar_rows::<D, false>(p, rows, out, |dist2| {
            let bin = (dist2.sqrt() * dist_scale).min(*max_bin);
            // SAFETY: `bin` is in 0..=bins-1 < 2^30 (`min` also turns a NaN
            // into `max_bin`). The unchecked conversion is one instruction;
            // `as` adds the saturation tests Rust defines for any float.
            lut[unsafe { bin.to_int_unchecked::<u32>() } as usize]
        }),
        ColourWeight::Gauss { k } => {
            scalar_rows::<D, true>(p, rows, out, |dist2| exp2_neg(dist2 * k))
        }
    }
}

fn scalar_rows<const D: usize, const EXACT: bool>(
    p: &Prepared,
    rows: Range<usize>,
    out: &mut [f64],
    colour: impl Fn(f64) -> f64,
) {
    const L: usize = SCALAR_LANES;
    let (w, win, stride) = (p.width, p.win, p.stride);
    let first = rows.start;
    let no_mask = vec![1.0; stride];
    let mask = p.column_mask.as_deref().unwrap_or(&no_mask);
    for r in rows {
        for c in (0..w).step_by(L) {
            let centre_at = (r - p.base + p.ext) * stride + c + p.ext;
            let centre: [[f64; L]; D] =
                std::array::from_fn(|d| std::array::from_fn(|l| p.planes[d][centre_at + l]));
            let mut total = [[0.0; L]; D];
            let mut total_weight = [0.0; L];
            for kr in p.window_rows(r) {
                let start = (r - p.base + kr) * stride + c;
                // Lanes read up to L - 1 values past the window: the padding has room.
                let row: [&[f64]; D] =
                    std::array::from_fn(|d| &p.planes[d][start..start + win + L]);
                let spatial = &p.spatial[kr * win..(kr + 1) * win];
                let mask = &mask[c..c + win + L];
                for kc in 0..win {
                    for l in 0..L {
                        let value: [f64; D] = std::array::from_fn(|d| row[d][kc + l]);
                        // Squared distance summed channel by channel, in scikit-image's
                        // order (Rust never fuses the multiply and the add).
                        // (Starting from t0² instead of 0 + t0² is the same number,
                        // one addition fewer: a square is never -0.)
                        let t0 = centre[0][l] - value[0];
                        let mut dist2 = t0 * t0;
                        for d in 1..D {
                            let t = centre[d][l] - value[d];
                            dist2 += t * t;
                        }
                        let mut weight = spatial[kc] * colour(dist2);
                        if EXACT {
                            weight *= mask[kc + l];
                        }
                        for d in 0..D {
                            total[d][l] += value[d] * weight;
                        }
                        total_weight[l] += weight;
                    }
                }
            }
            for l in 0..L.min(w - c) {
                let o = ((r - first) * w + c + l) * D;
                for d in 0..D {
                    out[o + d] = total[d][l] / total_weight[l];
                }
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86;
