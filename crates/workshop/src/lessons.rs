//! The lesson manifest, `lessons.toml`: the one table of the workshop's lessons in the
//! book's order, and `workshop lessons [--write | --check]`.
//!
//! Other files that list lessons are generated from the table ([`derived`]: the README's
//! lesson map, the Slurm job scripts, the exercises page's list) or checked against it
//! (the notes' run blocks, the exercises' order, the programs the workspace builds), so
//! that adding a lesson is one entry, its program and its page, and nothing drifts.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use clap::Args;
use serde::Deserialize;

pub mod derived;

/// The manifest's file name, at the repository root.
pub const FILE: &str = "lessons.toml";

/// `lessons.toml`, read.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub lesson: Vec<Lesson>,
    #[serde(default)]
    pub job: Vec<Job>,
}

/// One row of the README's lesson map: what one part of a page teaches.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lesson {
    pub page: Page,
    pub title: String,
    pub crates: Vec<String>,
    #[serde(default)]
    pub programs: Vec<String>,
    #[serde(default)]
    pub runs: Vec<Run>,
    #[serde(default)]
    pub show: Vec<String>,
    #[serde(default)]
    pub exercises: Vec<String>,
}

/// A book page's number, or `"-"` for material outside the numbered pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "toml::Value")]
pub struct Page(pub Option<u32>);

impl TryFrom<toml::Value> for Page {
    type Error = String;
    fn try_from(value: toml::Value) -> Result<Page, String> {
        match value {
            toml::Value::Integer(n) if (1..=99).contains(&n) => Ok(Page(Some(n as u32))),
            toml::Value::String(s) if s == "-" => Ok(Page(None)),
            other => Err(format!(
                "page must be a number 1 to 99 or \"-\", not {other:?}"
            )),
        }
    }
}

impl fmt::Display for Page {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(n) => write!(f, "{n:02}"),
            None => f.write_str("–"),
        }
    }
}

/// One run of a lesson program: `PROGRAM[@RANKS] [ARGS]` in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Run {
    pub program: String,
    /// `Some(n)`: under the MPI launcher at n ranks; `None`: a plain run.
    pub ranks: Option<usize>,
    pub args: Vec<String>,
}

impl TryFrom<String> for Run {
    type Error = String;
    fn try_from(text: String) -> Result<Run, String> {
        let mut words = text.split_whitespace().map(str::to_string);
        let first = words.next().ok_or("an empty run")?;
        let (program, ranks) = match first.split_once('@') {
            None => (first, None),
            Some((program, n)) => match n.parse() {
                Ok(n) if n >= 1 => (program.to_string(), Some(n)),
                _ => {
                    return Err(format!(
                        "run `{text}`: the ranks after @ must be a number >= 1"
                    ));
                }
            },
        };
        Ok(Run {
            program,
            ranks,
            args: words.collect(),
        })
    }
}

impl Run {
    /// The command as the notes show it and a learner types it, programs in `bin`:
    /// `mpiexec -n 4 target/release/hello-mpi`.
    pub fn command(&self, bin: &str) -> String {
        let mut words = Vec::new();
        if let Some(n) = self.ranks {
            words.push(format!("mpiexec -n {n}"));
        }
        words.push(format!("{bin}/{}", self.program));
        words.extend(self.args.iter().cloned());
        words.join(" ")
    }

    /// The run a notes command stands for (`[mpiexec -n N] target/release/PROGRAM ARGS`),
    /// or `None` for any other command: the instructor tool's (`workshop trace -- …` shows
    /// a run traced, it is not one of the lesson's runs), or one with settings before it.
    pub fn from_command(command: &str) -> Option<Run> {
        let mut words: Vec<&str> = command.split_whitespace().collect();
        let mut ranks = None;
        if words.len() >= 3 && words[0] == "mpiexec" && words[1] == "-n" {
            ranks = Some(words[2].parse().ok()?);
            words.drain(..3);
        }
        let program = words.first()?.strip_prefix("target/release/")?;
        if program == "workshop" {
            return None;
        }
        Some(Run {
            program: program.to_string(),
            ranks,
            args: words[1..].iter().map(|w| w.to_string()).collect(),
        })
    }
}

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.program)?;
        if let Some(n) = self.ranks {
            write!(f, "@{n}")?;
        }
        for arg in &self.args {
            write!(f, " {arg}")?;
        }
        Ok(())
    }
}

