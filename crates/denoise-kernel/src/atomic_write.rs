//! Atomic writes: every file this crate writes goes first to a temporary file
//! beside it (`.denoise-XXXXXX.tmp`), which is renamed when complete, so a
//! reader never sees half a photo.
//!
//! In the kernel rather than in `denoise-mpi`, because the kernel's own writes
//! use it ([`FloatImage::save`](crate::FloatImage::save), [`save_photo`](crate::save_photo),
//! hence `denoise_file`, and `make-noisy`), and the lock that [`hold_writes`]
//! takes must be the one those writes hold: a program stopped by a signal
//! (`denoise-mpi`'s handler, `make-noisy`'s `fail`) waits on it until no
//! temporary file of ours exists.

use std::io::Write;
use std::path::Path;

use crate::error::write_error;
use crate::{DenoiseError, OutputFormat};

/// The prefix and suffix of our temporary files: `.denoise-XXXXXX.tmp`
/// (git ignores `.*.tmp`). [`is_stale_temp_name`] recognises them.
pub const TEMP_PREFIX: &str = ".denoise-";
pub const TEMP_SUFFIX: &str = ".tmp";

/// Whether a file name is one of our temporary files: `.denoise-XXXXXX.tmp`,
/// or `.XXXXXX.tmp` as earlier versions named them (6 letters or digits).
pub fn is_stale_temp_name(name: &str) -> bool {
    let middle = name
        .strip_prefix(TEMP_PREFIX)
        .or_else(|| name.strip_prefix('.'))
        .and_then(|n| n.strip_suffix(TEMP_SUFFIX));
    middle.is_some_and(|m| m.len() == 6 && m.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Held while a temporary file exists: [`hold_writes`] takes it to make sure
/// none exists (after a signal, before the process exits).
static WRITING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Waits until no [`write_atomic`] is in progress and keeps any new one from
/// starting while the guard lives: then no temporary file of ours exists.
/// A program that exits on a signal calls it first, so it leaves nothing behind.
pub fn hold_writes() -> std::sync::MutexGuard<'static, ()> {
    WRITING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Checks, before any work, that `path` can be written: a known format, not a
/// folder, in a folder where we may create files (tried with a temporary file).
pub fn check_writable(path: &Path) -> Result<OutputFormat, DenoiseError> {
    let format = OutputFormat::of(path)?;
    if path.is_dir() {
        return Err(write_error(path, "it is a folder"));
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)
        .map_err(|e| cannot_create_in(path, dir, &e))?;
    Ok(format)
}

/// The error of a temporary file that could not be made in `dir`.
fn cannot_create_in(path: &Path, dir: &Path, e: &std::io::Error) -> DenoiseError {
    write_error(
        path,
        format!(
            "cannot create a file in {}: {}",
            dir.display(),
            temp_file_reason(e)
        ),
    )
}

/// Why a temporary file could not be made, in the user's terms: tempfile's own
/// text ends in the temporary name (`… at path "/x/.denoise-oBvmOn.tmp"`), which
/// means nothing to the user, so it is cut off; a missing folder says so.
pub fn temp_file_reason(e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::NotFound {
        return "no such folder".to_owned();
    }
    let text = e.to_string();
    match text.rsplit_once(" at path ") {
        Some((reason, _)) => reason.to_owned(),
        None => text,
    }
}

/// Writes `bytes` to a temporary file beside `path` (`.denoise-XXXXXX.tmp`),
/// then renames it to `path`: the file appears whole or not at all. An
/// existing `path` is replaced in one step.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), DenoiseError> {
    write_atomic_with(path, |file| {
        file.write_all(bytes).map_err(|e| e.to_string())
    })
}

/// The buffered temporary file [`write_atomic_with`] hands to its writer
/// (it can seek, as the TIFF encoder needs).
pub type OutputFile<'a> = std::io::BufWriter<&'a mut std::fs::File>;

/// [`write_atomic`] for bytes made as they are written: `write` writes them
/// into the (buffered) temporary file; if it fails, the file is removed and
/// `path` is left as it was.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut OutputFile<'_>) -> Result<(), String>,
) -> Result<(), DenoiseError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    // The temporary file exists only while this guard is held (see hold_writes).
    let _writing = hold_writes();
    let mut builder = tempfile::Builder::new();
    builder.prefix(TEMP_PREFIX).suffix(TEMP_SUFFIX);
    // Temporary files are private (0600) by default; the result should be an
    // ordinary file, readable by all, like any other the user makes.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let mut tmp = builder
        .tempfile_in(dir)
        .map_err(|e| cannot_create_in(path, dir, &e))?;
    let mut buffered = std::io::BufWriter::with_capacity(1 << 16, tmp.as_file_mut());
    write(&mut buffered).map_err(|e| write_error(path, e))?;
    buffered.flush().map_err(|e| write_error(path, e))?;
    drop(buffered);
    tmp.persist(path).map_err(|e| write_error(path, e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A temporary file that cannot be made is explained without its name:
    /// the OS's reason alone, and "no such folder" for a missing one.
    #[test]
    fn temp_file_errors_name_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let a_file = dir.path().join("a-file");
        std::fs::write(&a_file, b"").unwrap();
        let e = tempfile::Builder::new().tempfile_in(&a_file).unwrap_err();
        assert!(e.to_string().contains(" at path "), "{e}");
        assert_eq!(
            temp_file_reason(&e),
            std::io::Error::from_raw_os_error(20).to_string(), // ENOTDIR
        );
        let e = tempfile::Builder::new()
            .tempfile_in(dir.path().join("missing"))
            .unwrap_err();
        assert_eq!(temp_file_reason(&e), "no such folder");
    }

    #[test]
    fn stale_temporary_files_are_only_ours() {
        for ours in [".denoise-Ab12Cd.tmp", ".x8Yz0Q.tmp"] {
            assert!(is_stale_temp_name(ours), "{ours}");
        }
        for not_ours in [
            ".mine.tmp",
            ".denoise-abc.tmp",
            "a.tmp",
            ".denoise-Ab12Cd.jpg",
            ".Ab-2Cd.tmp",
        ] {
            assert!(!is_stale_temp_name(not_ours), "{not_ours}");
        }
    }
}
