//! `denoise-parallel`'s photos: made afresh for each check, with what the
//! serial program makes of them, to compare each run's outputs with.

use std::path::{Path, PathBuf};

use exercises::run::shown;

/// denoise-parallel's photos, what the serial program makes of them, and the
/// runs' outputs, in one folder per binary checked
/// (`target/exercise-runs/ex-denoise-parallel-photos/`). Each check makes it
/// afresh; a check that FAILS leaves it there, so the `ran:` command works when
/// pasted, and one that passes removes it.
pub(super) struct Photos {
    folder: PathBuf,
    files: Vec<String>,
}

impl Photos {
    pub(super) fn new(count: usize, scratch: &Path, bin: &str) -> Result<Photos, String> {
        // The binary's name is a crate's binary's: letters, digits, `-` and `_`.
        let name: String = bin
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let folder = scratch.join(format!("{name}-photos"));
        if let Err(e) = std::fs::remove_dir_all(&folder)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            return Err(format!(
                "cannot remove the last check's photos, {}: {e}",
                shown(&folder).display()
            ));
        }
        let files = exercises::denoise::make_photos(&folder.join("noisy"), count)?;
        exercises::denoise::serial_outputs(&folder.join("noisy"), &folder.join("serial"), &files)?;
        Ok(Photos { folder, files })
    }

    /// A fresh output folder for a run at `ranks` ranks, given in `args`.
    pub(super) fn output_for(&self, ranks: usize, args: &mut Vec<String>) -> PathBuf {
        let output = self.folder.join(format!("denoised-{ranks}"));
        let _ = std::fs::remove_dir_all(&output);
        args.extend([
            "--input".to_string(),
            self.folder.join("noisy").display().to_string(),
            "--output".to_string(),
            output.display().to_string(),
        ]);
        output
    }

    /// Whether a run wrote what denoise-serial does.
    pub(super) fn same_outputs(&self, output: &Path) -> Result<(), String> {
        exercises::denoise::same_outputs(&self.folder.join("serial"), output, &self.files)
    }

    /// The check passed: nothing to look at.
    pub(super) fn remove(self) {
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}
