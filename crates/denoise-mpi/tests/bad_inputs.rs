//! Exercise 1 end to end, when something is wrong: bad, cut, huge or oddly
//! named photos fail one by one with their reason while the others are
//! denoised, and unusable folders are refused before any work.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use image::ImageEncoder;
use mpi_basics::launch::{mpiexec, stdout_of};
use tempfile::TempDir;

use common::*;

#[test]
fn bad_photos_are_reported_and_every_good_one_is_still_denoised() {
    let input = photo_folder(5);
    let good = serial_results(input.path());
    let dir = input.path();
    let truncated = fs::read(dir.join("noisy_001.jpg")).unwrap();
    fs::write(dir.join("noisy_001.jpg"), &truncated[..truncated.len() / 3]).unwrap();
    fs::write(dir.join("empty.jpg"), b"").unwrap();
    fs::write(dir.join("notes.JPG"), b"not a photo, just text\n").unwrap();
    fs::write(dir.join("readme.txt"), b"ignored: not a .jpg").unwrap();
    let bad = ["empty.jpg", "noisy_001.jpg", "notes.JPG"];
    let mut expected = good.clone();
    expected.remove("noisy_001.jpg");

    let check = |what: &str, run: &Output, output: &Path| {
        let (stdout, stderr) = (stdout_of(run), text(&run.stderr));
        assert_eq!(
            run.status.code(),
            Some(1),
            "{what}: exit status 1\n{stdout}{stderr}"
        );
        assert!(
            files_of(output) == expected,
            "{what}: exactly the good photos, as serial makes them"
        );
        for name in bad {
            let prefix = format!("error: {name}: ");
            let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with(&prefix)).collect();
            assert_eq!(
                lines.len(),
                1,
                "{what}: one error line for {name}:\n{stderr}"
            );
            assert!(lines[0].len() > prefix.len(), "{what}: a reason for {name}");
        }
        assert!(
            stderr.contains("error: 3 of 7 photos failed: empty.jpg, noisy_001.jpg, notes.JPG"),
            "{what}: {stderr}"
        );
        (stdout, stderr)
    };

    let out = TempDir::new().unwrap();
    check("serial", &run_serial(dir, out.path(), &[]), out.path());
    for schedule in ["static", "dynamic"] {
        let out = TempDir::new().unwrap();
        let run = run_parallel(3, schedule, dir, out.path(), &[]);
        let (stdout, _) = check(schedule, &run, out.path());
        assert!(stdout.contains("Failures: 3"), "{schedule}: {stdout}");
        for name in bad {
            assert!(
                stdout.contains(&format!("  {name} (rank ")),
                "{schedule}: summary lists {name}:\n{stdout}"
            );
        }
    }
}

/// A run that must be refused before any work: status 2, one `error:` line
/// (from rank 0 only), nothing written to the input folder.
fn assert_refused(input: &Path, output: &Path, expected: &str) {
    let before = input.is_dir().then(|| files_of(input));
    let serial = run_serial(input, output, &[]);
    let mut runs = vec![("serial".to_owned(), serial)];
    for schedule in ["static", "dynamic"] {
        runs.push((
            format!("3 ranks, {schedule}"),
            run_parallel(3, schedule, input, output, &[]),
        ));
    }
    for (what, run) in runs {
        let stderr = text(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{what}: {stderr}");
        let errors: Vec<&str> = stderr
            .lines()
            .filter(|l| l.starts_with("error: "))
            .collect();
        assert_eq!(errors.len(), 1, "{what}: one error line:\n{stderr}");
        assert!(errors[0].contains(expected), "{what}: {stderr}");
        assert!(!stdout_of(&run).contains("Took"), "{what}: no work done");
    }
    assert!(
        input.is_dir().then(|| files_of(input)) == before,
        "the input folder is untouched"
    );
}

#[test]
fn output_folder_equal_to_input_is_refused() {
    let input = photo_folder(2);
    assert_refused(input.path(), input.path(), "is the input folder");
    // The same folder by another name.
    let other_name = input
        .path()
        .join("..")
        .join(input.path().file_name().unwrap());
    assert_refused(input.path(), &other_name, "is the input folder");
}

#[test]
fn unusable_folders_are_refused_on_every_rank_together() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    assert_refused(&tmp.path().join("missing"), &out, "does not exist");
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    fs::write(empty.join("photo.png"), b"not a jpg").unwrap();
    assert_refused(&empty, &out, "no .jpg or .jpeg files in");
    let input = photo_folder(1);
    let a_file = tmp.path().join("a_file");
    fs::write(&a_file, b"").unwrap();
    assert_refused(input.path(), &a_file, "is not a folder");
}

