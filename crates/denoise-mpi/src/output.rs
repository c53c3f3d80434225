//! The output folder before a run: locked against another run writing into
//! it, and rid of the temporary files an interrupted run left there.

use std::fs;
use std::path::Path;

use crate::{PhotoArgs, count};

/// Removes the temporary files that an interrupted run of ours left in the
/// output folder, and says how many. Call it once, after [`plan`](crate::plan)
/// and before any photo is written: in an MPI job on one rank, before the
/// others start (another rank's write in progress is a temporary file too).
///
/// Two runs writing into one folder at once must not remove each other's
/// writes in progress: the run locks the folder itself (`flock`, released
/// by the system when the process ends, however it ends), and a run that
/// finds it locked by another leaves the temporary files alone.
pub fn clean_output(args: &PhotoArgs) -> Result<(), String> {
    if !lock_output_folder(&args.output) {
        println!(
            "Another run is writing into {}: its unfinished files are left alone",
            args.output.display()
        );
        return Ok(());
    }
    let stale = remove_stale_temporary_files(&args.output)?;
    if stale > 0 {
        println!(
            "Removed {} that an interrupted run left in {}",
            count(stale, "unfinished temporary file"),
            args.output.display()
        );
    }
    Ok(())
}

/// The output folder, locked for as long as this process lives.
static OUTPUT_LOCK: std::sync::OnceLock<fs::File> = std::sync::OnceLock::new();

/// Locks `folder` for this run; false when another live run holds the lock.
/// Where folders cannot be locked (some network file systems), true.
fn lock_output_folder(folder: &Path) -> bool {
    let Ok(dir) = fs::File::open(folder) else {
        return true;
    };
    match dir.try_lock() {
        Ok(()) => {
            let _ = OUTPUT_LOCK.set(dir);
            true
        }
        Err(fs::TryLockError::WouldBlock) => false,
        Err(fs::TryLockError::Error(_)) => true,
    }
}

/// Removes the temporary files a killed run left in `folder` (ours only:
/// see `denoise_kernel::is_stale_temp_name`); returns how many.
fn remove_stale_temporary_files(folder: &Path) -> Result<usize, String> {
    let entries = fs::read_dir(folder)
        .map_err(|e| format!("cannot read output folder {}: {e}", folder.display()))?;
    let mut removed = 0;
    for entry in entries.flatten() {
        let stale = entry
            .file_name()
            .to_str()
            .is_some_and(denoise_kernel::is_stale_temp_name);
        if stale && entry.file_type().is_ok_and(|t| t.is_file()) {
            fs::remove_file(entry.path())
                .map_err(|e| format!("cannot remove stale {}: {e}", entry.path().display()))?;
            removed += 1;
        }
    }
    Ok(removed)
}
