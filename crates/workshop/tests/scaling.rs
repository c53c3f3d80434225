//! `workshop scaling` end to end, small: 1e7 steps at 1 and 2 workers.
//!
//! The tool runs the lesson programs built beside it (`target/release/pi-mpi`…),
//! which `cargo test --workspace` builds; `cargo test -p workshop` alone does
//! not, so build the workspace first.

use std::path::Path;
use std::process::Command;

const WORKSHOP: &str = env!("CARGO_BIN_EXE_workshop");

/// The table's cells, per row, for rows of the given program.
fn table_rows<'a>(stdout: &'a str, program: &str) -> Vec<Vec<&'a str>> {
    stdout
        .lines()
        .map(|line| line.split('|').map(str::trim).collect::<Vec<_>>())
        .filter(|cells| cells.len() == 9 && cells[1] == program)
        .map(|cells| cells[1..8].to_vec())
        .collect()
}

#[test]
fn small_study_prints_every_row_and_writes_both_plots() {
    let bin_dir = Path::new(WORKSHOP).parent().unwrap();
    for program in ["pi-mpi", "pi-threads", "pi-hybrid"] {
        assert!(
            bin_dir.join(program).is_file(),
            "{program} is not built beside workshop: run `cargo build --workspace` (same profile) first"
        );
    }
    let out_dir = tempfile::tempdir().unwrap();
    let out = Command::new(WORKSHOP)
        .args([
            "scaling",
            "--steps",
            "10000000",
            "--ranks",
            "1,2",
            "--repeats",
            "2",
        ])
        .arg("--out-dir")
        .arg(out_dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}{stderr}");

    // (program, ranks, threads) for each row the study must have measured.
    let expected = [
        ("pi-mpi", [("1", "1"), ("2", "1")]),
        ("pi-threads", [("1", "1"), ("1", "2")]),
        ("pi-hybrid", [("1", "1"), ("1", "2")]),
    ];
    for (program, configs) in expected {
        let rows = table_rows(&stdout, program);
        assert_eq!(rows.len(), 2, "{program}: {stdout}");
        for (row, (ranks, threads)) in rows.iter().zip(configs) {
            assert_eq!((row[1], row[2]), (ranks, threads), "{program}: {stdout}");
            let secs: f64 = row[3].parse().expect("time");
            let speedup: f64 = row[4].parse().expect("speedup");
            let efficiency: f64 = row[5].trim_end_matches('%').parse().expect("efficiency");
            let ideal: f64 = row[6].parse().expect("ideal");
            assert!(secs > 0.0 && secs < 10.0, "{program}: {stdout}");
            assert!(speedup > 0.0, "{program}: {stdout}");
            // Efficiency is speedup per worker (both rounded in the table).
            assert!(
                (efficiency - 100.0 * speedup / ideal).abs() <= 1.0,
                "{program}: {stdout}"
            );
        }
        assert_eq!(rows[0][4], "1.00", "1 worker is the base: {stdout}");
        assert_eq!(rows[1][6], "2", "ideal at 2 workers: {stdout}");
    }

    // Every time the tool used came from a program run it reports on stderr,
    // with the launcher's line (mpiexec.mpich, mpirun.openmpi --oversubscribe, …).
    assert!(
        stderr
            .lines()
            .any(|l| l.contains(" -n 2 ") && l.contains("pi-mpi --steps 10000000")),
        "{stderr}"
    );

    for ext in ["png", "svg"] {
        let path = out_dir.path().join(format!("scaling-pi.{ext}"));
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            bytes.len() > 10_000,
            "{} is only {} bytes",
            path.display(),
            bytes.len()
        );
        assert!(
            stdout.contains(&path.display().to_string()),
            "names {}: {stdout}",
            path.display()
        );
    }
    let png = image::open(out_dir.path().join("scaling-pi.png")).expect("a readable PNG");
    assert_eq!((png.width(), png.height()), (960, 640));
    // Not blank: the plot has many colours (lines, labels, anti-aliased text).
    let rgb = png.to_rgb8();
    let mut colours: Vec<[u8; 3]> = rgb.pixels().map(|p| p.0).collect();
    colours.sort();
    colours.dedup();
    assert!(colours.len() > 50, "only {} colours", colours.len());
    let svg = std::fs::read_to_string(out_dir.path().join("scaling-pi.svg")).unwrap();
    for label in [
        "pi-mpi",
        "pi-threads",
        "pi-hybrid",
        "ideal",
        "cores on this machine",
    ] {
        assert!(svg.contains(label), "the SVG has no '{label}'");
    }
}

