//! The filter in place, one band of rows at a time: it checks the image, builds
//! each flavour's weights and runs the kernel (`kernel.rs`) over the bands.
//! Every `bilateral*` entry point ends here.

use std::ops::Range;

use rayon::prelude::*;

use crate::kernel::{self, ColourWeight, Prepared};
use crate::{
    BilateralParams, DenoiseError, Flavour, SimdPath, exact_spatial_lut, read, skimage_colour_lut,
    skimage_spatial_lut,
};

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

/// Rows per rayon task: small enough to balance 2–64 threads on a photo,
/// large enough that task overhead is nothing next to the filtering.
const BAND_ROWS: usize = 4;

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
pub(crate) fn filter_in_place<S: UnitSample>(
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
