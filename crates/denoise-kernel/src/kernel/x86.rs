//! The x86-64 SIMD kernels, AVX-512 and AVX2 (compiled on x86-64 only).
//!
//! The same loop as [`super::scalar`], over a block of adjacent output
//! pixels at once: lane `l` of every register belongs to pixel `c + l`.
//! Neighbour `(kr, kc)` of those pixels are consecutive doubles in a
//! padded plane, so one unaligned load fetches it for all lanes.
//!
//! The kernels are generic over `EXACT` (the flavour) and `MASK` (the
//! block is near the left or right edge, Exact flavour only), so each
//! combination compiles to its own loop with no test inside.
//!
//! What costs time: in the Skimage flavour, the gather from the colour
//! table (a profile puts most samples on the instructions waiting for it),
//! then the square root; in the Exact flavour, the polynomial. Tried and
//! dropped, because they were slower here: computing a colour weight once
//! per *pair* of pixels and reusing it for both (the extra stores cost
//! more), reading the 8 table values with scalar loads instead of one
//! gather, and a fast reciprocal-square-root estimate (with an exactness
//! check) instead of the square root.
//!
//! The Skimage flavour never uses fused multiply-add, to keep scikit-image's
//! bits: a fused d² differs in the last bit and can tip a pixel into the
//! neighbouring table bin (errors ~1e-4). The Exact flavour has no bins to
//! tip over, so it fuses wherever that saves an instruction.

use super::{ColourWeight, EXP_BIAS, EXP2_COEFFS, EXP2_MAX, Prepared};
use std::arch::x86_64::*;
use std::ops::Range;

/// The per-image constants of the colour weight.
#[derive(Clone, Copy)]
struct Colour<'a> {
    lut: &'a [f64],
    dist_scale: f64,
    max_bin: f64,
    k: f64,
}

fn colour(p: &Prepared) -> Colour<'_> {
    match &p.colour {
        ColourWeight::Lut {
            lut,
            dist_scale,
            max_bin,
        } => Colour {
            lut,
            dist_scale: *dist_scale,
            max_bin: *max_bin,
            k: 0.0,
        },
        ColourWeight::Gauss { k } => Colour {
            lut: &[],
            dist_scale: 0.0,
            max_bin: 0.0,
            k: *k,
        },
    }
}

/// Writes the `n <= LANES` valid lanes of each channel's result into the
/// interleaved output (lanes past the right edge of the image are dropped).
#[inline(always)]
fn store_block<const D: usize, const LANES: usize>(
    out: &mut [f64],
    at: usize,
    n: usize,
    results: &[[f64; LANES]; D],
) {
    for l in 0..n {
        for d in 0..D {
            out[at + l * D + d] = results[d][l];
        }
    }
}

/// 8 output pixels per step in 512-bit registers.
#[target_feature(enable = "avx512f")]
pub(super) fn avx512<const D: usize>(p: &Prepared, rows: Range<usize>, out: &mut [f64]) {
    if p.column_mask.is_some() {
        avx512_rows::<D, true>(p, rows, out)
    } else {
        avx512_rows::<D, false>(p, rows, out)
    }
}

#[target_feature(enable = "avx512f")]
fn avx512_rows<const D: usize, const EXACT: bool>(
    p: &Prepared,
    rows: Range<usize>,
    out: &mut [f64],
) {
    const LANES: usize = 8;
    let (w, ext) = (p.width, p.ext);
    let first = rows.start;
    let colour = colour(p);
    for r in rows {
        for c in (0..w).step_by(LANES) {
            // Only blocks whose windows reach past the left or right edge
            // need the column mask (Exact flavour).
            let results = if EXACT && (c < ext || c + LANES + ext > w) {
                avx512_block::<D, EXACT, true>(p, colour, r, c)
            } else {
                avx512_block::<D, EXACT, false>(p, colour, r, c)
            };
            store_block(out, ((r - first) * w + c) * D, LANES.min(w - c), &results);
        }
    }
}

