//! Building an exercise, running it under the launcher at N ranks, and
//! explaining a run that failed: a `todo!()` still there, a panic (with a
//! learner's hint when it came from misusing rsmpi), a job that hangs (which
//! ranks, in which MPI call, after which lines), a message never received.
//!
//! Every run gets a fresh folder in which each rank writes what it printed
//! (see [`crate::session`]), so every line is known by the rank that printed it.
//! Every run is traced (`libmpi_trace.so`, crates/mpi-trace), so the checker
//! also knows each MPI call every rank made, and for a job that hangs, the
//! call each rank is stuck in (from the tracer's live file, read after the
//! job is stopped: no debugger needed).
//!
//! The tracer makes every standard send to another rank synchronous
//! (`MPI_TRACE_SSEND=1`): a send then waits until its receive has started, as
//! MPI allows any send to do. A program that works only because MPI buffered
//! its small messages (two ranks that both send first) hangs in the check, as
//! it would with larger messages or under another MPI.

use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use trace_format::{Event, JobTrace};

use crate::info::workspace_dir;
use crate::session::CHECK_DIR_VAR;

mod failure;
pub use failure::{explain, failure_reason};

/// The tracing library, built beside the exercises.
pub const TRACER: &str = "libmpi_trace.so";

/// Builds and runs the exercise binaries that sit beside the checker.
#[derive(Debug)]
pub struct Runner {
    /// Where cargo puts the crate's binaries, e.g. `target/release`.
    bin_dir: PathBuf,
    /// Seconds a run may take before the checker stops it.
    pub timeout_secs: u32,
}

/// A point-to-point message that a rank was sent but never received.
#[derive(Debug, Clone, PartialEq)]
pub struct Unreceived {
    pub source: usize,
    pub tag: i32,
    pub bytes: usize,
}

/// What one rank of a run printed and how far it got.
#[derive(Debug, Default)]
pub struct RankOut {
    /// Its stdout lines, trimmed, blank lines and MPI library warnings left out.
    pub lines: Vec<String>,
    /// Its stderr.
    pub stderr: String,
    /// It reached the end of `main`.
    pub finished: bool,
    /// Messages still waiting for it at the end.
    pub unreceived: Vec<Unreceived>,
    /// The MPI call it was inside when the run was stopped (timeouts only).
    pub waiting_in: Option<Event>,
    /// The CPU seconds its `main` used after `exercises::init()`, if it finished.
    pub cpu_secs: Option<f64>,
}

/// What one run did.
#[derive(Debug)]
pub struct RunOutput {
    /// The command, as a learner would type it.
    pub command: String,
    /// `None` when the checker stopped the job.
    pub status: Option<ExitStatus>,
    /// What reached the launcher's own stdout (printed before `exercises::init()`).
    pub stdout: String,
    /// The launcher's stderr (and a program's before `exercises::init()`).
    pub stderr: String,
    /// Each rank's output; empty when the program never called `exercises::init()`.
    pub ranks: Vec<RankOut>,
    /// MPI library warnings, with the rank that printed them.
    pub warnings: Vec<(usize, String)>,
    /// The time limit the run had.
    pub timeout_secs: u32,
    /// Every MPI call of every rank (None: the trace could not be read).
    pub trace: Option<JobTrace>,
}

impl RunOutput {
    pub fn timed_out(&self) -> bool {
        self.status.is_none()
    }

    /// Every rank's stderr, then the launcher's.
    pub fn all_stderr(&self) -> String {
        let mut all: String = self.ranks.iter().map(|r| r.stderr.as_str()).collect();
        all += &self.stderr;
        all
    }
}

