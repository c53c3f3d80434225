//! The exercise side of the checker: `exercises::init()`, which every exercise
//! calls instead of `mpi_basics::init()`.
//!
//! Run by hand it is `mpi_basics::init()` and nothing more. Run by the checker
//! (which sets [`CHECK_DIR_VAR`] to a fresh folder), each rank also:
//! - sends its own stdout and stderr to `rank-R.out` and `rank-R.err` in that
//!   folder (`dup2`), so the checker knows which rank printed each line, whatever
//!   the launcher does with output;
//! - writes its process id and host to `rank-R.pid`, so a job that hangs can
//!   be inspected rank by rank;
//! - at the end of `main` (when the returned [`Session`] is dropped, just
//!   before `MPI_Finalize`) writes `finished` to `rank-R.end`, with `cpu S`,
//!   the CPU seconds `main` used after `init()` (the fast-kernel check compares
//!   them with the time the program printed), waits for every
//!   rank at a barrier, then takes any point-to-point message still waiting to
//!   be received and writes `unreceived SOURCE TAG BYTES` for each.

use std::fs::File;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use mpi::environment::Universe;
use mpi::point_to_point::MatchedReceiveVec as _;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

/// The environment variable through which the checker asks for per-rank files.
pub const CHECK_DIR_VAR: &str = "EXERCISES_CHECK_DIR";

/// MPI, started for an exercise. Use it as a [`Universe`]: `universe.world()`.
/// MPI is finalised when it is dropped, at the end of `main`.
#[must_use = "keep it until the end of main: dropping it finalises MPI"]
pub struct Session {
    universe: Universe,
    /// The checker's folder and this rank's number, when the checker runs us.
    checked: Option<(PathBuf, i32)>,
    /// The process's CPU seconds when `init()` returned.
    cpu_at_init: f64,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("checked", &self.checked)
            .finish()
    }
}

/// Starts MPI as `mpi_basics::init()` does (a panic in any rank ends the
/// whole job), and lets the checker see which rank prints what.
pub fn init() -> Session {
    let universe = mpi_basics::init();
    let checked = std::env::var_os(CHECK_DIR_VAR).map(|dir| {
        let dir = PathBuf::from(dir);
        let rank = universe.world().rank();
        redirect(&dir, rank);
        (dir, rank)
    });
    Session {
        universe,
        checked,
        cpu_at_init: process_cpu_secs(),
    }
}

/// CPU seconds (user and system, every thread) this process has used so far.
fn process_cpu_secs() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes only the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
}

impl Session {
    /// The communicator of every rank of the job (`MPI_COMM_WORLD`).
    pub fn world(&self) -> SimpleCommunicator {
        self.universe.world()
    }
}

/// Points this process's stdout and stderr at `rank-R.out` / `rank-R.err`.
fn redirect(dir: &std::path::Path, rank: i32) {
    let open = |suffix: &str| {
        let path = dir.join(format!("rank-{rank}.{suffix}"));
        File::create(&path).unwrap_or_else(|e| {
            lesson_cli::exit_failure(format!("{}: cannot create: {e}", path.display()))
        })
    };
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    for (suffix, fd) in [("out", 1), ("err", 2)] {
        let file = open(suffix);
        // SAFETY: dup2 on two valid descriptors; `file` stays open until after
        // the call, and the new descriptor `fd` keeps the file open afterwards.
        let done = unsafe { libc::dup2(std::os::fd::AsRawFd::as_raw_fd(&file), fd) };
        if done < 0 {
            lesson_cli::exit_failure(format!(
                "cannot redirect output: {}",
                std::io::Error::last_os_error()
            ));
        }
    }
    // The host too: the checker signals or inspects only its own host's processes.
    let _ = std::fs::write(
        dir.join(format!("rank-{rank}.pid")),
        format!("{} {}", std::process::id(), crate::run::host_name()),
    );
}

impl Drop for Session {
    fn drop(&mut self) {
        let Some((dir, rank)) = &self.checked else {
            return;
        };
        if std::thread::panicking() {
            return;
        }
        let _ = std::io::stdout().flush();
        let _ = std::io::stderr().flush();
        let end = dir.join(format!("rank-{rank}.end"));
        let cpu = process_cpu_secs() - self.cpu_at_init;
        let mut report = format!("finished\ncpu {cpu:.6}\n");
        let _ = std::fs::write(&end, &report);

        let world = self.universe.world();
        world.barrier();
        // Every rank has reached the end, so every message it sent is on its
        // way: give it a few milliseconds, and take whatever is still waiting.
        let deadline = Instant::now() + Duration::from_millis(30);
        while Instant::now() < deadline {
            match world.any_process().immediate_matched_probe() {
                Some(probed) => {
                    let (bytes, status) = probed.matched_receive_vec::<u8>();
                    report += &format!(
                        "unreceived {} {} {}\n",
                        status.source_rank(),
                        status.tag(),
                        bytes.len()
                    );
                }
                None => std::thread::sleep(Duration::from_micros(200)),
            }
        }
        let _ = std::fs::write(&end, report);
    }
}
