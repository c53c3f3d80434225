//! Running lesson programs under `mpiexec`, for tests and for the workshop tools.
//!
//! `mpi::initialize` works once per process, so a test cannot start MPI
//! several times itself: it runs the built program (`env!("CARGO_BIN_EXE_…")`)
//! as `mpiexec -n N program args…`, as a learner would.

use std::path::Path;
use std::process::{Command, Output};

/// Seconds after which MPICH's `mpiexec` kills a job that has not finished
/// (`MPIEXEC_TIMEOUT`), so a hung job fails a test instead of stalling CI.
pub const TIMEOUT_SECS: u32 = 120;

/// The command `mpiexec -n RANKS PROGRAM ARGS…`, with `MPIEXEC_TIMEOUT` set.
pub fn mpiexec_command(program: impl AsRef<Path>, ranks: usize, args: &[&str]) -> Command {
    let mut cmd = Command::new("mpiexec");
    cmd.arg("-n")
        .arg(ranks.to_string())
        .arg(program.as_ref())
        .args(args)
        .env("MPIEXEC_TIMEOUT", TIMEOUT_SECS.to_string());
    cmd
}

/// Runs `mpiexec -n RANKS PROGRAM ARGS…` to the end and returns its output.
///
/// # Panics
/// If `mpiexec` cannot be started (MPI is not installed: run `ci/setup-mpi`).
pub fn mpiexec(program: impl AsRef<Path>, ranks: usize, args: &[&str]) -> Output {
    mpiexec_command(program, ranks, args)
        .output()
        .expect("cannot run mpiexec: install MPICH with ci/setup-mpi")
}

/// A finished run's standard output as text.
pub fn stdout_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The lines of a run's standard output, sorted: ranks print in no fixed
/// order, so tests compare sorted lines.
pub fn sorted_lines(output: &Output) -> Vec<String> {
    let mut lines: Vec<String> = stdout_of(output).lines().map(str::to_owned).collect();
    lines.sort();
    lines
}
