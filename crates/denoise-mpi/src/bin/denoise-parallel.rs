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
//!   Rank 0 denoises photos too, in a helper thread.
//!
//! Run: `mpiexec -n 4 target/release/denoise-parallel --schedule dynamic`

use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::{self, sleep};
use std::time::Duration;

use clap::Parser;
use denoise_mpi::{
    Job, PhotoArgs, PhotosInProgress, RankReport, clean_output, finish, plan, progress_bar,
    summary, wait_for_all_ranks,
};
use indicatif::ProgressBar;
use mpi::Rank;
use mpi::Tag;
use mpi::topology::{Process, SimpleCommunicator};
use mpi::traits::*;
use mpi_basics::Threading;
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
    about = "Denoise every *.jpg and *.jpeg of a folder with the bilateral filter, the photos split across MPI ranks"
)]
struct Args {
    #[command(flatten)]
    photos: PhotoArgs,
    /// How the photos are shared out among the ranks
    #[arg(long, value_enum, default_value_t = Schedule::Static)]
    schedule: Schedule,
}

fn main() -> ExitCode {
    let mut args: Args = lesson_cli::parse_args();
    // ANCHOR: start
    // This program runs threads besides its main one: one that waits for
    // Ctrl-C, and with --schedule dynamic a helper on rank 0 that denoises
    // photos. Only the main thread calls MPI: MPI_THREAD_FUNNELED.
    let universe = mpi_basics::init_threaded(Threading::Funneled);
    // The ranks on one machine share its memory: split_shared groups them
    // (MPI_Comm_split_type, MPI_COMM_TYPE_SHARED), and the default photo size
    // limit is this machine's share divided among them.
    if args.photos.max_pixels.is_none() {
        let here = universe.world().split_shared(0).size() as u64;
        args.photos.max_pixels = Some(denoise_kernel::read::default_max_pixels() / here);
    }
    // Ctrl-C reaches every rank (mpiexec passes it on): each one finishes its
    // write in progress, says how many photos it did, and exits 130.
    denoise_mpi::exit_cleanly_on_signals(Some(universe.world().rank()), None);
    let status = run(&args, &universe.world());
    // Every rank gets here, after an error too, so all of them finalise MPI
    // together (when `universe` is dropped) and exit together: nobody waits
    // for a rank that left.
    ExitCode::from(status)
    // ANCHOR_END: start
}

// ANCHOR: schedules
fn run(args: &Args, world: &SimpleCommunicator) -> u8 {
    let rank = world.rank();
    let root = world.process_at_rank(0);
    // MPI_Wtime: seconds on the wall clock (on the simulated cluster, simulated seconds).
    let total_start = mpi::time();

    // Rank 0 checks the folders and lists the photos, then tells every rank
    // the verdict: either the list, or an error after which all ranks stop.
    // (If each rank checked on its own, one could fail while the others went
    // on and waited for it forever in the next collective.)
    // The verdict is a `Result<Vec<String>, String>`: bcast_obj sends any
    // serde value (encoded to bytes), as mpi4py's `comm.bcast` sends any object.
    // Rank 0 also removes what an interrupted run left, before anyone writes.
    let verdict = (rank == 0)
        .then(|| plan(&args.photos).and_then(|files| clean_output(&args.photos).map(|()| files)));
    let verdict = bcast_obj(&root, verdict).expect("a list of names always encodes");
    let files = match verdict {
        Ok(files) => files,
        Err(message) => {
            if rank == 0 {
                eprintln!("error: {message}");
            }
            return lesson_cli::USAGE as u8;
        }
    };

    let working = PhotosInProgress::start();
    let mut report = match args.schedule {
        Schedule::Static => static_schedule(world, &args.photos, &files),
        Schedule::Dynamic => dynamic_schedule(world, &args.photos, &files),
    };
    report.measure_peak_memory();
    // Ranks that are done wait here for the others, asleep.
    wait_for_all_ranks(world);
    drop(working);

    // Rank 0 collects what each rank did and prints the closing lines.
    let reports = gather_obj(&root, &report).expect("reports always encode");
    let Some(reports) = reports else {
        return 0;
    };
    println!("Total time {:.3} seconds", mpi::time() - total_start);
    let schedule = format!("{:?}", args.schedule).to_lowercase();
    print!("{}", summary(&reports, files.len(), &schedule));
    finish(&args.photos, &files, &reports) as u8
}

/// Receives a `u64` from `source`, sleeping while it has not arrived: a
/// blocking `receive` spins in MPICH, and with more ranks than cores that
/// steals the CPU from the rank that is about to answer.
fn receive_asleep(source: &Process) -> u64 {
    if !mpi_basics::WAITING_SPINS {
        return source.receive::<u64>().0;
    }
    loop {
        if let Some((message, _)) = source.immediate_matched_probe() {
            return message.matched_receive::<u64>().0;
        }
        sleep(Duration::from_micros(100));
    }
}

