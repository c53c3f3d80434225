//! rustlings' flow: which exercises are done, putting an exercise back as
//! shipped, and watching the files for saves.
//!
//! An exercise is *done* when its file is exactly as it was the last time it
//! passed: the checker records a fingerprint of the file at each PASS
//! (in `crates/exercises/.progress`, or the file named by [`STATE_VAR`]), so
//! `ci/check` knows the first exercise not yet done without running them all.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, channel};

use crate::info::{Exercise, Info, crate_dir};

/// Where the progress is kept, when not in `crates/exercises/.progress` (tests).
pub const STATE_VAR: &str = "EXERCISES_STATE";

/// Which exercises passed, and the fingerprint of their file when they did.
#[derive(Debug)]
pub struct Progress {
    path: PathBuf,
    passed: BTreeMap<String, u64>,
    /// The folder of the exercise files.
    dir: PathBuf,
}

/// FNV-1a: a fingerprint of a file's bytes that is the same on every build.
pub fn fingerprint(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl Progress {
    /// The recorded progress (none when nothing was recorded yet).
    pub fn load(info: &Info) -> Progress {
        let path = std::env::var_os(STATE_VAR)
            .map(PathBuf::from)
            .unwrap_or_else(|| crate_dir().join(".progress"));
        let passed = std::fs::read_to_string(&path)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| {
                let (name, hash) = l.split_once(' ')?;
                Some((name.to_string(), u64::from_str_radix(hash, 16).ok()?))
            })
            .collect();
        Progress {
            path,
            passed,
            dir: info.exercises_dir.clone(),
        }
    }

    fn current(&self, ex: &Exercise) -> Option<u64> {
        std::fs::read(self.dir.join(&ex.file))
            .ok()
            .map(|b| fingerprint(&b))
    }

    /// Whether `ex` passed with its file as it is now.
    pub fn is_done(&self, ex: &Exercise) -> bool {
        self.passed
            .get(&ex.name)
            .is_some_and(|&h| Some(h) == self.current(ex))
    }

    /// How many exercises are done.
    pub fn done_count(&self, info: &Info) -> usize {
        info.exercises.iter().filter(|ex| self.is_done(ex)).count()
    }

    /// The first exercise, in workshop order, that is not done.
    pub fn first_unsolved(&self, info: &Info) -> Option<usize> {
        info.exercises.iter().position(|ex| !self.is_done(ex))
    }

    /// Records that `ex` passed with its file as it is now.
    pub fn record(&mut self, ex: &Exercise) {
        if let Some(h) = self.current(ex) {
            self.passed.insert(ex.name.clone(), h);
            self.save();
        }
    }

    /// Forgets that `ex` passed (after a reset).
    pub fn forget(&mut self, ex: &Exercise) {
        if self.passed.remove(&ex.name).is_some() {
            self.save();
        }
    }

    fn save(&self) {
        let text: String = self
            .passed
            .iter()
            .map(|(name, h)| format!("{name} {h:016x}\n"))
            .collect();
        if let Err(e) = write_whole(&self.path, &text) {
            eprintln!("warning: progress not saved: {e}");
        }
    }
}

use lesson_cli::files::write_whole;

/// What `ci/check watch` waits for.
#[derive(Debug)]
pub enum Event {
    /// A file in the watched folder was written.
    Saved(PathBuf),
    /// A line typed on the terminal.
    Key(String),
}

/// Watches `dir` for saved files (through `notify`: inotify on Linux), and
/// the terminal for typed lines.
pub fn watch_folder(dir: &Path) -> Result<Receiver<Event>, String> {
    use notify::{EventKind, RecursiveMode, Watcher};
    let (tx, rx) = channel();
    let saves = tx.clone();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event
            && matches!(event.kind, EventKind::Modify(_) | EventKind::Create(_))
        {
            for path in event.paths {
                let _ = saves.send(Event::Saved(path));
            }
        }
    })
    .map_err(|e| format!("cannot watch {}: {e}", dir.display()))?;
    watcher
        .watch(dir, RecursiveMode::NonRecursive)
        .map_err(|e| format!("cannot watch {}: {e}", dir.display()))?;
    // The watcher stops when dropped: keep it for the life of the program.
    std::mem::forget(watcher);
    std::thread::spawn(move || {
        for line in std::io::stdin().lines() {
            let Ok(line) = line else { break };
            if tx.send(Event::Key(line.trim().to_string())).is_err() {
                break;
            }
        }
    });
    Ok(rx)
}
