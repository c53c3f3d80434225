//! What the end-to-end tests share: the built programs, run on small noisy
//! photos made here. Each test file uses only some of these helpers.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use image::{Rgb, RgbImage};
use mpi_basics::launch::mpiexec;
use tempfile::TempDir;

pub const SERIAL: &str = env!("CARGO_BIN_EXE_denoise-serial");

pub const PARALLEL: &str = env!("CARGO_BIN_EXE_denoise-parallel");

/// Seven photo sizes, all different, so the ranks get unequal work.
pub const SIZES: [(u32, u32); 7] = [
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
pub fn write_photo(path: &Path, (w, h): (u32, u32), seed: u32) {
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
pub fn photo_folder(n: usize) -> TempDir {
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
pub fn files_of(dir: &Path) -> BTreeMap<String, Vec<u8>> {
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

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub fn run_serial(input: &Path, output: &Path, extra: &[&str]) -> Output {
    Command::new(SERIAL)
        .args(["--input", path(input), "--output", path(output)])
        .args(extra)
        .output()
        .unwrap()
}

pub fn run_parallel(
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

pub fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The serial program's results on `input`, the reference for the parallel runs.
pub fn serial_results(input: &Path) -> BTreeMap<String, Vec<u8>> {
    let out = TempDir::new().unwrap();
    let run = run_serial(input, out.path(), &[]);
    assert!(
        run.status.success(),
        "denoise-serial failed: {}",
        text(&run.stderr)
    );
    files_of(out.path())
}

/// The position just after a JPEG's start-of-scan header: where its
/// compressed data begins.
pub fn scan_start(jpeg: &[u8]) -> usize {
    let sos = jpeg.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    sos + 2 + usize::from(u16::from_be_bytes([jpeg[sos + 2], jpeg[sos + 3]]))
}
