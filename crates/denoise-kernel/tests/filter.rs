//! The filter's behaviour: the Exact flavour against a brute-force oracle,
//! every SIMD path against the scalar one, edge cases and bad parameters.

use denoise_kernel::naive::bilateral_naive;
use denoise_kernel::{
    BilateralParams, DenoiseError, Flavour, FloatImage, SimdPath, bilateral, bilateral_image,
    bilateral_par, bilateral_u8, bilateral_with_path,
};
use image::{ImageBuffer, Rgb, Rgba};

/// A reproducible test image with smooth areas, an edge and some noise.
fn test_image(width: usize, height: usize, channels: usize, has_alpha: bool) -> FloatImage {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut data = Vec::with_capacity(width * height * channels);
    for r in 0..height {
        for c in 0..width {
            for d in 0..channels {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                let noise = (state >> 11) as f64 / (1u64 << 53) as f64 * 0.2;
                let edge = if c * 3 > width + r { 0.6 } else { 0.1 };
                data.push((edge + 0.05 * d as f64 + noise).min(1.0));
            }
        }
    }
    FloatImage::new(width, height, channels, has_alpha, data).unwrap()
}

/// The textbook bilateral filter, written the obvious way.
#[allow(clippy::needless_range_loop)]
fn oracle(image: &FloatImage, sigma_color: f64, sigma_spatial: f64, win: usize) -> FloatImage {
    let (w, h, ch) = (image.width as isize, image.height as isize, image.channels);
    let dims = image.colour_channels();
    let ext = (win as isize - 1) / 2;
    let at = |r: isize, c: isize| &image.data[(r * w + c) as usize * ch..][..ch];
    let mut out = image.clone();
    for r in 0..h {
        for c in 0..w {
            let centre = at(r, c);
            let (mut sums, mut total) = (vec![0.0; dims], 0.0);
            for dr in -ext..=ext {
                for dc in -ext..=ext {
                    let (rr, cc) = (r + dr, c + dc);
                    if rr < 0 || rr >= h || cc < 0 || cc >= w {
                        continue;
                    }
                    let v = at(rr, cc);
                    let dist2: f64 = (0..dims).map(|d| (centre[d] - v[d]).powi(2)).sum();
                    let weight = (-((dr * dr + dc * dc) as f64)
                        / (2.0 * sigma_spatial * sigma_spatial))
                        .exp()
                        * (-dist2 / (2.0 * sigma_color * sigma_color)).exp();
                    for d in 0..dims {
                        sums[d] += v[d] * weight;
                    }
                    total += weight;
                }
            }
            for d in 0..dims {
                out.data[(r * w + c) as usize * ch + d] = sums[d] / total;
            }
        }
    }
    out
}

