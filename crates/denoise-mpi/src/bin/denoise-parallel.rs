//! Exercise 1, parallel: `denoise_parallel.py` — the photos split across MPI
//! ranks (workshop section "Exercise 1", hands on).
//!
//! The photos are independent, so each rank can denoise its own photos and
//! nobody needs to talk during the work. Two ways to decide who does which:
//!
//! - `--schedule static` (the workshop's): rank r takes the r-th contiguous
//!   block of the sorted list, sizes differing by at most one (`block_range`).
//!   The workshop's `len(files)/size` per rank drops the remainder: 100
//!   photos on 3 ranks would leave one photo undone.
//! - `--schedule dynamic`: rank 0 hands out one photo at a time to whichever
//!   rank asks (master/worker), so a rank that got big photos simply takes
//!   fewer of them and no rank sits idle while another still has a queue.
//!
//! Run: `mpiexec -n 4 target/release/denoise-parallel --schedule dynamic`

use std::thread::sleep;
use std::time::{Duration, Instant};

use clap::Parser;
use denoise_mpi::{Job, PhotoArgs, RankReport, finish, plan, progress_bar, summary};
use mpi::Tag;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use mpi_basics::obj::{bcast_obj, gather_obj};
use pi_kernel::block_range;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Schedule {
    /// Contiguous blocks of the sorted list, decided up front
    Static,
    /// Rank 0 hands out one photo at a time, on request
    Dynamic,
}

#[derive(Parser)]
#[command(
    about = "Denoise every *.jpg of a folder with the bilateral filter, the photos split across MPI ranks"
)]
struct Args {
    #[command(flatten)]
    photos: PhotoArgs,
    /// How the photos are shared out among the ranks
    #[arg(long, value_enum, default_value_t = Schedule::Static)]
    schedule: Schedule,
}

fn main() {
    let args: Args = lesson_cli::parse_args();
    let universe = mpi_basics::init();
    let status = run(&args, &universe.world());
    // Every rank gets here, after an error too, so all of them finalise MPI
    // together and exit together: nobody waits for a rank that left.
    drop(universe);
    std::process::exit(status);
}

fn run(args: &Args, world: &SimpleCommunicator) -> i32 {
    let rank = world.rank();
    let root = world.process_at_rank(0);
    let total_start = Instant::now();

    // Rank 0 checks the folders and lists the photos, then tells every rank
    // the verdict: either the list, or an error after which all ranks stop.
    // (If each rank checked on its own, one could fail while the others went
    // on and waited for it forever in the next collective.)
    // The verdict is a `Result<Vec<String>, String>`: bcast_obj sends any
    // serde value (encoded to bytes), as mpi4py's `comm.bcast` sends any object.
    let verdict = (rank == 0).then(|| plan(&args.photos));
    let verdict = bcast_obj(&root, verdict).expect("a list of names always encodes");
    let files = match verdict {
        Ok(files) => files,
        Err(message) => {
            if rank == 0 {
                eprintln!("error: {message}");
            }
            return lesson_cli::USAGE;
        }
    };

    let report = match args.schedule {
        Schedule::Static => static_schedule(world, &args.photos, &files),
        Schedule::Dynamic => dynamic_schedule(world, &args.photos, &files),
    };

    // Rank 0 collects what each rank did and prints the closing lines.
    let reports = gather_obj(&root, &report).expect("reports always encode");
    let Some(reports) = reports else {
        return 0;
    };
    println!(
        "Total time {:.3} seconds",
        total_start.elapsed().as_secs_f64()
    );
    let schedule = format!("{:?}", args.schedule).to_lowercase();
    print!("{}", summary(&reports, files.len(), &schedule));
    finish(&args.photos, &files, &reports)
}

