//! Building an exercise, running it under `mpiexec -n N`, and explaining a run
//! that failed: a `todo!()` still there, another panic, a job that hangs.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::Instant;

use crate::info::workspace_dir;

/// Builds and runs the exercise binaries that sit beside the checker.
#[derive(Debug)]
pub struct Runner {
    /// Where cargo puts the crate's binaries, e.g. `target/release`.
    bin_dir: PathBuf,
    /// `MPIEXEC_TIMEOUT` for every run.
    timeout_secs: u32,
}

/// What one `mpiexec` run did.
#[derive(Debug)]
pub struct RunOutput {
    /// The command, as a learner would type it.
    pub command: String,
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    /// mpiexec stopped the job after `timeout_secs`.
    pub timed_out: bool,
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

    /// Runs `mpiexec -n RANKS BIN ARGS` to the end.
    pub fn run(&self, bin: &str, ranks: usize, args: &[String]) -> Result<RunOutput, String> {
        let program = self.program(bin);
        if !program.is_file() {
            return Err(format!(
                "{} is not built: cargo build --release -p exercises --bin {bin}",
                program.display()
            ));
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let command = format!(
            "mpiexec -n {ranks} {}{}",
            shown(&program).display(),
            args.iter().map(|a| format!(" {a}")).collect::<String>()
        );
        let started = Instant::now();
        let output = mpi_basics::launch::mpiexec_command(&program, ranks, &args)
            .env("MPIEXEC_TIMEOUT", self.timeout_secs.to_string())
            // The panic message is what the checker reports; no backtrace needed.
            .env("RUST_BACKTRACE", "0")
            .output()
            .map_err(|e| format!("cannot run mpiexec ({e}): install MPICH with ci/setup-mpi"))?;
        let timed_out = !output.status.success()
            && started.elapsed().as_secs_f64() >= f64::from(self.timeout_secs) - 0.5;
        Ok(RunOutput {
            command,
            status: output.status,
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            timed_out,
        })
    }

    /// Why a run that did not succeed failed, in one line.
    pub fn failure(&self, out: &RunOutput) -> String {
        failure_reason(
            &out.stderr,
            out.status.code(),
            out.timed_out,
            self.timeout_secs,
        )
    }
}

/// A path relative to the workspace root when it is inside it (shorter to read).
pub fn shown(path: &Path) -> &Path {
    let root = workspace_dir();
    path.strip_prefix(&root).unwrap_or(path)
}

/// Whether a run ended on a `todo!()` (its panic message says "not yet implemented").
pub fn reached_todo(stderr: &str) -> bool {
    stderr.contains("\nnot yet implemented")
}

/// Explains a failed run from its stderr: a `todo!()` reached, another panic
/// (with the rank that panicked), a job stopped by the timeout, or else the
/// exit status and the last thing printed on stderr.
pub fn failure_reason(stderr: &str, code: Option<i32>, timed_out: bool, timeout: u32) -> String {
    if timed_out {
        return format!(
            "no result after {timeout} s, so mpiexec stopped the job: a rank is probably \
             waiting for a message that is never sent, or in a collective call that not \
             every rank makes"
        );
    }
    let lines: Vec<&str> = stderr.lines().collect();
    // The standard panic message: "thread 'main' (123) panicked at FILE:LINE:COL:" then the message.
    if let Some(i) = lines.iter().position(|l| l.contains(" panicked at ")) {
        let at = lines[i]
            .split_once(" panicked at ")
            .map_or("", |(_, at)| at.trim_end_matches(':'));
        let message = lines.get(i + 1).copied().unwrap_or("").trim();
        // mpi_basics::init's hook says which rank: "rank R of S panicked: aborting ...".
        let rank = lines[..i]
            .iter()
            .rev()
            .find_map(|l| l.strip_prefix("rank ")?.split_once(" of ").map(|(r, _)| r));
        let who = rank.map_or(String::new(), |r| format!("rank {r}: "));
        return if message.starts_with("not yet implemented") {
            format!("{who}a todo!() is still there ({at}): {message}")
        } else {
            format!("{who}panicked at {at}: {message}")
        };
    }
    let last = lines
        .iter()
        .rev()
        .map(|l| l.trim())
        .find(|l| !l.is_empty() && !l.contains("leaked handle pool objects"));
    let status = code.map_or("killed by a signal".to_string(), |c| {
        format!("exit status {c}")
    });
    match last {
        Some(last) => format!("{status}: {last}"),
        None => status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_todo_names_the_rank_the_place_and_the_hint() {
        let stderr = "rank 2 of 4 panicked: aborting the whole MPI job\n\n\
            thread 'main' (13184) panicked at crates/exercises/exercises/03_pi_reduce.rs:48:5:\n\
            not yet implemented: return the steps\n\
            note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n\
            Abort(101) on node 2 (rank 2 in comm 0): application called MPI_Abort\n";
        assert_eq!(
            failure_reason(stderr, Some(101), false, 20),
            "rank 2: a todo!() is still there (crates/exercises/exercises/03_pi_reduce.rs:48:5): \
             not yet implemented: return the steps"
        );
        let other = stderr.replace(
            "not yet implemented: return the steps",
            "index out of bounds",
        );
        assert_eq!(
            failure_reason(&other, Some(101), false, 20),
            "rank 2: panicked at crates/exercises/exercises/03_pi_reduce.rs:48:5: index out of bounds"
        );
    }

    #[test]
    fn timeouts_and_plain_failures_say_what_happened() {
        assert!(failure_reason("", None, true, 20).starts_with("no result after 20 s"));
        assert_eq!(
            failure_reason(
                "error: bad\nyaksa: 3 leaked handle pool objects\n",
                Some(2),
                false,
                20
            ),
            "exit status 2: error: bad"
        );
        assert_eq!(failure_reason("", None, false, 20), "killed by a signal");
    }
}