/// Static: rank r denoises block r of the sorted list. No messages at all.
fn static_schedule(world: &SimpleCommunicator, args: &PhotoArgs, files: &[String]) -> RankReport {
    let (rank, size) = (world.rank(), world.size());
    let mine = block_range(files.len() as u64, rank as u64, size as u64);
    // Rank 0 only knows its own share: its bar says so.
    let bar = if rank == 0 {
        progress_bar(mine.clone().count(), "rank 0's share", args.progress)
    } else {
        ProgressBar::hidden()
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
/// The tag of a worker's request: rank 0 probes for this tag only, so no
/// other message can ever be taken for a request.
const REQUEST: Tag = 1;

/// Dynamic: master/worker. Rank 0 hands out one photo at a time, to whichever
/// rank asks, and denoises photos too.
///
/// A worker sends rank 0 a request ("I am free; I have handled N photos")
/// and receives a photo's index, or `STOP` when none is left.
///
/// Rank 0 must answer at once, even in the middle of one of its own photos:
/// MPI moves a message only while the program is inside an MPI call, so a
/// rank 0 busy filtering would leave its workers waiting for a whole photo.
/// So rank 0 runs two threads: a helper thread denoises photos, taking them
/// from the same queue, while the main thread answers requests. Only the
/// main thread calls MPI (`MPI_THREAD_FUNNELED`, asked for in `main`).
fn dynamic_schedule(world: &SimpleCommunicator, args: &PhotoArgs, files: &[String]) -> RankReport {
    if world.rank() != 0 {
        let root = world.process_at_rank(0);
        let mut job = Job::new(args, Some(world.rank()), ProgressBar::hidden());
        loop {
            let handled = job.report.done as usize + job.report.failures.len();
            root.send_with_tag(&(handled as u64), REQUEST);
            let index = receive_asleep(&root);
            if index == STOP {
                return job.report;
            }
            job.denoise(&files[index as usize]);
        }
    }

    let queue = Queue::new(files.len());
    let bar = progress_bar(files.len(), "photos done (all ranks)", args.progress);
    let mut master = Master::new(world, &queue, &bar);

    #[cfg(feature = "smpi")]
    if !mpi_basics::WAITING_SPINS {
        return simulated_rank_0(args, files, &queue, master);
    }

    thread::scope(|scope| {
        // Rank 0's own work, in a helper thread (it advances the bar by its photos).
        let own = scope.spawn(|| {
            let mut job = Job::new(args, Some(0), bar.clone());
            while let Some(index) = queue.take() {
                job.denoise(&files[index]);
            }
            job.report
        });

        // The master: answer requests until every worker has been told to stop.
        // Poll every millisecond rather than block in a receive: MPICH's
        // blocking receive spins, and would take the core the helper needs.
        while !master.all_stopped() {
            // The helper may not call MPI_Abort itself: if it panicked, this
            // thread ends the job now, not after the workers did every photo.
            mpi_basics::abort_if_a_thread_panicked();
            if !master.answer_waiting() {
                sleep(Duration::from_millis(1));
            }
        }
        let report = own.join().expect("rank 0's helper thread panicked");
        bar.finish_and_clear();
        report
    })
}

/// On the simulated cluster, a rank is one thread of the simulator and a
/// helper thread cannot be charged simulated time. Rank 0 does the same work
/// in one thread instead: its own photo in slices of a millisecond, answering
/// the requests that came in between slices (the real one polls every
/// millisecond too), then only answering once the queue is empty.
#[cfg(feature = "smpi")]
fn simulated_rank_0(
    args: &PhotoArgs,
    files: &[String],
    queue: &Queue,
    mut master: Master,
) -> RankReport {
    let mut job = Job::new(args, Some(0), master.bar.clone());
    while let Some(index) = queue.take() {
        job.denoise_in_slices(&files[index], 1e-3, || while master.answer_waiting() {});
    }
    while !master.all_stopped() {
        master.answer_next();
    }
    job.report
}

/// The photos nobody has taken yet, shared by rank 0's two threads.
struct Queue {
    next: AtomicUsize,
    len: usize,
}

impl Queue {
    fn new(len: usize) -> Self {
        Queue {
            next: AtomicUsize::new(0),
            len,
        }
    }

    /// The next photo's index, or `None` when every photo is taken.
    fn take(&self) -> Option<usize> {
        Some(self.next.fetch_add(1, Ordering::Relaxed)).filter(|&i| i < self.len)
    }
}

/// Rank 0's side of the dynamic schedule: answering the workers' requests.
struct Master<'a> {
    world: &'a SimpleCommunicator,
    queue: &'a Queue,
    bar: &'a ProgressBar,
    /// The photos each worker has handled, as its last request said.
    handled_by: Vec<u64>,
    /// The workers told to stop.
    stopped: usize,
}

impl<'a> Master<'a> {
    fn new(world: &'a SimpleCommunicator, queue: &'a Queue, bar: &'a ProgressBar) -> Self {
        let handled_by = vec![0; world.size() as usize];
        Master {
            world,
            queue,
            bar,
            handled_by,
            stopped: 0,
        }
    }

    fn all_stopped(&self) -> bool {
        self.stopped == self.handled_by.len() - 1
    }

    /// Answers a request if one has arrived (`MPI_Iprobe`, then `MPI_Recv` of
    /// the message it found: messages from one rank arrive in order).
    /// Says whether it did.
    fn answer_waiting(&mut self) -> bool {
        let probe = self.world.any_process().immediate_probe_with_tag(REQUEST);
        let Some(status) = probe else {
            return false;
        };
        let from = self.world.process_at_rank(status.source_rank());
        let (handled, _) = from.receive_with_tag::<u64>(REQUEST);
        self.answer(status.source_rank(), handled);
        true
    }

    /// Waits for the next request, and answers it.
    #[cfg(feature = "smpi")]
    fn answer_next(&mut self) {
        let (handled, status) = self.world.any_process().receive_with_tag::<u64>(REQUEST);
        self.answer(status.source_rank(), handled);
    }

    /// Replies to `worker`, who has handled `handled` photos so far, with the
    /// next photo, or `STOP` when none is left.
    fn answer(&mut self, worker: Rank, handled: u64) {
        self.bar.inc(handled - self.handled_by[worker as usize]);
        self.handled_by[worker as usize] = handled;
        let reply = self.queue.take().map_or(STOP, |index| index as u64);
        self.stopped += usize::from(reply == STOP);
        self.world.process_at_rank(worker).send(&reply);
    }
}
// ANCHOR_END: schedules