/// Static: rank r denoises block r of the sorted list. No messages at all.
fn static_schedule(world: &SimpleCommunicator, args: &PhotoArgs, files: &[String]) -> RankReport {
    let (rank, size) = (world.rank(), world.size());
    let mine = block_range(files.len() as u64, rank as u64, size as u64);
    // Rank 0 only knows its own share: its bar says so.
    let bar = if rank == 0 {
        progress_bar(mine.clone().count(), "rank 0's share")
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mut job = Job::new(args, Some(rank), bar);
    for i in mine {
        job.denoise(&files[i as usize]);
    }
    job.bar.finish_and_clear();
    job.report
}

/// Rank 0's answer when no photo is left.
const STOP: u64 = u64::MAX;
/// The tag of a worker's request: rank 0 looks only for these, so the reports
/// that finished workers send it afterwards (`gather_obj`) never get mixed in.
const REQUEST: Tag = 1;

/// Dynamic: master/worker, with rank 0 both handing out photos and denoising.
///
/// A worker sends rank 0 a request (the number of photos it has finished, for
/// the progress bar) and receives a photo's index, or `STOP`. It asks for its
/// next photo as soon as it *starts* one, so the answer is usually waiting
/// when it finishes.
///
/// Rank 0 answers every waiting request between two of its own photos
/// (`immediate_matched_probe` looks for a request without waiting), so it is
/// never a CPU lost to bookkeeping. When the photos run out, each worker's
/// pending request is answered with `STOP`.
fn dynamic_schedule(world: &SimpleCommunicator, args: &PhotoArgs, files: &[String]) -> RankReport {
    let rank = world.rank();
    if rank != 0 {
        let root = world.process_at_rank(0);
        let mut job = Job::new(args, Some(rank), indicatif::ProgressBar::hidden());
        root.send_with_tag(&0u64, REQUEST); // "ready"
        loop {
            let (index, _) = root.receive::<u64>();
            if index == STOP {
                return job.report;
            }
            root.send_with_tag(&u64::from(job.report.done), REQUEST); // ask for the next one already
            job.denoise(&files[index as usize]);
        }
    }

    let workers = world.size() as usize - 1;
    let mut master = Master {
        next: 0,
        files: files.len(),
        stopped: 0,
        finished_by: vec![0; workers + 1],
    };
    let mut job = Job::new(
        args,
        Some(0),
        progress_bar(files.len(), "photos (all ranks)"),
    );
    // Every worker asks at once when it starts: answer them all before the
    // first photo of rank 0, so nobody waits for it.
    for worker in 1..world.size() {
        let (message, _) = world
            .process_at_rank(worker)
            .matched_probe_with_tag(REQUEST);
        master.answer(world, message, worker);
    }
    loop {
        while let Some((message, status)) = world
            .any_process()
            .immediate_matched_probe_with_tag(REQUEST)
        {
            master.answer(world, message, status.source_rank());
        }
        let Some(index) = master.take() else { break };
        job.denoise(&files[index]);
        master.finished_by[0] = u64::from(job.report.done);
        job.bar.set_position(master.finished_by.iter().sum());
    }
    // No photo left: tell each worker to stop when it asks for its next one.
    // Check every millisecond instead of blocking in a receive, which in
    // MPICH spins on a core that the workers still need.
    while master.stopped < workers {
        match world
            .any_process()
            .immediate_matched_probe_with_tag(REQUEST)
        {
            Some((message, status)) => master.answer(world, message, status.source_rank()),
            None => sleep(Duration::from_millis(1)),
        }
        job.bar.set_position(master.finished_by.iter().sum());
    }
    job.bar.finish_and_clear();
    job.report
}

/// Rank 0's bookkeeping in the dynamic schedule.
struct Master {
    /// The next photo nobody has taken yet.
    next: usize,
    files: usize,
    /// Workers already sent `STOP`.
    stopped: usize,
    /// Photos finished by each rank, as last reported (progress bar).
    finished_by: Vec<u64>,
}

impl Master {
    /// Hands out the next photo, if any is left.
    fn take(&mut self) -> Option<usize> {
        (self.next < self.files).then(|| {
            self.next += 1;
            self.next - 1
        })
    }

    /// Receives a worker's request and answers with a photo's index or `STOP`.
    fn answer(
        &mut self,
        world: &SimpleCommunicator,
        request: mpi::point_to_point::Message,
        worker: i32,
    ) {
        let (finished, _) = request.matched_receive::<u64>();
        self.finished_by[worker as usize] = finished;
        let reply = match self.take() {
            Some(index) => index as u64,
            None => {
                self.stopped += 1;
                STOP
            }
        };
        world.process_at_rank(worker).send(&reply);
    }
}