#[test]
fn default_input_missing_says_how_to_make_the_photos() {
    let cwd = TempDir::new().unwrap();
    let run = Command::new(SERIAL)
        .current_dir(cwd.path())
        .output()
        .unwrap();
    let stderr = text(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cargo run --release -p denoise-kernel --bin make-noisy"),
        "{stderr}"
    );
}

/// Only the regular files of a folder (the test puts a folder among them).
fn regular_files_of(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    files_of_where(dir, |p| p.is_file())
}

fn files_of_where(dir: &Path, keep: impl Fn(&Path) -> bool) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| keep(p))
        .map(|p| {
            (
                p.file_name().unwrap().to_str().unwrap().to_owned(),
                fs::read(&p).unwrap(),
            )
        })
        .collect()
}

#[test]
fn cut_corrupt_huge_and_misnamed_photos_each_fail_with_their_reason() {
    let input = photo_folder(4);
    let dir = input.path();
    // A larger photo to damage in several ways.
    write_photo(&dir.join("big.jpg"), (160, 120), 99);
    let big = fs::read(dir.join("big.jpg")).unwrap();
    fs::remove_file(dir.join("big.jpg")).unwrap();
    let data = scan_start(&big);
    let cuts = [
        ("cut_after_header.jpg", data + 20),
        ("cut_half.jpg", big.len() / 2),
        ("cut_near_end.jpg", big.len() - 100),
    ];
    for (name, at) in cuts {
        fs::write(dir.join(name), &big[..at]).unwrap();
    }
    let mut overwritten = big.clone();
    let middle = data + (big.len() - data) / 2;
    for (i, b) in overwritten[middle..middle + 100].iter_mut().enumerate() {
        *b = (i * 37 % 251) as u8; // no 0xFF: no marker, only wrong codes
    }
    fs::write(dir.join("overwritten.jpg"), &overwritten).unwrap();
    // Only the headers, declaring 12000×12000 pixels (0x2EE0).
    let mut huge = big[..data].to_vec();
    let sof = huge.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    huge[sof + 5..sof + 9].copy_from_slice(&[0x2E, 0xE0, 0x2E, 0xE0]);
    fs::write(dir.join("huge.jpg"), &huge).unwrap();
    // A PNG named .jpg is read by its content, like scikit-image does.
    let png = tempfile::NamedTempFile::with_suffix(".png").unwrap();
    write_photo(png.path(), (30, 20), 7);
    fs::copy(png.path(), dir.join("really_a_png.jpg")).unwrap();
    // A 16-bit PNG (named .jpg): denoised, and the JPEG written says it is 8-bit.
    let sixteen = image::ImageBuffer::from_fn(24, 16, |x, y| {
        image::Luma([(x * 2000 + y * 1500 + (x * y) % 97) as u16])
    });
    image::DynamicImage::ImageLuma16(sixteen)
        .save_with_format(dir.join("sixteen_bit.jpg"), image::ImageFormat::Png)
        .unwrap();

    let bad = [
        ("cut_after_header.jpg", "truncated JPEG data ("),
        ("cut_half.jpg", "truncated JPEG data ("),
        ("cut_near_end.jpg", "truncated JPEG data ("),
        ("overwritten.jpg", "corrupt JPEG data ("),
        (
            "huge.jpg",
            "12000x12000 pixels needs about 900 MB, over the limit 100000000 (--max-pixels)",
        ),
        ("noisy_002.jpg", "cannot write "),
    ];
    let limit = ["--max-pixels", "100000000"];
    let reference = {
        let out = TempDir::new().unwrap();
        run_serial(dir, out.path(), &limit);
        let mut files = files_of(out.path());
        assert!(files.contains_key("really_a_png.jpg"), "{files:?}");
        files.retain(|name, _| {
            name.starts_with("noisy_") || name == "really_a_png.jpg" || name == "sixteen_bit.jpg"
        });
        files
    };
    assert_eq!(reference.len(), 6);

    let check = |what: &str, run: &Output, output: &Path| {
        let (stdout, stderr) = (stdout_of(run), text(&run.stderr));
        let context = format!("{what}:\n{stdout}{stderr}");
        assert_eq!(run.status.code(), Some(1), "{context}");
        let mut expected = reference.clone();
        expected.remove("noisy_002.jpg");
        assert!(
            regular_files_of(output) == expected,
            "{what}: the good photos, byte for byte as serial makes them, and nothing else"
        );
        for (name, reason) in bad {
            let line = format!("error: {name}: {reason}");
            assert_eq!(
                stderr.lines().filter(|l| l.starts_with(&line)).count(),
                1,
                "{name}: {context}"
            );
        }
        assert!(
            stderr.contains("note: sixteen_bit.jpg: 16-bit photo written as JPEG, which holds 8 bits: cut to 8 bits\n"),
            "{context}"
        );
        let the_dir = output.join("noisy_002.jpg");
        assert!(
            stderr.contains(&format!(
                "error: noisy_002.jpg: cannot write {}: Is a directory",
                the_dir.display()
            )),
            "{context}"
        );
        assert!(
            stderr.contains(
                "error: 6 of 11 photos failed: cut_after_header.jpg, cut_half.jpg, \
                 cut_near_end.jpg, huge.jpg, noisy_002.jpg, overwritten.jpg"
            ),
            "{context}"
        );
        assert!(!stderr.contains("panicked"), "{context}");
    };
    let fresh_output = || {
        let out = TempDir::new().unwrap();
        fs::create_dir(out.path().join("noisy_002.jpg")).unwrap();
        out
    };
    let out = fresh_output();
    check("serial", &run_serial(dir, out.path(), &limit), out.path());
    for ranks in [1, 3] {
        for schedule in ["static", "dynamic"] {
            let out = fresh_output();
            let run = run_parallel(ranks, schedule, dir, out.path(), &limit);
            check(&format!("{ranks} ranks, {schedule}"), &run, out.path());
        }
    }
}

