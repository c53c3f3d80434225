//! Exercise 1 (workshop section 3.1, `denoise_parallel.py`): share the photos out.
//!
//! Every rank holds the same sorted list of file names. Each rank picks its own
//! share, a contiguous block in rank order, so that together the ranks handle
//! every file exactly once, without sending a single message: the work is
//! "embarrassingly parallel". This program makes its own list (`noisy_000.jpg`,
//! `noisy_001.jpg`, ...) instead of reading a folder, so it needs no photos.
//!
//! Your task: complete `my_files` below, then run `ci/check file-split`.
//! Careful: the workshop's `len(imgFiles)/size` files per rank loses the
//! remainder when the rank count does not divide the file count.

use clap::Parser;
use mpi::traits::*;

#[derive(Parser)]
#[command(about = "Exercise 1: each MPI rank prints the files it would denoise")]
struct Args {
    /// How many file names to share out
    #[arg(long, value_name = "N", default_value_t = 10)]
    files: usize,
}

fn main() {
    let args: Args = lesson_cli::parse_args();
    let universe = exercises::init(); // MPI_Init; lets ci/check see what each rank prints
    let world = universe.world();
    let (rank, size) = (world.rank() as usize, world.size() as usize);

    // The same sorted list on every rank, as `os.listdir` + `sort()` gives in the workshop.
    let files: Vec<String> = (0..args.files)
        .map(|i| format!("noisy_{i:03}.jpg"))
        .collect();

    for file in my_files(&files, rank, size) {
        // denoise-parallel denoises the photo here.
        println!("Process {rank}: {file}");
    }
}

/// The files that `rank` (of `size` ranks) handles: its own contiguous block of
/// `files`. Blocks go in rank order, cover every file exactly once, and their
/// sizes differ by at most one.
fn my_files(files: &[String], rank: usize, size: usize) -> &[String] {
    todo!(
        "return rank {rank}'s block &files[begin..end] of the {} files shared by {size} ranks",
        files.len()
    )
}