/// Output pixels `c .. c + 8` of row `r`, channel by channel.
#[inline]
#[target_feature(enable = "avx512f")]
fn avx512_block<const D: usize, const EXACT: bool, const MASK: bool>(
    p: &Prepared,
    colour: Colour<'_>,
    r: usize,
    c: usize,
) -> [[f64; 8]; D] {
    let (win, stride) = (p.win, p.stride);
    let centre_at = (r - p.base + p.ext) * stride + c + p.ext;
    // SAFETY (all loads below): a block reads columns c .. c + win + 7 of
    // padded rows r .. r + win, all inside the plane because the plane has
    // `ext` zero columns left, `ext + SPARE` right and `ext` rows above and
    // below the band (`run` checks that r is in the band); the mask has
    // `stride` entries.
    let centre: [__m512d; D] =
        std::array::from_fn(|d| unsafe { _mm512_loadu_pd(p.planes[d].as_ptr().add(centre_at)) });
    let mut total = [_mm512_setzero_pd(); D];
    let mut total_weight = _mm512_setzero_pd();
    for kr in p.window_rows(r) {
        let row_at = (r - p.base + kr) * stride + c;
        for kc in 0..win {
            let at = row_at + kc;
            let value: [__m512d; D] =
                std::array::from_fn(|d| unsafe { _mm512_loadu_pd(p.planes[d].as_ptr().add(at)) });
            // Starts at t0², not 0 + t0²: the same number, one addition fewer.
            let t0 = _mm512_sub_pd(centre[0], value[0]);
            let mut dist2 = _mm512_mul_pd(t0, t0);
            for d in 1..D {
                let t = _mm512_sub_pd(centre[d], value[d]);
                dist2 = if EXACT {
                    _mm512_fmadd_pd(t, t, dist2)
                } else {
                    _mm512_add_pd(dist2, _mm512_mul_pd(t, t))
                };
            }
            let colour_weight = if EXACT {
                exp2_neg(_mm512_mul_pd(dist2, _mm512_set1_pd(colour.k)))
            } else {
                // bin = min(sqrt(d²) * scale, bins - 1), truncated to an
                // integer, then 8 table reads in one gather instruction.
                let x = _mm512_mul_pd(_mm512_sqrt_pd(dist2), _mm512_set1_pd(colour.dist_scale));
                let bin = _mm512_cvttpd_epi32(_mm512_min_pd(x, _mm512_set1_pd(colour.max_bin)));
                // SAFETY: 0 <= bin <= bins - 1 < lut.len().
                unsafe { _mm512_i32gather_pd::<8>(bin, colour.lut.as_ptr().cast()) }
            };
            let mut weight = _mm512_mul_pd(_mm512_set1_pd(p.spatial[kr * win + kc]), colour_weight);
            if MASK {
                let mask = p.column_mask.as_deref().unwrap_or_default();
                weight = _mm512_mul_pd(weight, unsafe {
                    _mm512_loadu_pd(mask.as_ptr().add(c + kc))
                });
            }
            for d in 0..D {
                total[d] = if EXACT {
                    _mm512_fmadd_pd(value[d], weight, total[d])
                } else {
                    _mm512_add_pd(total[d], _mm512_mul_pd(value[d], weight))
                };
            }
            total_weight = _mm512_add_pd(total_weight, weight);
        }
    }
    let mut results = [[0.0; 8]; D];
    for d in 0..D {
        // SAFETY: results[d] holds exactly 8 doubles.
        unsafe {
            _mm512_storeu_pd(
                results[d].as_mut_ptr(),
                _mm512_div_pd(total[d], total_weight),
            )
        };
    }
    results
}

/// 2^(-y) on 8 lanes: [`super::exp2_neg`]'s steps, the polynomial in fused
/// multiply-adds, and `scalef` (x · 2^n in one instruction) for the scaling.
#[inline]
#[target_feature(enable = "avx512f")]
fn exp2_neg(y: __m512d) -> __m512d {
    let x = _mm512_sub_pd(
        _mm512_setzero_pd(),
        _mm512_min_pd(y, _mm512_set1_pd(EXP2_MAX)),
    );
    let n = _mm512_roundscale_pd::<{ _MM_FROUND_TO_NEAREST_INT }>(x);
    let f = _mm512_sub_pd(x, n);
    let a = EXP2_COEFFS.map(|c| _mm512_set1_pd(c));
    let q = |i: usize| _mm512_fmadd_pd(a[i + 1], f, a[i]);
    let f2 = _mm512_mul_pd(f, f);
    let f4 = _mm512_mul_pd(f2, f2);
    let r0 = _mm512_fmadd_pd(q(2), f2, q(0));
    let r1 = _mm512_fmadd_pd(q(6), f2, q(4));
    let r2 = _mm512_fmadd_pd(q(10), f2, q(8));
    let poly = _mm512_fmadd_pd(r2, _mm512_mul_pd(f4, f4), _mm512_fmadd_pd(r1, f4, r0));
    _mm512_scalef_pd(poly, n)
}

/// 4 output pixels per step in 256-bit registers: the AVX-512 loop with
/// half the lanes (most laptops have AVX2 but not AVX-512).
#[target_feature(enable = "avx2,fma")]
pub(super) fn avx2<const D: usize>(p: &Prepared, rows: Range<usize>, out: &mut [f64]) {
    if p.column_mask.is_some() {
        avx2_rows::<D, true>(p, rows, out)
    } else {
        avx2_rows::<D, false>(p, rows, out)
    }
}

#[target_feature(enable = "avx2,fma")]
fn avx2_rows<const D: usize, const EXACT: bool>(p: &Prepared, rows: Range<usize>, out: &mut [f64]) {
    const LANES: usize = 4;
    let (w, ext) = (p.width, p.ext);
    let first = rows.start;
    let colour = colour(p);
    for r in rows {
        for c in (0..w).step_by(LANES) {
            let results = if EXACT && (c < ext || c + LANES + ext > w) {
                avx2_block::<D, EXACT, true>(p, colour, r, c)
            } else {
                avx2_block::<D, EXACT, false>(p, colour, r, c)
            };
            store_block(out, ((r - first) * w + c) * D, LANES.min(w - c), &results);
        }
    }
}