#[test]
fn odd_names_links_and_a_bad_montage_place_are_reported_not_skipped() {
    let input = photo_folder(1);
    let dir = input.path();
    fs::copy(dir.join("noisy_000.jpg"), dir.join("photo.JPEG")).unwrap();
    fs::copy(dir.join("noisy_000.jpg"), dir.join("two\nlines.jpg")).unwrap();
    std::os::unix::fs::symlink(dir.join("nowhere.jpg"), dir.join("dangling.jpg")).unwrap();
    std::os::unix::fs::symlink(dir.join("loop.jpg"), dir.join("loop.jpg")).unwrap();

    let out = TempDir::new().unwrap();
    let run = run_parallel(1, "static", dir, out.path(), &[]);
    let (stdout, stderr) = (stdout_of(&run), text(&run.stderr));
    assert_eq!(run.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("Summary: 5 photos on 1 rank, static"),
        "{stdout}"
    );
    assert!(
        stdout.contains(" for photo.JPEG\n"),
        "*.jpeg counts: {stdout}"
    );
    assert!(
        stdout.contains(" for two\\nlines.jpg\n"),
        "the newline is escaped, the line whole: {stdout}"
    );
    assert!(
        stderr.contains("error: dangling.jpg: broken symbolic link: "),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: loop.jpg: symbolic link loop"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: 2 of 5 photos failed: dangling.jpg, loop.jpg"),
        "{stderr}"
    );

    // One photo, one rank: singular, and a montage place that cannot be a
    // file is refused before any work.
    let one = photo_folder(1);
    let run = run_parallel(1, "dynamic", one.path(), out.path(), &[]);
    let stdout = stdout_of(&run);
    assert!(stdout.contains("Summary: 1 photo on 1 rank,"), "{stdout}");
    assert!(stdout.contains("  rank 0: 1 photo in "), "{stdout}");
    let folder = out.path().join("folder.png");
    fs::create_dir(&folder).unwrap();
    let under_a_file = out.path().join("noisy_000.jpg").join("m.png");
    for montage in [folder, under_a_file] {
        let run = run_serial(one.path(), out.path(), &["--montage", path(&montage)]);
        let stderr = text(&run.stderr);
        assert_eq!(
            run.status.code(),
            Some(2),
            "{}: {stderr}",
            montage.display()
        );
        assert!(stderr.starts_with("error: --montage "), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(!text(&run.stdout).contains("Took"), "no work done");
    }
}

