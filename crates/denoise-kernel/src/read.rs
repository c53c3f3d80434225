//! Reading a photo strictly: by its content, not its name; whole or not at
//! all; and only if it fits in memory.
//!
//! 1. The format comes from the first bytes (a PNG named `.jpg` is read as a
//!    PNG, as scikit-image does); JPEG, PNG and TIFF are read, any other
//!    format is refused by name.
//! 2. The declared size is checked against a pixel limit *before* anything
//!    big is allocated, and the buffers are reserved with `try_reserve`, so a
//!    huge photo is one error line instead of an abort of the whole job.
//! 3. A JPEG is checked by [`crate::jpeg_check`] and decoded with
//!    zune-jpeg in strict mode (the image crate turns strict mode off, and
//!    then a cut or damaged file decodes to grey blocks without a word).
//! 4. A PNG or TIFF is decoded as it is read from the file, into a buffer
//!    reserved here: the decoded photo exists once, and nothing else of its size.

use std::io::{BufRead, BufReader, Read, Seek};
use std::path::Path;

use image::{DynamicImage, ImageBuffer, ImageDecoder, ImageFormat};
use zune_core::bytestream::ZCursor;
use zune_core::colorspace::ColorSpace;
use zune_core::options::DecoderOptions;

use crate::DenoiseError;
use crate::error::file_error;
use crate::jpeg_check::{JpegProblem, check_jpeg};

/// About how many bytes the whole pipeline (decode, filter, encode) needs for
/// one value of a photo with samples of `sample_bytes` bytes: the file's
/// bytes (at most about the decoded size) and the decoded samples, which are
/// filtered in place; the filter's bands and the encoder add a constant
/// [`PIPELINE_BYTES`]. Measured with `scripts/peak_memory.sh`: 6.3 bytes per
/// 8-bit RGB pixel on a 4000×3000 photo (this says 6 + 2.8). A `.f64le`
/// output needs the float64 copy as well, 8 bytes a value more.
pub fn bytes_per_value(sample_bytes: u64) -> u64 {
    2 * sample_bytes
}

/// What the pipeline needs whatever the photo's size: one band of padded
/// planes and its results (see the filter), the encoder's buffers.
pub const PIPELINE_BYTES: u64 = 34 << 20;

/// Bytes needed to denoise a `width × height` photo of `channels` samples of
/// `sample_bytes` bytes each (see [`bytes_per_value`]).
pub fn bytes_needed(width: u64, height: u64, channels: u64, sample_bytes: u64) -> u64 {
    (width * height)
        .saturating_mul(channels)
        .saturating_mul(bytes_per_value(sample_bytes))
        .saturating_add(PIPELINE_BYTES)
}

/// The default `--max-pixels`: the largest 8-bit RGB photo whose filtering
/// fits in half of this machine's memory (the other half is left to the
/// system and to other ranks); 100 megapixels where the memory is unknown.
pub fn default_max_pixels() -> u64 {
    let total = std::fs::read_to_string("/proc/meminfo").ok().and_then(|m| {
        let line = m.lines().find(|l| l.starts_with("MemTotal:"))?;
        line.split_whitespace().nth(1)?.parse::<u64>().ok()
    });
    match total {
        Some(kib) => (kib * 1024 / 2).saturating_sub(PIPELINE_BYTES) / bytes_per_value(1) / 3,
        None => 100_000_000,
    }
}

/// A vector of `n` copies of `value`, or an error if the memory is not there
/// (a plain `vec!` would abort the process).
pub(crate) fn try_vec<T: Clone>(n: usize, value: T) -> Result<Vec<T>, DenoiseError> {
    let mut v = Vec::new();
    v.try_reserve_exact(n)
        .map_err(|_| out_of_memory(n * size_of::<T>()))?;
    v.resize(n, value);
    Ok(v)
}

pub(crate) fn out_of_memory(bytes: usize) -> DenoiseError {
    DenoiseError::Image(format!(
        "not enough memory: {} more were needed (try fewer ranks per machine, or a smaller photo)",
        gigabytes(bytes as u64)
    ))
}

