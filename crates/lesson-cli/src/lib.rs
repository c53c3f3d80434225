//! What every lesson program does with its command line and with bad input.
//!
//! A learner who mistypes `--steps abc` should see one line that names the
//! argument, not a usage page and never a panic backtrace. So every program
//! parses with [`parse_args`] and reports other failures with [`exit_usage`]
//! (bad input, exit status 2) or [`exit_failure`] (the work failed, status 1).
//!
//! [`files`]: writing a file whole or not at all, and reading one as git's last commit has it.

use std::fmt::Display;
use std::io::Write;
use std::process::exit;

use clap::Parser;
use clap::error::ErrorKind;

pub mod files;

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
            exit_usage(one_line_error(&text))
        }
    }
}

/// Clap's message in one line, with what it says before its usage section:
/// the missing arguments' names, the possible values, the tips.
///
/// ```
/// let clap = "error: the following required arguments were not provided:\n  <OUTPUT>\n\nUsage: bilateral <INPUT> <OUTPUT>\n\nFor more information, try '--help'.\n";
/// assert_eq!(
///     lesson_cli::one_line_error(clap),
///     "the following required arguments were not provided: <OUTPUT>"
/// );
/// ```
pub fn one_line_error(clap_message: &str) -> String {
    let mut line = String::new();
    for part in clap_message
        .lines()
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        if !line.is_empty() {
            line.push_str(if part.starts_with("tip:") { "; " } else { " " });
        }
        line.push_str(part);
    }
    match line.strip_prefix("error: ") {
        Some(rest) => rest.to_owned(),
        None if line.is_empty() => "bad arguments".to_owned(),
        None => line,
    }
}

/// The most threads a lesson program accepts for `--threads`: far more than
/// any machine's cores, few enough that starting them cannot exhaust memory.
pub const MAX_THREADS: usize = 1024;

/// Clap value parser for a thread count: 1 to [`MAX_THREADS`].
pub fn thread_count(s: &str) -> Result<std::num::NonZeroUsize, String> {
    let n: u128 = s
        .parse()
        .map_err(|_| format!("'{s}' is not a whole number of threads"))?;
    match usize::try_from(n)
        .ok()
        .and_then(std::num::NonZeroUsize::new)
    {
        Some(n) if n.get() <= MAX_THREADS => Ok(n),
        _ => Err(format!("the thread count must be 1 to {MAX_THREADS}")),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Parser, Debug)]
    #[command(name = "demo")]
    struct Demo {
        input: String,
        output: String,
        #[arg(long, value_enum, default_value = "alpha")]
        mode: Mode,
        #[arg(long, value_parser = thread_count)]
        threads: Option<std::num::NonZeroUsize>,
    }

    #[derive(Clone, Debug, clap::ValueEnum)]
    enum Mode {
        Alpha,
        Beta,
    }

    fn error_line(args: &[&str]) -> String {
        let err = Demo::try_parse_from(args).unwrap_err();
        one_line_error(&err.render().to_string())
    }

    #[test]
    fn missing_arguments_are_named() {
        let line = error_line(&["demo", "in.jpg"]);
        assert_eq!(
            line,
            "the following required arguments were not provided: <OUTPUT>"
        );
    }

    #[test]
    fn possible_values_are_kept() {
        let line = error_line(&["demo", "a", "b", "--mode", "gamma"]);
        assert_eq!(
            line,
            "invalid value 'gamma' for '--mode <MODE>' [possible values: alpha, beta]"
        );
    }

    #[test]
    fn thread_counts_have_bounds() {
        for bad in ["0", "1025", "18446744073709551615", "1000000000000", "x"] {
            let line = error_line(&["demo", "a", "b", "--threads", bad]);
            assert!(line.contains("thread"), "{bad}: {line}");
        }
        assert_eq!(thread_count("1024").unwrap().get(), 1024);
    }
}
