//! Exercise 1, "embarrassingly parallel photo processing": what the serial and
//! the MPI program share, so that each of them shows only its own idea.
//!
//! - [`PhotoArgs`]: the command line of both programs.
//! - [`plan`]: checks the folders and lists the photos *before* any work starts,
//!   so a bad folder is one clear error instead of 100 failures.
//! - [`Job`]: denoises one photo, prints its `Took … seconds` line, and records
//!   the result in the rank's [`RankReport`]; a bad photo is an error line, not a crash.
//! - [`summary`], [`finish`]: the closing lines, the montage and the exit status.

use std::fmt::Write as _;
use std::fs;
use std::io::{IsTerminal, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use denoise_kernel::{DenoiseError, Flavour};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use serde::{Deserialize, Serialize};

/// Where the workshop's programs read their photos (`noisy/`) ...
pub const DEFAULT_INPUT: &str = "data/noisy";
/// ... and write the results (`denoised/`).
pub const DEFAULT_OUTPUT: &str = "data/denoised";
/// The command that makes the 100 noisy photos.
pub const MAKE_NOISY: &str = "cargo run --release -p denoise-kernel --bin make-noisy";

/// Which bilateral filter to run (see `denoise_kernel::Flavour`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FlavourArg {
    /// scikit-image's `denoise_bilateral`, quirks included (what the workshop ran)
    Skimage,
    /// The textbook bilateral filter
    Exact,
}

impl From<FlavourArg> for Flavour {
    fn from(f: FlavourArg) -> Flavour {
        match f {
            FlavourArg::Skimage => Flavour::Skimage,
            FlavourArg::Exact => Flavour::Exact,
        }
    }
}

/// The options both programs take.
#[derive(clap::Args, Debug, Clone)]
pub struct PhotoArgs {
    /// Folder of noisy photos: every *.jpg and *.jpeg file in it, sorted by name
    #[arg(long, value_name = "DIR", default_value = DEFAULT_INPUT)]
    pub input: PathBuf,
    /// Folder for the denoised photos, same file names (created if missing;
    /// photos already there are replaced)
    #[arg(long, value_name = "DIR", default_value = DEFAULT_OUTPUT)]
    pub output: PathBuf,
    /// Bilateral filter flavour
    #[arg(long, value_enum, default_value_t = FlavourArg::Skimage)]
    pub flavour: FlavourArg,
    /// Print no per-file lines (errors, the total and the summary still print)
    #[arg(long)]
    pub quiet: bool,
    /// Also write a before/after PNG of the first photo (noisy left, denoised
    /// right); replaced if it exists
    #[arg(long, value_name = "FILE.png")]
    pub montage: Option<PathBuf>,
    /// Draw the progress bar even when standard error is not a terminal (under
    /// mpiexec it never is: mpiexec forwards it through a pipe)
    #[arg(long)]
    pub progress: bool,
    /// Refuse a photo of more pixels than this (one error line; the others go
    /// on) [default: what half of this machine's memory can filter, shared by
    /// the ranks that run on it]
    #[arg(long, value_name = "N")]
    pub max_pixels: Option<u64>,
}

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