#[test]
fn bad_arguments_give_one_line_and_status_2() {
    for args in [
        &["scaling", "--ranks", "0"][..],
        &["scaling", "--ranks", "1,x"],
        &["scaling", "--steps", "0"],
        &["scaling", "--programs", "pi-gpu"],
        &["scaling", "--bogus"],
        &["scale"],
    ] {
        lesson_cli::testing::assert_usage_error(WORKSHOP, args);
    }
}

#[test]
fn a_missing_program_is_named_with_how_to_build_it() {
    let empty = tempfile::tempdir().unwrap();
    let out = Command::new(WORKSHOP)
        .args(["scaling", "--steps", "1000", "--ranks", "1", "--bin-dir"])
        .arg(empty.path())
        .arg("--out-dir")
        .arg(empty.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("pi-mpi not found"), "{stderr}");
    assert!(
        stderr.contains("cargo build --release --workspace"),
        "{stderr}"
    );
}

#[test]
fn denoise_series_runs_both_schedules_and_plots_them() {
    let bin_dir = Path::new(WORKSHOP).parent().unwrap();
    for program in ["make-noisy", "denoise-parallel", "pi-threads"] {
        assert!(
            bin_dir.join(program).is_file(),
            "{program} is not built beside workshop: run `cargo build --workspace` (same profile) first"
        );
    }
    // Four small noisy photos made from the repository's base photographs.
    let tmp = tempfile::tempdir().unwrap();
    let photos = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/photos");
    let noisy = tmp.path().join("noisy");
    let made = Command::new(bin_dir.join("make-noisy"))
        .args(["--count", "4", "--small", "--photos"])
        .arg(&photos)
        .arg("--output")
        .arg(&noisy)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );

    let out = Command::new(WORKSHOP)
        .args(["scaling", "--programs", "pi-threads", "--ranks", "1"])
        .args(["--steps", "1000", "--repeats", "1", "--denoise"])
        .args(["--denoise-ranks", "1,2"])
        .arg(format!("--denoise-arg=--input={}", noisy.display()))
        .arg(format!(
            "--denoise-arg=--output={}",
            tmp.path().join("denoised").display()
        ))
        .arg("--out-dir")
        .arg(tmp.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}{stderr}");
    for schedule in ["static", "dynamic"] {
        let rows = table_rows(&stdout, &format!("denoise-parallel ({schedule})"));
        let ranks: Vec<&str> = rows.iter().map(|row| row[1]).collect();
        assert_eq!(ranks, ["1", "2"], "{schedule}: {stdout}");
        assert_eq!(rows[0][4], "1.00", "{schedule}: {stdout}");
    }
    assert!(stderr.contains("--schedule dynamic --quiet"), "{stderr}");
    assert_eq!(
        std::fs::read_dir(tmp.path().join("denoised"))
            .unwrap()
            .count(),
        4
    );
    for ext in ["png", "svg"] {
        let path = tmp.path().join(format!("scaling-denoise.{ext}"));
        let size = std::fs::metadata(&path).map_or(0, |m| m.len());
        assert!(size > 10_000, "{}: {size} bytes", path.display());
    }
}

#[test]
fn denoise_is_skipped_with_a_note_when_it_is_not_built() {
    // A folder with pi-threads but no denoise-parallel.
    let tmp = tempfile::tempdir().unwrap();
    let pi_threads = Path::new(WORKSHOP).parent().unwrap().join("pi-threads");
    std::os::unix::fs::symlink(&pi_threads, tmp.path().join("pi-threads")).unwrap();
    let out = Command::new(WORKSHOP)
        .args(["scaling", "--programs", "pi-threads", "--ranks", "1,2"])
        .args([
            "--steps",
            "1000",
            "--repeats",
            "1",
            "--denoise",
            "--bin-dir",
        ])
        .arg(tmp.path())
        .arg("--out-dir")
        .arg(tmp.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert_eq!(table_rows(&stdout, "pi-threads").len(), 2, "{stdout}");
    assert!(stdout.contains("denoise-parallel: skipped"), "{stdout}");
    assert!(!tmp.path().join("scaling-denoise.png").exists());
}

// --- `workshop scaling --simulated` (SimGrid's SMPI) -------------------------------
// The tests whose names start with `smpi_` run the simulated lessons (ci/build-smpi).
// Where SMPI is not built they say so and pass, unless WORKSHOP_SMPI=required (ci/test).

/// The cells of each row of the Markdown table whose header starts with `header`.
fn table_after<'a>(stdout: &'a str, header: &str) -> Vec<Vec<&'a str>> {
    let cells = |line: &'a str| -> Vec<&'a str> {
        let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
        inner.split('|').map(str::trim).collect()
    };
    stdout
        .lines()
        .skip_while(|l| !l.starts_with(header))
        .skip(2) // the header and the rule
        .take_while(|l| l.starts_with('|'))
        .map(cells)
        .collect()
}

