//! [`plan`]: the checks made before any photo is denoised, so that a bad
//! folder is one clear error instead of 100 failures.

use std::fs;
use std::path::Path;

use crate::{DEFAULT_INPUT, MAKE_NOISY, PhotoArgs};

/// Checks the folders and returns the photos to denoise: the names of the
/// `*.jpg` and `*.jpeg` files (any case) in the input folder, sorted. Creates
/// the output folder (and the montage's) if needed. The error is one line for
/// the learner, without `error: `.
///
/// Refused: a missing input folder or one without photos (for the default
/// folder, with the command that makes them), an output folder or montage
/// location that cannot be written, and an output folder that *is* the input
/// folder (the same device and inode: also through a symlink, `..` or a bind
/// mount): the results would overwrite the photos.
///
/// A `*.jpg` symbolic link that leads nowhere (or in a loop) is listed, so
/// that it fails with its reason instead of being skipped in silence.
pub fn plan(args: &PhotoArgs) -> Result<Vec<String>, String> {
    let (input, output) = (&args.input, &args.output);
    let is_default = input == Path::new(DEFAULT_INPUT);
    let no_photos = |what: &str| {
        if is_default {
            format!("{what}: make the 100 noisy photos first with `{MAKE_NOISY}`")
        } else {
            what.to_owned()
        }
    };

    if let Some(m) = &args.montage {
        check_montage(m)?;
    }

    if !input.exists() {
        return Err(no_photos(&format!(
            "input folder {} does not exist",
            input.display()
        )));
    }
    let entries = fs::read_dir(input)
        .map_err(|e| format!("cannot read input folder {}: {e}", input.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry =
            entry.map_err(|e| format!("cannot read input folder {}: {e}", input.display()))?;
        let path = entry.path();
        let is_jpg = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("jpg") || e.eq_ignore_ascii_case("jpeg"));
        let broken_link = path.is_symlink() && fs::metadata(&path).is_err();
        if !is_jpg || !(path.is_file() || broken_link) {
            continue; // other files and folders are not photos
        }
        match entry.file_name().into_string() {
            Ok(name) => files.push(name),
            Err(name) => {
                return Err(format!(
                    "{}: file name is not UTF-8, rename it",
                    Path::new(&name).display()
                ));
            }
        }
    }
    if files.is_empty() {
        return Err(no_photos(&format!(
            "no .jpg or .jpeg files in {}",
            input.display()
        )));
    }
    files.sort();
    // The simulated cluster's build charges each photo's measured time instead of
    // filtering it: there must be one for every photo, and no montage to draw.
    #[cfg(feature = "smpi")]
    {
        if args.montage.is_some() {
            return Err("--montage: on the simulated cluster no photo is written".to_owned());
        }
        crate::check_costs(&crate::read_costs(&args.costs)?, &args.costs, &files)?;
    }

    if output.exists() && !output.is_dir() {
        return Err(format!("output {} is not a folder", output.display()));
    }
    fs::create_dir_all(output)
        .map_err(|e| format!("cannot create output folder {}: {e}", output.display()))?;
    if denoise_kernel::same_file(input, output) {
        return Err(format!(
            "output folder {} is the input folder {}: the photos would be overwritten; choose another --output",
            output.display(),
            input.display()
        ));
    }
    // Try to write before starting the work: a read-only folder is one error, not 100.
    probe_write(output)
        .map_err(|e| format!("cannot write in output folder {}: {e}", output.display()))?;
    Ok(files)
}

/// The montage must be a PNG, in a folder we can write to (created if
/// needed), and not an existing folder: checked before the run, not after it.
fn check_montage(montage: &Path) -> Result<(), String> {
    let shown = montage.display();
    if !montage
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("png"))
    {
        return Err(format!(
            "--montage {shown}: the montage is a PNG file, name it *.png"
        ));
    }
    if montage.is_dir() {
        return Err(format!("--montage {shown}: is a folder, not a file"));
    }
    let folder = match montage.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    fs::create_dir_all(folder).map_err(|e| {
        format!(
            "--montage {shown}: cannot create folder {}: {e}",
            folder.display()
        )
    })?;
    probe_write(folder).map_err(|e| {
        format!(
            "--montage {shown}: cannot write in {}: {e}",
            folder.display()
        )
    })
}

/// Creates and removes a temporary file in `folder`: can we write there?
/// The error says why without the temporary name (see `temp_file_reason`).
fn probe_write(folder: &Path) -> std::io::Result<()> {
    tempfile::Builder::new()
        .prefix(denoise_kernel::TEMP_PREFIX)
        .suffix(denoise_kernel::TEMP_SUFFIX)
        .tempfile_in(folder)
        .map(drop)
        .map_err(|e| std::io::Error::other(denoise_kernel::temp_file_reason(&e)))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::FlavourArg;

    fn args(input: &Path, output: &Path) -> PhotoArgs {
        PhotoArgs {
            input: input.to_owned(),
            output: output.to_owned(),
            flavour: FlavourArg::Skimage,
            quiet: true,
            montage: None,
            progress: false,
            max_pixels: Some(u64::MAX),
        }
    }

    #[test]
    fn plan_lists_jpg_files_of_any_case_sorted_and_skips_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in");
        fs::create_dir(&input).unwrap();
        for name in [
            "b.jpg",
            "A.JPG",
            "c.Jpg",
            "d.jpeg",
            "e.png",
            "notes.txt",
            "jpg",
        ] {
            fs::write(input.join(name), b"x").unwrap();
        }
        fs::create_dir(input.join("folder.jpg")).unwrap();
        let output = dir.path().join("new/out");
        let files = plan(&args(&input, &output)).unwrap();
        assert_eq!(files, ["A.JPG", "b.jpg", "c.Jpg", "d.jpeg"]);
        assert!(output.is_dir(), "the output folder is created");
        assert!(
            fs::read_dir(&output).unwrap().next().is_none(),
            "the write probe leaves nothing behind"
        );
    }

    #[test]
    fn plan_refuses_a_montage_that_is_not_png() {
        let dir = tempfile::tempdir().unwrap();
        let mut a = args(dir.path(), &dir.path().join("out"));
        a.montage = Some(PathBuf::from("before_after.jpg"));
        assert!(plan(&a).unwrap_err().contains("PNG"));
    }
}