/// A file name as printed on one line: control characters (a newline in a
/// name would split its `Took` line) are shown escaped, as `\n`.
pub fn shown(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// `1 photo`, `2 photos`: a count and its noun, singular or plural.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Photos this process has denoised and written so far (for the line printed
/// when a signal stops it).
pub static DONE: AtomicUsize = AtomicUsize::new(0);

/// Whether photos are being denoised now (see [`PhotosInProgress`]).
static WORKING: AtomicBool = AtomicBool::new(false);

/// While it lives, photos are being denoised: a signal then stops the run with
/// the line that says how far it got. Before the photos start and after the
/// work is done, a signal ends the process quietly: when one rank exits with
/// an error status, mpiexec sends SIGTERM to the ranks that are only finishing,
/// and they have nothing to report.
#[must_use = "the photos are in progress only while it lives"]
pub struct PhotosInProgress(());

impl PhotosInProgress {
    pub fn start() -> Self {
        WORKING.store(true, Ordering::SeqCst);
        Self(())
    }
}

impl Drop for PhotosInProgress {
    fn drop(&mut self) {
        WORKING.store(false, Ordering::SeqCst);
    }
}

/// On SIGINT (Ctrl-C) or SIGTERM, stop cleanly: wait for a write in progress
/// to finish (so no temporary file is left), say how many photos were done,
/// and exit with status 130 or 143, as a shell reports a process killed by
/// that signal. `process` prefixes the line with `Process R: `; `total` is the
/// number of photos, if this process knows it.
///
/// The signal is received by a thread of ours, not handled inside the signal
/// handler (signal-hook), so it may take locks and print like any code.
pub fn exit_cleanly_on_signals(process: Option<i32>, total: Option<usize>) {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
        return; // no handler: the default action (exit at once) stays
    };
    std::thread::spawn(move || {
        let Some(signal) = signals.forever().next() else {
            return;
        };
        let received = Instant::now();
        let _no_temporary_file = denoise_kernel::hold_writes();
        let (name, status) = if signal == SIGINT {
            ("SIGINT", 130)
        } else {
            ("SIGTERM", 143)
        };
        if !WORKING.load(Ordering::SeqCst) {
            std::process::exit(status);
        }
        let done = DONE.load(Ordering::SeqCst);
        let done = match total {
            Some(total) => format!("{done} of {}", count(total, "photo")),
            None => count(done, "photo"),
        };
        let who = process
            .map(|r| format!("Process {r}: "))
            .unwrap_or_default();
        let line = format!(
            "error: {who}stopped by {name} with {done} done; no unfinished file left behind\n"
        );
        let _ = std::io::stdout().flush();
        let _ = std::io::stderr().write_all(line.as_bytes());
        if process.is_some() {
            // mpiexec passes Ctrl-C to every rank at once, but kills the ranks
            // still running (SIGKILL, which nobody can catch) as soon as one
            // exits: give the others a moment to finish their writes too.
            let waited = received.elapsed();
            std::thread::sleep(std::time::Duration::from_millis(300).saturating_sub(waited));
        }
        std::process::exit(status);
    });
}

/// Removes the temporary files that an interrupted run of ours left in the
/// output folder, and says how many. Call it once, after [`plan`] and before
/// any photo is written: in an MPI job on one rank, before the others start
/// (another rank's write in progress is a temporary file too).
///
/// Two runs writing into one folder at once must not remove each other's
/// writes in progress: the run locks the folder itself (`flock`, released
/// by the system when the process ends, however it ends), and a run that
/// finds it locked by another leaves the temporary files alone.
pub fn clean_output(args: &PhotoArgs) -> Result<(), String> {
    if !lock_output_folder(&args.output) {
        println!(
            "Another run is writing into {}: its unfinished files are left alone",
            args.output.display()
        );
        return Ok(());
    }
    let stale = remove_stale_temporary_files(&args.output)?;
    if stale > 0 {
        println!(
            "Removed {} that an interrupted run left in {}",
            count(stale, "unfinished temporary file"),
            args.output.display()
        );
    }
    Ok(())
}

/// The output folder, locked for as long as this process lives.
static OUTPUT_LOCK: std::sync::OnceLock<fs::File> = std::sync::OnceLock::new();

/// Locks `folder` for this run; false when another live run holds the lock.
/// Where folders cannot be locked (some network file systems), true.
fn lock_output_folder(folder: &Path) -> bool {
    let Ok(dir) = fs::File::open(folder) else {
        return true;
    };
    match dir.try_lock() {
        Ok(()) => {
            let _ = OUTPUT_LOCK.set(dir);
            true
        }
        Err(fs::TryLockError::WouldBlock) => false,
        Err(fs::TryLockError::Error(_)) => true,
    }
}

