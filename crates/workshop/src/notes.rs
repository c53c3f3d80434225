//! `workshop notes`: the outputs shown in `workshop-notes/` are made by running the programs.
//!
//! A notes file marks each output block with the command that makes it:
//!
//! ````markdown
//! <!-- run: mpiexec -n 4 target/release/hello-mpi | sorted -->
//! ```console
//! $ mpiexec -n 4 target/release/hello-mpi
//! hello world from process 0/4
//! ```
//! <!-- end run -->
//! ````
//!
//! `workshop notes` runs every command (from the repository root) and rewrites the block
//! between the markers; `workshop notes --check` only compares and fails when a block no
//! longer matches what the program prints. Options after the command, separated by ` | `:
//! `sorted` (ranks print in any order: sort the lines) and `mask: REGEX => REPLACEMENT`
//! (hide what changes from run to run), `raw` (the output is Markdown, put on the page
//! as it is, without the console block: the instructor guide's schedule table),
//! `head: N` (only the first N lines, then `…`: a long summary whose picture follows), and
//! `needs: PROGRAM` (the block runs only where PROGRAM is on the PATH, e.g. `smpirun` for the
//! simulated cluster; elsewhere it is left as it is, with a note).
//! Times (`0.0123 secs`, `4.1 seconds`) are always masked.
//!
//! The same files are the pages of the book (`workshop-notes/book.toml`, `ci/book`): the
//! markers are HTML comments, which the book does not show.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use clap::Args;
use regex::Regex;

const START: &str = "<!-- run: ";
const END: &str = "<!-- end run -->";
/// Set (to 1) for the commands that `workshop notes --check` runs: they must change nothing.
pub const CHECK_ENV: &str = "WORKSHOP_NOTES_CHECK";

/// `workshop notes [--check] [FILE…]`
#[derive(Args, Debug)]
pub struct NotesArgs {
    /// Compare only: fail, showing what differs, when a block is out of date
    #[arg(long)]
    pub check: bool,
    /// Notes files (default: every workshop-notes/*.md)
    pub files: Vec<PathBuf>,
}

/// Runs `workshop notes` from the repository root (the current folder).
pub fn run(args: &NotesArgs) -> Result<(), String> {
    let root = std::env::current_dir().map_err(|e| format!("current folder: {e}"))?;
    let mut files = args.files.clone();
    if files.is_empty() {
        let dir = root.join("workshop-notes");
        let entries = std::fs::read_dir(&dir)
            .map_err(|e| format!("{}: {e} (run from the repository root)", dir.display()))?;
        files = entries
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
            .collect();
        files.sort();
    }
    let mut stale = 0;
    for file in &files {
        for block in update_file(file, &root, args.check)? {
            stale += 1;
            if args.check {
                eprint!("{block}");
            } else {
                println!(
                    "updated {}:{} (`{}`)",
                    block.file.display(),
                    block.line,
                    block.command
                );
            }
        }
    }
    match (args.check, stale) {
        (true, 0) => {
            println!(
                "notes: every output block of {} files matches its program",
                files.len()
            );
            Ok(())
        }
        (true, n) => Err(format!(
            "{n} output blocks in workshop-notes/ differ from what the programs print: run `target/release/workshop notes` and review the diff"
        )),
        (false, n) => {
            println!("notes: {n} blocks updated in {} files", files.len());
            Ok(())
        }
    }
}

/// One marked block of a notes file.
#[derive(Debug)]
struct RunBlock {
    command: String,
    sorted: bool,
    raw: bool,
    /// The command is shown failing (a job that hangs and is stopped).
    fails: bool,
    /// Only this many lines of the output are shown.
    head: Option<usize>,
    /// A program the command needs: without it on the PATH the block is skipped.
    needs: Option<String>,
    masks: Vec<(Regex, String)>,
}

/// A block whose text is not what its command prints now.
#[derive(Debug)]
pub struct Stale {
    pub file: PathBuf,
    pub line: usize,
    pub command: String,
    pub expected: String,
    pub found: String,
}

