//! Makes the workshop's noisy photos: `data/noisy/noisy_000.jpg … noisy_099.jpg`
//! and `manifest.csv`, from the base photographs in `data/photos/`.
//!
//! The workshop downloaded its photos; we make them, the same bytes on every
//! machine (see `denoise_kernel::noisy`). Running it again changes nothing:
//! a file that already has the right bytes is left alone. The photos are
//! made on all cores (threads, not MPI: this is a tool, not a lesson).
//!
//! Finding them up to date is cheap: after each run a stamp file in the output
//! folder (`.make-noisy-stamp`) records the options, the recipe's version, and
//! the size and modification time of every base photo and every file written.
//! When all of these are the same the next run stops there, without decoding
//! a photo; any difference (an option, a base photo, an output edited or
//! deleted) makes it go through every photo, rewriting those whose bytes differ.
//!
//!     cargo run --release -p denoise-kernel --bin make-noisy
//!     cargo run --release -p denoise-kernel --bin make-noisy -- --count 8 --small --output /tmp/noisy

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use clap::Parser;
use denoise_kernel::noisy::{self, MANIFEST_HEADER, RECIPE, SIZES, SMALL_SIZES};
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
    let stamp_file = args.output.join(STAMP);
    if !args.force && std::fs::read_to_string(&stamp_file).ok() == Some(stamp(&args, &sources)) {
        print_summary(&args, 0, start);
        return;
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
    // Written last, from the files as they now are: a run stopped before this
    // point leaves the old stamp, which no longer matches.
    write_atomic(&stamp_file, stamp(&args, &sources).as_bytes()).unwrap_or_else(|e| fail(e));
    print_summary(&args, written, start);
}

/// The up-to-date stamp's file name, in the output folder.
const STAMP: &str = ".make-noisy-stamp";

/// What the photos depend on, and what the last run left, as one text: the
/// options and the recipe's version, then size and modification time of each
/// base photo and each output (`missing` for one that is not there). Only
/// metadata is read: no photo is opened.
fn stamp(args: &Args, sources: &[PathBuf]) -> String {
    let mut text = format!(
        "make-noisy {} recipe {RECIPE}\ncount {} small {} clean {}\n",
        env!("CARGO_PKG_VERSION"),
        args.count,
        args.small,
        args.clean
    );
    let mut outputs: Vec<PathBuf> = (0..args.count)
        .map(|i| args.output.join(format!("noisy_{i:03}.jpg")))
        .collect();
    outputs.push(args.output.join("manifest.csv"));
    if args.clean {
        outputs
            .extend((0..args.count).map(|i| args.clean_output.join(format!("clean_{i:03}.png"))));
    }
    for (kind, path) in
        (sources.iter().map(|p| ("photo", p))).chain(outputs.iter().map(|p| ("output", p)))
    {
        let seen = std::fs::metadata(path).ok().and_then(|m| {
            let mtime = m
                .modified()
                .ok()?
                .duration_since(std::time::UNIX_EPOCH)
                .ok()?;
            Some(format!("{} {}", m.len(), mtime.as_nanos()))
        });
        let seen = seen.unwrap_or_else(|| "missing".into());
        text.push_str(&format!("{kind} {} {seen}\n", path.display()));
    }
    text
}

fn print_summary(args: &Args, written: usize, start: std::time::Instant) {
    println!(
        "{} photos in {}: {written} written, {} already up to date ({:.2} s)",
        args.count,
        args.output.display(),
        args.count - written,
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