/// One Slurm job script, `slurm/NAME.sbatch`: a page's runs as a batch job.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Job {
    pub page: u32,
    pub name: String,
    pub about: String,
    pub tasks: usize,
    /// More `#SBATCH` options the job needs, e.g. `--exclusive`.
    #[serde(default)]
    pub sbatch: Vec<String>,
    #[serde(default)]
    pub before: Option<String>,
    #[serde(default)]
    pub after: Option<String>,
    /// The job's steps, instead of the page's runs.
    #[serde(default)]
    pub script: Option<String>,
}

impl Manifest {
    /// Reads `lessons.toml` in `root`, with a one-line error naming the file.
    pub fn load(root: &Path) -> Result<Manifest, String> {
        let path = root.join(FILE);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("{}: {e} (run from the repository root)", path.display()))?;
        let manifest: Manifest = toml::from_str(&text).map_err(|e| {
            let line = e
                .span()
                .map_or(0, |span| text[..span.start].lines().count().max(1));
            format!("{}:{line}: {}", path.display(), e.message().trim())
        })?;
        manifest
            .validate()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(manifest)
    }

    /// What TOML cannot say: pages in order, runs of named programs, jobs that fit.
    fn validate(&self) -> Result<(), String> {
        let numbered: Vec<u32> = self.lesson.iter().filter_map(|l| l.page.0).collect();
        if let Some(w) = numbered.windows(2).find(|w| w[1] < w[0]) {
            return Err(format!(
                "lessons go in the book's order: page {} after page {}",
                w[1], w[0]
            ));
        }
        let programs = self.programs();
        for lesson in &self.lesson {
            for run in &lesson.runs {
                if !programs.contains(run.program.as_str()) {
                    return Err(format!(
                        "lesson \"{}\": run `{run}` of a program no lesson's `programs` names",
                        lesson.title
                    ));
                }
                if run.ranks.is_some() && lesson.page.0.is_none() {
                    return Err(format!(
                        "lesson \"{}\": runs belong to a page",
                        lesson.title
                    ));
                }
            }
        }
        for job in &self.job {
            let widest = self
                .runs_of(job.page)
                .filter_map(|r| r.ranks)
                .max()
                .unwrap_or(1);
            if job.script.is_none() && widest > job.tasks {
                return Err(format!(
                    "job {}: page {}'s runs need {widest} tasks, the job has {}",
                    job.name, job.page, job.tasks
                ));
            }
        }
        Ok(())
    }

    /// Every program some lesson names.
    pub fn programs(&self) -> BTreeSet<&str> {
        self.lesson
            .iter()
            .flat_map(|l| l.programs.iter().map(String::as_str))
            .collect()
    }

    /// Every run, in the book's order, with its page.
    pub fn runs(&self) -> impl Iterator<Item = (u32, &Run)> {
        self.lesson
            .iter()
            .filter_map(|l| l.page.0.map(|p| (p, &l.runs)))
            .flat_map(|(page, runs)| runs.iter().map(move |r| (page, r)))
    }

    /// The runs of one page, in order.
    pub fn runs_of(&self, page: u32) -> impl Iterator<Item = &Run> {
        self.runs().filter(move |(p, _)| *p == page).map(|(_, r)| r)
    }

    /// Every exercise, in the order the pages reach them.
    pub fn exercises(&self) -> Vec<&str> {
        self.lesson
            .iter()
            .flat_map(|l| l.exercises.iter().map(String::as_str))
            .collect()
    }
}

/// `workshop lessons [--write | --check]`
#[derive(Args, Debug)]
pub struct LessonsArgs {
    /// Rewrite the generated files (README lesson map, Slurm job scripts, exercises page)
    #[arg(long, conflicts_with = "check")]
    pub write: bool,
    /// Fail when a file that lists lessons disagrees with lessons.toml
    #[arg(long)]
    pub check: bool,
}

