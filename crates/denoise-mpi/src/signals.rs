//! Stopping cleanly on Ctrl-C or SIGTERM: no temporary file left behind, and
//! one line that says how many photos were done.

use std::io::Write as _;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use crate::count;

/// Photos this process has denoised and written so far (for the line printed
/// when a signal stops it).
pub static DONE: AtomicUsize = AtomicUsize::new(0);

/// Whether photos are being denoised now (see [`PhotosInProgress`]).
static WORKING: AtomicBool = AtomicBool::new(false);

/// While it lives, photos are being denoised: a signal then stops the run with
/// the line that says how far it got. Before the photos start and after the
/// work is done, a signal ends the process quietly: when one rank exits with
/// an error status, mpiexec sends SIGTERM to the ranks that are only finishing,
/// and they have nothing to report.
#[must_use = "the photos are in progress only while it lives"]
pub struct PhotosInProgress(());

impl PhotosInProgress {
    pub fn start() -> Self {
        WORKING.store(true, Ordering::SeqCst);
        Self(())
    }
}

impl Drop for PhotosInProgress {
    fn drop(&mut self) {
        WORKING.store(false, Ordering::SeqCst);
    }
}

/// On SIGINT (Ctrl-C) or SIGTERM, stop cleanly: wait for a write in progress
/// to finish (so no temporary file is left), say how many photos were done,
/// and exit with status 130 or 143, as a shell reports a process killed by
/// that signal. `process` prefixes the line with `Process R: `; `total` is the
/// number of photos, if this process knows it.
///
/// The signal is received by a thread of ours, not handled inside the signal
/// handler (signal-hook), so it may take locks and print like any code.
///
/// On the simulated cluster (feature `smpi`) every rank is one process and
/// writes nothing: Ctrl-C simply ends the simulation, and this does nothing.
pub fn exit_cleanly_on_signals(process: Option<i32>, total: Option<usize>) {
    if cfg!(feature = "smpi") {
        return;
    }
    use signal_hook::consts::{SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
        return; // no handler: the default action (exit at once) stays
    };
    std::thread::spawn(move || {
        let Some(signal) = signals.forever().next() else {
            return;
        };
        let received = Instant::now();
        let _no_temporary_file = denoise_kernel::hold_writes();
        let (name, status) = if signal == SIGINT {
            ("SIGINT", 130)
        } else {
            ("SIGTERM", 143)
        };
        if !WORKING.load(Ordering::SeqCst) {
            std::process::exit(status);
        }
        let done = DONE.load(Ordering::SeqCst);
        let done = match total {
            Some(total) => format!("{done} of {}", count(total, "photo")),
            None => count(done, "photo"),
        };
        let who = process
            .map(|r| format!("Process {r}: "))
            .unwrap_or_default();
        let line = format!(
            "error: {who}stopped by {name} with {done} done; no unfinished file left behind\n"
        );
        let _ = std::io::stdout().flush();
        let _ = std::io::stderr().write_all(line.as_bytes());
        if process.is_some() {
            // mpiexec passes Ctrl-C to every rank at once, but kills the ranks
            // still running (SIGKILL, which nobody can catch) as soon as one
            // exits: give the others a moment to finish their writes too.
            let waited = received.elapsed();
            std::thread::sleep(std::time::Duration::from_millis(300).saturating_sub(waited));
        }
        std::process::exit(status);
    });
}