/// Removes the temporary files a killed run left in `folder` (ours only:
/// see `denoise_kernel::is_stale_temp_name`); returns how many.
fn remove_stale_temporary_files(folder: &Path) -> Result<usize, String> {
    let entries = fs::read_dir(folder)
        .map_err(|e| format!("cannot read output folder {}: {e}", folder.display()))?;
    let mut removed = 0;
    for entry in entries.flatten() {
        let stale = entry
            .file_name()
            .to_str()
            .is_some_and(denoise_kernel::is_stale_temp_name);
        if stale && entry.file_type().is_ok_and(|t| t.is_file()) {
            fs::remove_file(entry.path())
                .map_err(|e| format!("cannot remove stale {}: {e}", entry.path().display()))?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// One photo that could not be denoised, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    pub file: String,
    pub rank: i32,
    pub reason: String,
}

/// What one rank did: how many photos it denoised, how long it was busy
/// doing so, and which photos failed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RankReport {
    pub rank: i32,
    /// Photos denoised and written.
    pub done: u32,
    /// Seconds spent on photos (reading, filtering and writing, failures included).
    pub busy_secs: f64,
    pub failures: Vec<Failure>,
    /// The process's peak memory (resident set) in MiB, where the system tells it.
    pub peak_mib: Option<f64>,
}

impl RankReport {
    /// Notes the peak memory so far; call it when the rank's work is done.
    pub fn measure_peak_memory(&mut self) {
        self.peak_mib = peak_memory_mib();
    }
}

/// This process's peak resident memory in MiB (Linux: `VmHWM` in
/// `/proc/self/status`), or `None` elsewhere.
pub fn peak_memory_mib() -> Option<f64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Waits until every rank has called it, like `barrier`, but sleeps while
/// waiting: MPICH's blocking calls spin on the CPU, and a rank that is done
/// should leave its core to the ranks still working (4 ranks on 2 cores).
/// It starts a non-blocking barrier (`MPI_Ibarrier`) and tests it every
/// millisecond.
pub fn wait_for_all_ranks(world: &SimpleCommunicator) {
    let mut barrier = world.immediate_barrier();
    loop {
        match barrier.test() {
            Ok(_) => return,
            Err(pending) => barrier = pending,
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

/// Denoises photos one at a time for one rank, printing as the workshop does.
pub struct Job<'a> {
    pub args: &'a PhotoArgs,
    /// `Some(rank)` prefixes the lines with `Process RANK: ` (the MPI program).
    pub process: Option<i32>,
    /// A progress bar; lines are printed above it.
    pub bar: ProgressBar,
    pub report: RankReport,
}

impl<'a> Job<'a> {
    pub fn new(args: &'a PhotoArgs, process: Option<i32>, bar: ProgressBar) -> Job<'a> {
        let report = RankReport {
            rank: process.unwrap_or(0),
            ..RankReport::default()
        };
        Job {
            args,
            process,
            bar,
            report,
        }
    }

    /// Reads, denoises and writes one photo (the body of the workshop's `loop`),
    /// prints `[Process R: ]Took 0.041 seconds for noisy_000.jpg` or
    /// `error: noisy_000.jpg: <reason>`, and records the result.
    ///
    /// The time is the whole photo's (read + filter + write), so the lines of
    /// one rank add up to its busy time in the summary.
    pub fn denoise(&mut self, name: &str) {
        let start = Instant::now();
        let (input, output) = (self.args.input.join(name), self.args.output.join(name));
        // denoise_file refuses a photo that is empty, cut short, corrupt or too
        // large, and writes to a temporary file that it renames when complete.
        let result = denoise_kernel::denoise_file(
            &input,
            &output,
            self.args.flavour.into(),
            self.args
                .max_pixels
                .unwrap_or_else(denoise_kernel::read::default_max_pixels),
        )
        .map_err(reason);
        let secs = start.elapsed().as_secs_f64();
        self.report.busy_secs += secs;
        match result {
            Ok(denoised) => {
                self.report.done += 1;
                DONE.fetch_add(1, Ordering::SeqCst);
                if denoised.cut_to_8_bits {
                    let line = format!(
                        "note: {}: 16-bit photo written as JPEG, which holds 8 bits: cut to 8 bits\n",
                        shown(name)
                    );
                    let _ = self
                        .bar
                        .suspend(|| std::io::stderr().write_all(line.as_bytes()));
                }
                if !self.args.quiet {
                    let prefix = self
                        .process
                        .map(|r| format!("Process {r}: "))
                        .unwrap_or_default();
                    let name = shown(name);
                    self.bar
                        .suspend(|| println!("{prefix}Took {secs:.3} seconds for {name}"));
                }
            }
            Err(reason) => {
                let line = format!("error: {}: {reason}\n", shown(name));
                // One write, so that lines of ranks sharing stderr never mix.
                let _ = self
                    .bar
                    .suspend(|| std::io::stderr().write_all(line.as_bytes()));
                self.report.failures.push(Failure {
                    file: name.to_owned(),
                    rank: self.report.rank,
                    reason,
                });
            }
        }
        self.bar.inc(1);
    }
}

/// The error on one line, without the folder: the `error: NAME: ` line
/// already names the file.
fn reason(e: DenoiseError) -> String {
    let message = match e {
        DenoiseError::File { message, .. } => message,
        other => other.to_string(),
    };
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(": ")
}

/// A progress bar on standard error, drawn only on a terminal, or when
/// `force`d (`--progress`); otherwise hidden, so files and pipes get no
/// control characters.
///
/// Under `mpiexec` no rank has a terminal: mpiexec reads each rank's output
/// from a pipe and copies it to its own, byte by byte. So with `--progress`
/// rank 0 draws into the pipe anyway ([`ForwardedTerminal`]), and mpiexec
/// passes the drawing on to the learner's terminal.
pub fn progress_bar(len: usize, label: &str, force: bool) -> ProgressBar {
    let target = if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else if force {
        ProgressDrawTarget::term_like_with_hz(Box::new(ForwardedTerminal), 5)
    } else {
        return ProgressBar::hidden();
    };
    let style = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({elapsed})")
        .expect("valid template")
        .progress_chars("=> ");
    ProgressBar::with_draw_target(Some(len as u64), target)
        .with_style(style)
        .with_message(label.to_owned())
}

/// Standard error taken to be an 80-column terminal that understands ANSI
/// escapes (the learner's terminal, at the other end of mpiexec's pipe).
#[derive(Debug)]
pub struct ForwardedTerminal;

impl ForwardedTerminal {
    fn write(&self, s: &str) -> std::io::Result<()> {
        std::io::stderr().write_all(s.as_bytes())
    }

    /// `ESC [ n letter` moves the cursor n steps (A up, B down, C right, D left).
    fn move_cursor(&self, n: usize, letter: char) -> std::io::Result<()> {
        if n == 0 {
            return Ok(());
        }
        self.write(&format!("\x1b[{n}{letter}"))
    }
}

impl TermLike for ForwardedTerminal {
    fn width(&self) -> u16 {
        80
    }
    fn move_cursor_up(&self, n: usize) -> std::io::Result<()> {
        self.move_cursor(n, 'A')
    }
    fn move_cursor_down(&self, n: usize) -> std::io::Result<()> {
        self.move_cursor(n, 'B')
    }
    fn move_cursor_right(&self, n: usize) -> std::io::Result<()> {
        self.move_cursor(n, 'C')
    }
    fn move_cursor_left(&self, n: usize) -> std::io::Result<()> {
        self.move_cursor(n, 'D')
    }
    fn write_line(&self, s: &str) -> std::io::Result<()> {
        self.write(&format!("{s}\n"))
    }
    fn write_str(&self, s: &str) -> std::io::Result<()> {
        self.write(s)
    }
    fn clear_line(&self) -> std::io::Result<()> {
        self.write("\r\x1b[2K")
    }
    fn flush(&self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// Rank 0's closing summary: files per rank, the busiest rank's time, how
/// long the others waited for it, and the failures.
pub fn summary(reports: &[RankReport], files: usize, schedule: &str) -> String {
    let busiest = reports
        .iter()
        .max_by(|a, b| a.busy_secs.total_cmp(&b.busy_secs))
        .expect("at least rank 0");
    let mut s = format!(
        "Summary: {} on {}, {schedule} schedule\n",
        count(files, "photo"),
        count(reports.len(), "rank")
    );
    for r in reports {
        let idle = busiest.busy_secs - r.busy_secs;
        let failed = if r.failures.is_empty() {
            String::new()
        } else {
            format!(", {} failed", r.failures.len())
        };
        let peak = r
            .peak_mib
            .map(|m| format!(", peak memory {m:.0} MiB"))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "  rank {}: {} in {:.3} s (idle {idle:.3} s{peak}){failed}",
            r.rank,
            count(r.done as usize, "photo"),
            r.busy_secs
        );
    }
    let idle: f64 = reports
        .iter()
        .map(|r| busiest.busy_secs - r.busy_secs)
        .sum();
    let _ = writeln!(
        s,
        "Busiest rank: {} ({:.3} s busy); the others were idle {idle:.3} s in all",
        busiest.rank, busiest.busy_secs
    );
    let failures: Vec<&Failure> = reports.iter().flat_map(|r| &r.failures).collect();
    if failures.is_empty() {
        s.push_str("Failures: none\n");
    } else {
        let _ = writeln!(s, "Failures: {}", failures.len());
        for f in failures {
            let _ = writeln!(s, "  {} (rank {}): {}", shown(&f.file), f.rank, f.reason);
        }
    }
    s
}

/// The end of a run, on rank 0 (or the serial program): writes the montage if
/// asked, and returns the exit status: 0 if every photo was denoised, 1 if
/// some failed (they are listed on one `error:` line).
pub fn finish(args: &PhotoArgs, files: &[String], reports: &[RankReport]) -> i32 {
    let mut status = 0;
    if let Some(montage) = &args.montage {
        let first = &files[0];
        if let Err(e) = write_montage(&args.input.join(first), &args.output.join(first), montage) {
            eprintln!("error: montage {}: {e}", montage.display());
            status = 1;
        }
    }
    let mut failed: Vec<&str> = reports
        .iter()
        .flat_map(|r| &r.failures)
        .map(|f| f.file.as_str())
        .collect();
    if !failed.is_empty() {
        failed.sort();
        let names: Vec<String> = failed.iter().map(|f| shown(f)).collect();
        eprintln!(
            "error: {} of {} failed: {}",
            failed.len(),
            count(files.len(), "photo"),
            names.join(", ")
        );
        status = 1;
    }
    status
}

/// Writes a PNG with the noisy photo on the left and the denoised one on the
/// right (side by side, black below the shorter one), written atomically;
/// creates the montage's folder if needed.
pub fn write_montage(noisy: &Path, denoised: &Path, montage: &Path) -> Result<(), String> {
    let open = |p: &Path| {
        image::open(p)
            .map(|i| i.to_rgb8())
            .map_err(|e| format!("cannot read {}: {e}", p.display()))
    };
    let (left, right) = (open(noisy)?, open(denoised)?);
    let mut both = image::RgbImage::new(
        left.width() + right.width(),
        left.height().max(right.height()),
    );
    image::imageops::replace(&mut both, &left, 0, 0);
    image::imageops::replace(&mut both, &right, i64::from(left.width()), 0);
    let mut png = std::io::Cursor::new(Vec::new());
    both.write_to(&mut png, image::ImageFormat::Png)
        .map_err(|e| e.to_string())?;
    if let Some(folder) = montage.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(folder)
            .map_err(|e| format!("cannot create folder {}: {e}", folder.display()))?;
    }
    denoise_kernel::write_atomic(montage, png.get_ref()).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn summary_reports_idle_time_against_the_busiest_rank_and_failures() {
        let reports = [
            RankReport {
                rank: 0,
                done: 3,
                busy_secs: 3.0,
                ..RankReport::default()
            },
            RankReport {
                rank: 1,
                done: 1,
                busy_secs: 1.5,
                failures: vec![Failure {
                    file: "bad.jpg".into(),
                    rank: 1,
                    reason: "truncated".into(),
                }],
                peak_mib: Some(42.0),
            },
        ];
        let text = summary(&reports, 5, "static");
        assert!(
            text.starts_with("Summary: 5 photos on 2 ranks, static schedule\n"),
            "{text}"
        );
        assert!(
            text.contains("  rank 0: 3 photos in 3.000 s (idle 0.000 s)\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "  rank 1: 1 photo in 1.500 s (idle 1.500 s, peak memory 42 MiB), 1 failed\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("Busiest rank: 0 (3.000 s busy); the others were idle 1.500 s in all\n"),
            "{text}"
        );
        assert!(
            text.ends_with("Failures: 1\n  bad.jpg (rank 1): truncated\n"),
            "{text}"
        );
    }
}
