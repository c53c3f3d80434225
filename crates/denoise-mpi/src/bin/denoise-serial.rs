//! Exercise 1, serial: `denoise_serial.py` — denoise every photo, one after
//! the other (workshop section "Exercise 1. Embarrassingly parallel photo
//! processing").
//!
//! Each photo is independent of the others: that is what makes this loop
//! "embarrassingly parallel" (see `denoise-parallel`).
//!
//! Run: `cargo run --release -p denoise-mpi --bin denoise-serial`
//! (make the photos first: `cargo run --release -p denoise-kernel --bin make-noisy`)

use std::time::Instant;

use clap::Parser;
use denoise_mpi::{
    Job, PhotoArgs, PhotosInProgress, clean_output, exit_cleanly_on_signals, finish,
    montage_from_output, plan, progress_bar,
};

#[derive(Parser)]
#[command(
    about = "Denoise every *.jpg and *.jpeg of a folder with the bilateral filter, one photo after the other"
)]
struct Args {
    #[command(flatten)]
    photos: PhotoArgs,
    /// With --montage: make only the montage, from the first photo as already
    /// denoised in --output by an earlier run (denoises nothing)
    #[arg(long, requires = "montage")]
    montage_only: bool,
}

fn main() {
    let args: Args = lesson_cli::parse_args();
    if args.montage_only {
        match montage_from_output(&args.photos) {
            Ok(line) => println!("{line}"),
            Err(message) => lesson_cli::exit_failure(message),
        }
        return;
    }
    // ANCHOR: files
    let total_start = Instant::now();
    let files = plan(&args.photos)
        .and_then(|files| clean_output(&args.photos).map(|()| files))
        .unwrap_or_else(|message| lesson_cli::exit_usage(message));
    // ANCHOR_END: files
    // Ctrl-C: finish the write in progress, say how far we got, exit 130.
    exit_cleanly_on_signals(None, Some(files.len()));

    // ANCHOR: denoise
    let mut job = Job::new(
        &args.photos,
        None,
        progress_bar(files.len(), "photos", args.photos.progress),
    );
    let working = PhotosInProgress::start();
    for name in &files {
        job.denoise(name);
    }
    drop(working);
    job.bar.finish_and_clear();

    println!(
        "Total time {:.3} seconds",
        total_start.elapsed().as_secs_f64()
    );
    // ANCHOR_END: denoise
    std::process::exit(finish(&args.photos, &files, &[job.report]));
}
