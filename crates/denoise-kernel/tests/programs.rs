//! The programs, run as built binaries: make-noisy's determinism and
//! idempotence, bilateral's outputs and errors, psnr, and `denoise_file`.

use std::path::Path;
use std::process::{Command, Output};

use denoise_kernel::{BilateralParams, Flavour, FloatImage, bilateral_image, denoise_file, psnr};

const MAKE_NOISY: &str = env!("CARGO_BIN_EXE_make-noisy");
const BILATERAL: &str = env!("CARGO_BIN_EXE_bilateral");
const PSNR: &str = env!("CARGO_BIN_EXE_psnr");

fn photos() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/photos")
        .display()
        .to_string()
}

fn run(program: &str, args: &[&str]) -> Output {
    Command::new(program).args(args).output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Makes `count` small noisy photos (and their clean crops) into `dir`.
fn make_noisy(dir: &Path, count: usize, extra: &[&str]) -> Output {
    let (noisy, clean) = (dir.join("noisy"), dir.join("clean"));
    let (count, photos) = (count.to_string(), photos());
    let mut args = vec!["--count", &count, "--small", "--photos", &photos];
    let (noisy, clean) = (
        noisy.to_str().unwrap().to_owned(),
        clean.to_str().unwrap().to_owned(),
    );
    args.extend(["--output", &noisy, "--clean", "--clean-output", &clean]);
    args.extend(extra);
    let out = run(MAKE_NOISY, &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The files of `dir` with their bytes, by name; not make-noisy's hidden stamp.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn make_noisy_is_deterministic_and_idempotent() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let first = make_noisy(a.path(), 4, &[]);
    make_noisy(b.path(), 4, &[]);
    let made = files(&a.path().join("noisy"));
    let names: Vec<_> = made.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names[0], "manifest.csv");
    assert_eq!(
        names[1..],
        (0..4)
            .map(|i| format!("noisy_{i:03}.jpg"))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        made,
        files(&b.path().join("noisy")),
        "same bytes in two runs"
    );
    assert_eq!(
        files(&a.path().join("clean")),
        files(&b.path().join("clean"))
    );
    assert!(
        stdout(&first).contains("4 written, 0 already up to date"),
        "{}",
        stdout(&first)
    );

    // The manifest describes every photo; the JPEGs have the sizes it says.
    let manifest = String::from_utf8(made[0].1.clone()).unwrap();
    for line in manifest.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let image = image::open(a.path().join("noisy").join(fields[0])).unwrap();
        assert_eq!(
            (image.width().to_string(), image.height().to_string()),
            (fields[2].into(), fields[3].into())
        );
        let sigma: f64 = fields[4].parse().unwrap();
        assert!((0.05..=0.10).contains(&sigma), "{line}");
    }

    // A second run leaves everything alone; a damaged file is rewritten.
    let again = make_noisy(a.path(), 4, &[]);
    assert!(
        stdout(&again).contains("0 written, 4 already up to date"),
        "{}",
        stdout(&again)
    );
    std::fs::write(a.path().join("noisy/noisy_003.jpg"), b"broken").unwrap();
    let repaired = make_noisy(a.path(), 4, &[]);
    assert!(
        stdout(&repaired).contains("1 written, 3 already up to date"),
        "{}",
        stdout(&repaired)
    );
    assert_eq!(
        files(&a.path().join("noisy")),
        files(&b.path().join("noisy"))
    );
    let forced = make_noisy(a.path(), 4, &["--force"]);
    assert!(stdout(&forced).contains("4 written"), "{}", stdout(&forced));

    // Fewer photos: the same first photos.
    let c = tempfile::tempdir().unwrap();
    make_noisy(c.path(), 2, &[]);
    assert_eq!(files(&c.path().join("noisy"))[1..], made[1..3]);
}

/// make-noisy's `N written, M already up to date`: (N, M).
fn written_and_kept(out: &Output) -> (usize, usize) {
    let text = stdout(out);
    let (_, counts) = text.rsplit_once(": ").unwrap_or_default();
    let counts: Vec<usize> = counts
        .split(',')
        .filter_map(|part| part.split_whitespace().next()?.parse().ok())
        .collect();
    assert_eq!(counts.len(), 2, "{text}");
    (counts[0], counts[1])
}

