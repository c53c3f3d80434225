//! [`FloatImage`]: a photo as float64 samples on scikit-image's 0..1 scale,
//! read from and written to files, and the conversions to and from the
//! `image` crate's 8- and 16-bit images.

use std::io::Write;
use std::path::Path;

use image::{DynamicImage, ImageBuffer, Pixel};

use crate::error::file_error;
use crate::{DenoiseError, OutputFormat, read, save_photo, write_atomic_with};

/// A float64 image of `channels` interleaved values per pixel, row-major
/// (`H × W × C`, as numpy stores it). If `has_alpha`, the last channel is
/// alpha: it is carried through the filter unchanged. `bits` is the depth
/// of the file it came from (8 or 16), and the depth it is saved at.
#[derive(Clone, Debug, PartialEq)]
pub struct FloatImage {
    pub width: usize,
    pub height: usize,
    pub channels: usize,
    pub has_alpha: bool,
    pub data: Vec<f64>,
    /// Bits per sample when written to a file: 8, or 16 for PNG (from a 16-bit input).
    pub bits: u8,
}

impl FloatImage {
    /// Checks that `data` holds `width × height × channels` values.
    pub fn new(
        width: usize,
        height: usize,
        channels: usize,
        has_alpha: bool,
        data: Vec<f64>,
    ) -> Result<FloatImage, DenoiseError> {
        let image = FloatImage {
            width,
            height,
            channels,
            has_alpha,
            data,
            bits: 8,
        };
        image.check()?;
        Ok(image)
    }

    /// The checks of [`FloatImage::new`], for an image built field by field.
    pub fn check(&self) -> Result<(), DenoiseError> {
        let colour = self.channels.saturating_sub(self.has_alpha as usize);
        if !(1..=4).contains(&colour) {
            return Err(DenoiseError::Image(format!(
                "an image needs 1 to 4 colour channels, this one has {colour}"
            )));
        }
        if self.data.len() != self.width * self.height * self.channels {
            return Err(DenoiseError::Image(format!(
                "{} values do not make a {}×{} image of {} channels",
                self.data.len(),
                self.width,
                self.height,
                self.channels
            )));
        }
        Ok(())
    }

    /// Number of colour channels (those that are filtered).
    pub fn colour_channels(&self) -> usize {
        self.channels - self.has_alpha as usize
    }

    /// scikit-image's `img_as_float` of an 8-bit image: `byte * (1/255)`.
    /// (Not `byte / 255`: the two differ in the last bit for 24 byte values.)
    /// Panics when the memory is not there ([`FloatImage::open`] returns an error instead).
    pub fn from_u8<P: Pixel<Subpixel = u8>>(image: &ImageBuffer<P, Vec<u8>>) -> FloatImage {
        try_convert(image, 1.0 / 255.0, 8).unwrap_or_else(|e| panic!("{e}"))
    }

