//! The obvious Rust port of scikit-image's Cython loop, kept as the baseline
//! the benchmark compares the fast kernel with.
//!
//! It reads the interleaved image directly, tests every neighbour against the
//! image border and lets Rust bounds-check every read. It computes the same
//! bits as [`Flavour::Skimage`](crate::Flavour::Skimage) for images with
//! values in `0..` and no alpha channel (all channels are filtered here).

use crate::{BilateralParams, DenoiseError, FloatImage, skimage_colour_lut, skimage_spatial_lut};

/// scikit-image's `_denoise_bilateral`, line for line (mode `constant`, cval 0).
// Indexed loops on purpose: they mirror the Cython source.
#[allow(clippy::needless_range_loop)]
pub fn bilateral_naive(
    image: &FloatImage,
    params: &BilateralParams,
) -> Result<FloatImage, DenoiseError> {
    params.check()?;
    image.check()?;
    let (rows, cols, dims) = (image.height as isize, image.width as isize, image.channels);
    let min = image.data.iter().copied().fold(f64::INFINITY, f64::min);
    let max_value = image.data.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if min == max_value {
        return Ok(image.clone());
    }
    let n = image.data.len() as f64;
    let mean = image.data.iter().sum::<f64>() / n;
    let std = (image
        .data
        .iter()
        .map(|v| (v - mean) * (v - mean))
        .sum::<f64>()
        / n)
        .sqrt();
    let sigma_color = params.sigma_color.unwrap_or(std);
    let win = params.window();
    let ext = (win as isize - 1) / 2;
    let color_lut = skimage_colour_lut(params.bins, sigma_color, max_value);
    let range_lut = skimage_spatial_lut(win, params.sigma_spatial);
    let dist_scale = (params.bins / dims) as f64 / max_value;

    let pixel = |r: isize, c: isize, d: usize| -> f64 {
        if r < 0 || r >= rows || c < 0 || c >= cols {
            0.0 // cval
        } else {
            image.data[(r * cols + c) as usize * dims + d]
        }
    };
    let mut out = image.clone();
    let mut values = vec![0.0; dims];
    let mut total_values = vec![0.0; dims];
    for r in 0..rows {
        for c in 0..cols {
            let mut total_weight = 0.0;
            total_values.fill(0.0);
            for wr in -ext..=ext {
                for wc in -ext..=ext {
                    let mut dist = 0.0;
                    for d in 0..dims {
                        values[d] = pixel(r + wr, c + wc, d);
                        let t = pixel(r, c, d) - values[d];
                        dist += t * t;
                    }
                    let dist = f64::sqrt(dist);
                    let range_weight = range_lut[((wr + ext) * win as isize + wc + ext) as usize];
                    let bin = ((dist * dist_scale) as usize).min(params.bins - 1);
                    let weight = range_weight * color_lut[bin];
                    for d in 0..dims {
                        total_values[d] += values[d] * weight;
                    }
                    total_weight += weight;
                }
            }
            for d in 0..dims {
                out.data[(r * cols + c) as usize * dims + d] = total_values[d] / total_weight;
            }
        }
    }
    Ok(out)
}
