//! Exercise 1 end to end: the built `denoise-serial`, and `denoise-parallel`
//! under `mpiexec` at 1 to 4 ranks, on a few small noisy photos made here.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use image::{ImageEncoder, Rgb, RgbImage};
use mpi_basics::launch::{mpiexec, stdout_of};
use tempfile::TempDir;

const SERIAL: &str = env!("CARGO_BIN_EXE_denoise-serial");
const PARALLEL: &str = env!("CARGO_BIN_EXE_denoise-parallel");

/// Seven photo sizes, all different, so the ranks get unequal work.
const SIZES: [(u32, u32); 7] = [
    (40, 30),
    (24, 18),
    (32, 32),
    (48, 36),
    (20, 28),
    (36, 24),
    (30, 40),
];

/// A small noisy photo: smooth colour gradients and a bright square (an edge
/// for the filter to keep), plus deterministic noise, saved as JPEG.
fn write_photo(path: &Path, (w, h): (u32, u32), seed: u32) {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    let mut noise = move || {
        // xorshift32: good enough for grain
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        (state % 61) as i32 - 30
    };
    let img = RgbImage::from_fn(w, h, |x, y| {
        let square = x > w / 4 && x < w / 2 && y > h / 3 && y < 2 * h / 3;
        let base = [x * 255 / w, y * 255 / h, if square { 230 } else { 60 }];
        Rgb(base.map(|v| (v as i32 + noise()).clamp(0, 255) as u8))
    });
    img.save(path).unwrap();
}

/// A folder with `n` photos `noisy_000.jpg`, … of the sizes above.
fn photo_folder(n: usize) -> TempDir {
    let dir = TempDir::new().unwrap();
    for i in 0..n {
        write_photo(
            &dir.path().join(format!("noisy_{i:03}.jpg")),
            SIZES[i % SIZES.len()],
            i as u32,
        );
    }
    dir
}