fn gigabytes(bytes: u64) -> String {
    if bytes < 1_000_000_000 {
        format!("{:.0} MB", (bytes as f64 / 1e6).ceil())
    } else {
        format!("{:.1} GB", bytes as f64 / 1e9)
    }
}

/// Reads and decodes the image file at `path` (see the module docs).
///
/// A PNG is decoded as it is read from the file (its compressed bytes are
/// about as large as the image itself, so holding them too would double the
/// memory); a JPEG, a tenth of that, is read whole first.
pub(crate) fn decode_file(path: &Path, max_pixels: u64) -> Result<DynamicImage, DenoiseError> {
    let io = |e| io_error(path, e);
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut start = Vec::with_capacity(16);
    (&mut file).take(16).read_to_end(&mut start).map_err(io)?;
    let fail = |m: String| file_error(path, m);
    match image::guess_format(&start) {
        Ok(ImageFormat::Png) => {
            file.rewind().map_err(io)?;
            decode_png(BufReader::new(file), max_pixels).map_err(fail)
        }
        Ok(ImageFormat::Tiff) => {
            file.rewind().map_err(io)?;
            decode_tiff(BufReader::new(file), max_pixels).map_err(fail)
        }
        Ok(ImageFormat::Jpeg) => {
            let mut bytes = start;
            file.read_to_end(&mut bytes).map_err(io)?;
            decode_jpeg(&bytes, max_pixels).map_err(fail)
        }
        Ok(other) => Err(fail(format!(
            "a {} image, not a JPEG, PNG or TIFF; convert it first",
            other
                .extensions_str()
                .first()
                .unwrap_or(&"?")
                .to_uppercase()
        ))),
        Err(_) if start.is_empty() => Err(fail("empty file (0 bytes), not a photo".into())),
        Err(_) => Err(fail(format!(
            "not a JPEG, PNG or TIFF image (it starts with {})",
            start
                .iter()
                .take(8)
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(" ")
        ))),
    }
}

/// An error opening or reading `path`; a broken or looping symbolic link says so.
fn io_error(path: &Path, e: std::io::Error) -> DenoiseError {
    let link = std::fs::symlink_metadata(path).is_ok_and(|m| m.is_symlink());
    let message = match (link, e.raw_os_error()) {
        (true, Some(40)) => "symbolic link loop (ELOOP)".to_owned(),
        (true, _) if e.kind() == std::io::ErrorKind::NotFound => {
            let target = std::fs::read_link(path).unwrap_or_default();
            format!("broken symbolic link: {} does not exist", target.display())
        }
        _ => e.to_string(),
    };
    file_error(path, message)
}

/// Refuses a photo larger than the limit, naming its size and memory need.
fn check_size(
    width: u64,
    height: u64,
    channels: u64,
    sample_bytes: u64,
    max_pixels: u64,
) -> Result<(), String> {
    if width * height > max_pixels {
        return Err(format!(
            "{width}x{height} pixels needs about {}, over the limit {max_pixels} (--max-pixels)",
            gigabytes(bytes_needed(width, height, channels, sample_bytes))
        ));
    }
    Ok(())
}

fn decode_jpeg(bytes: &[u8], max_pixels: u64) -> Result<DynamicImage, String> {
    let options = DecoderOptions::default()
        .set_strict_mode(true)
        .set_max_width(usize::MAX)
        .set_max_height(usize::MAX);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    decoder.decode_headers().map_err(jpeg_error)?;
    let (w, h) = decoder.dimensions().expect("headers decoded");
    let gray = matches!(decoder.input_colorspace(), Some(ColorSpace::Luma));
    let channels = if gray { 1 } else { 3 };
    check_size(w as u64, h as u64, channels, 1, max_pixels)?;
    match check_jpeg(bytes) {
        Ok(()) => {}
        Err(JpegProblem::Truncated(why)) => return Err(format!("truncated JPEG data ({why})")),
        Err(JpegProblem::Corrupt(why)) => return Err(format!("corrupt JPEG data ({why})")),
    }
    let out = if gray {
        ColorSpace::Luma
    } else {
        ColorSpace::RGB
    };
    decoder.set_options(decoder.options().jpeg_set_out_colorspace(out));
    let mut buffer = try_vec(w * h * channels as usize, 0u8).map_err(|e| e.to_string())?;
    decoder.decode_into(&mut buffer).map_err(jpeg_error)?;
    let (w, h) = (w as u32, h as u32);
    Ok(if gray {
        DynamicImage::ImageLuma8(ImageBuffer::from_raw(w, h, buffer).expect("size"))
    } else {
        DynamicImage::ImageRgb8(ImageBuffer::from_raw(w, h, buffer).expect("size"))
    })
}

