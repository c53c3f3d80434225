//! rustlings' flow, through the built checker: the first exercise not yet
//! done, progress on every run, hints on request, reset, and watch mode
//! (in a temporary copy of the exercise files, never the real ones).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::channel;
use std::time::Duration;

use exercises::info::{Info, crate_dir};
use exercises::progress::fingerprint;

const CHECK: &str = env!("CARGO_BIN_EXE_check");

/// A temporary folder holding a copy of every exercise file and a state file.
struct Copy {
    dir: tempfile::TempDir,
}

impl Copy {
    fn new() -> Copy {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("exercises")).unwrap();
        for entry in std::fs::read_dir(crate_dir().join("exercises")).unwrap() {
            let path = entry.unwrap().path();
            let to = dir.path().join("exercises").join(path.file_name().unwrap());
            std::fs::copy(&path, to).unwrap();
        }
        Copy { dir }
    }
    fn exercises(&self) -> PathBuf {
        self.dir.path().join("exercises")
    }
    fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(CHECK);
        cmd.arg("--no-build")
            .arg("--dir")
            .arg(self.exercises())
            .args(args)
            .env("EXERCISES_STATE", self.state());
        cmd
    }
    fn run(&self, args: &[&str]) -> (Option<i32>, String) {
        let out = self.command(args).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.code(), text)
    }
}

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .unwrap()
        .status
        .success();
    assert!(ok, "git {args:?}");
}

#[test]
fn no_name_checks_the_first_exercise_not_done_and_progress_counts_it() {
    let info = Info::load().unwrap();
    let total = info.exercises.len();
    let copy = Copy::new();
    let (first, second) = (&info.exercises[0], &info.exercises[1]);
    let (code, out) = copy.run(&[]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.starts_with(&format!("FAIL {}: ", first.name)), "{out}");
    assert!(out.contains(&format!("Progress: 0/{total} done")), "{out}");

    // The first one passed with its file as it is now: on to the second.
    let text = std::fs::read(copy.exercises().join(&first.file)).unwrap();
    std::fs::write(
        copy.state(),
        format!("{} {:016x}\n", first.name, fingerprint(&text)),
    )
    .unwrap();
    let (_, out) = copy.run(&[]);
    assert!(out.starts_with(&format!("FAIL {}: ", second.name)), "{out}");
    assert!(out.contains(&format!("Progress: 1/{total} done")), "{out}");
    let (_, list) = copy.run(&["--list"]);
    assert!(
        list.contains(&format!("Progress: 1/{total} done")),
        "{list}"
    );

    // Editing the file again makes it not done.
    std::fs::write(
        copy.exercises().join(&first.file),
        [&text[..], b"\n"].concat(),
    )
    .unwrap();
    let (_, out) = copy.run(&[]);
    assert!(out.starts_with(&format!("FAIL {}: ", first.name)), "{out}");
}

#[test]
fn hint_prints_the_whole_hint_on_request() {
    let info = Info::load().unwrap();
    let ex = info.find("pi-reduce").unwrap();
    let copy = Copy::new();
    let (code, out) = copy.run(&["hint", "pi-reduce"]);
    assert_eq!(code, Some(0), "{out}");
    for line in ex.hint.trim().lines() {
        assert!(out.contains(line), "{line}\n{out}");
    }
    // Without a name: the current exercise's.
    let (_, out) = copy.run(&["hint"]);
    assert!(
        out.starts_with(&format!("Hint for {} ", info.exercises[0].name)),
        "{out}"
    );
}

