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

/// Copies `file` into the folder `backups` before a reset overwrites it, as
/// `NAME-YYYYMMDD-HHMMSS.rs` (UTC; `-2`, `-3`, … for more in the same second),
/// and returns the copy's path: a reset never throws a learner's work away.
pub fn back_up(file: &Path, backups: &Path) -> Result<PathBuf, String> {
    let stem = file.file_stem().unwrap_or_default().to_string_lossy();
    let ext = file
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    std::fs::create_dir_all(backups).map_err(|e| format!("{}: {e}", backups.display()))?;
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let stamp = utc_stamp(secs);
    for n in 1.. {
        let extra = if n == 1 {
            String::new()
        } else {
            format!("-{n}")
        };
        let copy = backups.join(format!("{stem}-{stamp}{extra}{ext}"));
        // create_new: never overwrite an earlier copy.
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&copy)
        {
            Ok(_) => {
                return std::fs::copy(file, &copy).map(|_| copy).map_err(|e| {
                    format!(
                        "{}: cannot copy to {}: {e}",
                        file.display(),
                        backups.display()
                    )
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("{}: {e}", copy.display())),
        }
    }
    unreachable!("some name is free")
}

/// `YYYYMMDD-HHMMSS` for `secs` after 1970-01-01 00:00 UTC (the civil calendar
/// from a day count: Howard Hinnant's `civil_from_days`).
pub fn utc_stamp(secs: u64) -> String {
    let (days, rest) = ((secs / 86_400) as i64, secs % 86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s) = (rest / 3600, rest / 60 % 60, rest % 60);
    format!("{year:04}{month:02}{day:02}-{h:02}{m:02}{s:02}")
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_stamps_are_calendar_dates() {
        assert_eq!(utc_stamp(0), "19700101-000000");
        // 2000-02-29 (a leap day) 23:59:59 and the second after it.
        assert_eq!(utc_stamp(951_868_799), "20000229-235959");
        assert_eq!(utc_stamp(951_868_800), "20000301-000000");
        assert_eq!(utc_stamp(1_796_560_273), "20261206-123113");
    }
}
