//! The book shows the lessons' code from their sources: every lesson program is included on
//! some page of workshop-notes/SUMMARY.md, every exercise has its section (as committed, not
//! as a learner has edited it), every include resolves (file and anchor), and no page carries
//! code copied by hand.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use workshop::book::{
    exercise_file, exercise_table, expand_exercises, expand_includes, summary_pages,
};
use workshop::lessons::Manifest;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Every page of the book, as the book's preprocessor sees it: (page, text with exercises
/// expanded, files it includes).
fn pages() -> Vec<(PathBuf, String, BTreeSet<PathBuf>)> {
    let repo = repo();
    let notes = repo.join("workshop-notes");
    let mut out = Vec::new();
    for page in summary_pages(&notes).unwrap() {
        let path = notes.join(&page);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let text = expand_exercises(&text, &path, &repo).unwrap_or_else(|e| panic!("{e}"));
        let (_, includes) = expand_includes(&text, &path).unwrap_or_else(|e| panic!("{e}"));
        let files = includes
            .into_iter()
            .map(|i| i.file.canonicalize().unwrap())
            .collect();
        out.push((path, text, files));
    }
    out
}

#[test]
fn every_lesson_program_is_included_on_some_page() {
    let included: BTreeSet<PathBuf> = pages()
        .into_iter()
        .flat_map(|(_, _, files)| files)
        .collect();
    // The programs of the lessons on the book's pages (lessons.toml), each from its
    // crate's src/bin/NAME.rs.
    let manifest = Manifest::load(&repo()).unwrap_or_else(|e| panic!("{e}"));
    let mut missing = Vec::new();
    let mut programs = 0;
    for lesson in manifest.lesson.iter().filter(|l| l.page.0.is_some()) {
        for program in &lesson.programs {
            let source = lesson
                .crates
                .iter()
                .map(|krate| {
                    repo()
                        .join("crates")
                        .join(krate)
                        .join(format!("src/bin/{program}.rs"))
                })
                .find(|path| path.exists());
            let Some(path) = source else { continue };
            programs += 1;
            if !included.contains(&path.canonicalize().unwrap()) {
                missing.push(path.strip_prefix(repo()).unwrap().display().to_string());
            }
        }
    }
    assert!(
        programs >= 20,
        "found only {programs} lesson programs: wrong folders?"
    );
    assert!(
        missing.is_empty(),
        "lesson programs on no page of the book (add `{{{{#include ../crates/…}}}}` where the lesson runs them): {missing:?}"
    );
}

#[test]
fn every_exercise_has_its_blank_and_solution_in_the_book() {
    let repo = repo();
    let pages = pages();
    let table = exercise_table(&repo).unwrap();
    assert!(!table.exercise.is_empty());
    for ex in &table.exercise {
        for folder in ["exercises", "solutions"] {
            let file = repo.join("crates/exercises").join(folder).join(&ex.file);
            let shown = exercise_file(&repo, &file).unwrap_or_else(|e| panic!("{e}"));
            assert!(
                pages.iter().any(|(_, text, _)| text.contains(&shown)),
                "exercise {}: {} is on no page (add `{{{{#exercise {}}}}}` to workshop-notes/exercises.md)",
                ex.name,
                file.display(),
                ex.name
            );
        }
    }
}

/// `git ARGS` in `dir`, which must succeed (a GIT_DIR set around the tests is ignored).
fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(dir)
        .args(["-c", "commit.gpgsign=false"])
        .args(args)
        .envs([
            ("GIT_AUTHOR_NAME", "book test"),
            ("GIT_AUTHOR_EMAIL", "book@test.invalid"),
            ("GIT_COMMITTER_NAME", "book test"),
            ("GIT_COMMITTER_EMAIL", "book@test.invalid"),
        ])
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .status()
        .unwrap_or_else(|e| panic!("cannot run git: {e}"));
    assert!(status.success(), "git {args:?} failed in {}", dir.display());
}

#[test]
fn exercises_are_shown_as_committed_after_a_learner_edits_them() {
    // A git checkout holding what `{{#exercise}}` reads: the table, an exercise, its solution.
    let repo = repo();
    let checkout = tempfile::tempdir().unwrap();
    let root = checkout.path();
    let ex = exercise_table(&repo)
        .unwrap()
        .exercise
        .into_iter()
        .find(|e| e.name == "hello")
        .expect("the exercise `hello` in info.toml");
    let blank = root.join("crates/exercises/exercises").join(&ex.file);
    for file in [
        "crates/exercises/info.toml".to_owned(),
        format!("crates/exercises/exercises/{}", ex.file),
        format!("crates/exercises/solutions/{}", ex.file),
    ] {
        let to = root.join(&file);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(repo.join(&file), &to).unwrap();
    }
    std::fs::create_dir(root.join("workshop-notes")).unwrap();
    git(root, &["init", "--quiet"]);
    git(root, &["add", "."]);
    git(
        root,
        &["commit", "--quiet", "--message", "the exercises as shipped"],
    );
    let shipped = std::fs::read_to_string(&blank).unwrap();
    let page = root.join("workshop-notes/exercises.md");
    let expand = || expand_exercises("{{#exercise hello}}\n", &page, root).unwrap();

    // The learner solves the exercise in its file: the book still shows it as shipped.
    let solved = shipped.replace(
        "todo!(",
        "println!(\"hello world from my solution\"); todo!(",
    );
    assert_ne!(solved, shipped, "the blank has a todo!() to replace");
    std::fs::write(&blank, &solved).unwrap();
    let text = expand();
    assert!(
        text.contains(shipped.trim_end()),
        "the committed blank is on the page:\n{text}"
    );
    assert!(
        !text.contains("my solution"),
        "the learner's edit is not:\n{text}"
    );

    // A tarball (no .git): the files as they are, and no error.
    std::fs::remove_dir_all(root.join(".git")).unwrap();
    assert!(expand().contains("my solution"));

    // A checkout whose exercise git cannot show (never committed): an error that says so.
    git(root, &["init", "--quiet"]);
    let error = expand_exercises("{{#exercise hello}}\n", &page, root).unwrap_err();
    assert!(
        error.contains("exercises.md:1:") && error.contains("commit it"),
        "{error}"
    );
}

#[test]
fn code_on_the_pages_is_included_never_copied() {
    // The pages as written: `{{#exercise}}` puts the exercise files' text in, from git.
    for (page, _, _) in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        let mut lines = text.lines().enumerate();
        while let Some((n, line)) = lines.next() {
            let fence = line.trim_start();
            let Some(lang) = fence.strip_prefix("```") else {
                continue;
            };
            let is_code = ["rust", "c", "python"].contains(&lang.split(',').next().unwrap_or(""));
            let body: Vec<&str> = lines
                .by_ref()
                .map(|(_, l)| l)
                .take_while(|l| !l.trim_start().starts_with("```"))
                .collect();
            if is_code {
                assert!(
                    body.iter()
                        .all(|l| l.trim().starts_with("{{#include ") || l.trim().is_empty()),
                    "{}:{}: a ```{lang} block with code typed into the page: include it from the source instead",
                    page.display(),
                    n + 1
                );
            }
        }
    }
}
