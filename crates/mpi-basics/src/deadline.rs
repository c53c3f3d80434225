//! Running a job with a deadline of our own, for tests and tools.
//!
//! `MPIEXEC_TIMEOUT` asks the launcher to stop a job that runs too long, but
//! the launcher is the thing that may be stuck, and a rank it failed to stop
//! keeps the output pipes open: `Command::output()` would then wait forever.
//! [`output`] waits at most `limit`, then kills the launcher and everything it
//! started, and never waits long for pipes a leftover process still holds.

use std::io::Read;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long to wait for the output pipes to close once the job has ended.
const PIPE_GRACE: Duration = Duration::from_secs(5);

/// Runs `cmd` (standard input empty, output captured) and returns its output,
/// as `cmd.output()` does, but kills the job if it has not ended within
/// `limit`. The killed job's status is "killed by a signal" (not a success),
/// and its standard error ends with a line saying so. If a leftover process
/// holds the output pipes open after the job ended, what was read is returned
/// after a few seconds.
pub fn output(cmd: &mut Command, limit: Duration) -> std::io::Result<Output> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn()?;
    let stdout = Collected::start(child.stdout.take());
    let stderr = Collected::start(child.stderr.take());
    let (status, killed) = match wait_until(&mut child, Instant::now() + limit)? {
        Some(status) => (status, false),
        None => {
            kill_tree(child.id());
            (child.wait()?, true)
        }
    };
    let stdout = stdout.finish();
    let mut stderr = stderr.finish();
    if killed {
        let note = format!(
            "\n[the job had not ended after {} s: killed]\n",
            limit.as_secs()
        );
        stderr.extend_from_slice(note.as_bytes());
    }
    Ok(Output {
        status,
        stdout,
        stderr,
    })
}

/// The child's status, or `None` if it is still running at `deadline`.
fn wait_until(child: &mut Child, deadline: Instant) -> std::io::Result<Option<ExitStatus>> {
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Kills `pid` and every process descended from it. Each is stopped first
/// (SIGSTOP), then the tree is listed again, until no new process appears:
/// a stopped process starts no other, so none escapes by being born during
/// the kill, and a stopped launcher's ranks stay its descendants (once it is
/// gone they belong to init and can no longer be told from anyone else's).
/// (The job stays in our process group, so that Ctrl-C in a terminal still
/// reaches all of it.)
fn kill_tree(pid: u32) {
    let signal = |pid: u32, sig| {
        // SAFETY: kill(2) on processes this job started.
        unsafe { libc::kill(pid as libc::pid_t, sig) };
    };
    signal(pid, libc::SIGSTOP);
    let mut doomed = vec![pid];
    // A stop takes effect when the process next runs: a tree is taken as
    // complete when two listings a moment apart find no one new.
    let mut quiet = 0;
    while quiet < 2 {
        let new: Vec<u32> = descendants(pid)
            .into_iter()
            .filter(|p| !doomed.contains(p))
            .collect();
        if new.is_empty() {
            quiet += 1;
            std::thread::sleep(Duration::from_millis(10));
            continue;
        }
        quiet = 0;
        for &p in &new {
            signal(p, libc::SIGSTOP);
        }
        doomed.extend(new);
    }
    for pid in doomed {
        signal(pid, libc::SIGKILL);
    }
}

/// Every process below `root`, from each process's parent in `/proc/PID/stat`.
fn descendants(root: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            // "PID (name) STATE PPID …": the name may hold spaces or brackets.
            let after_name = &stat[stat.rfind(')')? + 1..];
            let ppid = after_name.split_whitespace().nth(1)?.parse().ok()?;
            Some((pid, ppid))
        })
        .collect();
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(
            parents
                .iter()
                .filter(|(_, p)| *p == parent)
                .map(|(c, _)| *c),
        );
        i += 1;
    }
    found.remove(0);
    found
}

/// A pipe read to its end by a thread of its own, into a buffer that can be
/// taken as it is if the pipe does not close in time.
struct Collected {
    bytes: Arc<Mutex<Vec<u8>>>,
    done: mpsc::Receiver<()>,
}

impl Collected {
    fn start(pipe: Option<impl Read + Send + 'static>) -> Collected {
        let bytes = Arc::new(Mutex::new(Vec::new()));
        let (tell, done) = mpsc::channel();
        let sink = Arc::clone(&bytes);
        std::thread::spawn(move || {
            if let Some(mut pipe) = pipe {
                let mut chunk = [0u8; 8192];
                while let Ok(n @ 1..) = pipe.read(&mut chunk) {
                    sink.lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .extend_from_slice(&chunk[..n]);
                }
            }
            let _ = tell.send(());
        });
        Collected { bytes, done }
    }

    /// What was read, once the pipe closed or after [`PIPE_GRACE`].
    fn finish(self) -> Vec<u8> {
        let _ = self.done.recv_timeout(PIPE_GRACE);
        std::mem::take(&mut *self.bytes.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_that_ends_in_time_gives_its_output_and_status() {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo out; echo err >&2; exit 3"]);
        let out = output(&mut cmd, Duration::from_secs(30)).unwrap();
        assert_eq!(out.status.code(), Some(3));
        assert_eq!(out.stdout, b"out\n");
        assert_eq!(out.stderr, b"err\n");
    }

    #[test]
    fn a_job_past_its_deadline_is_killed_with_its_children() {
        // The grandchild leaves the process group and keeps stdout open: only
        // the kill of every descendant ends it, not a kill of the group.
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "setsid sleep 300 & echo $!; wait"]);
        let out = output(&mut cmd, Duration::from_secs(1)).unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.ends_with("the job had not ended after 1 s: killed]\n"),
            "{err}"
        );
        // Killed, it is gone or a zombie once it has run again to die: on a busy
        // machine that can take a moment (it then shows as running, `R`).
        let sleeper = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        let dead = |state: &str| state.is_empty() || state.contains(") Z ");
        let mut state = String::new();
        for _ in 0..200 {
            state = std::fs::read_to_string(format!("/proc/{sleeper}/stat")).unwrap_or_default();
            if dead(&state) {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(
            dead(&state),
            "sleep {sleeper} still runs after 2 s: {state}"
        );
    }
}