/// Every file of a folder: name → bytes.
fn files_of(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            (
                e.file_name().into_string().unwrap(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn run_serial(input: &Path, output: &Path, extra: &[&str]) -> Output {
    Command::new(SERIAL)
        .args(["--input", path(input), "--output", path(output)])
        .args(extra)
        .output()
        .unwrap()
}

fn run_parallel(
    ranks: usize,
    schedule: &str,
    input: &Path,
    output: &Path,
    extra: &[&str],
) -> Output {
    let mut args = vec![
        "--schedule",
        schedule,
        "--input",
        path(input),
        "--output",
        path(output),
    ];
    args.extend(extra);
    mpiexec(PARALLEL, ranks, &args)
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The serial program's results on `input`, the reference for the parallel runs.
fn serial_results(input: &Path) -> BTreeMap<String, Vec<u8>> {
    let out = TempDir::new().unwrap();
    let run = run_serial(input, out.path(), &[]);
    assert!(
        run.status.success(),
        "denoise-serial failed: {}",
        text(&run.stderr)
    );
    files_of(out.path())
}

/// Checks one parallel run's standard output: one `Process R: Took S seconds
/// for NAME` line per photo (R a valid rank), a total, and a summary whose
/// per-rank counts match the lines and add up to every photo.
fn check_parallel_stdout(stdout: &str, ranks: usize, names: &[&String]) {
    let mut seen: Vec<&str> = Vec::new();
    let mut per_rank = vec![0; ranks];
    for line in stdout.lines().filter(|l| l.starts_with("Process ")) {
        let words: Vec<&str> = line.split(' ').collect();
        assert_eq!(words.len(), 7, "{line}");
        assert_eq!(
            [words[2], words[4], words[5]],
            ["Took", "seconds", "for"],
            "{line}"
        );
        let rank: usize = words[1].trim_end_matches(':').parse().unwrap();
        assert!(rank < ranks, "{line}");
        assert!(words[3].parse::<f64>().unwrap() >= 0.0, "{line}");
        per_rank[rank] += 1;
        seen.push(words[6]);
    }
    seen.sort();
    assert_eq!(
        seen,
        names.iter().map(|n| n.as_str()).collect::<Vec<_>>(),
        "each photo once:\n{stdout}"
    );
    assert_eq!(
        stdout
            .lines()
            .filter(|l| l.starts_with("Total time "))
            .count(),
        1,
        "{stdout}"
    );
    for (rank, count) in per_rank.iter().enumerate() {
        let summary_line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("  rank {rank}: ")))
            .unwrap();
        let photos: usize = summary_line.split(' ').nth(4).unwrap().parse().unwrap();
        assert_eq!(
            photos, *count,
            "summary of rank {rank} vs its lines:\n{stdout}"
        );
    }
    assert!(stdout.contains("Failures: none"), "{stdout}");
}

#[test]
fn parallel_writes_the_same_bytes_as_serial_at_1_to_4_ranks_both_schedules() {
    let input = photo_folder(7);
    let reference = serial_results(input.path());
    assert_eq!(reference.len(), 7);
    let names: Vec<&String> = reference.keys().collect();
    for ranks in 1..=4 {
        for schedule in ["static", "dynamic"] {
            let out = TempDir::new().unwrap();
            let run = run_parallel(ranks, schedule, input.path(), out.path(), &[]);
            let stdout = stdout_of(&run);
            assert!(
                run.status.success(),
                "{ranks} ranks, {schedule}: {stdout}{}",
                text(&run.stderr)
            );
            assert!(
                files_of(out.path()) == reference,
                "{ranks} ranks, {schedule}: outputs differ from serial"
            );
            check_parallel_stdout(&stdout, ranks, &names);
        }
    }
}

#[test]
fn static_schedule_gives_contiguous_blocks_differing_by_at_most_one() {
    // 7 photos on 3 ranks: 3, 2, 2 (the workshop's 7/3 = 2 each would drop one).
    let input = photo_folder(7);
    let out = TempDir::new().unwrap();
    let run = run_parallel(3, "static", input.path(), out.path(), &[]);
    let stdout = stdout_of(&run);
    assert!(run.status.success(), "{stdout}");
    let files_of_rank = |rank: usize| {
        let mut f: Vec<&str> = stdout
            .lines()
            .filter(|l| l.starts_with(&format!("Process {rank}: ")))
            .map(|l| l.rsplit(' ').next().unwrap())
            .collect();
        f.sort();
        f
    };
    assert_eq!(
        files_of_rank(0),
        ["noisy_000.jpg", "noisy_001.jpg", "noisy_002.jpg"]
    );
    assert_eq!(files_of_rank(1), ["noisy_003.jpg", "noisy_004.jpg"]);
    assert_eq!(files_of_rank(2), ["noisy_005.jpg", "noisy_006.jpg"]);
}

#[test]
fn more_ranks_than_photos_still_denoises_each_once() {
    let input = photo_folder(3);
    let reference = serial_results(input.path());
    let names: Vec<&String> = reference.keys().collect();
    for schedule in ["static", "dynamic"] {
        let out = TempDir::new().unwrap();
        let run = run_parallel(5, schedule, input.path(), out.path(), &[]);
        let stdout = stdout_of(&run);
        assert!(
            run.status.success(),
            "{schedule}: {stdout}{}",
            text(&run.stderr)
        );
        assert!(
            files_of(out.path()) == reference,
            "{schedule}: outputs differ from serial"
        );
        check_parallel_stdout(&stdout, 5, &names);
    }
}

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

#[test]
fn serial_prints_the_workshop_lines_and_quiet_drops_the_per_file_ones() {
    let input = photo_folder(3);
    let out = TempDir::new().unwrap();
    let stdout = text(&run_serial(input.path(), out.path(), &[]).stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    for (i, line) in lines[..3].iter().enumerate() {
        let words: Vec<&str> = line.split(' ').collect();
        assert_eq!(words.len(), 5, "{line}");
        assert_eq!(
            [words[0], words[2], words[3]],
            ["Took", "seconds", "for"],
            "{line}"
        );
        assert_eq!(
            words[4],
            format!("noisy_{i:03}.jpg"),
            "in name order: {stdout}"
        );
    }
    assert!(
        lines[3].starts_with("Total time ") && lines[3].ends_with(" seconds"),
        "{stdout}"
    );

    let quiet = text(&run_serial(input.path(), out.path(), &["--quiet"]).stdout);
    assert_eq!(quiet.lines().count(), 1, "{quiet}");
    assert!(quiet.starts_with("Total time "), "{quiet}");
    let quiet = stdout_of(&run_parallel(
        2,
        "dynamic",
        input.path(),
        out.path(),
        &["--quiet"],
    ));
    assert!(!quiet.contains("Took"), "{quiet}");
    assert!(
        quiet.contains("Total time ") && quiet.contains("Failures: none"),
        "{quiet}"
    );
}

#[test]
fn montage_puts_the_noisy_photo_left_and_the_denoised_one_right() {
    let input = photo_folder(2);
    let tmp = TempDir::new().unwrap();
    let (out, montage) = (tmp.path().join("out"), tmp.path().join("new/montage.png"));
    let run = run_parallel(
        2,
        "static",
        input.path(),
        &out,
        &["--montage", path(&montage), "--quiet"],
    );
    assert!(run.status.success(), "{}", text(&run.stderr));
    let picture = image::open(&montage).unwrap().to_rgb8();
    let noisy = image::open(input.path().join("noisy_000.jpg"))
        .unwrap()
        .to_rgb8();
    let denoised = image::open(out.join("noisy_000.jpg")).unwrap().to_rgb8();
    assert_eq!(picture.dimensions(), (2 * noisy.width(), noisy.height()));
    let left = image::imageops::crop_imm(&picture, 0, 0, noisy.width(), noisy.height()).to_image();
    let right =
        image::imageops::crop_imm(&picture, noisy.width(), 0, noisy.width(), noisy.height())
            .to_image();
    assert!(left == noisy, "left half is the noisy photo");
    assert!(right == denoised, "right half is the denoised photo");
    assert!(noisy != denoised, "the filter changed the photo");
}

#[test]
fn progress_bar_only_when_asked_for_under_mpiexec() {
    let input = photo_folder(3);
    let out = TempDir::new().unwrap();
    // mpiexec gives the ranks pipes, not a terminal: no bar, no escape codes.
    let plain = run_parallel(2, "dynamic", input.path(), out.path(), &["--quiet"]);
    assert!(
        !text(&plain.stderr).contains('\x1b'),
        "{}",
        text(&plain.stderr)
    );
    // --progress draws it anyway (mpiexec forwards it to the terminal).
    let bar = run_parallel(
        2,
        "dynamic",
        input.path(),
        out.path(),
        &["--quiet", "--progress"],
    );
    assert!(bar.status.success());
    let stderr = text(&bar.stderr);
    assert!(stderr.contains("photos done (all ranks) ["), "{stderr}");
    assert!(stderr.contains("/3 "), "{stderr}");
}

/// The position just after a JPEG's start-of-scan header: where its
/// compressed data begins.
fn scan_start(jpeg: &[u8]) -> usize {
    let sos = jpeg.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    sos + 2 + usize::from(u16::from_be_bytes([jpeg[sos + 2], jpeg[sos + 3]]))
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

/// Starts `command` with its output piped, waits for its first `Took` line,
/// sends it `signal`, and returns its exit status, stdout and stderr.
fn interrupt_after_first_photo(
    mut command: Command,
    signal: &str,
) -> (std::process::ExitStatus, String, String) {
    use std::io::{BufRead, BufReader, Read};
    use std::process::Stdio;
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut seen = String::new();
    while !seen.contains("Took ") {
        let mut line = String::new();
        if stdout.read_line(&mut line).unwrap() == 0 {
            break;
        }
        seen.push_str(&line);
    }
    let killed = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    stdout.read_to_string(&mut seen).unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (child.wait().unwrap(), seen, stderr)
}

/// The files whose names end in `.tmp` (ours are `.denoise-XXXXXX.tmp`).
fn temporary_files(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

#[test]
fn a_run_leaves_the_unfinished_files_of_another_live_run_alone() {
    let input = photo_folder(2);
    let out = TempDir::new().unwrap();
    let unfinished = out.path().join(".denoise-Xy34Zw.tmp");
    fs::write(&unfinished, b"another run's photo, half written").unwrap();
    // Another run holds the folder's lock (here: this test, as a run would).
    let other_run = fs::File::open(out.path()).unwrap();
    other_run.try_lock().unwrap();
    let args = ["--input", path(input.path()), "--output", path(out.path())];
    let run = Command::new(SERIAL).args(args).output().unwrap();
    let stdout = text(&run.stdout);
    assert!(run.status.success(), "{stdout}{}", text(&run.stderr));
    assert!(
        stdout.starts_with("Another run is writing into ") && stdout.contains("left alone"),
        "{stdout}"
    );
    assert!(unfinished.exists(), "another live run's file was removed");
    // Once that run is gone, the file is stale: the next run removes it.
    drop(other_run);
    let run = Command::new(SERIAL).args(args).output().unwrap();
    assert!(
        text(&run.stdout).starts_with("Removed 1 unfinished temporary file"),
        "{}",
        text(&run.stdout)
    );
    assert!(!unfinished.exists());
}

#[test]
fn a_signal_mid_run_leaves_no_temporary_file_and_says_how_far_it_got() {
    // Enough work that the run is still going when the first photo is done.
    let input = TempDir::new().unwrap();
    for i in 0..24 {
        write_photo(&input.path().join(format!("p{i:02}.jpg")), (320, 240), i);
    }
    let out = TempDir::new().unwrap();
    // A temporary file left by a killed run (SIGKILL cannot be caught) is
    // removed at the start, and the run says so; a look-alike is not ours.
    fs::write(out.path().join(".denoise-Ab12Cd.tmp"), b"").unwrap();
    fs::write(out.path().join(".mine.tmp"), b"keep").unwrap();

    let mut serial = Command::new(SERIAL);
    serial.args(["--input", path(input.path()), "--output", path(out.path())]);
    let (status, stdout, stderr) = interrupt_after_first_photo(serial, "-TERM");
    assert_eq!(status.code(), Some(143), "{stdout}{stderr}");
    assert!(
        stdout.starts_with("Removed 1 unfinished temporary file that an interrupted run left in "),
        "{stdout}"
    );
    let took = stdout.lines().filter(|l| l.starts_with("Took ")).count();
    let done: usize = stderr
        .strip_prefix("error: stopped by SIGTERM with ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{stderr}"));
    assert_eq!(
        stderr,
        format!(
            "error: stopped by SIGTERM with {done} of 24 photos done; no unfinished file left behind\n"
        )
    );
    assert!((1..24).contains(&done), "stopped mid-run: {stdout}");
    // A photo written in the very instant of the signal may miss its line
    // (and the count), never the other way round.
    let written = fs::read_dir(out.path()).unwrap().count() - 1;
    assert!(
        took <= done && (done..=done + 1).contains(&written),
        "{took} {done} {written}"
    );
    assert_eq!(temporary_files(out.path()), [".mine.tmp"]);

    // Under mpiexec, Ctrl-C reaches every rank: each one says how far it got,
    // all of them end, and no temporary file is left. (Open MPI's mpirun kills
    // the ranks with SIGKILL right after passing the signal on, so what they
    // say then is lost and a write may be cut: the next run removes its file.)
    if mpi_basics::launch::Implementation::linked() == mpi_basics::launch::Implementation::OpenMpi {
        eprintln!("Ctrl-C under mpirun skipped: Open MPI kills the ranks at once");
        return;
    }
    let out = TempDir::new().unwrap();
    let parallel = mpi_basics::launch::mpiexec_command(
        PARALLEL,
        2,
        &[
            "--input",
            path(input.path()),
            "--output",
            path(out.path()),
            "--schedule",
            "dynamic",
        ],
    );
    // (mpiexec's own status after Ctrl-C is its business: not checked; so is the
    // signal it passes on to the ranks: SIGINT here, SIGTERM in some runs.)
    let (_, _, stderr) = interrupt_after_first_photo(parallel, "-INT");
    for rank in 0..2 {
        assert!(
            ["SIGINT", "SIGTERM"].iter().any(|signal| stderr
                .contains(&format!("error: Process {rank}: stopped by {signal} with "))),
            "{stderr}"
        );
    }
    assert!(
        temporary_files(out.path()).is_empty(),
        "{:?}",
        temporary_files(out.path())
    );
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