impl fmt::Display for Stale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}:{}: the output of `{}` changed",
            self.file.display(),
            self.line,
            self.command
        )?;
        let (want, have): (Vec<_>, Vec<_>) = (
            self.expected.lines().collect(),
            self.found.lines().collect(),
        );
        for i in 0..want.len().max(have.len()) {
            let (w, h) = (want.get(i).copied(), have.get(i).copied());
            if w != h {
                writeln!(f, "  notes:   {}", h.unwrap_or("<missing>"))?;
                writeln!(f, "  program: {}", w.unwrap_or("<missing>"))?;
            }
        }
        Ok(())
    }
}

fn parse_spec(spec: &str) -> Result<RunBlock, String> {
    let mut parts = spec.split(" | ");
    let command = parts.next().unwrap_or_default().trim().to_owned();
    if command.is_empty() {
        return Err("a run marker without a command".into());
    }
    let mut block = RunBlock {
        command,
        sorted: false,
        raw: false,
        fails: false,
        head: None,
        needs: None,
        masks: default_masks(),
    };
    for option in parts {
        let option = option.trim();
        if option == "sorted" {
            block.sorted = true;
        } else if option == "raw" {
            block.raw = true;
        } else if option == "fails" {
            block.fails = true;
        } else if let Some(n) = option.strip_prefix("head: ") {
            let n = n
                .trim()
                .parse()
                .map_err(|_| format!("`head: {n}` needs a number of lines"))?;
            block.head = Some(n);
        } else if let Some(program) = option.strip_prefix("needs: ") {
            block.needs = Some(program.trim().to_owned());
        } else if let Some(mask) = option.strip_prefix("mask: ") {
            let (pattern, replacement) = mask
                .split_once(" => ")
                .ok_or_else(|| format!("mask `{mask}` needs `REGEX => REPLACEMENT`"))?;
            let regex = Regex::new(pattern).map_err(|e| format!("mask `{pattern}`: {e}"))?;
            block.masks.push((regex, replacement.to_owned()));
        } else {
            return Err(format!(
                "unknown option `{option}` (options: sorted, raw, fails, head: N, needs: PROGRAM, mask: REGEX => REPLACEMENT)"
            ));
        }
    }
    Ok(block)
}

fn default_masks() -> Vec<(Regex, String)> {
    let time = Regex::new(r"\b\d+\.\d+ (secs|seconds)\b").expect("valid regex");
    vec![(time, "X.XXX $1".to_owned())]
}

impl RunBlock {
    /// Runs the command from `root` and returns the block's text (without the markers).
    /// With `check`, the command is told so by `WORKSHOP_NOTES_CHECK=1` (so that
    /// `workshop trace --save-png` leaves the notes' pictures as they are).
    fn render(&self, root: &Path, check: bool) -> Result<String, String> {
        let mut command = Command::new("sh");
        if check {
            command.env(CHECK_ENV, "1");
        }
        command
            .arg("-c")
            .arg(&self.command)
            .current_dir(root)
            .env("MPIEXEC_TIMEOUT", "300");
        // Should a launcher fail to stop a job at its timeout, the job is killed.
        let output = mpi_basics::deadline::output(&mut command, Duration::from_secs(400))
            .map_err(|e| format!("cannot run `{}`: {e}", self.command))?;
        if self.fails && output.status.success() {
            return Err(format!(
                "`{}` succeeded, and its block says it fails (`| fails`)",
                self.command
            ));
        }
        if !output.status.success() && !self.fails {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let last = stderr.lines().last().unwrap_or("");
            return Err(format!(
                "`{}` failed ({}): {last}",
                self.command, output.status
            ));
        }
        let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
        for (regex, replacement) in &self.masks {
            text = regex.replace_all(&text, replacement.as_str()).into_owned();
        }
        let mut lines: Vec<&str> = text.lines().collect();
        if self.sorted {
            lines.sort_unstable();
        }
        if let Some(n) = self.head.filter(|&n| n < lines.len()) {
            lines.truncate(n);
            lines.push("…");
        }
        let mut block = if self.raw {
            String::new()
        } else {
            format!("```console\n$ {}\n", self.command)
        };
        for line in lines {
            block.push_str(line.trim_end());
            block.push('\n');
        }
        if !self.raw {
            block.push_str("```\n");
        }
        Ok(block)
    }
}

/// Whether `program` is a file in one of the PATH's folders.
fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