impl Runner {
    /// A runner for the binaries in the checker's own folder: cargo puts every
    /// binary of one build profile side by side (`target/release/check`,
    /// `target/release/ex-pi-reduce`, ...), for `cargo build` and `cargo test` alike.
    pub fn beside_this_program(timeout_secs: u32) -> Result<Runner, String> {
        let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
        let bin_dir = exe
            .parent()
            .ok_or("this program is in no folder")?
            .to_path_buf();
        Ok(Runner {
            bin_dir,
            timeout_secs,
        })
    }

    /// The folder for the files of runs and checks (see [`scratch_dir`]).
    pub fn scratch(&self) -> PathBuf {
        scratch_dir(&self.bin_dir)
    }

    /// The path of binary `bin`.
    pub fn program(&self, bin: &str) -> PathBuf {
        self.bin_dir.join(bin)
    }

    /// `cargo build -p exercises --bin BIN`, in the same profile and target
    /// folder as this checker. The compiler's messages go to the terminal,
    /// unless `quiet`. `Err` when it does not compile.
    pub fn build(&self, bin: &str, quiet: bool) -> Result<(), String> {
        let mut cmd = Command::new("cargo");
        cmd.current_dir(workspace_dir()).args([
            "build",
            "--quiet",
            "-p",
            "exercises",
            "--bin",
            bin,
            // The tracing library every run is checked through.
            "-p",
            "mpi-trace",
            "--lib",
        ]);
        match self.bin_dir.file_name().and_then(|n| n.to_str()) {
            Some("debug") => {}
            Some("release") => {
                cmd.arg("--release");
            }
            Some(profile) => {
                cmd.args(["--profile", profile]);
            }
            None => {}
        }
        if let Some(target_dir) = self.bin_dir.parent() {
            cmd.arg("--target-dir").arg(target_dir);
        }
        if quiet {
            cmd.stdout(Stdio::null()).stderr(Stdio::null());
        }
        let status = cmd.status().map_err(|e| format!("cannot run cargo: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err("it does not compile (see the compiler's messages)".to_string())
        }
    }

    /// Runs BIN ARGS at RANKS ranks through `mpi_basics::launch` (which honours
    /// `WORKSHOP_LAUNCHER`), stopping it after `timeout_secs`.
    pub fn run(&self, bin: &str, ranks: usize, args: &[String]) -> Result<RunOutput, String> {
        self.run_for(bin, ranks, args, self.timeout_secs)
    }

    /// [`Runner::run`] with a time limit of `timeout` seconds.
    pub fn run_for(
        &self,
        bin: &str,
        ranks: usize,
        args: &[String],
        timeout: u32,
    ) -> Result<RunOutput, String> {
        let program = self.program(bin);
        if !program.is_file() {
            return Err(format!(
                "{} is not built: cargo build --release -p exercises --bin {bin}",
                program.display()
            ));
        }
        let tracer = self.program(TRACER);
        if !tracer.is_file() {
            return Err(format!(
                "{} is not built: cargo build --release -p mpi-trace",
                tracer.display()
            ));
        }
        let folder = tempfile::Builder::new()
            .prefix("run-")
            .tempdir_in(scratch_dir(&self.bin_dir))
            .map_err(|e| format!("cannot make a folder for the run's output: {e}"))?;
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let launcher = std::env::var("WORKSHOP_LAUNCHER")
            .unwrap_or_else(|_| "mpiexec -n {n}".to_string())
            .replace("{n}", &ranks.to_string());
        let command = format!(
            "{launcher} {}{}",
            shown(&program).display(),
            args.iter().map(|a| format!(" {a}")).collect::<String>()
        );
        // `env VAR=… PROGRAM`: the tracer is loaded into the ranks only, not
        // into the launcher, whatever the launcher passes on.
        let trace_dir = folder.path().join("trace");
        let mut preload = tracer.into_os_string();
        if let Some(old) = std::env::var_os("LD_PRELOAD").filter(|v| !v.is_empty()) {
            preload.push(":");
            preload.push(old);
        }
        let mut traced: Vec<std::ffi::OsString> = vec![
            pair("LD_PRELOAD", &preload),
            pair("MPI_TRACE_DIR", trace_dir.as_os_str()),
            "MPI_TRACE_SSEND=1".into(),
            program.clone().into_os_string(),
        ];
        traced.extend(args.iter().map(Into::into));
        let mut cmd = mpi_basics::launch::mpiexec_command("env", ranks, &[]);
        cmd.args(&traced)
            .env(CHECK_DIR_VAR, folder.path())
            // mpiexec's own limit stays as a last resort; the checker stops the job first.
            .env("MPIEXEC_TIMEOUT", (timeout + 60).to_string())
            // The panic message is what the checker reports; no backtrace needed.
            .env("RUST_BACKTRACE", "0")
            // UCX says when a message was never received: keep its warnings on,
            // whatever the learner's environment says.
            .env("UCX_LOG_LEVEL", "warn")
            .envs(through_ucx())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        let mut child = cmd
            .spawn()
            .map_err(|e| {
                format!(
                    "cannot run {launcher} ({e}): install an MPI with ci/setup-mpi (ci/doctor checks the setup), or name your launcher with --launcher"
                )
            })?;
        let stdout = read_in_background(child.stdout.take());
        let stderr = read_in_background(child.stderr.take());
        let status = wait_or_stop(&mut child, timeout);
        if status.is_none() {
            stop_job(&mut child, folder.path(), ranks);
        }
        let mut ranks_out = read_ranks(folder.path(), ranks);
        // A stopped job's ranks left their live files: the calls they were in.
        let trace = trace_format::read_dir(&trace_dir, None).ok();
        if let Some(job) = trace.as_ref().filter(|job| job.killed()) {
            for (out, rank) in ranks_out.iter_mut().zip(&job.ranks) {
                if !out.finished {
                    out.waiting_in = rank.stuck_in().cloned();
                }
            }
        }
        let mut warnings = Vec::new();
        for (rank, out) in ranks_out.iter_mut().enumerate() {
            let (lines, warns): (Vec<String>, Vec<String>) = std::mem::take(&mut out.lines)
                .into_iter()
                .partition(|l| !mpi_warning(l));
            out.lines = lines;
            warnings.extend(warns.into_iter().map(|w| (rank, w)));
            warnings.extend(
                out.stderr
                    .lines()
                    .filter(|l| mpi_warning(l))
                    .map(|l| (rank, l.trim().to_string())),
            );
        }
        Ok(RunOutput {
            command,
            status,
            stdout: stdout.join().unwrap_or_default(),
            stderr: stderr.join().unwrap_or_default(),
            ranks: ranks_out,
            warnings,
            timeout_secs: timeout,
            trace,
        })
    }

    /// Why a run went wrong, in one line, or `None` when it ran to the end
    /// cleanly (its output is then for [`crate::verify`] to judge).
    pub fn failure(&self, out: &RunOutput) -> Option<String> {
        explain(out, out.timeout_secs)
    }
}

/// `NAME=value`, for `env`.
fn pair(name: &str, value: &std::ffi::OsStr) -> std::ffi::OsString {
    let mut pair = std::ffi::OsString::from(format!("{name}="));
    pair.push(value);
    pair
}

fn read_in_background(
    pipe: Option<impl std::io::Read + Send + 'static>,
) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Waits for the job to end, or for `timeout` seconds; `None` when it did not end.
fn wait_or_stop(child: &mut Child, timeout: u32) -> Option<ExitStatus> {
    let deadline = Instant::now() + Duration::from_secs(timeout.into());
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            Ok(None) | Err(_) => return None,
        }
    }
}

