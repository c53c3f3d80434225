//! [`psnr`]: how close a denoised image is to the clean original (the `psnr`
//! program prints it).

use crate::{DenoiseError, FloatImage};

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
