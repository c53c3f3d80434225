//! Exercise 1 end to end: the built `denoise-serial`, and `denoise-parallel`
//! under `mpiexec` at 1 to 4 ranks, on a few small noisy photos made here.
//! This file: runs that go well (the same bytes at any rank count, the
//! schedules, the printed lines, the montage, the progress bar); bad photos
//! and folders are in `bad_inputs.rs`, interrupted runs in `interrupted.rs`.

mod common;

use mpi_basics::launch::stdout_of;
use tempfile::TempDir;

use common::*;

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
fn montage_only_uses_the_photo_already_denoised_and_denoises_nothing() {
    let input = photo_folder(2);
    let tmp = TempDir::new().unwrap();
    let (out, montage) = (tmp.path().join("out"), tmp.path().join("montage.png"));
    let only = ["--montage", path(&montage), "--montage-only"];
    // Nothing denoised yet: one line naming the missing file.
    let early = run_serial(input.path(), &out, &only);
    assert_eq!(early.status.code(), Some(1), "{}", text(&early.stderr));
    let said = text(&early.stderr);
    assert_eq!(said.lines().count(), 1, "{said}");
    assert!(said.contains("noisy_000.jpg: not denoised yet"), "{said}");
    assert!(!montage.exists());

    let run = run_serial(input.path(), &out, &["--quiet"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    // Stand-ins for the denoised photos: the montage shows what is in the output
    // folder, and a new run would have replaced them.
    let stand_in = image::RgbImage::from_pixel(40, 30, image::Rgb([200, 10, 10]));
    stand_in.save(out.join("noisy_000.jpg")).unwrap();
    let stand_in = image::open(out.join("noisy_000.jpg")).unwrap().to_rgb8();
    std::fs::write(out.join("noisy_001.jpg"), b"left alone").unwrap();
    let made = run_serial(input.path(), &out, &only);
    assert!(made.status.success(), "{}", text(&made.stderr));
    assert_eq!(
        text(&made.stdout),
        format!(
            "Montage of noisy_000.jpg (noisy left, denoised right): {}\n",
            montage.display()
        )
    );
    let picture = image::open(&montage).unwrap().to_rgb8();
    let noisy = image::open(input.path().join("noisy_000.jpg"))
        .unwrap()
        .to_rgb8();
    assert_eq!(
        picture.dimensions(),
        (noisy.width() + 40, noisy.height().max(30))
    );
    let right = image::imageops::crop_imm(&picture, noisy.width(), 0, 40, 30).to_image();
    assert!(
        right == stand_in,
        "right half is the photo in the output folder"
    );
    assert_eq!(
        std::fs::read(out.join("noisy_001.jpg")).unwrap(),
        b"left alone"
    );
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