#[test]
fn reset_puts_the_shipped_file_back_from_git() {
    let copy = Copy::new();
    let dir = copy.exercises();
    git(&dir, &["init", "-q"]);
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "shipped"]);
    let file = dir.join("05_hello.rs");
    let shipped = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, "fn main() {}\n").unwrap();
    let (code, out) = copy.run(&["reset", "hello"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.starts_with("Reset hello: "), "{out}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), shipped);
    // The learner's version is kept, and the line says where.
    let kept = backups(&copy);
    assert_eq!(kept.len(), 1, "{out}");
    assert_eq!(std::fs::read_to_string(&kept[0]).unwrap(), "fn main() {}\n");
    let name = kept[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("05_hello-") && name.ends_with(".rs"),
        "{name}"
    );
    assert!(out.contains("your version is kept in "), "{out}");
    assert!(out.contains(&name), "{out}");
    // Nothing to keep when the file is as shipped.
    let (code, out) = copy.run(&["reset", "hello"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("already as shipped"), "{out}");
    assert_eq!(backups(&copy).len(), 1);
    // A second reset of a changed file keeps a second copy, never overwriting the first.
    std::fs::write(&file, "fn main() { todo!() }\n").unwrap();
    let (code, out) = copy.run(&["reset", "hello"]);
    assert_eq!(code, Some(0), "{out}");
    let kept = backups(&copy);
    assert_eq!(kept.len(), 2, "{out}");
    let texts: Vec<String> = kept
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    assert!(texts.contains(&"fn main() {}\n".to_string()), "{texts:?}");
    assert!(
        texts.contains(&"fn main() { todo!() }\n".to_string()),
        "{texts:?}"
    );
}

/// The copies `reset` kept (in `backups/`, beside the copy's `exercises/`), sorted.
fn backups(copy: &Copy) -> Vec<PathBuf> {
    let dir = copy.dir.path().join("backups");
    let mut kept: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    kept.sort();
    kept
}

#[test]
fn reset_all_puts_every_exercise_back_and_keeps_each_changed_one() {
    let info = Info::load().unwrap();
    let copy = Copy::new();
    let dir = copy.exercises();
    git(&dir, &["init", "-q"]);
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "shipped"]);
    let changed = [&info.exercises[0], &info.exercises[2]];
    let mut shipped = Vec::new();
    for ex in changed {
        let file = dir.join(&ex.file);
        shipped.push(std::fs::read_to_string(&file).unwrap());
        std::fs::write(&file, format!("// {}'s work\n", ex.name)).unwrap();
    }
    // One of them had passed: the reset forgets it.
    let text = std::fs::read(dir.join(&changed[0].file)).unwrap();
    std::fs::write(
        copy.state(),
        format!("{} {:016x}\n", changed[0].name, fingerprint(&text)),
    )
    .unwrap();
    let (code, out) = copy.run(&["reset", "--all"]);
    assert_eq!(code, Some(0), "{out}");
    let total = info.exercises.len();
    // A line for every exercise, then the progress.
    for ex in &info.exercises {
        let said = if changed.iter().any(|c| c.name == ex.name) {
            format!("Reset {}: ", ex.name)
        } else {
            format!("{} is already as shipped", ex.name)
        };
        assert!(out.contains(&said), "{said}\n{out}");
    }
    assert!(out.contains(&format!("Progress: 0/{total} done")), "{out}");
    for (ex, shipped) in changed.iter().zip(&shipped) {
        assert_eq!(
            std::fs::read_to_string(dir.join(&ex.file)).unwrap(),
            *shipped
        );
    }
    let kept: Vec<String> = backups(&copy)
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    assert_eq!(kept.len(), 2, "{out}");
    for ex in changed {
        assert!(
            kept.contains(&format!("// {}'s work\n", ex.name)),
            "{kept:?}"
        );
    }
    // --all goes alone or after reset: anything else is a usage error.
    let (code, out) = copy.run(&["hint", "--all"]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("--all goes alone"), "{out}");
}

