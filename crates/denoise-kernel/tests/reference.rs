//! The Skimage flavour against scikit-image 0.26.0's own outputs
//! (`data/reference/`, see `data/README.md`): every kernel path, the naive
//! port and the rayon entry point must match to 1e-12, borders included.

use std::path::PathBuf;

use denoise_kernel::naive::bilateral_naive;
use denoise_kernel::{
    BilateralParams, Flavour, FloatImage, SimdPath, bilateral_par, bilateral_photo,
    bilateral_with_path, bits_of, open_photo, save_photo,
};
use image::DynamicImage;

/// (case name, height, width, channels, image max) from `data/reference/meta.json`.
const CASES: [(&str, usize, usize, usize, f64); 5] = [
    ("bright_rgb_48x64", 48, 64, 3, 1.0),
    ("crop_rgb_40x56", 40, 56, 3, 0.8313725490196078),
    ("dark_rgb_32x32", 32, 32, 3, 0.4784313725490196),
    ("tiny_rgb_5x7", 5, 7, 3, 0.17254901960784313),
    ("gray_48x40", 48, 40, 1, 0.7019607843137254),
];

fn reference_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/reference")
}

fn load(name: &str, h: usize, w: usize, c: usize) -> (FloatImage, FloatImage) {
    let input = FloatImage::open(&reference_dir().join(format!("{name}_input.png"))).unwrap();
    assert_eq!(
        (input.height, input.width, input.channels),
        (h, w, c),
        "{name}: input shape"
    );
    let bytes = std::fs::read(reference_dir().join(format!("{name}_skimage.f64le"))).unwrap();
    let expected = FloatImage::from_f64le(&bytes, w, h, c, false).unwrap();
    (input, expected)
}