#[test]
fn make_noisy_finds_photos_up_to_date_from_its_stamp_and_remakes_them_when_anything_changed() {
    let dir = tempfile::tempdir().unwrap();
    // A copy of the base photos, to change one of them.
    let copied = dir.path().join("photos");
    std::fs::create_dir(&copied).unwrap();
    let mut names: Vec<_> = std::fs::read_dir(photos())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jpg"))
        .collect();
    names.sort();
    assert!(names.len() >= 2, "two base photos at least");
    for path in &names {
        std::fs::copy(path, copied.join(path.file_name().unwrap())).unwrap();
    }
    let noisy = dir.path().join("noisy");
    // Three photos from the copy, small unless told otherwise.
    let run = |extra: &[&str]| {
        let out = Command::new(MAKE_NOISY)
            .args(["--count", "3", "--photos"])
            .arg(&copied)
            .arg("--output")
            .arg(&noisy)
            .args(extra)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        written_and_kept(&out)
    };
    let small = ["--small"];
    assert_eq!(run(&small), (3, 0));
    assert!(noisy.join(".make-noisy-stamp").is_file());

    // Unchanged: up to date from the stamp alone. Shown by a photo altered with its
    // size and modification time kept: only its bytes would tell, and they are not read.
    let one = noisy.join("noisy_001.jpg");
    let (bytes, mtime) = (
        std::fs::read(&one).unwrap(),
        std::fs::metadata(&one).unwrap().modified().unwrap(),
    );
    let mut altered = bytes.clone();
    altered[100] ^= 1;
    std::fs::write(&one, &altered).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&one)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    assert_eq!(run(&small), (0, 3));
    assert_eq!(std::fs::read(&one).unwrap(), altered, "not made again");
    // Its modification time changed: the photos are gone through again, and it is repaired.
    std::fs::File::options()
        .write(true)
        .open(&one)
        .unwrap()
        .set_modified(std::time::SystemTime::now())
        .unwrap();
    assert_eq!(run(&small), (1, 2));
    assert_eq!(std::fs::read(&one).unwrap(), bytes);
    assert_eq!(run(&small), (0, 3));

    // A changed option: other sizes, every photo made again.
    assert_eq!(run(&[]), (3, 0), "without --small");
    assert_eq!(run(&small), (3, 0), "--small again");

    // A changed base photo: the photos made from it (photo 0 from the first) again.
    let first = copied.join(names[0].file_name().unwrap());
    std::fs::copy(&names[1], &first).unwrap();
    assert_eq!(run(&small), (1, 2));
    assert_eq!(run(&small), (0, 3));
}

#[test]
fn denoising_brings_a_photo_closer_to_the_clean_one() {
    let dir = tempfile::tempdir().unwrap();
    make_noisy(dir.path(), 2, &[]);
    let noisy = dir.path().join("noisy/noisy_001.jpg");
    let clean = dir.path().join("clean/clean_001.png");
    let denoised = dir.path().join("denoised.png");
    let took = denoise_file(&noisy, &denoised, Flavour::Exact, u64::MAX)
        .unwrap()
        .filter_time;
    assert!(took.as_secs_f64() > 0.0);
    let clean_image = FloatImage::open(&clean).unwrap();
    let before = psnr(&clean_image, &FloatImage::open(&noisy).unwrap()).unwrap();
    let after = psnr(&clean_image, &FloatImage::open(&denoised).unwrap()).unwrap();
    assert!(
        after > before + 1.0,
        "PSNR {before:.2} dB noisy, {after:.2} dB denoised"
    );

    // The psnr program prints the same figures.
    let out = run(
        PSNR,
        &[
            clean.to_str().unwrap(),
            noisy.to_str().unwrap(),
            denoised.to_str().unwrap(),
        ],
    );
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(
        text.contains(&format!("noisy_001.jpg: {before:.2} dB")),
        "{text}"
    );
    assert!(
        text.contains(&format!("denoised.png: {after:.2} dB")),
        "{text}"
    );
}

