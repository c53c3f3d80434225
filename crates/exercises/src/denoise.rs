//! The denoise-parallel check: a small photo set made here, the serial
//! program's outputs for it, and a run's outputs and lines compared with them.

use std::path::Path;

use clap::Parser;
use denoise_mpi::{Job, PhotoArgs};
use image::{Rgb, RgbImage};

/// `--input DIR --output DIR` and the lesson's other options, as the programs parse them.
#[derive(Parser)]
struct Folders {
    #[command(flatten)]
    photos: PhotoArgs,
}

/// Writes `count` small noisy photos, `noisy_000.jpg` ..., into `dir`: smooth
/// colour gradients with pseudo-random noise (the same every time).
pub fn make_photos(dir: &Path, count: usize) -> Result<Vec<String>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut noise = move || {
        // xorshift64*: a fixed sequence, no dependency needed.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 58) as i32 - 32
    };
    let mut names = Vec::new();
    for i in 0..count {
        let (w, h) = (40 + 4 * i as u32, 30);
        let image = RgbImage::from_fn(w, h, |x, y| {
            let base = [x * 255 / w, y * 255 / h, (i as u32 * 40) % 256];
            Rgb(base.map(|c| (c as i32 + noise()).clamp(0, 255) as u8))
        });
        let name = format!("noisy_{i:03}.jpg");
        image
            .save(dir.join(&name))
            .map_err(|e| format!("{}: {e}", dir.join(&name).display()))?;
        names.push(name);
    }
    Ok(names)
}

/// What `denoise-serial --input INPUT --output OUTPUT` writes, made with the
/// same library calls, one photo after the other.
pub fn serial_outputs(input: &Path, output: &Path, files: &[String]) -> Result<(), String> {
    let folders = Folders::try_parse_from([
        "denoise-serial".as_ref(),
        "--quiet".as_ref(),
        "--input".as_ref(),
        input.as_os_str(),
        "--output".as_ref(),
        output.as_os_str(),
    ])
    .map_err(|e| e.to_string())?;
    let files_there = denoise_mpi::plan(&folders.photos)?;
    if files_there != files {
        return Err(format!(
            "{}: unexpected photos {files_there:?}",
            input.display()
        ));
    }
    let mut job = Job::new(&folders.photos, None, indicatif::ProgressBar::hidden());
    for name in files {
        job.denoise(name);
    }
    match job.report.failures.first() {
        Some(f) => Err(format!(
            "the serial program failed on {}: {}",
            f.file, f.reason
        )),
        None => Ok(()),
    }
}

/// Every file of `reference` is in `output` with the same bytes, and no other.
pub fn same_outputs(reference: &Path, output: &Path, files: &[String]) -> Result<(), String> {
    for name in files {
        let want = std::fs::read(reference.join(name)).map_err(|e| format!("{name}: {e}"))?;
        match std::fs::read(output.join(name)) {
            Err(_) => {
                return Err(format!(
                    "no denoised {name} was written (which rank had it?)"
                ));
            }
            Ok(got) if got != want => {
                return Err(format!(
                    "the denoised {name} differs from denoise-serial's ({} bytes against {})",
                    got.len(),
                    want.len()
                ));
            }
            Ok(_) => {}
        }
    }
    let mut extra: Vec<String> = std::fs::read_dir(output)
        .map_err(|e| format!("{}: {e}", output.display()))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| !files.contains(n) && !n.starts_with('.'))
        .collect();
    extra.sort();
    match extra.first() {
        Some(name) => Err(format!(
            "the output folder has a file it should not: {name}"
        )),
        None => Ok(()),
    }
}

/// The lines of a run, rank by rank: `Process R: Took T seconds for NAME` for
/// each photo, by rank R itself, and `Total time T seconds` once, by rank 0.
/// Returns the lines as `Process R: NAME`, for the file-split rules.
pub fn photo_lines(by_rank: &[Vec<String>]) -> Result<Vec<Vec<String>>, String> {
    let mut totals = Vec::new();
    let mut photos = vec![Vec::new(); by_rank.len()];
    for (rank, lines) in by_rank.iter().enumerate() {
        for line in lines {
            if let Some(rest) = line.strip_prefix("Total time ") {
                if !rest.ends_with(" seconds") {
                    return Err(format!(
                        "rank {rank} printed `{line}`: expected `Total time T seconds`"
                    ));
                }
                totals.push(rank);
            } else if let Some((who, name)) = line
                .strip_prefix("Process ")
                .and_then(|rest| rest.split_once(": Took "))
                .and_then(|(who, rest)| Some((who, rest.split_once(" seconds for ")?.1)))
            {
                photos[rank].push(format!("Process {who}: {name}"));
            } else {
                return Err(format!("rank {rank} printed an unexpected line `{line}`"));
            }
        }
    }
    match totals.as_slice() {
        [0] => Ok(photos),
        [] => Err("nobody printed `Total time T seconds`: rank 0 prints it at the end".into()),
        [r] => Err(format!("rank {r} printed the total time: rank 0 prints it")),
        more => Err(format!(
            "the total time was printed {} times (by ranks {more:?}): rank 0 prints it once",
            more.len()
        )),
    }
}
