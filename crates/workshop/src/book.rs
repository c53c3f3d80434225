//! `workshop book`: the notes as an mdBook (`workshop-notes/book.toml`, built by `ci/book`).
//!
//! - `workshop book preprocess` is the book's mdBook preprocessor. On every page it strips
//!   the front matter, expands `{{#exercise NAME}}` (the exercise's blank and, folded, its
//!   solution, from `crates/exercises/info.toml`, as git's last commit has them: a learner
//!   edits the exercise files in place), and expands `{{#include FILE}}` and
//!   `{{#include FILE:ANCHOR}}` itself, so that a missing file or anchor fails the build with
//!   the page and line, where mdBook's own `links` would show nothing. Lines with the anchor
//!   comments (`// ANCHOR: name`, `// ANCHOR_END: name`) never reach the page.
//! - `workshop book schedule` prints the workshop's timetable, a Markdown table made from
//!   the pages' front matter (`teaching:`, `exercises:`, `break_after:`) in SUMMARY.md's
//!   order. The instructor guide shows it through a `workshop notes` block (`| raw`), so
//!   `workshop notes --check` fails when the table and the pages disagree.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Read as _;
use std::path::{Component, Path, PathBuf};

use clap::{Args, Subcommand};
use serde::Deserialize;
use serde_json::Value;

/// `workshop book …`
#[derive(Args, Debug)]
pub struct BookArgs {
    #[command(subcommand)]
    pub command: BookCommand,
}

#[derive(Subcommand, Debug)]
pub enum BookCommand {
    /// mdBook's preprocessor protocol: the book as JSON on standard input, back on standard output
    Preprocess {
        /// `supports RENDERER`, asked by mdBook before the build (every renderer is supported)
        #[arg(num_args = 0..=2)]
        query: Vec<String>,
    },
    /// Print the workshop's schedule (Markdown) from the front matter of SUMMARY.md's pages
    Schedule {
        /// The notes folder (holding SUMMARY.md)
        #[arg(long, value_name = "DIR", default_value = "workshop-notes")]
        notes: PathBuf,
        /// When the workshop starts, HH:MM
        #[arg(long, value_name = "HH:MM", default_value = "09:00", value_parser = parse_clock)]
        start: u32,
    },
}

pub fn run(args: &BookArgs) -> Result<(), String> {
    match &args.command {
        BookCommand::Preprocess { query } => match query.first().map(String::as_str) {
            Some("supports") => Ok(()),
            Some(other) => Err(format!(
                "book preprocess: unknown request `{other}` (mdBook sends `supports RENDERER`)"
            )),
            None => preprocess_stdio(),
        },
        BookCommand::Schedule { notes, start } => {
            print!("{}", schedule(notes, *start)?);
            Ok(())
        }
    }
}

fn parse_clock(text: &str) -> Result<u32, String> {
    let (h, m) = text
        .split_once(':')
        .ok_or_else(|| format!("`{text}`: give the time as HH:MM"))?;
    match (h.parse::<u32>(), m.parse::<u32>()) {
        (Ok(h), Ok(m)) if h < 24 && m < 60 => Ok(h * 60 + m),
        _ => Err(format!("`{text}`: give the time as HH:MM, e.g. 09:00")),
    }
}

fn preprocess_stdio() -> Result<(), String> {
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .map_err(|e| format!("book preprocess: reading standard input: {e}"))?;
    let (context, mut book): (Value, Value) = serde_json::from_str(&input)
        .map_err(|e| format!("book preprocess: not mdBook's [context, book] JSON: {e}"))?;
    let root = PathBuf::from(context["root"].as_str().unwrap_or("."));
    let src = root.join(context["config"]["book"]["src"].as_str().unwrap_or("src"));
    let repo = repo_root(&root);
    let key = if book.get("items").is_some() {
        "items"
    } else {
        "sections"
    };
    let items = book
        .get_mut(key)
        .ok_or("book preprocess: the book JSON has no `items`")?;
    process_items(items, &src, &repo)?;
    serde_json::to_writer(std::io::stdout().lock(), &book)
        .map_err(|e| format!("book preprocess: writing the book: {e}"))
}

