//! One 640×480 RGB noisy photo (the first of `make-noisy`'s set), filtered by
//! every implementation with the workshop's parameters (sigma_color 0.1,
//! sigma_spatial 3, 19×19 window):
//!
//! - `skimage` / `exact`: the fast kernel on one core, best SIMD path;
//! - `skimage-avx2`, `skimage-scalar`: the fallback paths (same results);
//! - `skimage-rayon`: the row-band entry point on all cores;
//! - `naive-port`: the obvious Rust port of scikit-image's loop;
//! - `imageproc`: `imageproc::filter::bilateral_filter` on the u8 image (radius
//!   9): a speed reference only, it computes a different filter (f32, clamped
//!   borders, its own weights).
//!
//!     cargo bench -p denoise-kernel --bench bilateral

use std::path::Path;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use denoise_kernel::naive::bilateral_naive;
use denoise_kernel::noisy::{self, SIZES};
use denoise_kernel::{
    BilateralParams, Flavour, FloatImage, SimdPath, bilateral_par, bilateral_with_path,
};
use imageproc::filter::bilateral::{GaussianEuclideanColorDistance, bilateral_filter};

fn bench(c: &mut Criterion) {
    let photo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/photos/astronaut.jpg");
    let source = image::open(&photo)
        .expect("data/photos/astronaut.jpg")
        .to_rgb8();
    let plan = noisy::plan(0, &[source.dimensions()], &SIZES);
    assert_eq!((plan.width, plan.height), (640, 480));
    let noisy_u8 = noisy::add_noise(&plan, &noisy::clean_photo(&plan, &source));
    let image = FloatImage::from_u8(&noisy_u8);

    let skimage = BilateralParams::workshop(Flavour::Skimage);
    let exact = BilateralParams::workshop(Flavour::Exact);
    let best = SimdPath::best();

    let mut group = c.benchmark_group("bilateral_640x480_rgb");
    group
        .sample_size(10)
        .warm_up_time(std::time::Duration::from_millis(500));
    group.bench_function(BenchmarkId::new("skimage", format!("{best:?}")), |b| {
        b.iter(|| bilateral_with_path(&image, &skimage, best).unwrap())
    });
    group.bench_function(BenchmarkId::new("exact", format!("{best:?}")), |b| {
        b.iter(|| bilateral_with_path(&image, &exact, best).unwrap())
    });
    for path in SimdPath::available() {
        if path != best {
            group.bench_function(BenchmarkId::new("skimage", format!("{path:?}")), |b| {
                b.iter(|| bilateral_with_path(&image, &skimage, path).unwrap())
            });
        }
    }
    let threads = rayon::current_num_threads();
    group.bench_function(
        BenchmarkId::new("skimage-rayon", format!("{threads}-threads")),
        |b| b.iter(|| bilateral_par(&image, &skimage).unwrap()),
    );
    group.bench_function("naive-port", |b| {
        b.iter(|| bilateral_naive(&image, &skimage).unwrap())
    });
    group.bench_function("imageproc", |b| {
        b.iter(|| {
            bilateral_filter(
                &noisy_u8,
                9,
                3.0,
                GaussianEuclideanColorDistance::new(0.1 * 255.0),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