/// Runs `workshop lessons` from the repository root: lists the runs, or writes or checks
/// what is derived from the manifest.
pub fn run(args: &LessonsArgs) -> Result<(), String> {
    let root = std::env::current_dir().map_err(|e| format!("current folder: {e}"))?;
    let manifest = Manifest::load(&root)?;
    if args.write {
        for (path, text) in derived::files(&manifest, &root)? {
            let old = std::fs::read_to_string(root.join(&path)).unwrap_or_default();
            if old != text {
                lesson_cli::files::write_whole(&root.join(&path), &text)?;
                println!("wrote {}", path.display());
            }
        }
        return Ok(());
    }
    if args.check {
        let problems = check(&manifest, &root)?;
        if problems.is_empty() {
            println!("lessons: {FILE} and every file that lists lessons agree");
            return Ok(());
        }
        for problem in &problems {
            eprintln!("{problem}");
        }
        return Err(format!(
            "{} disagreement(s) with {FILE} (generated files: `cargo workshop lessons --write`)",
            problems.len()
        ));
    }
    for (page, run) in manifest.runs() {
        println!("page {page:02}  {}", run.command("target/release"));
    }
    Ok(())
}

/// Everything that disagrees with the manifest, one line each (empty when all agree).
pub fn check(manifest: &Manifest, root: &Path) -> Result<Vec<String>, String> {
    let mut problems = Vec::new();
    for (path, text) in derived::files(manifest, root)? {
        let old = std::fs::read_to_string(root.join(&path)).unwrap_or_default();
        if old != text {
            problems.push(format!("{}: not as generated from {FILE}", path.display()));
        }
    }
    problems.extend(check_notes(manifest, root)?);
    problems.extend(derived::check_exercises(manifest, root)?);
    Ok(problems)
}

/// The book page `workshop-notes/NN-*.md` of a page number.
pub fn page_file(root: &Path, page: u32) -> Result<Option<PathBuf>, String> {
    let dir = root.join("workshop-notes");
    let prefix = format!("{page:02}-");
    let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(entries.filter_map(|e| e.ok().map(|e| e.path())).find(|p| {
        p.extension().is_some_and(|x| x == "md")
            && p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(&prefix))
    }))
}

/// The runs a notes page shows in its `<!-- run: … -->` blocks, in order.
pub fn runs_on_page(text: &str) -> Vec<Run> {
    text.lines()
        .filter_map(|line| line.strip_prefix("<!-- run: "))
        .filter_map(|rest| {
            let command = rest.trim_end_matches("-->").split(" | ").next()?;
            Run::from_command(command.trim())
        })
        .collect()
}

/// Each numbered page shows exactly its runs, in the manifest's order.
pub fn check_notes(manifest: &Manifest, root: &Path) -> Result<Vec<String>, String> {
    let mut problems = Vec::new();
    for page in 1..=99 {
        let Some(file) = page_file(root, page)? else {
            continue;
        };
        let text =
            std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let shown: Vec<String> = runs_on_page(&text).iter().map(Run::to_string).collect();
        let listed: Vec<String> = manifest.runs_of(page).map(Run::to_string).collect();
        if shown != listed {
            problems.push(format!(
                "{}: its run blocks show [{}], {FILE} lists [{}] for page {page}",
                file.strip_prefix(root).unwrap_or(&file).display(),
                shown.join(", "),
                listed.join(", ")
            ));
        }
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_parse_and_print_as_written() {
        let run = Run::try_from("pi-mpi@3 --steps 1000003".to_string()).unwrap();
        assert_eq!((run.program.as_str(), run.ranks), ("pi-mpi", Some(3)));
        assert_eq!(
            run.command("target/release"),
            "mpiexec -n 3 target/release/pi-mpi --steps 1000003"
        );
        assert_eq!(run.to_string(), "pi-mpi@3 --steps 1000003");
        assert_eq!(Run::from_command(&run.command("target/release")), Some(run));
        assert!(Run::try_from("pi@0".to_string()).is_err());
        assert!(Run::try_from("pi@x".to_string()).is_err());
    }

    #[test]
    fn notes_commands_that_are_not_plain_runs_are_left_out() {
        let page = "<!-- run: target/release/pi --kernel naive -->\n\
                    <!-- run: target/release/workshop trace -- mpiexec -n 4 target/release/sum-p2p | mask: x => y -->\n\
                    <!-- run: mpiexec -n 4 target/release/hello-mpi | sorted -->\n";
        let runs: Vec<String> = runs_on_page(page).iter().map(Run::to_string).collect();
        assert_eq!(runs, ["pi --kernel naive", "hello-mpi@4"]);
    }
}
