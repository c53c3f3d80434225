//! A panic in a thread other than the main one still ends the whole job, and
//! `MPI_Abort` comes only from a thread that may call MPI: `panic-demo
//! --in-thread` at 1 to 4 ranks, with and without `RUST_BACKTRACE=1`.

use std::ffi::OsStr;
use std::time::{Duration, Instant};

use mpi_basics::launch::{mpiexec_command_with_env, stdout_of};

const PANIC_DEMO: &str = env!("CARGO_BIN_EXE_panic-demo");

/// The launcher ends a job still running after this many seconds: a job that
/// hangs fails the test quickly, instead of after the usual two minutes.
const TIMEOUT_SECS: u64 = 30;

/// Runs panic-demo at `ranks` ranks; checks that the job failed, that no
/// rank got past the barrier and that nothing hung; returns what the ranks
/// printed on stderr. The ranks write it straight to a file, not through the
/// launcher: when a rank calls MPI_Abort, the launcher ends the job and may
/// drop what that rank printed last.
fn run_ends_the_job(ranks: usize, args: &[&str], backtrace: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("stderr");
    let vars = [
        ("RUST_BACKTRACE", OsStr::new(backtrace)),
        ("STDERR_FILE", file.as_os_str()),
    ];
    let mut sh_args = vec!["-c", r#"exec "$0" "$@" 2>>"$STDERR_FILE""#, PANIC_DEMO];
    sh_args.extend_from_slice(args);
    let mut command = mpiexec_command_with_env("sh", ranks, &vars, &sh_args);
    command.env("MPIEXEC_TIMEOUT", TIMEOUT_SECS.to_string());
    let started = Instant::now();
    let out = mpi_basics::launch::output(&mut command);
    let elapsed = started.elapsed();
    let stderr = std::fs::read_to_string(&file).unwrap_or_default();
    let context = format!(
        "{ranks} ranks, {args:?}, RUST_BACKTRACE={backtrace}:\n{stderr}\nthe launcher:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "the job must fail: {context}");
    assert!(
        !stdout_of(&out).contains("passed the barrier"),
        "no rank may get past the barrier: {context}"
    );
    assert!(
        elapsed < Duration::from_secs(TIMEOUT_SECS - 10),
        "the job took {elapsed:?}: it hung until the launcher's timeout. {context}"
    );
    let failing = if ranks > 1 { 1 } else { 0 };
    assert!(
        stderr.contains(&format!("a thread of rank {failing} fails on purpose")),
        "the thread's panic is printed: {context}"
    );
    if backtrace == "1" {
        assert!(stderr.contains("stack backtrace:"), "{context}");
    }
    stderr
}

/// Where `line` is in `stderr`; fails, saying what is there, when it is not.
fn position(stderr: &str, line: &str, context: &str) -> usize {
    stderr
        .find(line)
        .unwrap_or_else(|| panic!("no `{line}` ({context}):\n{stderr}"))
}

/// The rank that panics, and the words of the hook.
fn failing(ranks: usize) -> (usize, String, String) {
    let failing = if ranks > 1 { 1 } else { 0 };
    let handed = format!(
        "rank {failing} of {ranks}: a thread panicked: its main thread will abort the whole MPI job"
    );
    let aborting = format!("rank {failing} of {ranks} panicked: aborting the whole MPI job");
    (failing, handed, aborting)
}

#[test]
fn funneled_a_threads_panic_reaches_the_main_thread_through_join_which_aborts() {
    for ranks in 1..=4 {
        for backtrace in ["0", "1"] {
            let stderr = run_ends_the_job(ranks, &["--in-thread", "joins"], backtrace);
            let (_, handed, aborting) = failing(ranks);
            let context = format!("{ranks} ranks, RUST_BACKTRACE={backtrace}");
            // The worker's hook prints and leaves MPI alone; then the main
            // thread, whose join() returned the panic, panics and aborts.
            let worker = position(&stderr, &handed, &context);
            let main = position(&stderr, &aborting, &context);
            let joined = position(&stderr, "the thread panicked", &context);
            assert!(worker < main && main < joined, "{context}:\n{stderr}");
            if backtrace == "1" {
                // The worker's whole backtrace came out before the abort.
                let trace = position(&stderr, "stack backtrace:", &context);
                assert!(worker < trace && trace < main, "{context}:\n{stderr}");
            }
        }
    }
}

#[test]
fn funneled_a_main_thread_busy_with_mpi_aborts_when_it_checks() {
    for ranks in 1..=4 {
        for backtrace in ["0", "1"] {
            let stderr = run_ends_the_job(ranks, &["--in-thread", "polls"], backtrace);
            let (failing, handed, _) = failing(ranks);
            let context = format!("{ranks} ranks, RUST_BACKTRACE={backtrace}");
            let worker = position(&stderr, &handed, &context);
            let main = position(
                &stderr,
                &format!(
                    "rank {failing} of {ranks}: a thread panicked: aborting the whole MPI job"
                ),
                &context,
            );
            assert!(worker < main, "{context}:\n{stderr}");
            // The flag is raised only once the thread's panic is printed, backtrace and all.
            let message = position(&stderr, "fails on purpose", &context);
            assert!(message < main, "{context}:\n{stderr}");
            if backtrace == "1" {
                let trace = position(&stderr, "stack backtrace:", &context);
                assert!(worker < trace && trace < main, "{context}:\n{stderr}");
            }
        }
    }
}

#[test]
fn multiple_the_panicking_thread_aborts_by_itself() {
    for ranks in 1..=4 {
        for backtrace in ["0", "1"] {
            // The main thread waits in a receive that never completes: only
            // the panicking thread can end the job.
            let args = ["--in-thread", "waits", "--level", "multiple"];
            let stderr = run_ends_the_job(ranks, &args, backtrace);
            let (_, handed, aborting) = failing(ranks);
            let context = format!("{ranks} ranks, RUST_BACKTRACE={backtrace}");
            position(&stderr, &aborting, &context);
            assert!(!stderr.contains(&handed), "{context}:\n{stderr}");
        }
    }
}