/// Kills the launcher's process group and every rank the run folder names.
fn stop_job(child: &mut Child, dir: &Path, ranks: usize) {
    for rank in 0..ranks {
        if let Some(pid) = pid_of(dir, rank) {
            // SAFETY: kill(2) with a pid read from the run's own files.
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
        }
    }
    // SAFETY: the child was started as the leader of its own process group.
    unsafe { libc::kill(-(child.id() as libc::pid_t), libc::SIGKILL) };
    let _ = child.wait();
}

/// The process id of `rank`, when it runs on this host (under `srun` it may not).
fn pid_of(dir: &Path, rank: usize) -> Option<u32> {
    let text = std::fs::read_to_string(dir.join(format!("rank-{rank}.pid"))).ok()?;
    let (pid, host) = text.trim().split_once(' ')?;
    (host == host_name()).then(|| pid.parse().ok())?
}

/// This machine's host name (Linux: /proc/sys/kernel/hostname).
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default()
}

/// Where runs write their files: beside the binaries (in the workspace, which
/// a cluster's compute nodes share with the login node), not in a node's /tmp.
pub fn scratch_dir(bin_dir: &Path) -> PathBuf {
    let dir = bin_dir.parent().unwrap_or(bin_dir).join("exercise-runs");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// Reads `rank-R.*` of every rank from the run's folder.
fn read_ranks(dir: &Path, ranks: usize) -> Vec<RankOut> {
    let read = |rank: usize, suffix: &str| {
        std::fs::read(dir.join(format!("rank-{rank}.{suffix}")))
            .ok()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    };
    if (0..ranks).all(|r| read(r, "out").is_none()) {
        return Vec::new();
    }
    (0..ranks)
        .map(|rank| {
            let end = read(rank, "end").unwrap_or_default();
            RankOut {
                lines: read(rank, "out")
                    .unwrap_or_default()
                    .lines()
                    .map(|l| l.trim_end().to_string())
                    .filter(|l| !l.is_empty())
                    .collect(),
                stderr: read(rank, "err").unwrap_or_default(),
                finished: end.lines().any(|l| l == "finished"),
                unreceived: end
                    .lines()
                    .filter_map(|l| {
                        let w: Vec<&str> = l.strip_prefix("unreceived ")?.split(' ').collect();
                        Some(Unreceived {
                            source: w.first()?.parse().ok()?,
                            tag: w.get(1)?.parse().ok()?,
                            bytes: w.get(2)?.parse().ok()?,
                        })
                    })
                    .collect(),
                waiting_in: None,
                cpu_secs: end
                    .lines()
                    .find_map(|l| l.strip_prefix("cpu ")?.parse().ok()),
            }
        })
        .collect()
}

/// MPICH 5 (PyPI's `mpich`) carries the messages between ranks of one machine
/// in its own shared memory, which drops one that nobody received without a
/// word; sent through UCX instead (`MPIR_CVAR_NOLOCAL`), UCX warns about it, as
/// Debian's MPICH 4.0.2 does by itself. Nothing for other MPIs.
fn through_ucx() -> Vec<(&'static str, &'static str)> {
    let version = mpi::environment::library_version().unwrap_or_default();
    match mpi_basics::launch::Implementation::mpich_major(&version) {
        Some(major) if major >= 5 => vec![("MPIR_CVAR_NOLOCAL", "1")],
        _ => Vec::new(),
    }
}

/// Lines the MPI library prints by itself (UCX on stdout, MPICH's yaksa on stderr).
pub fn mpi_warning(line: &str) -> bool {
    line.contains("UCX  WARN")
        || line.contains("UCX WARN")
        || line.contains("UCX  ERROR")
        || line.contains("leaked handle pool objects")
}

/// A path relative to the workspace root when it is inside it (shorter to read).
pub fn shown(path: &Path) -> &Path {
    let root = workspace_dir();
    path.strip_prefix(&root).unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mpi_library_warnings_are_told_apart() {
        assert!(mpi_warning(
            "[1700000000.1] ep.c:123 UCX  WARN  unexpected tag-receive descriptor"
        ));
        assert!(!mpi_warning("Rank 0 has value 10"));
    }
}