fn max_abs_diff(a: &FloatImage, b: &FloatImage) -> f64 {
    assert_eq!(
        (a.width, a.height, a.channels),
        (b.width, b.height, b.channels)
    );
    a.data
        .iter()
        .zip(&b.data)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

fn params(flavour: Flavour, sigma_color: f64, sigma_spatial: f64) -> BilateralParams {
    BilateralParams {
        sigma_color: Some(sigma_color),
        sigma_spatial,
        flavour,
        ..BilateralParams::default()
    }
}

#[test]
fn exact_flavour_matches_the_brute_force_oracle() {
    let cases = [
        (test_image(37, 23, 3, false), 0.1, 3.0), // window 19, wider than the image is tall
        (test_image(19, 11, 1, false), 0.15, 1.5), // gray, window 11
        (test_image(13, 9, 4, true), 0.2, 1.0),   // RGBA, window 7
        (test_image(2, 3, 3, false), 0.1, 3.0),   // 2×3: the window is mostly outside
        (test_image(41, 20, 2, false), 0.05, 2.0), // two colour channels
    ];
    for (image, sc, ss) in cases {
        let p = params(Flavour::Exact, sc, ss);
        let expected = oracle(&image, sc, ss, p.window());
        for path in SimdPath::available() {
            let diff = max_abs_diff(&bilateral_with_path(&image, &p, path).unwrap(), &expected);
            assert!(
                diff <= 1e-9,
                "{}×{}×{} on {path:?}: {diff:e}",
                image.width,
                image.height,
                image.channels
            );
        }
        let diff = max_abs_diff(&bilateral_par(&image, &p).unwrap(), &expected);
        assert!(diff <= 1e-9, "parallel: {diff:e}");
    }
}

#[test]
fn every_path_gives_the_scalar_result() {
    // 53 columns: not a multiple of 8 or 4, so the last SIMD block is partial.
    let image = test_image(53, 31, 3, false);
    for flavour in [Flavour::Skimage, Flavour::Exact] {
        let p = params(flavour, 0.1, 3.0);
        let scalar = bilateral_with_path(&image, &p, SimdPath::Scalar).unwrap();
        for path in SimdPath::available() {
            let diff = max_abs_diff(&bilateral_with_path(&image, &p, path).unwrap(), &scalar);
            assert!(diff <= 1e-12, "{flavour:?} on {path:?}: {diff:e}");
        }
        let diff = max_abs_diff(&bilateral_par(&image, &p).unwrap(), &scalar);
        assert!(diff <= 1e-12, "{flavour:?} in parallel: {diff:e}");
    }
    // The scalar Skimage path is the naive port, restructured: same results.
    let p = params(Flavour::Skimage, 0.1, 3.0);
    let naive = bilateral_naive(&image, &p).unwrap();
    assert!(
        max_abs_diff(
            &bilateral_with_path(&image, &p, SimdPath::Scalar).unwrap(),
            &naive
        ) <= 1e-12
    );
}

#[test]
fn the_filter_smooths_noise() {
    let image = test_image(40, 30, 3, false);
    for flavour in [Flavour::Skimage, Flavour::Exact] {
        let out = bilateral_image(&image, &params(flavour, 0.1, 3.0)).unwrap();
        // Neighbouring pixels inside the flat right-hand area differ less after filtering.
        let roughness = |img: &FloatImage| -> f64 {
            (25..38)
                .map(|c| (img.data[(15 * 40 + c) * 3] - img.data[(15 * 40 + c + 1) * 3]).abs())
                .sum()
        };
        assert!(roughness(&out) < 0.5 * roughness(&image), "{flavour:?}");
    }
}

#[test]
fn constant_image_is_unchanged() {
    let image = FloatImage::new(9, 7, 3, false, vec![0.4; 9 * 7 * 3]).unwrap();
    for flavour in [Flavour::Skimage, Flavour::Exact] {
        assert_eq!(
            bilateral_image(&image, &params(flavour, 0.1, 3.0)).unwrap(),
            image
        );
    }
}

#[test]
fn one_pixel_images() {
    let gray = FloatImage::new(1, 1, 1, false, vec![0.3]).unwrap();
    let rgb = FloatImage::new(1, 1, 3, false, vec![0.2, 0.5, 0.9]).unwrap();
    for flavour in [Flavour::Skimage, Flavour::Exact] {
        assert_eq!(
            bilateral_image(&gray, &params(flavour, 0.1, 3.0)).unwrap(),
            gray
        );
    }
    // Exact: the only neighbour is the pixel itself.
    let out = bilateral_image(&rgb, &params(Flavour::Exact, 0.1, 3.0)).unwrap();
    assert!(max_abs_diff(&out, &rgb) <= 1e-15);
    // Skimage: 360 black neighbours outside the image pull the colour down.
    let p = params(Flavour::Skimage, 0.1, 3.0);
    let out = bilateral_image(&rgb, &p).unwrap();
    assert!(max_abs_diff(&out, &bilateral_naive(&rgb, &p).unwrap()) <= 1e-12);
    assert!(out.data.iter().zip(&rgb.data).all(|(o, i)| o < i));
}

#[test]
fn skimage_flavour_on_a_two_by_three_image() {
    let image = test_image(2, 3, 3, false);
    let p = params(Flavour::Skimage, 0.1, 3.0);
    for path in SimdPath::available() {
        let out = bilateral_with_path(&image, &p, path).unwrap();
        assert!(
            max_abs_diff(&out, &bilateral_naive(&image, &p).unwrap()) <= 1e-12,
            "{path:?}"
        );
    }
}

#[test]
fn sigma_color_defaults_to_the_image_std() {
    let image = test_image(24, 16, 3, false);
    let n = image.data.len() as f64;
    let mean = image.data.iter().sum::<f64>() / n;
    let std = (image.data.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    for flavour in [Flavour::Skimage, Flavour::Exact] {
        let default = BilateralParams {
            sigma_spatial: 2.0,
            flavour,
            ..BilateralParams::default()
        };
        let given = BilateralParams {
            sigma_color: Some(std),
            ..default.clone()
        };
        let other = BilateralParams {
            sigma_color: Some(std * 2.0),
            ..default.clone()
        };
        let out = bilateral_image(&image, &default).unwrap();
        assert!(max_abs_diff(&out, &bilateral_image(&image, &given).unwrap()) <= 1e-12);
        assert!(max_abs_diff(&out, &bilateral_image(&image, &other).unwrap()) > 1e-3);
    }
}

#[test]
fn bad_parameters_are_errors_that_name_them() {
    let image = test_image(8, 8, 3, false);
    let base = BilateralParams::workshop(Flavour::Skimage);
    let cases = [
        (
            BilateralParams {
                sigma_spatial: 0.0,
                ..base.clone()
            },
            "sigma_spatial",
        ),
        (
            BilateralParams {
                sigma_spatial: -3.0,
                ..base.clone()
            },
            "sigma_spatial",
        ),
        (
            BilateralParams {
                sigma_spatial: f64::NAN,
                ..base.clone()
            },
            "sigma_spatial",
        ),
        (
            BilateralParams {
                sigma_color: Some(0.0),
                ..base.clone()
            },
            "sigma_color",
        ),
        (
            BilateralParams {
                sigma_color: Some(-0.1),
                ..base.clone()
            },
            "sigma_color",
        ),
        (
            BilateralParams {
                sigma_color: Some(f64::NAN),
                ..base.clone()
            },
            "sigma_color",
        ),
        (
            BilateralParams {
                sigma_color: Some(f64::INFINITY),
                ..base.clone()
            },
            "sigma_color",
        ),
        (
            BilateralParams {
                win_size: Some(0),
                ..base.clone()
            },
            "win_size",
        ),
        (
            BilateralParams {
                win_size: Some(4),
                ..base.clone()
            },
            "win_size",
        ),
        (
            BilateralParams {
                bins: 0,
                ..base.clone()
            },
            "bins",
        ),
        (
            BilateralParams {
                sigma_spatial: 1e12,
                ..base.clone()
            },
            "window",
        ),
    ];
    for (p, name) in cases {
        for flavour in [Flavour::Skimage, Flavour::Exact] {
            let p = BilateralParams {
                flavour,
                ..p.clone()
            };
            match bilateral_image(&image, &p) {
                Err(DenoiseError::Parameter(m)) => assert!(m.contains(name), "{m}"),
                other => panic!("{p:?} gave {other:?}"),
            }
        }
    }
    let mut nan = image.clone();
    nan.data[5] = f64::NAN;
    assert!(
        matches!(bilateral_image(&nan, &base), Err(DenoiseError::Image(m)) if m.contains("NaN"))
    );
    let bad_shape = FloatImage {
        data: vec![0.5; 10],
        ..image.clone()
    };
    assert!(matches!(
        bilateral_image(&bad_shape, &base),
        Err(DenoiseError::Image(_))
    ));
    assert!(FloatImage::new(2, 2, 5, false, vec![0.0; 20]).is_err());
}

#[test]
fn f32_and_rgba_buffers() {
    let image = test_image(20, 12, 3, false);
    let p = BilateralParams::workshop(Flavour::Skimage);
    let expected = bilateral_image(&image, &p).unwrap();

    let f32_buffer: ImageBuffer<Rgb<f32>, Vec<f32>> =
        ImageBuffer::from_raw(20, 12, image.data.iter().map(|&v| v as f32).collect()).unwrap();
    let out = bilateral(&f32_buffer, &p).unwrap();
    let worst = out
        .as_raw()
        .iter()
        .zip(&expected.data)
        .map(|(&a, b)| (f64::from(a) - b).abs())
        .fold(0.0, f64::max);
    assert!(worst < 1e-6, "{worst:e}");

    // RGBA: the alpha channel comes back untouched, the colours as for RGB.
    let rgba: Vec<f64> = image
        .data
        .chunks(3)
        .enumerate()
        .flat_map(|(i, p)| [p[0], p[1], p[2], i as f64 / 240.0])
        .collect();
    let buffer: ImageBuffer<Rgba<f64>, Vec<f64>> =
        ImageBuffer::from_raw(20, 12, rgba.clone()).unwrap();
    let out = bilateral(&buffer, &p).unwrap();
    for ((o, i), e) in out
        .as_raw()
        .chunks(4)
        .zip(rgba.chunks(4))
        .zip(expected.data.chunks(3))
    {
        assert_eq!(o[3], i[3]);
        assert_eq!(&o[..3], e);
    }
}

#[test]
fn u8_images_are_converted_as_img_as_float() {
    let bytes: Vec<u8> = (0..6 * 5 * 3).map(|i| (i * 37 % 256) as u8).collect();
    let buffer: ImageBuffer<Rgb<u8>, Vec<u8>> = ImageBuffer::from_raw(6, 5, bytes.clone()).unwrap();
    let float = FloatImage::from_u8(&buffer);
    assert!(
        float
            .data
            .iter()
            .zip(&bytes)
            .all(|(&f, &b)| f == f64::from(b) * (1.0 / 255.0))
    );
    let p = BilateralParams::workshop(Flavour::Exact);
    assert_eq!(
        bilateral_u8(&buffer, &p).unwrap(),
        bilateral_image(&float, &p).unwrap()
    );
    // And back: every byte survives the round trip.
    assert_eq!(float.to_dynamic().to_rgb8().into_raw(), bytes);
}