/// The repository holding the book: the nearest folder above it with a `crates/` folder.
fn repo_root(book_root: &Path) -> PathBuf {
    book_root
        .ancestors()
        .find(|dir| dir.join("crates").is_dir())
        .unwrap_or(book_root)
        .to_owned()
}

fn process_items(items: &mut Value, src: &Path, repo: &Path) -> Result<(), String> {
    let Some(items) = items.as_array_mut() else {
        return Ok(());
    };
    for item in items {
        let Some(chapter) = item.get_mut("Chapter") else {
            continue;
        };
        if let Some(source) = chapter["source_path"].as_str().map(PathBuf::from) {
            let page = normalise(&src.join(&source));
            let content = chapter["content"].as_str().unwrap_or_default();
            let expanded = render_page(content, &page, repo)?;
            chapter["content"] = Value::String(expanded);
        }
        if let Some(sub) = chapter.get_mut("sub_items") {
            process_items(sub, src, repo)?;
        }
    }
    Ok(())
}

/// What the book shows of one notes page: front matter stripped, exercises and includes
/// expanded. `page` is the page's file (includes are relative to its folder).
pub fn render_page(text: &str, page: &Path, repo: &Path) -> Result<String, String> {
    // Front matter last, so that errors give the line numbers of the file.
    let text = expand_exercises(text, page, repo)?;
    let (text, _) = expand_includes(&text, page)?;
    Ok(strip_front_matter(&text).to_owned())
}

/// The text after a leading `---` … `---` block (the whole text when there is none).
pub fn strip_front_matter(text: &str) -> &str {
    front_matter_split(text).map_or(text, |(_, body)| body)
}

fn front_matter_split(text: &str) -> Option<(&str, &str)> {
    let rest = text.strip_prefix("---\n")?;
    let end = rest.find("\n---\n")?;
    Some((&rest[..end], &rest[end + 5..]))
}

/// The `key: value` lines of a page's front matter (quotes around values removed).
pub fn front_matter(text: &str) -> Vec<(String, String)> {
    let Some((head, _)) = front_matter_split(text) else {
        return Vec::new();
    };
    head.lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().trim_matches('"').to_owned()))
        .collect()
}

/// One `{{#include …}}` of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Include {
    /// 1-based line of the page
    pub line: usize,
    /// The included file, as resolved from the page's folder
    pub file: PathBuf,
    pub anchor: Option<String>,
}

const INCLUDE: &str = "{{#include ";
const EXERCISE: &str = "{{#exercise ";

/// Expands every `{{#include FILE[:ANCHOR]}}` of `text` (a page at `page`); returns the
/// text and the includes found. A missing file, a missing or empty anchor, or a line range
/// (not used by this book) is an error naming the page and line.
pub fn expand_includes(text: &str, page: &Path) -> Result<(String, Vec<Include>), String> {
    let dir = page.parent().unwrap_or(Path::new("."));
    let mut out = String::with_capacity(text.len());
    let mut found = Vec::new();
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let at = |message: String| format!("{}:{}: {message}", page.display(), index + 1);
        let mut rest = line;
        while let Some(start) = rest.find(INCLUDE) {
            // `\{{#include …}}` is mdBook's escape: shown as written.
            if rest[..start].ends_with('\\') {
                out.push_str(&rest[..start + INCLUDE.len()]);
                rest = &rest[start + INCLUDE.len()..];
                continue;
            }
            let args_start = start + INCLUDE.len();
            let end = rest[args_start..]
                .find("}}")
                .ok_or_else(|| at(format!("`{INCLUDE}` without `}}}}`")))?
                + args_start;
            let spec = rest[args_start..end].trim();
            let (file, anchor) = match spec.split_once(':') {
                Some((file, anchor)) => (file, Some(anchor)),
                None => (spec, None),
            };
            if anchor.is_some_and(|a| a.chars().next().is_some_and(|c| c.is_ascii_digit())) {
                return Err(at(format!(
                    "`{spec}`: include an anchor, not line numbers (lines move; anchors move with the code)"
                )));
            }
            let path = normalise(&dir.join(file));
            let source = std::fs::read_to_string(&path)
                .map_err(|e| at(format!("{INCLUDE}{spec}}}}}: {}: {e}", path.display())))?;
            let included = match anchor {
                Some(name) => anchored(&source, name).ok_or_else(|| {
                    at(format!(
                        "{INCLUDE}{spec}}}}}: no `ANCHOR: {name}` … `ANCHOR_END: {name}` with lines between in {}",
                        path.display()
                    ))
                })?,
                None => without_anchor_lines(&source),
            };
            out.push_str(&rest[..start]);
            out.push_str(included.trim_end_matches('\n'));
            found.push(Include {
                line: index + 1,
                file: path,
                anchor: anchor.map(str::to_owned),
            });
            rest = &rest[end + 2..];
        }
        out.push_str(rest);
    }
    Ok((out, found))
}

