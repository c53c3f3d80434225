//! Exercise 1 (workshop section 3.1): complete `denoise_parallel.py`. The solution.
//!
//! Every rank lists the same photos, sorted; each denoises its own share with
//! the bilateral filter, writing the result under the same name in the output
//! folder; no messages are needed for the work itself. Each photo done prints
//! `Process R: Took 0.041 seconds for noisy_000.jpg` (`Job::denoise` does that),
//! and at the end rank 0 prints `Total time 1.234 seconds`.

use std::time::Instant;

use clap::Parser;
use denoise_mpi::{Job, PhotoArgs, plan, progress_bar};
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use pi_kernel::block_range;

#[derive(Parser)]
#[command(about = "Exercise 1: denoise every *.jpg of a folder, the photos split across MPI ranks")]
struct Args {
    #[command(flatten)]
    photos: PhotoArgs,
}

fn main() {
    let args: Args = lesson_cli::parse_args();
    let universe = exercises::init(); // MPI_Init; lets ci/check see what each rank prints
    let world = universe.world();
    let (rank, size) = (world.rank(), world.size());
    let total_start = Instant::now();

    // imgFiles = os.listdir(noisyDir), the .jpg files, sorted: the same on every rank.
    let files = plan(&args.photos).unwrap_or_else(|message| lesson_cli::exit_usage(message));
    let mine = my_photos(&files, rank as usize, size as usize);
    let mut job = Job::new(
        &args.photos,
        Some(rank),
        progress_bar(mine.len(), "photos", false),
    );
    denoise_all(&mut job, mine);
    print_total(&world, total_start);
}

/// Step 1: the photos `rank` (of `size` ranks) denoises: its own contiguous
/// block of `files`, in rank order, sizes differing by at most one.
fn my_photos(files: &[String], rank: usize, size: usize) -> &[String] {
    // The workshop's len(imgFiles)/size per rank would lose the remainder.
    let block = block_range(files.len() as u64, rank as u64, size as u64);
    &files[block.start as usize..block.end as usize]
}

/// Step 2: the workshop's `loop`: denoise each of `photos` (`job.denoise(name)`
/// reads, filters, writes and prints one photo).
fn denoise_all(job: &mut Job, photos: &[String]) {
    for name in photos {
        job.denoise(name);
    }
    job.bar.finish_and_clear();
}

/// Step 3: once every rank has finished its photos, rank 0 prints
/// `Total time T seconds` (T with three decimals), since `start`.
fn print_total(world: &SimpleCommunicator, start: Instant) {
    // The job is done when its slowest rank is: wait for all of them.
    world.barrier();
    if world.rank() == 0 {
        println!("Total time {:.3} seconds", start.elapsed().as_secs_f64());
    }
}
