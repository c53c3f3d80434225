//! Files the tools write and read back: written whole or not at all, and read as git's last
//! commit has them (the exercises as shipped, whatever a learner has edited since).

use std::path::Path;
use std::process::Command;

/// Writes `text` to `path` whole or not at all: a temporary file beside it, then a rename
/// (atomic on one file system), so an interrupted write leaves the old file as it was.
pub fn write_whole(path: &Path, text: &str) -> Result<(), String> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.writing"));
    std::fs::write(&temporary, text)
        .and_then(|()| std::fs::rename(&temporary, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&temporary);
            format!("{}: cannot write: {e}", path.display())
        })
}

/// The text of `file` in git's last commit (`git show HEAD:./NAME`, run in its folder).
pub fn committed_text(file: &Path) -> Result<String, String> {
    let dir = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| format!("{}: not a file name", file.display()))?;
    let out = Command::new("git")
        .current_dir(dir)
        .args(["show", &format!("HEAD:./{name}")])
        .output()
        .map_err(|e| {
            format!(
                "{}: cannot run git to read the committed file: {e}",
                file.display()
            )
        })?;
    if !out.status.success() {
        let why = String::from_utf8_lossy(&out.stderr);
        return Err(format!(
            "{}: not in git's last commit ({})",
            file.display(),
            why.lines().next().unwrap_or("git show failed")
        ));
    }
    String::from_utf8(out.stdout).map_err(|_| format!("{}: not UTF-8 in git", file.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_whole_write_replaces_the_file_and_leaves_no_temporary() {
        let dir = std::env::temp_dir().join(format!("lesson-cli-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.txt");
        std::fs::write(&path, "old").unwrap();
        write_whole(&path, "new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        // Into a folder that does not exist: an error naming the file, nothing written.
        let error = write_whole(&dir.join("no/such/out.txt"), "x").unwrap_err();
        assert!(error.contains("no/such/out.txt"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