#[test]
fn bilateral_writes_the_library_result_and_refuses_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    make_noisy(dir.path(), 1, &[]);
    let input = dir.path().join("noisy/noisy_000.jpg");
    let raw = dir.path().join("out.f64le");
    let out = run(
        BILATERAL,
        &[
            input.to_str().unwrap(),
            raw.to_str().unwrap(),
            "--flavour",
            "exact",
            "--sigma-spatial",
            "2",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = stdout(&out);
    assert!(
        line.starts_with("Took ")
            && line
                .trim_end()
                .ends_with(&format!("seconds for {}", input.display())),
        "{line}"
    );

    let image = FloatImage::open(&input).unwrap();
    let params = BilateralParams {
        sigma_color: Some(0.1),
        sigma_spatial: 2.0,
        flavour: Flavour::Exact,
        ..Default::default()
    };
    let expected = bilateral_image(&image, &params).unwrap();
    let written = FloatImage::from_f64le(
        &std::fs::read(&raw).unwrap(),
        image.width,
        image.height,
        3,
        false,
    )
    .unwrap();
    assert_eq!(written, expected);
    // No temporary file left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 3);

    let original = std::fs::read(&input).unwrap();
    let input_s = input.to_str().unwrap();
    // A hard link is the input by another name: refused by (device, inode).
    let hard_link = dir.path().join("link.jpg");
    std::fs::hard_link(&input, &hard_link).unwrap();
    let a_folder = dir.path().join("folder.png");
    std::fs::create_dir(&a_folder).unwrap();
    // (arguments, part of the one error line); all of them are found before
    // the work: status 2.
    let failures: [(&[&str], &str); 10] = [
        (&[input_s, input_s], "it is the same file as the input"),
        (
            &[input_s, hard_link.to_str().unwrap()],
            "it is the same file as the input",
        ),
        (&[input_s, "x.png", "--sigma-color", "-1"], "sigma_color"),
        (&[input_s, "x.png", "--flavour", "opencv"], "opencv"),
        (&["no/such/photo.jpg", "x.png"], "no/such/photo.jpg"),
        (
            &[input_s, "x.bmp"],
            "cannot write x.bmp: unknown output format",
        ),
        (&[input_s], "not provided: <OUTPUT>"),
        (
            &[input_s, "no/such/folder/x.png"],
            "cannot write no/such/folder/x.png: cannot create a file in no/such/folder: no such folder\n",
        ),
        (
            &[input_s, "x.png", "--sigma-spatial", "1e300"],
            "sigma_spatial 1e300 is too large",
        ),
        (
            &[input_s, a_folder.to_str().unwrap()],
            "folder.png: it is a folder",
        ),
    ];
    for (args, expected) in failures {
        let out = run(BILATERAL, args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}");
        assert!(
            err.starts_with("error: ") && err.lines().count() == 1,
            "{args:?}: {err}"
        );
        assert!(err.contains(expected), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    }
    std::fs::remove_file(&hard_link).unwrap();
    std::fs::remove_dir(&a_folder).unwrap();
    assert_eq!(
        std::fs::read(&input).unwrap(),
        original,
        "the input is never overwritten"
    );
    assert!(denoise_file(&input, &input, Flavour::Skimage, u64::MAX).is_err());
    let missing = denoise_file(
        Path::new("nope.jpg"),
        &dir.path().join("o.jpg"),
        Flavour::Skimage,
        u64::MAX,
    )
    .unwrap_err();
    assert!(missing.to_string().contains("nope.jpg"), "{missing}");
}

/// `bilateral` reads and writes 16-bit TIFF (the microscope's format), and
/// refuses in one line the TIFFs it cannot filter: float, signed, a stack of
/// pages, cut.
#[test]
fn bilateral_takes_16_bit_tiff_and_refuses_what_it_cannot_filter() {
    use tiff::encoder::{TiffEncoder, colortype};
    let dir = tempfile::tempdir().unwrap();
    let reference = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/reference");
    let input = reference.join("rgb16_40x48_input.tif");
    let out = dir.path().join("out.tiff");
    let run_ok = run(BILATERAL, &[input.to_str().unwrap(), out.to_str().unwrap()]);
    assert!(
        run_ok.status.success(),
        "{}",
        String::from_utf8_lossy(&run_ok.stderr)
    );
    let written = denoise_kernel::open_photo(&out, u64::MAX).unwrap();
    assert_eq!(denoise_kernel::bits_of(&written), 16);
    let mut expected = denoise_kernel::open_photo(&input, u64::MAX).unwrap();
    denoise_kernel::bilateral_photo(&mut expected, &BilateralParams::workshop(Flavour::Skimage))
        .unwrap();
    assert_eq!(written, expected);

    let write = |name: &str, encode: &dyn Fn(&mut TiffEncoder<&mut std::fs::File>)| {
        let path = dir.path().join(name);
        let mut file = std::fs::File::create(&path).unwrap();
        encode(&mut TiffEncoder::new(&mut file).unwrap());
        path
    };
    let float = write("float.tif", &|t| {
        t.write_image::<colortype::Gray32Float>(4, 3, &[0.5; 12])
            .unwrap()
    });
    let signed = write("signed.tif", &|t| {
        t.write_image::<colortype::GrayI16>(4, 3, &[-7; 12])
            .unwrap()
    });
    let stack = write("stack.tif", &|t| {
        for page in 0..2 {
            t.write_image::<colortype::Gray8>(4, 3, &[page; 12])
                .unwrap()
        }
    });
    let bytes = std::fs::read(&input).unwrap();
    let cut = dir.path().join("cut.tif");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    for (path, reason) in [
        (&float, "a TIFF of signed or float samples"),
        (&signed, "a TIFF of signed or float samples"),
        (&stack, "a TIFF of several pages (a stack)"),
        (&cut, "TIFF data ("),
    ] {
        let out = run(BILATERAL, &[path.to_str().unwrap(), "x.png"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.starts_with("error: ") && err.lines().count() == 1,
            "{err}"
        );
        assert!(err.contains(reason), "{err}");
    }
    assert!(!Path::new("x.png").exists());
}

/// Progressive JPEGs (much of the web's) are denoised like any other photo.
#[test]
fn bilateral_takes_progressive_jpegs() {
    let dir = tempfile::tempdir().unwrap();
    let progressive = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/progressive");
    for name in [
        "coffee_420.jpg",
        "astronaut_444_restarts.jpg",
        "hubble_gray.jpg",
    ] {
        let out = dir.path().join(name);
        let run = run(
            BILATERAL,
            &[
                progressive.join(name).to_str().unwrap(),
                out.to_str().unwrap(),
            ],
        );
        assert!(
            run.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        assert!(
            denoise_kernel::open_photo(&out, u64::MAX).is_ok(),
            "{name}: output"
        );
    }
}
