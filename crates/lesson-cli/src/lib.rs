//! What every lesson program does with its command line and with bad input.
//!
//! A learner who mistypes `--steps abc` should see one line that names the
//! argument, not a usage page and never a panic backtrace. So every program
//! parses with [`parse_args`] and reports other failures with [`exit_usage`]
//! (bad input, exit status 2) or [`exit_failure`] (the work failed, status 1).

use std::fmt::Display;
use std::io::Write;
use std::process::exit;

use clap::Parser;
use clap::error::ErrorKind;

/// Exit status for a bad command line or unusable input (as clap and most Unix tools use).
pub const USAGE: i32 = 2;

/// Parses the command line with clap's derive API.
///
/// `--help` and `--version` print as usual; any other error prints the first
/// line of clap's message (`error: invalid value 'abc' for '--steps <N>': ...`)
/// and exits with status 2.
pub fn parse_args<T: Parser>() -> T {
    match T::try_parse() {
        Ok(args) => args,
        Err(err)
            if matches!(
                err.kind(),
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
            ) =>
        {
            err.exit()
        }
        Err(err) => {
            // Under `mpiexec -n 4` every rank parses the same bad command line:
            // only the first rank says so, and all of them exit with status 2.
            if launched_rank().is_some_and(|rank| rank != 0) {
                exit(USAGE)
            }
            let text = err.render().to_string();
            let first = text.lines().next().unwrap_or("error: bad arguments");
            exit_usage(first.trim_start_matches("error: "))
        }
    }
}

/// This process's rank as told by the MPI launcher (`PMI_RANK` from MPICH's
/// `mpiexec`, `OMPI_COMM_WORLD_RANK` from Open MPI's), before MPI is started.
fn launched_rank() -> Option<u32> {
    ["PMI_RANK", "OMPI_COMM_WORLD_RANK"]
        .iter()
        .find_map(|name| std::env::var(name).ok()?.parse().ok())
}

/// Writes `error: MESSAGE` to stderr in one piece, so that lines from
/// several ranks sharing one terminal do not interleave.
fn print_error(message: impl Display) {
    let line = format!("error: {message}\n");
    let _ = std::io::stderr().write_all(line.as_bytes());
}

/// Prints `error: MESSAGE` on stderr and exits with status 2 (bad input).
pub fn exit_usage(message: impl Display) -> ! {
    print_error(message);
    exit(USAGE)
}

/// Prints `error: MESSAGE` on stderr and exits with status 1 (the work failed).
pub fn exit_failure(message: impl Display) -> ! {
    print_error(message);
    exit(1)
}

/// For the lessons' tests: what every program must do with a bad command line.
pub mod testing {
    use std::process::Command;

    /// Runs `program args…` and asserts the lessons' rule for bad input: exit
    /// status 2 and exactly one line on stderr, `error: …`, with no panic.
    ///
    /// # Panics
    /// When the program breaks that rule (this is a test assertion).
    pub fn assert_usage_error(program: &str, args: &[&str]) {
        let out = Command::new(program)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
        let stderr = String::from_utf8_lossy(&out.stderr);
        let context = format!("{program} {args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(2), "{context}");
        assert_eq!(stderr.lines().count(), 1, "one line: {context}");
        assert!(stderr.starts_with("error: "), "{context}");
        assert!(!stderr.contains("panicked"), "{context}");
    }
}