/// `a/b/../c` → `a/c`, so that the same file always has the same name.
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn anchor_marker(line: &str) -> Option<(bool, &str)> {
    let (is_start, rest) = if let Some((_, rest)) = line.split_once("ANCHOR_END:") {
        (false, rest)
    } else {
        (true, line.split_once("ANCHOR:")?.1)
    };
    let name = rest.trim_start();
    let end = name
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(name.len());
    (end > 0).then_some((is_start, &name[..end]))
}

/// The lines between `ANCHOR: name` and `ANCHOR_END: name`, without other anchors' marker
/// lines; `None` when the anchor is missing or holds no line.
fn anchored(source: &str, name: &str) -> Option<String> {
    let mut inside = false;
    let mut lines = Vec::new();
    for line in source.lines() {
        match anchor_marker(line) {
            Some((true, n)) if n == name => inside = true,
            Some((false, n)) if n == name && inside => {
                return (!lines.is_empty()).then(|| dedent(&lines));
            }
            Some(_) => {}
            None if inside => lines.push(line),
            None => {}
        }
    }
    None
}

/// Anchored parts keep their code but lose the indentation they share.
fn dedent(lines: &[&str]) -> String {
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut out = String::new();
    for line in lines {
        out.push_str(line.get(indent..).unwrap_or("").trim_end());
        out.push('\n');
    }
    out
}

fn without_anchor_lines(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    for line in source.split_inclusive('\n') {
        if anchor_marker(line).is_none() {
            out.push_str(line);
        }
    }
    out
}

/// The part of `crates/exercises/info.toml` the book shows.
#[derive(Debug, Deserialize)]
pub struct ExerciseTable {
    pub exercise: Vec<ExerciseInfo>,
}

#[derive(Debug, Deserialize)]
pub struct ExerciseInfo {
    pub name: String,
    pub file: String,
    pub workshop: String,
    pub checks: String,
}