#[test]
fn watch_checks_again_when_the_file_is_saved() {
    let copy = Copy::new();
    let mut child = copy
        .command(&["watch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let wait_for = |start: &str| -> Vec<String> {
        let mut seen = Vec::new();
        loop {
            let line = rx
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("no `{start}` line; saw {seen:#?}"));
            let found = line.starts_with(start);
            seen.push(line);
            if found {
                return seen;
            }
        }
    };
    let first = Info::load().unwrap().exercises[0].clone();
    let seen = wait_for("Watching ");
    assert!(
        seen.iter()
            .any(|l| l.starts_with(&format!("FAIL {}: ", first.name))),
        "{seen:#?}"
    );
    // Save the file: the checker runs again by itself.
    let file = copy.exercises().join(&first.file);
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text + "// saved\n").unwrap();
    let seen = wait_for("Watching ");
    assert!(
        seen[0].starts_with(&format!("Checking {}", first.name)),
        "{seen:#?}"
    );
    assert!(
        seen.iter()
            .any(|l| l.starts_with(&format!("FAIL {}: ", first.name))),
        "{seen:#?}"
    );
    // `h` prints the hint, `q` ends it.
    let stdin = child.stdin.as_mut().unwrap();
    stdin.write_all(b"h\nq\n").unwrap();
    wait_for("Hint for ");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1));
}

#[test]
fn watch_moves_on_when_an_exercise_passes() {
    // The solutions pass one after the other: watch goes through them all and ends.
    let copy = Copy::new();
    let mut child = copy
        .command(&["watch", "--solution", "--ranks", "1"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A FAIL would make watch wait for a save that never comes: stop it then.
    let deadline = std::time::Instant::now() + Duration::from_secs(300);
    while child.try_wait().unwrap().is_none() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let info = Info::load().unwrap();
    let passes: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("PASS ")?.split(':').next())
        .collect();
    let names: Vec<&str> = info.exercises.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(passes, names, "{text}");
    assert!(text.contains("exercises are done"), "{text}");
    // The last PASS and the end say the progress once, not twice.
    let total = names.len();
    let full = format!("Progress: {total}/{total} done");
    assert_eq!(text.matches(&full).count(), 1, "{text}");
    assert_eq!(out.status.code(), Some(0), "{text}");
}

/// An instructor copies a built clone for each attendee: the copy's checker
/// checks the copy (its files, its progress), never the clone it came from.
#[test]
fn a_copied_clone_checks_itself() {
    let original_progress = crate_dir().join(".progress");
    let before = std::fs::read(&original_progress).ok();
    let copy = tempfile::tempdir().unwrap();
    let root = copy.path().join("attendee-7");
    let crate_copy = root.join("crates/exercises");
    std::fs::create_dir_all(&crate_copy).unwrap();
    std::fs::copy(crate_dir().join("info.toml"), crate_copy.join("info.toml")).unwrap();
    for folder in ["exercises", "solutions"] {
        std::fs::create_dir(crate_copy.join(folder)).unwrap();
        for entry in std::fs::read_dir(crate_dir().join(folder)).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(
                &path,
                crate_copy.join(folder).join(path.file_name().unwrap()),
            )
            .unwrap();
        }
    }
    // The attendee's edit: hello solved, in the copy only (and built, as cargo would).
    let info = Info::load().unwrap();
    let hello = info.find("hello").unwrap();
    std::fs::copy(
        hello.source(true),
        crate_copy.join("exercises").join(&hello.file),
    )
    .unwrap();
    let built = Path::new(CHECK).parent().unwrap();
    let bin = root.join("target/release");
    std::fs::create_dir_all(&bin).unwrap();
    for (from, to) in [
        ("check", "check"),
        ("libmpi_trace.so", "libmpi_trace.so"),
        (hello.solution.as_str(), hello.bin.as_str()),
    ] {
        std::fs::copy(built.join(from), bin.join(to)).unwrap();
    }
    let check = |args: &[&str]| {
        let out = Command::new(bin.join("check"))
            .args(args)
            .env_remove("EXERCISES_STATE")
            .env_remove(exercises::info::WORKSPACE_VAR)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (code, out) = check(&["--workspace"]);
    assert_eq!((code, out.trim()), (Some(0), root.to_str().unwrap()));
    let (code, out) = check(&["--no-build", "hello"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.starts_with("PASS hello"), "{out}");
    assert!(out.contains("Progress: 1/"), "{out}");
    assert!(
        crate_copy.join(".progress").is_file(),
        "progress kept in the copy"
    );
    assert_eq!(
        std::fs::read(&original_progress).ok(),
        before,
        "the original clone is untouched"
    );
}
