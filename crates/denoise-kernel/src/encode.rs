//! Writing photos: the output format named by a file's extension, and the
//! PNG, TIFF and JPEG encoders, which write straight into the temporary file
//! of an atomic write.

use std::io::Write;
use std::path::Path;

use image::DynamicImage;

use crate::error::write_error;
use crate::{DenoiseError, FloatImage, OutputFile, write_atomic_with};

/// The output formats, chosen by the file's extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    Png,
    Jpeg,
    /// Uncompressed TIFF, 8 or 16 bits as the photo has them.
    Tiff,
    /// Raw float64 little-endian, `H × W × C` (the reference data's format).
    F64le,
}

impl OutputFormat {
    /// The format `path`'s extension names (any case), or an error naming the
    /// path: check it before any work, so a typo costs nothing.
    pub fn of(path: &Path) -> Result<OutputFormat, DenoiseError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        match ext.as_str() {
            "png" => Ok(OutputFormat::Png),
            "jpg" | "jpeg" => Ok(OutputFormat::Jpeg),
            "tif" | "tiff" => Ok(OutputFormat::Tiff),
            "f64le" => Ok(OutputFormat::F64le),
            _ => Err(write_error(
                path,
                "unknown output format (name it .png, .jpg, .jpeg, .tif, .tiff or .f64le)",
            )),
        }
    }
}

/// Writes a photo by `path`'s extension: `.png` or `.tif`/`.tiff` (8 or 16
/// bits, as the photo has them), `.jpg`/`.jpeg` (quality 90; 8 bits, alpha
/// dropped) or `.f64le` (its samples on the 0..1 scale, float64). The encoder writes
/// straight into the temporary file of [`write_atomic_with`], so no encoded
/// copy of the photo is ever held in memory.
pub fn save_photo(image: &DynamicImage, path: &Path) -> Result<(), DenoiseError> {
    match OutputFormat::of(path)? {
        OutputFormat::Png => write_atomic_with(path, |file| write_png(image, file)),
        OutputFormat::Tiff => write_atomic_with(path, |file| write_tiff(image, file)),
        OutputFormat::Jpeg => write_atomic_with(path, |file| {
            write_jpeg(image, 90, file).map_err(|e| e.to_string())
        }),
        OutputFormat::F64le => FloatImage::try_from_dynamic(image)?.save(path),
    }
}

/// PNG through the png crate's stream writer: the rows are filtered and
/// compressed as they are written, 16-bit samples turned big-endian (as
/// PNG stores them) one row at a time.
fn write_png(image: &DynamicImage, file: &mut OutputFile<'_>) -> Result<(), String> {
    use image::ColorType as C;
    let (colour, bits) = match image.color() {
        C::L8 => (png::ColorType::Grayscale, png::BitDepth::Eight),
        C::La8 => (png::ColorType::GrayscaleAlpha, png::BitDepth::Eight),
        C::Rgb8 => (png::ColorType::Rgb, png::BitDepth::Eight),
        C::Rgba8 => (png::ColorType::Rgba, png::BitDepth::Eight),
        C::L16 => (png::ColorType::Grayscale, png::BitDepth::Sixteen),
        C::La16 => (png::ColorType::GrayscaleAlpha, png::BitDepth::Sixteen),
        C::Rgb16 => (png::ColorType::Rgb, png::BitDepth::Sixteen),
        C::Rgba16 => (png::ColorType::Rgba, png::BitDepth::Sixteen),
        _ => return write_png(&as_8_bit(image), file),
    };
    let mut encoder = png::Encoder::new(file, image.width(), image.height());
    encoder.set_color(colour);
    encoder.set_depth(bits);
    let text = |e: png::EncodingError| e.to_string();
    let mut writer = encoder.write_header().map_err(text)?;
    let mut stream = writer.stream_writer().map_err(text)?;
    let io = |e: std::io::Error| e.to_string();
    match image {
        DynamicImage::ImageLuma16(_)
        | DynamicImage::ImageLumaA16(_)
        | DynamicImage::ImageRgb16(_)
        | DynamicImage::ImageRgba16(_) => {
            let row_samples = image.width() as usize * usize::from(image.color().channel_count());
            let samples: &[u16] = match image {
                DynamicImage::ImageLuma16(i) => i.as_raw(),
                DynamicImage::ImageLumaA16(i) => i.as_raw(),
                DynamicImage::ImageRgb16(i) => i.as_raw(),
                DynamicImage::ImageRgba16(i) => i.as_raw(),
                _ => unreachable!("matched above"),
            };
            let mut row = Vec::with_capacity(2 * row_samples);
            for samples in samples.chunks(row_samples.max(1)) {
                row.clear();
                row.extend(samples.iter().flat_map(|v| v.to_be_bytes()));
                stream.write_all(&row).map_err(io)?;
            }
        }
        _ => stream.write_all(image.as_bytes()).map_err(io)?,
    }
    stream.finish().map_err(text)
}