pub fn exercise_table(repo: &Path) -> Result<ExerciseTable, String> {
    let path = repo.join("crates/exercises/info.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Expands each line `{{#exercise NAME}}` into the exercise's section: what it is, how to
/// check it, the blank, and the solution folded, both as committed ([`exercise_file`]).
/// Adding an exercise to a page is that line.
pub fn expand_exercises(text: &str, page: &Path, repo: &Path) -> Result<String, String> {
    if !text.contains(EXERCISE) {
        return Ok(text.to_owned());
    }
    let table = exercise_table(repo)?;
    let mut out = String::with_capacity(text.len());
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let Some(name) = line
            .trim()
            .strip_prefix(EXERCISE)
            .and_then(|s| s.strip_suffix("}}"))
            .map(str::trim)
        else {
            out.push_str(line);
            continue;
        };
        let ex = table
            .exercise
            .iter()
            .find(|e| e.name == name)
            .ok_or_else(|| {
                format!(
                    "{}:{}: no exercise `{name}` in crates/exercises/info.toml",
                    page.display(),
                    index + 1
                )
            })?;
        let dir = repo.join("crates/exercises");
        let at = |e: String| format!("{}:{}: {e}", page.display(), index + 1);
        let blank = exercise_file(repo, &dir.join("exercises").join(&ex.file)).map_err(at)?;
        let solution = exercise_file(repo, &dir.join("solutions").join(&ex.file)).map_err(at)?;
        let _ = write!(
            out,
            "## `{name}`\n\n\
             *{workshop}.* Edit `crates/exercises/exercises/{file}`, then run `ci/check {name}`: \
             it checks that {checks}.\n\n\
             ```rust\n{blank}\n```\n\n\
             <details>\n<summary>Solution (<code>crates/exercises/solutions/{file}</code>)</summary>\n\n\
             ```rust\n{solution}\n```\n\n\
             </details>\n\n",
            workshop = ex.workshop.trim_end_matches('.'),
            file = ex.file,
            checks = ex.checks.trim_end_matches('.'),
        );
    }
    Ok(out)
}

/// An exercise file (`file`, in the repository at `repo`) as the book shows it: its text in
/// git's last commit, anchor lines left out. The learner solves an exercise by editing its
/// file where it is, so the working tree's copy is theirs; the book shows "the file as you
/// get it", as `ci/check reset` puts it back (`git show HEAD:FILE`, from the file's folder).
///
/// When the repository is not a git checkout (a tarball: no `.git` at its root), the files
/// as they are are the shipped ones, and are shown without an error. In a checkout, a file
/// git cannot show (not committed yet, git missing) is an error that says so.
pub fn exercise_file(repo: &Path, file: &Path) -> Result<String, String> {
    let text = if repo.join(".git").exists() {
        lesson_cli::files::committed_text(file)
            .map_err(|e| format!("{e}; the book shows exercises as committed: commit it first"))?
    } else {
        std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?
    };
    Ok(without_anchor_lines(&text)
        .trim_end_matches('\n')
        .to_owned())
}

/// The pages of SUMMARY.md, in its order (files relative to the notes folder).
pub fn summary_pages(notes: &Path) -> Result<Vec<PathBuf>, String> {
    let path = notes.join("SUMMARY.md");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut pages = Vec::new();
    for line in text.lines() {
        let mut rest = line;
        while let Some(start) = rest.find("](") {
            let after = &rest[start + 2..];
            let Some(end) = after.find(')') else { break };
            let target = &after[..end];
            if target.ends_with(".md") {
                pages.push(PathBuf::from(target));
            }
            rest = &after[end..];
        }
    }
    Ok(pages)
}

fn clock(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60 % 24, minutes % 60)
}