/// Unmounts a bind mount when dropped, whatever the test did.
struct BindMount(std::path::PathBuf);

impl Drop for BindMount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_bind_mount_of_the_input_folder_is_refused_as_output() {
    let input = photo_folder(2);
    let tmp = TempDir::new().unwrap();
    let mirror = tmp.path().join("mirror");
    fs::create_dir(&mirror).unwrap();
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    let mounted = is_root
        && Command::new("mount")
            .args(["--bind", path(input.path()), path(&mirror)])
            .output()
            .is_ok_and(|o| o.status.success());
    if !mounted {
        eprintln!("skipped: bind-mount test needs root and mount --bind (not available here)");
        return;
    }
    let _unmount = BindMount(mirror.clone());
    assert!(mirror.join("noisy_000.jpg").is_file(), "the mount works");
    // Two names, one folder: the same (device, inode).
    assert_refused(input.path(), &mirror, "is the input folder");
}

#[test]
fn the_default_size_limit_is_the_machines_share_divided_among_its_ranks() {
    // Only headers, declaring 65535×65535 pixels: over any default limit of a
    // machine with less than about 150 GB, at 3 ranks.
    let input = photo_folder(1);
    write_photo(&input.path().join("big.jpg"), (64, 48), 5);
    let big = fs::read(input.path().join("big.jpg")).unwrap();
    let mut huge = big[..scan_start(&big)].to_vec();
    let sof = huge.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    huge[sof + 5..sof + 9].fill(0xFF);
    fs::write(input.path().join("big.jpg"), &huge).unwrap();
    let limit = denoise_kernel::read::default_max_pixels() / 3;
    if limit >= 65535 * 65535 {
        eprintln!(
            "skipped: this machine's memory is too large for a 65535x65535 photo to be refused"
        );
        return;
    }
    let out = TempDir::new().unwrap();
    let args = ["--input", path(input.path()), "--output", path(out.path())];
    let run = mpiexec(PARALLEL, 3, &args);
    let stderr = text(&run.stderr);
    assert!(
        stderr.contains("error: big.jpg: 65535x65535 pixels needs about "),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(", over the limit {limit} (--max-pixels)")),
        "3 ranks on this machine share it: {stderr}"
    );
}

#[test]
fn running_out_of_memory_is_one_photos_error_not_an_abort() {
    // A 15000×15000 RGB photo needs 675 MB for its decoded samples alone;
    // under a 450 MB address-space limit they cannot be reserved, while a
    // small photo still fits. (Black, so the PNG is small and quick to make.)
    let input = photo_folder(1);
    let side = 15_000;
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new_with_quality(
        &mut png,
        image::codecs::png::CompressionType::Fast,
        image::codecs::png::FilterType::NoFilter,
    )
    .write_image(
        &vec![0; side * side * 3],
        side as u32,
        side as u32,
        image::ExtendedColorType::Rgb8,
    )
    .unwrap();
    fs::write(input.path().join("big.jpg"), png).unwrap();
    let out = TempDir::new().unwrap();
    let run = Command::new("sh")
        .args(["-c", "ulimit -v 450000 && exec \"$0\" \"$@\"", SERIAL])
        .args(["--input", path(input.path()), "--output", path(out.path())])
        .output()
        .unwrap();
    let (stdout, stderr) = (text(&run.stdout), text(&run.stderr));
    assert_eq!(run.status.code(), Some(1), "no abort: {stdout}{stderr}");
    assert!(
        stderr.contains("error: big.jpg: not enough memory: "),
        "{stderr}"
    );
    assert!(
        stdout.contains("Took ") && stdout.contains(" for noisy_000.jpg"),
        "{stdout}"
    );
    assert!(
        stderr.contains("error: 1 of 2 photos failed: big.jpg"),
        "{stderr}"
    );
}