fn max_abs_diff(a: &FloatImage, b: &FloatImage) -> f64 {
    assert_eq!(a.data.len(), b.data.len());
    a.data
        .iter()
        .zip(&b.data)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

#[test]
fn skimage_flavour_matches_scikit_image_on_every_path() {
    let params = BilateralParams::workshop(Flavour::Skimage);
    for (name, h, w, c, max) in CASES {
        let (input, expected) = load(name, h, w, c);
        let image_max = input.data.iter().copied().fold(0.0, f64::max);
        assert_eq!(image_max, max, "{name}: max value as in meta.json");
        for path in SimdPath::available() {
            let out = bilateral_with_path(&input, &params, path).unwrap();
            let diff = max_abs_diff(&out, &expected);
            assert!(diff <= 1e-12, "{name} on {path:?}: max |diff| {diff:e}");
        }
        let diff = max_abs_diff(&bilateral_par(&input, &params).unwrap(), &expected);
        assert!(diff <= 1e-12, "{name} in parallel: max |diff| {diff:e}");
        let diff = max_abs_diff(&bilateral_naive(&input, &params).unwrap(), &expected);
        assert!(diff <= 1e-12, "{name} naive port: max |diff| {diff:e}");
    }
}

#[test]
fn a_symmetric_kernel_would_not_match() {
    // The quirks matter: the Exact flavour (symmetric kernel, no black border)
    // is far from scikit-image's output. If this failed, the reference test
    // above would prove nothing about the quirks.
    let (input, expected) = load("bright_rgb_48x64", 48, 64, 3);
    let exact = denoise_kernel::bilateral_image(&input, &BilateralParams::workshop(Flavour::Exact))
        .unwrap();
    assert!(max_abs_diff(&exact, &expected) > 0.01);
}

/// (case name, height, width, channels, image max) from `data/reference/meta_16bit.json`.
const CASES_16BIT: [(&str, usize, usize, usize, f64); 2] = [
    ("gray16_48x40", 48, 40, 1, 0.9941100175478752),
    ("rgb16_40x48", 40, 48, 3, 1.0),
];

#[test]
fn sixteen_bit_photos_are_filtered_at_full_precision_as_scikit_image_does() {
    let params = BilateralParams::workshop(Flavour::Skimage);
    for (name, h, w, c, max) in CASES_16BIT {
        let (input, expected) = load(name, h, w, c);
        assert_eq!(input.bits, 16, "{name}: read as 16-bit");
        let image_max = input.data.iter().copied().fold(0.0, f64::max);
        assert_eq!(image_max, max, "{name}: max value as in meta_16bit.json");
        for path in SimdPath::available() {
            let diff = max_abs_diff(
                &bilateral_with_path(&input, &params, path).unwrap(),
                &expected,
            );
            assert!(diff <= 1e-12, "{name} on {path:?}: max |diff| {diff:e}");
        }
        let diff = max_abs_diff(&bilateral_naive(&input, &params).unwrap(), &expected);
        assert!(diff <= 1e-12, "{name} naive port: max |diff| {diff:e}");

        // Rounded to 8 bits first (what happened before), it would not match.
        let mut eight = input.clone();
        for v in &mut eight.data {
            *v = (*v * 255.0).round() * (1.0 / 255.0);
        }
        let diff = max_abs_diff(
            &bilateral_with_path(&eight, &params, SimdPath::best()).unwrap(),
            &expected,
        );
        assert!(diff > 1e-4, "{name}: 8-bit input would differ, by {diff:e}");

        // Saved as PNG, the result stays 16-bit: within half a 16-bit step.
        let out = bilateral_with_path(&input, &params, SimdPath::best()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let png = dir.path().join("out.png");
        out.save(&png).unwrap();
        let again = FloatImage::open(&png).unwrap();
        assert_eq!(again.bits, 16);
        let diff = max_abs_diff(&again, &out);
        assert!(
            diff <= 0.5 / 65535.0 + 1e-15,
            "{name}: 16-bit PNG round trip {diff:e}"
        );
    }
}

/// The programs' path: a photo filtered in its own 8- or 16-bit samples is
/// scikit-image's float result rounded as `img_as_ubyte` / `img_as_uint`
/// round it, and its PNG (written by the stream writer) reads back the same.
#[test]
fn photos_filtered_in_their_own_samples_are_scikit_image_rounded() {
    let params = BilateralParams::workshop(Flavour::Skimage);
    let dir = tempfile::tempdir().unwrap();
    for (name, h, w, c, _) in CASES.into_iter().chain(CASES_16BIT) {
        let (_, expected) = load(name, h, w, c);
        let input = reference_dir().join(format!("{name}_input.png"));
        let mut photo = open_photo(&input, u64::MAX).unwrap();
        let bits = bits_of(&photo);
        let max = if bits == 16 { 65535.0 } else { 255.0 };
        bilateral_photo(&mut photo, &params).unwrap();
        let samples: Vec<f64> = match &photo {
            DynamicImage::ImageLuma16(i) => i.as_raw().iter().map(|&v| f64::from(v)).collect(),
            DynamicImage::ImageRgb16(i) => i.as_raw().iter().map(|&v| f64::from(v)).collect(),
            other => other.as_bytes().iter().map(|&v| f64::from(v)).collect(),
        };
        assert_eq!(samples.len(), expected.data.len(), "{name}");
        let mut ties = 0;
        for (i, (&got, &want)) in samples.iter().zip(&expected.data).enumerate() {
            let scaled = want * max;
            // Within 1e-12 of a rounding boundary, either side is right.
            if (scaled - scaled.floor() - 0.5).abs() < 1e-12 * max {
                ties += 1;
                assert!((got - scaled).abs() <= 0.5 + 1e-9, "{name}[{i}]");
                continue;
            }
            assert_eq!(got, scaled.round(), "{name}[{i}]: {bits}-bit sample");
        }
        assert!(ties * 100 < samples.len(), "{name}: {ties} near-ties");

        let png = dir.path().join(format!("{name}.png"));
        save_photo(&photo, &png).unwrap();
        let again = open_photo(&png, u64::MAX).unwrap();
        assert_eq!(again, photo, "{name}: PNG round trip");
    }
}

/// 16-bit TIFFs written by tifffile (scikit-image's TIFF plugin; one
/// zlib-compressed, one plain) hold the same samples as the 16-bit PNGs: read
/// and filtered, they match scikit-image's result to 1e-12, and a TIFF output
/// keeps 16 bits and reads back as written. Cut short, a TIFF is refused.
#[test]
fn sixteen_bit_tiffs_as_microscopes_write_them() {
    let params = BilateralParams::workshop(Flavour::Skimage);
    let dir = tempfile::tempdir().unwrap();
    for (name, h, w, c, _) in CASES_16BIT {
        let (from_png, expected) = load(name, h, w, c);
        let tif = reference_dir().join(format!("{name}_input.tif"));
        let from_tif = FloatImage::open(&tif).unwrap();
        assert_eq!(from_tif, from_png, "{name}: TIFF and PNG samples");
        let diff = max_abs_diff(&bilateral_par(&from_tif, &params).unwrap(), &expected);
        assert!(diff <= 1e-12, "{name} from TIFF: max |diff| {diff:e}");

        let mut photo = open_photo(&tif, u64::MAX).unwrap();
        assert_eq!(bits_of(&photo), 16, "{name}");
        bilateral_photo(&mut photo, &params).unwrap();
        let out = dir.path().join(format!("{name}.tiff"));
        save_photo(&photo, &out).unwrap();
        assert_eq!(
            open_photo(&out, u64::MAX).unwrap(),
            photo,
            "{name}: TIFF round trip"
        );

        let bytes = std::fs::read(&tif).unwrap();
        let cut = dir.path().join(format!("{name}_cut.tif"));
        std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
        let err = open_photo(&cut, u64::MAX).unwrap_err().to_string();
        assert!(
            err.contains("truncated TIFF data") || err.contains("corrupt TIFF data"),
            "{name}: {err}"
        );
    }
}
