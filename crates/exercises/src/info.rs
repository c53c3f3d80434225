//! `info.toml`: the exercises, their binaries, hints, and the runs that check them.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::Deserialize;

/// The environment variable through which `ci/check` names its clone's root.
pub const WORKSPACE_VAR: &str = "EXERCISES_WORKSPACE";

/// The crate's folder, where `info.toml`, `exercises/` and `solutions/` are,
/// in the clone the checker belongs to, found when it runs (so a copied or
/// moved clone checks itself, even before cargo rebuilds anything):
/// `$EXERCISES_WORKSPACE` (set by `ci/check`), else the nearest folder above
/// this program that holds `crates/exercises/info.toml` (programs are built
/// into `<clone>/target/…`), else where the crate was compiled.
pub fn crate_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let inside = |root: &Path| root.join("crates").join("exercises");
        let holds = |root: &Path| inside(root).join("info.toml").is_file();
        if let Some(root) = std::env::var_os(WORKSPACE_VAR)
            .map(PathBuf::from)
            .filter(|root| holds(root))
        {
            return inside(&root);
        }
        if let Ok(exe) = std::env::current_exe()
            && let Some(root) = exe.ancestors().skip(1).find(|dir| holds(dir))
        {
            return inside(root);
        }
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    })
}

/// The workspace's root folder (where `cargo build` runs and paths are shown from).
pub fn workspace_dir() -> PathBuf {
    crate_dir()
        .ancestors()
        .nth(2)
        .expect("the crate is at crates/exercises")
        .to_path_buf()
}

/// The whole of `info.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Info {
    /// Seconds before `mpiexec` stops a run that has not finished (`MPIEXEC_TIMEOUT`).
    pub timeout_secs: u32,
    /// The exercises, in the workshop's order.
    #[serde(rename = "exercise")]
    pub exercises: Vec<Exercise>,
    /// The folder of the files learners edit (`exercises/`; a copy in tests).
    #[serde(skip, default = "default_exercises_dir")]
    pub exercises_dir: PathBuf,
}

fn default_exercises_dir() -> PathBuf {
    crate_dir().join("exercises")
}

/// One exercise: an entry `[[exercise]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exercise {
    /// What the learner types: `ci/check NAME`.
    pub name: String,
    /// File name in `exercises/` (what the learner edits) and in `solutions/`.
    pub file: String,
    /// The binary built from the exercise.
    pub bin: String,
    /// The binary built from the solution.
    pub solution: String,
    /// Where the step is in the workshop.
    pub workshop: String,
    /// What the check compares, in words.
    pub checks: String,
    /// One line printed when the check fails.
    pub nudge: String,
    /// Printed by `ci/check hint NAME`.
    pub hint: String,
    /// Seconds a run may take, when not the table's `timeout_secs`.
    #[serde(default)]
    pub timeout_secs: Option<u32>,
    /// Which comparison the checker makes.
    pub expect: Expect,
    /// The communication the step teaches, checked from the run's trace
    /// (none: any way of getting the lines right passes).
    #[serde(default)]
    pub pattern: Option<crate::pattern::Pattern>,
    /// The runs: every rank count of every entry, with its arguments.
    pub runs: Vec<Runs>,
}

/// Which comparison the checker makes; [`crate::verify`] computes the expected output.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Expect {
    /// `Process R: noisy_NNN.jpg` lines (needs `--files N` in the arguments).
    FileSplit,
    /// `hello world from process r/size` from every rank r.
    Hello,
    /// `Hello, Rank i` from every rank but 0.
    P2pLoop,
    /// `Rank i received: Hello from Rank 0` from every rank but 0.
    Bcast,
    /// `Rank r has value (r+1)*10` from every rank, and rank 0's total.
    Sum,
    /// `Rank r received V from rank p`: ranks 2k and 2k+1 swap values.
    Exchange,
    /// One `Pi with N steps is P in T secs` line from rank 0 (needs `--steps N`).
    Pi {
        /// Largest difference allowed from the expected pi, and between rank counts.
        tolerance: f64,
    },
    /// The workshop's scatter and gather lines.
    ScatterGather,
    /// Exercise 1's program on `photos` small photos made by the checker
    /// (`--input` and `--output` added to the runs): every output byte for
    /// byte as denoise-serial's, each photo's line from the rank that owns it.
    Denoise { photos: usize },
    /// Lesson 2's profile table of the pi loop (needs `--steps N`): every line
    /// of the loop timed, and the bottleneck named as the table's top line.
    Profile,
    /// `--kernel fast` against the solution's `--kernel naive`, run side by side:
    /// pi within `tolerance` (relative) and at least `speedup` times faster.
    Faster {
        /// Smallest ratio of the naive loop's time to the fast one's (best CPU time of 5 each).
        speedup: f64,
        /// Largest relative difference from the naive loop's pi.
        tolerance: f64,
    },
}

