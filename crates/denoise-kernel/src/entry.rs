//! The filter's entry points: the `bilateral*` functions, one for each kind
//! of image (an `image` crate buffer, a [`FloatImage`], a decoded photo) and
//! way of running it (one core, all cores, a chosen kernel path). All of them
//! end in the banded filter of `bands.rs`.

use image::{DynamicImage, ImageBuffer, Pixel};

use crate::bands::{UnitSample, filter_in_place};
use crate::{BilateralParams, DenoiseError, FloatImage, SimdPath, read};

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