/// Brings every run block of one notes file up to date (or, with `check`, only compares).
/// Returns the stale blocks; with `check` false they have been rewritten.
pub fn update_file(path: &Path, root: &Path, check: bool) -> Result<Vec<Stale>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut out = String::with_capacity(text.len());
    let mut stale = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        out.push_str(line);
        let Some(spec) = line
            .trim_end()
            .strip_prefix(START)
            .and_then(|s| s.strip_suffix(" -->"))
        else {
            i += 1;
            continue;
        };
        let block = parse_spec(spec).map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))?;
        let end = (i + 1..lines.len())
            .find(|&j| lines[j].trim_end() == END)
            .ok_or_else(|| format!("{}:{}: `{START}` without `{END}`", path.display(), i + 1))?;
        let old: String = lines[i + 1..end].concat();
        if let Some(missing) = block.needs.as_deref().filter(|p| !on_path(p)) {
            eprintln!(
                "notes: {}:{} skipped, {missing} is not installed (`{}`)",
                path.display(),
                i + 1,
                block.command
            );
            out.push_str(&old);
            i = end;
            continue;
        }
        let new = block
            .render(root, check)
            .map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))?;
        if old != new {
            stale.push(Stale {
                file: path.to_owned(),
                line: i + 1,
                command: block.command.clone(),
                expected: new.clone(),
                found: old.clone(),
            });
        }
        out.push_str(if check { &old } else { &new });
        i = end;
    }
    if !check && !stale.is_empty() {
        let temp = path.with_extension("md.tmp");
        std::fs::write(&temp, &out).map_err(|e| format!("{}: {e}", temp.display()))?;
        std::fs::rename(&temp, path).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(stale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_with_options() {
        let block = parse_spec("mpiexec -n 2 x | sorted | mask: \\d+ => N").unwrap();
        assert_eq!(block.command, "mpiexec -n 2 x");
        assert!(block.sorted);
        assert!(!block.raw);
        assert_eq!(block.masks.len(), 2);
        assert!(parse_spec("x | raw").unwrap().raw);
        assert_eq!(parse_spec("x | head: 2").unwrap().head, Some(2));
        assert!(parse_spec("x | head: two").is_err());
        assert!(!block.fails);
        assert!(parse_spec("x | fails").unwrap().fails);
        assert_eq!(
            parse_spec("x | needs: smpirun").unwrap().needs.as_deref(),
            Some("smpirun")
        );
        assert!(parse_spec("x | shuffled").is_err());
        assert!(parse_spec("x | mask: (unclosed => y").is_err());
    }

    #[test]
    fn blocks_are_rewritten_from_the_command_and_checked() {
        let dir = std::env::temp_dir().join(format!("notes-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("n.md");
        let marker = "<!-- run: printf 'b\\na 1.25 secs\\n' | sorted -->\n";
        std::fs::write(
            &file,
            format!("# T\n{marker}```console\nold\n```\n{END}\ntail\n"),
        )
        .unwrap();
        let stale = update_file(&file, &dir, true).unwrap();
        assert_eq!(stale.len(), 1, "the old block is stale");
        assert!(
            std::fs::read_to_string(&file).unwrap().contains("old"),
            "check does not write"
        );
        update_file(&file, &dir, false).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        let expected = format!(
            "# T\n{marker}```console\n$ printf 'b\\na 1.25 secs\\n'\na X.XXX secs\nb\n```\n{END}\ntail\n"
        );
        assert_eq!(text, expected);
        assert!(
            update_file(&file, &dir, true).unwrap().is_empty(),
            "now up to date"
        );
        // A block of a command that fails must say so, and then must fail.
        let failing = |spec: &str| parse_spec(spec).unwrap().render(&dir, true);
        assert!(failing("echo out; false").is_err());
        assert_eq!(
            failing("echo out; false | fails").unwrap(),
            "```console\n$ echo out; false\nout\n```\n"
        );
        assert!(failing("true | fails").is_err());
        assert_eq!(
            failing("printf '1\\n2\\n3\\n' | head: 2").unwrap(),
            "```console\n$ printf '1\\n2\\n3\\n'\n1\n2\n…\n```\n"
        );
        // A block whose program is missing is left as it is, even when stale.
        std::fs::write(
            &file,
            format!("<!-- run: echo new | needs: no-such-program -->\nold\n{END}\n"),
        )
        .unwrap();
        assert!(update_file(&file, &dir, false).unwrap().is_empty());
        assert!(std::fs::read_to_string(&file).unwrap().contains("old\n"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