    /// scikit-image's `img_as_float` of a 16-bit image: `value * (1/65535)`,
    /// at full precision (saved again as 16 bits).
    pub fn from_u16<P: Pixel<Subpixel = u16>>(image: &ImageBuffer<P, Vec<u16>>) -> FloatImage {
        try_convert(image, 1.0 / 65535.0, 16).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Converts any decoded image: gray stays gray, alpha stays alpha,
    /// 16-bit stays 16-bit; float images are reduced to 8 bits first.
    /// Panics when the memory is not there ([`FloatImage::try_from_dynamic`] does not).
    pub fn from_dynamic(image: &DynamicImage) -> FloatImage {
        FloatImage::try_from_dynamic(image).unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`FloatImage::from_dynamic`], with an error when the memory for the
    /// float64 copy (the largest allocation of a read) is not there.
    pub fn try_from_dynamic(image: &DynamicImage) -> Result<FloatImage, DenoiseError> {
        let (byte, word) = (1.0 / 255.0, 1.0 / 65535.0);
        match image {
            DynamicImage::ImageLuma8(i) => try_convert(i, byte, 8),
            DynamicImage::ImageLumaA8(i) => try_convert(i, byte, 8),
            DynamicImage::ImageRgb8(i) => try_convert(i, byte, 8),
            DynamicImage::ImageRgba8(i) => try_convert(i, byte, 8),
            DynamicImage::ImageLuma16(i) => try_convert(i, word, 16),
            DynamicImage::ImageLumaA16(i) => try_convert(i, word, 16),
            DynamicImage::ImageRgb16(i) => try_convert(i, word, 16),
            DynamicImage::ImageRgba16(i) => try_convert(i, word, 16),
            // Float samples (the decoders never give them).
            i if i.color().channel_count() <= 2 && i.color().has_alpha() => {
                try_convert(&i.to_luma_alpha8(), byte, 8)
            }
            i if i.color().channel_count() == 1 => try_convert(&i.to_luma8(), byte, 8),
            i if i.color().has_alpha() => try_convert(&i.to_rgba8(), byte, 8),
            i => try_convert(&i.to_rgb8(), byte, 8),
        }
    }

    /// Reads a PNG, JPEG or TIFF file, strictly (see [`read`]), with the default
    /// pixel limit ([`read::default_max_pixels`]).
    pub fn open(path: &Path) -> Result<FloatImage, DenoiseError> {
        FloatImage::open_limited(path, read::default_max_pixels())
    }

    /// Reads a PNG, JPEG or TIFF file of at most `max_pixels` pixels: by its
    /// content whatever its name, refusing one that is cut short or corrupt.
    pub fn open_limited(path: &Path, max_pixels: u64) -> Result<FloatImage, DenoiseError> {
        let image = read::decode_file(path, max_pixels)?;
        // A lack of memory for the float64 copy is this photo's error, not an abort.
        FloatImage::try_from_dynamic(&image).map_err(|e| file_error(path, e))
    }

    /// Back to integer samples as scikit-image's `img_as_ubyte` (or
    /// `img_as_uint` when `bits` is 16): `round(v * max)`, clipped to `0..=max`.
    pub fn to_dynamic(&self) -> DynamicImage {
        let (w, h) = (self.width as u32, self.height as u32);
        if self.bits == 16 {
            let samples =
                self.samples(|v| (v * 65535.0).round_ties_even().clamp(0.0, 65535.0) as u16);
            match samples {
                (1, s) => DynamicImage::ImageLuma16(buffer(w, h, s)),
                (2, s) => DynamicImage::ImageLumaA16(buffer(w, h, s)),
                (3, s) => DynamicImage::ImageRgb16(buffer(w, h, s)),
                (_, s) => DynamicImage::ImageRgba16(buffer(w, h, s)),
            }
        } else {
            match self.samples(|v| (v * 255.0).round_ties_even().clamp(0.0, 255.0) as u8) {
                (1, s) => DynamicImage::ImageLuma8(buffer(w, h, s)),
                (2, s) => DynamicImage::ImageLumaA8(buffer(w, h, s)),
                (3, s) => DynamicImage::ImageRgb8(buffer(w, h, s)),
                (_, s) => DynamicImage::ImageRgba8(buffer(w, h, s)),
            }
        }
    }

    /// The samples converted by `convert`, in a layout an image file has:
    /// gray, gray + alpha, RGB or RGBA. An unusual layout keeps its first
    /// three channels (or its first one). Returns (channels, samples).
    fn samples<S>(&self, convert: impl Fn(f64) -> S) -> (usize, Vec<S>) {
        let keep = match (self.channels, self.has_alpha) {
            (1, _) | (2, true) | (3, _) | (4, true) => self.channels,
            (c, _) if c >= 3 => 3,
            _ => 1,
        };
        let samples = self
            .data
            .chunks_exact(self.channels)
            .flat_map(|p| &p[..keep])
            .map(|&v| convert(v))
            .collect();
        (keep, samples)
    }

    /// The raw result, as in `data/reference/`: float64 little-endian, H × W × C.
    pub fn to_f64le(&self) -> Vec<u8> {
        self.data.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    /// Reads raw float64 little-endian values (the reference data's format).
    pub fn from_f64le(
        bytes: &[u8],
        width: usize,
        height: usize,
        channels: usize,
        has_alpha: bool,
    ) -> Result<FloatImage, DenoiseError> {
        if !bytes.len().is_multiple_of(8) {
            return Err(DenoiseError::Image(format!(
                "{} bytes are not a whole number of float64",
                bytes.len()
            )));
        }
        let data = bytes
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")))
            .collect();
        FloatImage::new(width, height, channels, has_alpha, data)
    }

    /// Writes the image by `path`'s extension: `.png`, `.jpg`/`.jpeg`
    /// (quality 90, alpha dropped), `.tif`/`.tiff` or `.f64le` (raw float64).
    ///
    /// The bytes go to a temporary file in the same folder, which is then
    /// renamed: a reader never sees a half-written file, even if we crash.
    pub fn save(&self, path: &Path) -> Result<(), DenoiseError> {
        match OutputFormat::of(path)? {
            OutputFormat::F64le => write_atomic_with(path, |file| {
                self.data
                    .iter()
                    .try_for_each(|v| file.write_all(&v.to_le_bytes()))
                    .map_err(|e| e.to_string())
            }),
            _ => save_photo(&self.to_dynamic(), path),
        }
    }
}

/// `from_u8` / `from_u16` with the float64 buffer reserved by `try_reserve`.
fn try_convert<P: Pixel>(
    image: &ImageBuffer<P, Vec<P::Subpixel>>,
    scale: f64,
    bits: u8,
) -> Result<FloatImage, DenoiseError>
where
    P::Subpixel: Into<f64>,
{
    let mut data = Vec::new();
    data.try_reserve_exact(image.as_raw().len())
        .map_err(|_| read::out_of_memory(image.as_raw().len() * 8))?;
    data.extend(image.as_raw().iter().map(|&v| v.into() * scale));
    Ok(FloatImage {
        width: image.width() as usize,
        height: image.height() as usize,
        channels: P::CHANNEL_COUNT as usize,
        has_alpha: P::HAS_ALPHA,
        data,
        bits,
    })
}

fn buffer<P: Pixel>(w: u32, h: u32, samples: Vec<P::Subpixel>) -> ImageBuffer<P, Vec<P::Subpixel>> {
    ImageBuffer::from_raw(w, h, samples).expect("size checked by FloatImage::check")
}
