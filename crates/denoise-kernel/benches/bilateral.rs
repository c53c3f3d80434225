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
//! It ends with one table: each variant against the naive port and imageproc,
//! measured in the same run.
//!
//!     cargo bench -p denoise-kernel

use std::path::Path;

use criterion::{BenchmarkId, Criterion};

// The table both workshop benchmarks end with, kept beside the pi benchmark.
#[path = "../../pi-kernel/benches/ratio_table/mod.rs"]
mod ratio_table;
use denoise_kernel::naive::bilateral_naive;
use denoise_kernel::noisy::{self, SIZES};
use denoise_kernel::{
    BilateralParams, Flavour, FloatImage, SimdPath, bilateral_par, bilateral_with_path,
};
use imageproc::filter::bilateral::{GaussianEuclideanColorDistance, bilateral_filter};
use ratio_table::RatioTable;

const NAIVE: &str = "naive-port";
const IMAGEPROC: &str = "imageproc";

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
    RatioTable::configure(&mut group);
    let mut table = RatioTable::default();
    table.bench(
        &mut group,
        BenchmarkId::new("skimage", format!("{best:?}")),
        &format!("skimage, {best:?}"),
        || bilateral_with_path(&image, &skimage, best).unwrap(),
    );
    table.bench(
        &mut group,
        BenchmarkId::new("exact", format!("{best:?}")),
        &format!("exact, {best:?}"),
        || bilateral_with_path(&image, &exact, best).unwrap(),
    );
    for path in SimdPath::available() {
        if path != best {
            table.bench(
                &mut group,
                BenchmarkId::new("skimage", format!("{path:?}")),
                &format!("skimage, {path:?}"),
                || bilateral_with_path(&image, &skimage, path).unwrap(),
            );
        }
    }
    let threads = rayon::current_num_threads();
    table.bench(
        &mut group,
        BenchmarkId::new("skimage-rayon", format!("{threads}-threads")),
        &format!("skimage-rayon, {threads} threads"),
        || bilateral_par(&image, &skimage).unwrap(),
    );
    table.bench(
        &mut group,
        BenchmarkId::from_parameter(NAIVE),
        NAIVE,
        || bilateral_naive(&image, &skimage).unwrap(),
    );
    table.bench(
        &mut group,
        BenchmarkId::from_parameter(IMAGEPROC),
        IMAGEPROC,
        || {
            bilateral_filter(
                &noisy_u8,
                9,
                3.0,
                GaussianEuclideanColorDistance::new(0.1 * 255.0),
            )
        },
    );
    group.finish();
    table.print("640×480 RGB photo", &[NAIVE, IMAGEPROC]);
}

// criterion_main! would let criterion's command line switch the comparison back on.
fn main() {
    let mut criterion = ratio_table::criterion();
    bench(&mut criterion);
    criterion.final_summary();
}
