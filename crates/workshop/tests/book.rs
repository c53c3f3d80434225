//! The book shows the lessons' code from their sources: every lesson program is included on
//! some page of workshop-notes/SUMMARY.md, every exercise has its section, every include
//! resolves (file and anchor), and no page carries code copied by hand.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use workshop::book::{exercise_table, expand_exercises, expand_includes, summary_pages};

/// The crates whose `src/bin/*.rs` are lesson programs. A new lesson crate goes here.
const LESSON_CRATES: &[&str] = &[
    "pi-kernel",
    "profiling-demo",
    "mpi-basics",
    "denoise-kernel",
    "denoise-mpi",
];

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
    let mut missing = Vec::new();
    let mut programs = 0;
    for krate in LESSON_CRATES {
        let bin = repo().join("crates").join(krate).join("src/bin");
        for entry in std::fs::read_dir(&bin).unwrap_or_else(|e| panic!("{}: {e}", bin.display())) {
            let path = entry.unwrap().path().canonicalize().unwrap();
            if path.extension().is_some_and(|e| e == "rs") {
                programs += 1;
                if !included.contains(&path) {
                    missing.push(path.strip_prefix(repo()).unwrap().display().to_string());
                }
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
    let included: BTreeSet<PathBuf> = pages()
        .into_iter()
        .flat_map(|(_, _, files)| files)
        .collect();
    let table = exercise_table(&repo).unwrap();
    assert!(!table.exercise.is_empty());
    for ex in &table.exercise {
        for folder in ["exercises", "solutions"] {
            let file = repo.join("crates/exercises").join(folder).join(&ex.file);
            assert!(
                included.contains(&file.canonicalize().unwrap()),
                "exercise {}: {} is on no page (add `{{{{#exercise {}}}}}` to workshop-notes/exercises.md)",
                ex.name,
                file.display(),
                ex.name
            );
        }
    }
}

#[test]
fn code_on_the_pages_is_included_never_copied() {
    for (page, text, _) in pages() {
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
