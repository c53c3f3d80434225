//! Makes the workshop's noisy photos: `data/noisy/noisy_000.jpg … noisy_099.jpg`
//! and `manifest.csv`, from the base photographs in `data/photos/`.
//!
//! The workshop downloaded its photos; we make them, the same bytes on every
//! machine (see `denoise_kernel::noisy`). Running it again changes nothing:
//! a file that already has the right bytes is left alone. The photos are
//! made on all cores (threads, not MPI: this is a tool, not a lesson).
//!
//!     cargo run --release -p denoise-kernel --bin make-noisy
//!     cargo run --release -p denoise-kernel --bin make-noisy -- --count 8 --small --output /tmp/noisy

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use clap::Parser;
use denoise_kernel::noisy::{self, MANIFEST_HEADER, SIZES, SMALL_SIZES};
use denoise_kernel::{FloatImage, open_photo, write_atomic};
use lesson_cli::{exit_failure, exit_usage, parse_args};

#[derive(Parser)]
#[command(about = "Make the workshop's noisy photos from the base photographs")]
struct Args {
    /// Number of photos to make.
    #[arg(long, default_value_t = 100)]
    count: usize,
    /// Small sizes (96×72, 64×64, 120×90) instead of 640×480, 512×512, 800×600: for tests.
    #[arg(long)]
    small: bool,
    /// Folder of base photographs (*.jpg, used in name order).
    #[arg(long, default_value = "data/photos")]
    photos: PathBuf,
    /// Folder for noisy_NNN.jpg and manifest.csv (created if missing).
    #[arg(long, default_value = "data/noisy")]
    output: PathBuf,
    /// Also write the noise-free crops, clean_NNN.png, for PSNR checks.
    #[arg(long)]
    clean: bool,
    /// Folder for the noise-free crops.
    #[arg(long, default_value = "data/clean")]
    clean_output: PathBuf,
    /// Rewrite every file, even those that already have the right bytes.
    #[arg(long)]
    force: bool,
}

fn main() {
    let args: Args = parse_args();
    let start = std::time::Instant::now();

    let mut sources: Vec<PathBuf> = std::fs::read_dir(&args.photos)
        .unwrap_or_else(|e| {
            exit_usage(format!(
                "cannot read the photo folder {}: {e}",
                args.photos.display()
            ))
        })
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("jpg")))
        .collect();
    sources.sort();
    if sources.is_empty() {
        exit_usage(format!("no .jpg photos in {}", args.photos.display()));
    }
    // Sizes from the file headers: the plans (which crop, what size) need only them.
    let source_sizes: Vec<_> = sources
        .iter()
        .map(|p| {
            image::image_dimensions(p).unwrap_or_else(|e| {
                exit_failure(format!("{}: cannot read image: {e}", p.display()))
            })
        })
        .collect();
    // ANCHOR: plans
    let sizes = if args.small { &SMALL_SIZES } else { &SIZES };
    let plans: Vec<_> = (0..args.count)
        .map(|index| noisy::plan(index, &source_sizes, sizes))
        .collect();
    // ANCHOR_END: plans
    // Decode the base photos that are used, each once (read strictly, as every
    // photo is: a damaged base photo is an error).
    let photos: Vec<Option<image::RgbImage>> = (0..sources.len())
        .map(|i| {
            plans.iter().any(|p| p.source == i).then(|| {
                open_photo(&sources[i], u64::MAX)
                    .unwrap_or_else(|e| exit_failure(e))
                    .to_rgb8()
            })
        })
        .collect();

    create_dir(&args.output);
    if args.clean {
        create_dir(&args.clean_output);
    }
    // ANCHOR: make
    // Each photo depends only on its own plan, so the photos are made on all
    // cores at once, the next index taken from a shared counter; the bytes are
    // the same whatever the number of threads.
    let next = AtomicUsize::new(0);
    let written = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|scope| {
        for _ in 0..threads.min(args.count) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(plan) = plans.get(index) else { break };
                    let source = photos[plan.source].as_ref().expect("decoded above");
                    let name = format!("noisy_{index:03}.jpg");
                    let jpeg = noisy::noisy_jpeg(plan, source)
                        .unwrap_or_else(|e| fail(format!("{name}: {e}")));
                    if update(&args.output.join(&name), &jpeg, args.force) {
                        written.fetch_add(1, Ordering::Relaxed);
                    }
                    if args.clean {
                        let path = args.clean_output.join(format!("clean_{index:03}.png"));
                        FloatImage::from_u8(&noisy::clean_photo(plan, source))
                            .save(&path)
                            .unwrap_or_else(|e| fail(e));
                    }
                }
            });
        }
    });
    // ANCHOR_END: make
    let written = written.into_inner();
    let kept = args.count - written;
    let mut manifest = vec![MANIFEST_HEADER.to_string()];
    for (index, plan) in plans.iter().enumerate() {
        let name = format!("noisy_{index:03}.jpg");
        let source_name = sources[plan.source]
            .file_name()
            .unwrap_or_default()
            .to_string_lossy();
        manifest.push(noisy::manifest_line(plan, &name, &source_name));
    }
    manifest.push(String::new());
    update(
        &args.output.join("manifest.csv"),
        manifest.join("\n").as_bytes(),
        args.force,
    );
    println!(
        "{} photos in {}: {written} written, {kept} already up to date ({:.2} s)",
        args.count,
        args.output.display(),
        start.elapsed().as_secs_f64()
    );
}

fn create_dir(dir: &Path) {
    if let Err(e) = std::fs::create_dir_all(dir) {
        exit_failure(format!("cannot create {}: {e}", dir.display()));
    }
}

/// Writes `bytes` to `path` unless it already holds exactly them (or `force`).
/// Returns whether the file was written.
fn update(path: &Path, bytes: &[u8], force: bool) -> bool {
    if !force && std::fs::read(path).is_ok_and(|old| old == bytes) {
        return false;
    }
    write_atomic(path, bytes).unwrap_or_else(|e| fail(e));
    true
}

/// Ends the program with one error line, once no other thread is in the middle
/// of a write: their temporary files would stay behind otherwise.
fn fail(message: impl std::fmt::Display) -> ! {
    let _no_write_in_progress = denoise_kernel::hold_writes();
    exit_failure(message)
}