fn number(cell: &str) -> f64 {
    cell.trim_end_matches('%')
        .parse()
        .unwrap_or_else(|_| panic!("not a number: {cell}"))
}

#[test]
fn smpi_small_study_is_marked_simulated_and_scales_pi_the_sums_and_the_photos() {
    if !mpi_basics::simulate::ready_for_tests("pi-mpi") {
        return;
    }
    let out_dir = tempfile::tempdir().unwrap();
    // Eight photos, only listed by the simulated denoise-parallel: static blocks on 4
    // ranks give rank 0 both heavy ones (2 s), the queue gives them to two ranks.
    let photos = tempfile::tempdir().unwrap();
    let mut times = String::new();
    for (i, secs) in [1.0, 1.0, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1].iter().enumerate() {
        std::fs::write(photos.path().join(format!("p{i}.jpg")), b"").unwrap();
        times.push_str(&format!("Took {secs} seconds for p{i}.jpg\n"));
    }
    let photo_times = out_dir.path().join("given-times.txt");
    std::fs::write(&photo_times, times).unwrap();
    let out = Command::new(WORKSHOP)
        .args([
            "scaling",
            "--simulated",
            "--steps",
            "10000000",
            "--repeats",
            "1",
        ])
        .args([
            "--sim-ranks",
            "1,2,4",
            "--sum-ranks",
            "4,16,64",
            "--real-ranks",
            "1",
            "--denoise-sim-ranks",
            "2,4",
        ])
        .arg("--photos")
        .arg(photos.path())
        .arg("--photo-times")
        .arg(&photo_times)
        .arg("--out-dir")
        .arg(out_dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("simulated on infiniband"), "{stdout}");

    // pi-mpi: one row per rank count; 2 ranks nearly twice as fast as 1.
    let pi = table_after(&stdout, "| program");
    let ranks: Vec<&str> = pi.iter().map(|row| row[1]).collect();
    assert_eq!(ranks, ["1", "2", "4"], "{stdout}");
    assert!(
        pi.iter()
            .all(|row| row[0] == "pi-mpi (simulated on infiniband)")
    );
    let speedup_at_2 = number(pi[1][3]);
    assert!((1.9..=2.01).contains(&speedup_at_2), "{stdout}");
    // The time is each rank's computing plus the rest (to the printed microsecond).
    for row in &pi {
        let (time, computing, rest) = (number(row[2]), number(row[6]), number(row[7]));
        assert!((time - computing - rest).abs() <= 2e-6, "{row:?}");
    }

    // The real run beside the model, with the model's error as the tool computed it.
    let real = table_after(&stdout, "| ranks | real (s)");
    assert_eq!(real.len(), 1, "{stdout}");
    let (measured, model, error) = (number(real[0][1]), number(real[0][2]), number(real[0][3]));
    assert!(measured > 0.0, "{stdout}");
    assert!(
        (error - 100.0 * (model - measured) / measured).abs() < 0.2,
        "{stdout}"
    );

    // sum-p2p against sum-reduce: the ratio grows with the ranks.
    let sums = table_after(&stdout, "| ranks | sum-p2p");
    let ratios: Vec<f64> = sums.iter().map(|row| number(row[3])).collect();
    assert_eq!(sums.len(), 3, "{stdout}");
    assert!(
        ratios.windows(2).all(|w| w[1] > w[0]) && ratios[2] > 10.0,
        "{stdout}"
    );

    // denoise-parallel: static 2 s at 4 ranks (rank 0's block), dynamic close to the
    // best possible, the largest photo (1 s); the speedups are the serial 2.6 s over them.
    let photos = table_after(&stdout, "| ranks | static (s)");
    assert_eq!(photos.len(), 2, "{stdout}");
    let at_4 = &photos[1];
    assert_eq!(at_4[0], "4");
    let (fixed, dynamic) = (number(at_4[1]), number(at_4[4]));
    assert!((2.0..2.002).contains(&fixed), "{stdout}");
    assert!((1.0..1.25).contains(&dynamic), "{stdout}");
    assert!((number(at_4[2]) - 2.6 / fixed).abs() < 0.01, "{stdout}");
    assert_eq!(at_4[7], "1.000", "{stdout}");
    assert!(
        stdout
            .contains("From 2 ranks on, the dynamic schedule is faster (1.304 s against 2.200 s)"),
        "{stdout}"
    );

    let calibrated = std::fs::read_to_string(out_dir.path().join("infiniband.xml")).unwrap();
    assert!(!calibrated.contains("speed=\"1Gf\""), "{calibrated}");
    for stem in [
        "scaling-simulated-pi-infiniband",
        "scaling-simulated-sum-infiniband",
        "scaling-simulated-denoise-infiniband",
    ] {
        let png = out_dir.path().join(format!("{stem}.png"));
        let size = std::fs::metadata(&png).map_or(0, |m| m.len());
        assert!(size > 10_000, "{}: {size} bytes", png.display());
        assert!(stdout.contains(&format!("{stem}.svg")), "{stdout}");
    }
    let svg = std::fs::read_to_string(out_dir.path().join("scaling-simulated-sum-infiniband.svg"))
        .unwrap();
    assert!(
        svg.contains("sum-p2p") && svg.contains("sum-reduce"),
        "{svg}"
    );
    let svg = std::fs::read_to_string(out_dir.path().join("scaling-simulated-pi-infiniband.svg"))
        .unwrap();
    assert!(
        svg.contains("measured on this machine"),
        "the real points are drawn"
    );
}