fn jpeg_error(e: zune_jpeg::errors::DecodeErrors) -> String {
    let text = one_line(&e.to_string());
    if matches!(e, zune_jpeg::errors::DecodeErrors::ExhaustedData) || text.contains("end of") {
        format!("truncated JPEG data ({text})")
    } else {
        format!("corrupt JPEG data ({text})")
    }
}

fn decode_png(file: impl BufRead + Seek, max_pixels: u64) -> Result<DynamicImage, String> {
    let decoder = image::codecs::png::PngDecoder::new(file).map_err(png_error)?;
    let (w, h) = decoder.dimensions();
    let colour = decoder.color_type();
    let channels = u64::from(colour.channel_count());
    let sample_bytes = u64::from(colour.bytes_per_pixel()) / channels;
    check_size(
        u64::from(w),
        u64::from(h),
        channels,
        sample_bytes,
        max_pixels,
    )?;
    use image::ColorType as C;
    let image = if sample_bytes == 2 {
        // 16-bit samples, read straight into a u16 buffer (native-endian).
        let mut samples =
            try_vec(decoder.total_bytes() as usize / 2, 0u16).map_err(|e| e.to_string())?;
        decoder
            .read_image(bytemuck::cast_slice_mut(&mut samples))
            .map_err(png_error)?;
        match colour {
            C::L16 => ImageBuffer::from_raw(w, h, samples).map(DynamicImage::ImageLuma16),
            C::La16 => ImageBuffer::from_raw(w, h, samples).map(DynamicImage::ImageLumaA16),
            C::Rgb16 => ImageBuffer::from_raw(w, h, samples).map(DynamicImage::ImageRgb16),
            C::Rgba16 => ImageBuffer::from_raw(w, h, samples).map(DynamicImage::ImageRgba16),
            other => return Err(format!("PNG of unsupported colour type {other:?}")),
        }
    } else {
        let mut buffer = try_vec(decoder.total_bytes() as usize, 0u8).map_err(|e| e.to_string())?;
        decoder.read_image(&mut buffer).map_err(png_error)?;
        match colour {
            C::L8 => ImageBuffer::from_raw(w, h, buffer).map(DynamicImage::ImageLuma8),
            C::La8 => ImageBuffer::from_raw(w, h, buffer).map(DynamicImage::ImageLumaA8),
            C::Rgb8 => ImageBuffer::from_raw(w, h, buffer).map(DynamicImage::ImageRgb8),
            C::Rgba8 => ImageBuffer::from_raw(w, h, buffer).map(DynamicImage::ImageRgba8),
            other => return Err(format!("PNG of unsupported colour type {other:?}")),
        }
    };
    image.ok_or_else(|| "PNG data of the wrong size".to_owned())
}