/// The schedule table: every page of SUMMARY.md with `teaching:` or `exercises:` minutes in
/// its front matter, in order from `start`, with the breaks its `break_after: "lunch, 60"`
/// asks for. The part of the day changes after a break named lunch.
pub fn schedule(notes: &Path, start: u32) -> Result<String, String> {
    let mut out =
        String::from("| time | part | episode | teaching | exercises |\n|---|---|---|---:|---:|\n");
    let (mut now, mut part) = (start, "morning");
    let (mut teaching_total, mut exercises_total) = (0, 0);
    let mut seen = BTreeSet::new();
    for page in summary_pages(notes)? {
        if !seen.insert(page.clone()) {
            continue;
        }
        let path = notes.join(&page);
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let fm = front_matter(&text);
        let get = |key: &str| fm.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        let minutes = |key: &str| -> Result<u32, String> {
            get(key).map_or(Ok(0), |v| {
                v.parse().map_err(|_| {
                    format!(
                        "{}: `{key}: {v}` is not a number of minutes",
                        path.display()
                    )
                })
            })
        };
        let (teaching, exercises) = (minutes("teaching")?, minutes("exercises")?);
        if get("teaching").is_none() && get("exercises").is_none() {
            continue;
        }
        let title = get("title").unwrap_or("(untitled)");
        let link = page.with_extension("md");
        let _ = writeln!(
            out,
            "| {} | {part} | [{title}]({}) | {teaching} | {exercises} |",
            clock(now),
            link.display()
        );
        now += teaching + exercises;
        teaching_total += teaching;
        exercises_total += exercises;
        if let Some(pause) = get("break_after") {
            let (name, length) = pause
                .rsplit_once(',')
                .and_then(|(n, m)| Some((n.trim(), m.trim().parse::<u32>().ok()?)))
                .ok_or_else(|| {
                    format!(
                        "{}: `break_after: {pause}` should be \"NAME, MINUTES\"",
                        path.display()
                    )
                })?;
            let _ = writeln!(
                out,
                "| {} | {part} | *{name} ({length} min)* | | |",
                clock(now)
            );
            now += length;
            if name.eq_ignore_ascii_case("lunch") {
                part = "afternoon";
            }
        }
    }
    let _ = writeln!(
        out,
        "| {} | | *end* | {teaching_total} | {exercises_total} |",
        clock(now)
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("book-test-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn front_matter_is_read_and_stripped() {
        let page = "---\ntitle: \"A: b\"\nteaching: 5\n---\n\n# A\n";
        assert_eq!(strip_front_matter(page), "\n# A\n");
        assert_eq!(front_matter(page)[0], ("title".into(), "A: b".into()));
        assert_eq!(
            strip_front_matter("# no front matter\n"),
            "# no front matter\n"
        );
    }

    #[test]
    fn includes_expand_whole_files_and_anchors_and_fail_on_missing_ones() {
        let dir = temp_dir("include");
        std::fs::write(
            dir.join("a.rs"),
            "fn main() {\n    // ANCHOR: body\n    let x = 1;\n    // ANCHOR_END: body\n}\n",
        )
        .unwrap();
        let page = dir.join("page.md");
        let (text, found) = expand_includes("```\n{{#include a.rs}}\n```\n", &page).unwrap();
        assert_eq!(text, "```\nfn main() {\n    let x = 1;\n}\n```\n");
        assert_eq!(found[0].file, dir.join("a.rs"));
        let (text, _) = expand_includes("{{#include ./a.rs:body}}\n", &page).unwrap();
        assert_eq!(text, "let x = 1;\n");
        let (text, found) = expand_includes("\\{{#include a.rs}}\n", &page).unwrap();
        assert_eq!((text.as_str(), found.len()), ("\\{{#include a.rs}}\n", 0));

        let missing_anchor = expand_includes("x\n{{#include a.rs:nothing}}\n", &page).unwrap_err();
        assert!(missing_anchor.contains("page.md:2:"), "{missing_anchor}");
        assert!(
            missing_anchor.contains("ANCHOR: nothing"),
            "{missing_anchor}"
        );
        let missing_file = expand_includes("{{#include b.rs}}\n", &page).unwrap_err();
        assert!(missing_file.contains("b.rs"), "{missing_file}");
        assert!(expand_includes("{{#include a.rs:3:4}}\n", &page).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_schedule_follows_summary_and_front_matter() {
        let dir = temp_dir("schedule");
        let page = |name: &str, fm: &str| {
            std::fs::write(dir.join(name), format!("---\n{fm}\n---\n# x\n")).unwrap();
        };
        page(
            "a.md",
            "title: \"A\"\nteaching: 20\nexercises: 10\nbreak_after: \"lunch, 60\"",
        );
        page("b.md", "title: B\nteaching: 15");
        page("c.md", "title: Appendix");
        std::fs::write(
            dir.join("SUMMARY.md"),
            "- [A](a.md)\n- [C](c.md)\n- [B](b.md)\n",
        )
        .unwrap();
        let table = schedule(&dir, 9 * 60).unwrap();
        let rows: Vec<&str> = table.lines().skip(2).collect();
        assert_eq!(
            rows,
            [
                "| 09:00 | morning | [A](a.md) | 20 | 10 |",
                "| 09:30 | morning | *lunch (60 min)* | | |",
                "| 10:30 | afternoon | [B](b.md) | 15 | 0 |",
                "| 10:45 | | *end* | 35 | 10 |",
            ]
        );
        page("b.md", "title: B\nteaching: soon");
        assert!(schedule(&dir, 0).unwrap_err().contains("not a number"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
