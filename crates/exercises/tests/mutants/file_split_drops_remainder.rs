//! A wrong answer the checker must catch: `file-split` with the workshop's own
//! `len(imgFiles)/size` files per rank, which loses files when the rank count
//! does not divide the file count.
//! Used by tests/both_directions.rs; not an exercise.

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
    // The workshop's split: len/size files each, the rest dropped.
    let per_rank = files.len() / size;
    let (begin, end) = (rank * per_rank, (rank + 1) * per_rank);
    &files[begin..end]
}