/// Output pixels `c .. c + 4` of row `r`: [`avx512_block`] on 4 lanes.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn avx2_block<const D: usize, const EXACT: bool, const MASK: bool>(
    p: &Prepared,
    colour: Colour<'_>,
    r: usize,
    c: usize,
) -> [[f64; 4]; D] {
    let (win, stride) = (p.win, p.stride);
    let centre_at = (r - p.base + p.ext) * stride + c + p.ext;
    // SAFETY (all loads below): as in `avx512_block`, the padding keeps
    // columns c .. c + win + 3 of rows r .. r + win inside the plane.
    let centre: [__m256d; D] =
        std::array::from_fn(|d| unsafe { _mm256_loadu_pd(p.planes[d].as_ptr().add(centre_at)) });
    let mut total = [_mm256_setzero_pd(); D];
    let mut total_weight = _mm256_setzero_pd();
    for kr in p.window_rows(r) {
        let row_at = (r - p.base + kr) * stride + c;
        for kc in 0..win {
            let at = row_at + kc;
            let value: [__m256d; D] =
                std::array::from_fn(|d| unsafe { _mm256_loadu_pd(p.planes[d].as_ptr().add(at)) });
            // Starts at t0², not 0 + t0²: the same number, one addition fewer.
            let t0 = _mm256_sub_pd(centre[0], value[0]);
            let mut dist2 = _mm256_mul_pd(t0, t0);
            for d in 1..D {
                let t = _mm256_sub_pd(centre[d], value[d]);
                dist2 = if EXACT {
                    _mm256_fmadd_pd(t, t, dist2)
                } else {
                    _mm256_add_pd(dist2, _mm256_mul_pd(t, t))
                };
            }
            let colour_weight = if EXACT {
                exp2_neg_avx2(_mm256_mul_pd(dist2, _mm256_set1_pd(colour.k)))
            } else {
                let x = _mm256_mul_pd(_mm256_sqrt_pd(dist2), _mm256_set1_pd(colour.dist_scale));
                let bin = _mm256_cvttpd_epi32(_mm256_min_pd(x, _mm256_set1_pd(colour.max_bin)));
                // SAFETY: 0 <= bin <= bins - 1 < lut.len().
                unsafe { _mm256_i32gather_pd::<8>(colour.lut.as_ptr().cast(), bin) }
            };
            let mut weight = _mm256_mul_pd(_mm256_set1_pd(p.spatial[kr * win + kc]), colour_weight);
            if MASK {
                let mask = p.column_mask.as_deref().unwrap_or_default();
                weight = _mm256_mul_pd(weight, unsafe {
                    _mm256_loadu_pd(mask.as_ptr().add(c + kc))
                });
            }
            for d in 0..D {
                total[d] = if EXACT {
                    _mm256_fmadd_pd(value[d], weight, total[d])
                } else {
                    _mm256_add_pd(total[d], _mm256_mul_pd(value[d], weight))
                };
            }
            total_weight = _mm256_add_pd(total_weight, weight);
        }
    }
    let mut results = [[0.0; 4]; D];
    for d in 0..D {
        // SAFETY: results[d] holds exactly 4 doubles.
        unsafe {
            _mm256_storeu_pd(
                results[d].as_mut_ptr(),
                _mm256_div_pd(total[d], total_weight),
            )
        };
    }
    results
}

/// 2^(-y) on 4 lanes: [`super::exp2_neg`]'s steps with fused multiply-adds
/// (AVX2 has no `scalef`: 2^n is built in the exponent bits as in the scalar code).
#[inline]
#[target_feature(enable = "avx2,fma")]
fn exp2_neg_avx2(y: __m256d) -> __m256d {
    let x = _mm256_sub_pd(
        _mm256_setzero_pd(),
        _mm256_min_pd(y, _mm256_set1_pd(EXP2_MAX)),
    );
    let n = _mm256_round_pd::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(x);
    let f = _mm256_sub_pd(x, n);
    let a = EXP2_COEFFS.map(|c| _mm256_set1_pd(c));
    let q = |i: usize| _mm256_fmadd_pd(a[i + 1], f, a[i]);
    let f2 = _mm256_mul_pd(f, f);
    let f4 = _mm256_mul_pd(f2, f2);
    let r0 = _mm256_fmadd_pd(q(2), f2, q(0));
    let r1 = _mm256_fmadd_pd(q(6), f2, q(4));
    let r2 = _mm256_fmadd_pd(q(10), f2, q(8));
    let poly = _mm256_fmadd_pd(r2, _mm256_mul_pd(f4, f4), _mm256_fmadd_pd(r1, f4, r0));
    let two_n = _mm256_slli_epi64::<52>(_mm256_castpd_si256(_mm256_add_pd(
        n,
        _mm256_set1_pd(EXP_BIAS),
    )));
    _mm256_mul_pd(poly, _mm256_castsi256_pd(two_n))
}