/// Runs of the program with the same arguments at several rank counts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Runs {
    /// The rank counts, each one a run `mpiexec -n R`.
    pub ranks: Vec<usize>,
    /// The program's arguments.
    #[serde(default)]
    pub args: Vec<String>,
}

impl Info {
    /// Reads `info.toml` from the crate's folder.
    pub fn load() -> Result<Info, String> {
        let path = crate_dir().join("info.toml");
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        Info::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parses the text of `info.toml`.
    pub fn parse(text: &str) -> Result<Info, String> {
        let info: Info = toml::from_str(text).map_err(|e| e.to_string())?;
        for ex in &info.exercises {
            if ex.runs.iter().all(|r| r.ranks.is_empty()) {
                return Err(format!("exercise '{}' has no runs", ex.name));
            }
        }
        Ok(info)
    }

    /// The exercise called `name`.
    pub fn find(&self, name: &str) -> Option<&Exercise> {
        self.exercises.iter().find(|ex| ex.name == name)
    }

    /// Where `ci/check reset` keeps a copy of each file it puts back: `backups/`
    /// beside the exercises' folder (`crates/exercises/backups/`, which git ignores).
    pub fn backups_dir(&self) -> PathBuf {
        let dir = &self.exercises_dir;
        dir.parent().unwrap_or(dir).join("backups")
    }

    /// The file the learner edits (in [`Info::exercises_dir`]), or its solution.
    pub fn source(&self, ex: &Exercise, solution: bool) -> PathBuf {
        if solution {
            ex.source(true)
        } else {
            self.exercises_dir.join(&ex.file)
        }
    }
}

impl Exercise {
    /// The source file of the exercise (`solution == false`) or of its solution.
    pub fn source(&self, solution: bool) -> PathBuf {
        let folder = if solution { "solutions" } else { "exercises" };
        crate_dir().join(folder).join(&self.file)
    }

    /// Every rank count of its runs, e.g. `1, 2, 3, 4`.
    pub fn rank_counts(&self) -> String {
        let mut counts: Vec<usize> = self.runs.iter().flat_map(|r| r.ranks.clone()).collect();
        counts.sort_unstable();
        counts.dedup();
        let counts: Vec<String> = counts.iter().map(usize::to_string).collect();
        counts.join(", ")
    }

    /// The binary of the exercise or of its solution.
    pub fn bin_name(&self, solution: bool) -> &str {
        if solution { &self.solution } else { &self.bin }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// info.toml and Cargo.toml must name the same binaries built from the same files.
    #[test]
    fn every_exercise_and_solution_is_a_bin_of_this_crate() {
        let info = Info::load().unwrap();
        let cargo: toml::Table =
            toml::from_str(&std::fs::read_to_string(crate_dir().join("Cargo.toml")).unwrap())
                .unwrap();
        let bins: Vec<(&str, &str)> = cargo["bin"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| (b["name"].as_str().unwrap(), b["path"].as_str().unwrap()))
            .collect();
        assert!(info.exercises.len() >= 4);
        for ex in &info.exercises {
            for solution in [false, true] {
                let folder = if solution { "solutions" } else { "exercises" };
                let wanted = (ex.bin_name(solution), format!("{folder}/{}", ex.file));
                assert!(
                    bins.iter().any(|&(n, p)| (n, p.to_string()) == wanted),
                    "{}: no [[bin]] {wanted:?} in Cargo.toml",
                    ex.name
                );
                assert!(ex.source(solution).is_file(), "{}", ex.name);
            }
        }
    }

    #[test]
    fn unknown_fields_and_kinds_are_errors() {
        let entry = |expect: &str, extra: &str| {
            format!(
                "timeout_secs = 5\n[[exercise]]\nname = 'a'\nfile = 'a.rs'\nbin = 'a'\n\
                 solution = 'b'\nworkshop = ''\nchecks = ''\nnudge = ''\nhint = ''\n{extra}\n\
                 expect = {expect}\nruns = [{{ ranks = [1] }}]\n"
            )
        };
        assert!(Info::parse(&entry("{ kind = 'p2p-loop' }", "")).is_ok());
        assert!(
            Info::parse(&entry("{ kind = 'pi' }", "")).is_err(),
            "tolerance needed"
        );
        assert!(Info::parse(&entry("{ kind = 'nope' }", "")).is_err());
        assert!(Info::parse(&entry("{ kind = 'p2p-loop' }", "typo = 1")).is_err());
    }
}