/// A TIFF of 8 or 16-bit unsigned samples, gray or RGB, with or without
/// alpha, its samples side by side (the common "chunky" layout), one page (a
/// stack of pages is refused rather than cut to its first). Decoded by the
/// tiff crate into a buffer we reserve, so the decoded photo exists once.
fn decode_tiff(file: impl Read + Seek, max_pixels: u64) -> Result<DynamicImage, String> {
    use tiff::ColorType as T;
    use tiff::decoder::{Decoder, DecodingResult, Limits};
    use tiff::tags::Tag;
    let text = |e: tiff::TiffError| tiff_error(&e);
    // Our own size check replaces the decoder's limits (256 MB by default).
    let mut decoder = Decoder::new(file)
        .map_err(text)?
        .with_limits(Limits::unlimited());
    if decoder.more_images() {
        return Err("a TIFF of several pages (a stack); only one-page TIFFs are filtered: split it into one file per page first".into());
    }
    let (w, h) = decoder.dimensions().map_err(text)?;
    // SampleFormat has one value per channel (1: unsigned integer, the default).
    let formats = decoder
        .find_tag_unsigned_vec::<u16>(Tag::SampleFormat)
        .map_err(text)?;
    if formats.unwrap_or_default().iter().any(|&f| f != 1) {
        return Err("a TIFF of signed or float samples; only unsigned 8 or 16-bit ones can be filtered: convert it first".into());
    }
    let colour = decoder.colortype().map_err(text)?;
    let (channels, bits) = match colour {
        T::Gray(b @ (8 | 16)) => (1, b),
        T::GrayA(b @ (8 | 16)) => (2, b),
        T::RGB(b @ (8 | 16)) => (3, b),
        T::RGBA(b @ (8 | 16)) => (4, b),
        other => {
            return Err(format!(
                "a TIFF of {other:?} pixels (colour type, bits per sample); only 8 or 16-bit gray or RGB (with or without alpha) can be filtered: convert it first"
            ));
        }
    };
    let planar = decoder
        .find_tag_unsigned::<u16>(Tag::PlanarConfiguration)
        .map_err(text)?;
    if planar == Some(2) {
        return Err("a planar TIFF (one plane per channel); only interleaved ones are read: convert it first".into());
    }
    check_size(
        u64::from(w),
        u64::from(h),
        channels,
        u64::from(bits / 8),
        max_pixels,
    )?;
    let samples = w as usize * h as usize * channels as usize;
    let mut result = if bits == 8 {
        DecodingResult::U8(try_vec(samples, 0u8).map_err(|e| e.to_string())?)
    } else {
        DecodingResult::U16(try_vec(samples, 0u16).map_err(|e| e.to_string())?)
    };
    decoder.read_image_to_buffer(&mut result).map_err(text)?;
    let image = match (result, channels) {
        (DecodingResult::U8(v), 1) => ImageBuffer::from_raw(w, h, v).map(DynamicImage::ImageLuma8),
        (DecodingResult::U8(v), 2) => ImageBuffer::from_raw(w, h, v).map(DynamicImage::ImageLumaA8),
        (DecodingResult::U8(v), 3) => ImageBuffer::from_raw(w, h, v).map(DynamicImage::ImageRgb8),
        (DecodingResult::U8(v), _) => ImageBuffer::from_raw(w, h, v).map(DynamicImage::ImageRgba8),
        (DecodingResult::U16(v), 1) => {
            ImageBuffer::from_raw(w, h, v).map(DynamicImage::ImageLuma16)
        }
        (DecodingResult::U16(v), 2) => {
            ImageBuffer::from_raw(w, h, v).map(DynamicImage::ImageLumaA16)
        }
        (DecodingResult::U16(v), 3) => ImageBuffer::from_raw(w, h, v).map(DynamicImage::ImageRgb16),
        (DecodingResult::U16(v), _) => {
            ImageBuffer::from_raw(w, h, v).map(DynamicImage::ImageRgba16)
        }
        _ => None,
    };
    image.ok_or_else(|| "TIFF data of the wrong size".to_owned())
}

fn tiff_error(e: &tiff::TiffError) -> String {
    let text = one_line(&e.to_string());
    let cut =
        matches!(e, tiff::TiffError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof);
    if cut || text.contains("end of file") {
        format!("truncated TIFF data ({text})")
    } else {
        format!("corrupt TIFF data ({text})")
    }
}

fn png_error(e: image::ImageError) -> String {
    let text = one_line(&e.to_string());
    if text.contains("EOF") || text.contains("eof") || text.contains("end of") {
        format!("truncated PNG data ({text})")
    } else {
        format!("corrupt PNG data ({text})")
    }
}

/// A message on one line: its non-blank lines, trimmed, joined by ": ".
pub(crate) fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(": ")
}
