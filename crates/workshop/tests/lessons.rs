//! `lessons.toml` against every file that lists lessons: each derived file is as generated
//! (a test each, so the failure names the file), the notes show the manifest's runs, the
//! exercises follow its order, and the workspace builds exactly its programs. A change to
//! the table without `cargo workshop lessons --write` fails here.

use std::path::{Path, PathBuf};

use workshop::lessons::{self, Manifest, derived};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn manifest() -> Manifest {
    Manifest::load(&repo()).unwrap_or_else(|e| panic!("{e}"))
}

/// The generated text of one file against the file in the clone.
fn assert_current(path: &str) {
    let files = derived::files(&manifest(), &repo()).unwrap_or_else(|e| panic!("{e}"));
    let (_, text) = files
        .iter()
        .find(|(p, _)| p == Path::new(path))
        .unwrap_or_else(|| panic!("{path} is not generated from lessons.toml"));
    let on_disk = std::fs::read_to_string(repo().join(path)).unwrap();
    assert!(
        *text == on_disk,
        "{path} is stale: run `cargo workshop lessons --write` (from lessons.toml)"
    );
}

#[test]
fn the_readme_lesson_map_is_current() {
    assert_current("README.md");
}

#[test]
fn the_exercises_page_lists_the_exercises_in_the_books_order() {
    assert_current("workshop-notes/exercises.md");
}

#[test]
fn every_slurm_job_script_is_current() {
    let manifest = manifest();
    assert!(
        manifest.job.len() >= 6,
        "a job script for each page that runs programs"
    );
    for job in &manifest.job {
        assert_current(&format!("slurm/{}.sbatch", job.name));
    }
}

#[test]
fn each_page_shows_exactly_its_runs() {
    let problems = lessons::check_notes(&manifest(), &repo()).unwrap();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Every page that teaches a program shows at least one of its runs.
    let shown: usize = (1..=9).map(|p| manifest().runs_of(p).count()).sum();
    assert!(shown >= 20, "{shown} runs on the pages");
}

#[test]
fn the_exercises_and_the_programs_agree_with_the_manifest() {
    // info.toml's order, the exercises' [[bin]]s, the job scripts in slurm/, and every
    // program the workspace builds (cargo metadata) against the manifest's.
    let problems = derived::check_exercises(&manifest(), &repo()).unwrap();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_changed_table_makes_the_derived_files_and_the_notes_disagree() {
    // The check can fail: one run added to page 05 in a copy of the table.
    let repo = repo();
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(repo.join("lessons.toml")).unwrap();
    let changed = text.replacen(
        "runs = [\"hello-mpi@4\"]",
        "runs = [\"hello-mpi@4\", \"hello-mpi@2 --host\"]",
        1,
    );
    assert_ne!(
        changed, text,
        "lessons.toml has hello-mpi's run as the test expects"
    );
    std::fs::write(dir.path().join("lessons.toml"), changed).unwrap();
    let manifest = Manifest::load(dir.path()).unwrap();
    let files = derived::files(&manifest, &repo).unwrap();
    let stale: Vec<String> = files
        .iter()
        .filter(|(path, text)| std::fs::read_to_string(repo.join(path)).unwrap() != *text)
        .map(|(path, _)| path.display().to_string())
        .collect();
    assert_eq!(stale, ["README.md", "slurm/05-mpi-basics.sbatch"]);
    let notes = lessons::check_notes(&manifest, &repo).unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].starts_with("workshop-notes/05-mpi-basics.md: its run blocks show"),
        "{}",
        notes[0]
    );
    assert!(notes[0].contains("hello-mpi@2 --host"), "{}", notes[0]);
}

#[test]
fn a_bad_table_is_one_line_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    for (text, says) in [
        (
            "[[lesson]]\npage = 0\ntitle = \"x\"\ncrates = []\n",
            "page must be a number",
        ),
        (
            "[[lesson]]\npage = 1\ntitle = \"x\"\ncrates = []\nruns = [\"pi\"]\n",
            "no lesson's `programs` names",
        ),
        (
            "[[lesson]]\npage = 2\ntitle = \"x\"\ncrates = []\n[[lesson]]\npage = 1\ntitle = \"y\"\ncrates = []\n",
            "book's order",
        ),
        (
            "[[lesson]]\npage = 1\ntitle = \"x\"\ncrates = []\nprograms = [\"pi\"]\nruns = [\"pi@x\"]\n",
            "ranks after @",
        ),
    ] {
        std::fs::write(dir.path().join("lessons.toml"), text).unwrap();
        let error = Manifest::load(dir.path()).unwrap_err();
        assert!(
            error.contains("lessons.toml") && error.contains(says),
            "{error}"
        );
        assert_eq!(error.lines().count(), 1, "{error}");
    }
}

/// Every `-o FILE` (a compiler's output) in `text`.
fn outputs(text: &str) -> Vec<String> {
    text.split(" -o ")
        .skip(1)
        .filter_map(|rest| rest.split_whitespace().next())
        .map(|file| file.trim_end_matches(['`', '"', ',']).to_string())
        .collect()
}

#[test]
fn the_commands_shown_build_into_target_where_git_ignores_them() {
    // A learner runs them from the root: a program written elsewhere is a file git shows.
    let repo = repo();
    let mut texts: Vec<(String, String)> = manifest()
        .lesson
        .iter()
        .flat_map(|lesson| lesson.show.clone())
        .map(|command| ("lessons.toml".to_string(), command))
        .collect();
    let mut pages = vec![repo.join("README.md")];
    for dir in ["workshop-notes", "workshop-notes/python"] {
        for entry in std::fs::read_dir(repo.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "md") {
                pages.push(path);
            }
        }
    }
    for page in pages {
        let text = std::fs::read_to_string(&page).unwrap();
        texts.push((page.display().to_string(), text));
    }
    let mut seen = 0;
    for (file, text) in &texts {
        for output in outputs(text) {
            seen += 1;
            assert!(
                output.starts_with("target/"),
                "{file}: `-o {output}` writes outside target/"
            );
        }
    }
    assert!(
        seen >= 3,
        "the C program's command on the pages and in lessons.toml"
    );
    assert_eq!(outputs("`gcc a.c -O3 -o pi && ./pi`"), ["pi"]);
}