/// Uncompressed TIFF through the tiff crate, written strip by strip.
/// (TIFF has no gray + alpha layout that common readers take.)
fn write_tiff(image: &DynamicImage, file: &mut OutputFile<'_>) -> Result<(), String> {
    use tiff::encoder::colortype as tc;
    if image.color().bytes_per_pixel() > 2 * image.color().channel_count() {
        return write_tiff(&as_8_bit(image), file);
    }
    let text = |e: tiff::TiffError| e.to_string();
    let mut tiff = tiff::encoder::TiffEncoder::new(file).map_err(text)?;
    let (w, h) = (image.width(), image.height());
    match image {
        DynamicImage::ImageLuma8(i) => tiff.write_image::<tc::Gray8>(w, h, i.as_raw()),
        DynamicImage::ImageRgb8(i) => tiff.write_image::<tc::RGB8>(w, h, i.as_raw()),
        DynamicImage::ImageRgba8(i) => tiff.write_image::<tc::RGBA8>(w, h, i.as_raw()),
        DynamicImage::ImageLuma16(i) => tiff.write_image::<tc::Gray16>(w, h, i.as_raw()),
        DynamicImage::ImageRgb16(i) => tiff.write_image::<tc::RGB16>(w, h, i.as_raw()),
        DynamicImage::ImageRgba16(i) => tiff.write_image::<tc::RGBA16>(w, h, i.as_raw()),
        _ => {
            return Err(
                "a gray image with alpha cannot be written as TIFF here; name it .png".into(),
            );
        }
    }
    .map_err(text)
}

/// A float photo (never decoded from a file here) as 8-bit RGB or RGBA.
fn as_8_bit(image: &DynamicImage) -> DynamicImage {
    if image.color().has_alpha() {
        DynamicImage::ImageRgba8(image.to_rgba8())
    } else {
        DynamicImage::ImageRgb8(image.to_rgb8())
    }
}

/// JPEG bytes at the given quality (JPEG has 8 bits and no alpha: 16-bit
/// samples are cut to 8 bits, alpha is dropped).
pub fn encode_jpeg(image: &DynamicImage, quality: u8) -> Result<Vec<u8>, image::ImageError> {
    let mut bytes = Vec::new();
    write_jpeg(image, quality, &mut bytes)?;
    Ok(bytes)
}

/// [`encode_jpeg`], written to `out` as it is encoded.
pub fn write_jpeg(
    image: &DynamicImage,
    quality: u8,
    out: &mut dyn Write,
) -> Result<(), image::ImageError> {
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(out, quality);
    let gray = image.color().channel_count() <= 2;
    match image {
        DynamicImage::ImageLuma8(i) => i.write_with_encoder(encoder),
        DynamicImage::ImageRgb8(i) => i.write_with_encoder(encoder),
        i => {
            // An 8-bit copy without alpha is made first. image's conversion
            // cannot report a lack of memory, so the room is reserved (and
            // freed) first: a failure is then this photo's error, not an abort.
            let bytes = i.width() as usize * i.height() as usize * if gray { 1 } else { 3 };
            if Vec::<u8>::new().try_reserve_exact(bytes).is_err() {
                return Err(image::ImageError::Limits(
                    image::error::LimitError::from_kind(
                        image::error::LimitErrorKind::InsufficientMemory,
                    ),
                ));
            }
            if gray {
                i.to_luma8().write_with_encoder(encoder)
            } else {
                i.to_rgb8().write_with_encoder(encoder)
            }
        }
    }
}