#[test]
fn smpi_a_given_rate_is_the_simulated_cores_speed() {
    if !mpi_basics::simulate::ready_for_tests("pi-mpi") {
        return;
    }
    let out_dir = tempfile::tempdir().unwrap();
    let out = Command::new(WORKSHOP)
        .args(["scaling", "--simulated", "--only", "pi", "--rate", "1e9"])
        .args([
            "--steps",
            "10000000",
            "--sim-ranks",
            "1,2",
            "--platform",
            "ethernet",
        ])
        .arg("--out-dir")
        .arg(out_dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    // 10^7 steps at 10^9 steps a second: 10 ms on one rank, and no real runs.
    let pi = table_after(&stdout, "| program");
    assert_eq!(
        pi[0][..3],
        ["pi-mpi (simulated on ethernet)", "1", "0.010000"],
        "{stdout}"
    );
    assert!(
        !stdout.contains("real (s)") && !stdout.contains("sum-p2p"),
        "{stdout}"
    );
}

#[test]
fn smpi_without_smpirun_the_study_says_so_in_one_line() {
    let empty = tempfile::tempdir().unwrap();
    let out = Command::new(WORKSHOP)
        .args(["scaling", "--simulated"])
        .env("PATH", empty.path())
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    // One line, mpi_basics::simulate::check_installed's, and no backtrace.
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: SimGrid's SMPI is not installed (no smpirun on the PATH)"),
        "{stderr}"
    );
}

#[test]
fn smpi_bad_simulated_input_is_one_line_naming_it() {
    let cases: [(&[&str], &str); 6] = [
        (&["--rate=-1"], "--rate must be a positive number"),
        (
            &["--platform", "myrinet"],
            "no platform named `myrinet` (kept: ethernet, infiniband",
        ),
        (
            &["--sim-ranks", "1,2000"],
            "2000 ranks do not fit on infiniband",
        ),
        (&["--platform", "nowhere.xml"], "nowhere.xml"),
        (
            &["--photos", "no/such/folder"],
            "photos folder no/such/folder does not exist",
        ),
        (
            &["--photo-times", "no-such-times.txt"],
            "cannot read photo times no-such-times.txt",
        ),
    ];
    for (args, says) in cases {
        let out = Command::new(WORKSHOP)
            .args(["scaling", "--simulated"])
            .args(args)
            .env("RUST_BACKTRACE", "1")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
    for args in [
        &["scaling", "--platform", "ethernet"][..],
        &["scaling", "--simulated", "--save-png", "x.png"],
        &["scaling", "--simulated", "--denoise"],
        &["scaling", "--simulated", "--sum-ranks", "1"],
        &["scaling", "--simulated", "--only", "everything"],
    ] {
        lesson_cli::testing::assert_usage_error(WORKSHOP, args);
    }
}
