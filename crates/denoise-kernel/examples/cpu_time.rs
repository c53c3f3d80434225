//! CPU time (not wall time) of each implementation on the benchmark's
//! 640×480 photo, and the ratios the speed targets are stated in.
//!
//! On a busy shared machine, wall-clock benchmarks measure the neighbours
//! too; the CPU time this thread actually ran (from /proc, Linux only, 10 ms
//! resolution) does not. Each figure is the best of `--repeat` runs.
//!
//!     cargo run --release -p denoise-kernel --example cpu_time [-- REPEAT]

use std::path::Path;

use denoise_kernel::naive::bilateral_naive;
use denoise_kernel::noisy::{self, SIZES};
use denoise_kernel::{BilateralParams, Flavour, FloatImage, SimdPath, bilateral_with_path};

/// User + system CPU time of the calling thread, in seconds.
fn thread_cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/thread-self/stat") else {
        eprintln!("error: this example reads CPU time from /proc/thread-self/stat (Linux only)");
        std::process::exit(1)
    };
    // Fields after the ")" closing the command name: state is field 3, utime 14, stime 15.
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0
}

fn best_of(repeat: usize, mut f: impl FnMut()) -> f64 {
    (0..repeat)
        .map(|_| {
            let start = thread_cpu_seconds();
            f();
            thread_cpu_seconds() - start
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let repeat = std::env::args()
        .nth(1)
        .map_or(5, |r| r.parse().expect("REPEAT is a number"));
    let photo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/photos/astronaut.jpg");
    let source = image::open(&photo)
        .expect("data/photos/astronaut.jpg")
        .to_rgb8();
    let plan = noisy::plan(0, &[source.dimensions()], &SIZES);
    let image = FloatImage::from_u8(&noisy::add_noise(
        &plan,
        &noisy::clean_photo(&plan, &source),
    ));
    let skimage = BilateralParams::workshop(Flavour::Skimage);
    let exact = BilateralParams::workshop(Flavour::Exact);

    let naive = best_of(repeat.min(3), || {
        drop(bilateral_naive(&image, &skimage).unwrap())
    });
    println!("640x480 RGB, CPU ms per image (best of {repeat}):");
    println!("  naive port            {:7.0}", naive * 1e3);
    for path in SimdPath::available() {
        let s = best_of(repeat, || {
            drop(bilateral_with_path(&image, &skimage, path).unwrap())
        });
        let e = best_of(repeat, || {
            drop(bilateral_with_path(&image, &exact, path).unwrap())
        });
        println!(
            "  {path:?}: skimage {:5.0}  exact {:5.0}   naive/skimage {:4.1}x  skimage/exact {:4.2}x",
            s * 1e3,
            e * 1e3,
            naive / s,
            s / e
        );
    }
}
