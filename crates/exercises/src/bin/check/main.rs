//! `ci/check`: the workshop's exercises check themselves, as rustlings' do,
//! but under MPI at several rank counts.
//!
//! `ci/check NAME` builds exercise NAME (the file you edit in
//! `crates/exercises/exercises/`), runs it at every rank count its entry in
//! `info.toml` gives, compares what each rank printed with the result the
//! checker computes for that run, and prints `PASS NAME` or `FAIL NAME: what
//! differed` with a one-line nudge. Exit status 0 on PASS, 1 on FAIL.
//! `ci/check` alone checks the first exercise not yet done; `ci/check watch`
//! re-checks it whenever its file is saved; `hint` and `reset` do what they say
//! (`reset` copies the learner's file into `crates/exercises/backups/` first).

use std::path::PathBuf;

use clap::Parser;
use exercises::info::{Exercise, Info};
use exercises::progress::Progress;
use exercises::run::Runner;

mod checking;
mod commands;
mod photos;

#[derive(Parser)]
#[command(
    about = "Checks the workshop's MPI exercises: builds one, runs it at 1 to 4 ranks, says PASS or FAIL",
    after_help = "Commands:\n  ci/check                 check the first exercise not yet done\n  ci/check NAME            check exercise NAME\n  ci/check watch           check the current exercise each time its file is saved\n  ci/check hint [NAME]     the hint for NAME (or the current exercise)\n  ci/check reset NAME      put back the exercise file as shipped (from git), keeping a copy of yours\n  ci/check reset --all     the same for every exercise (preparing a machine)\n  ci/check --list          every exercise with its status\n\nExamples:\n  ci/check pi-reduce\n  ci/check --solution pi-reduce\n  ci/check --launcher 'srun -n {n}' hello"
)]
struct Args {
    /// An exercise (`--list` shows them), or `watch`, `hint [NAME]`, `reset NAME`
    #[arg(value_name = "COMMAND_OR_EXERCISE", num_args = 0..=2)]
    words: Vec<String>,
    /// Check every exercise, in order (after `reset`: put every exercise file back as shipped)
    #[arg(long, conflicts_with = "list")]
    all: bool,
    /// List the exercises, each with its status
    #[arg(long, conflicts_with = "words")]
    list: bool,
    /// Check the solution instead of the exercise
    #[arg(long)]
    solution: bool,
    /// Do not build: use the binaries already built beside this checker
    #[arg(long)]
    no_build: bool,
    /// Check binary NAME of this crate instead of the exercise's (a variant,
    /// such as the known wrong answers in tests/mutants/)
    #[arg(long, value_name = "NAME", conflicts_with = "solution")]
    bin: Option<String>,
    /// Only the runs at this many ranks
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=64))]
    ranks: Option<u32>,
    /// Seconds a run may take before it is stopped (default: info.toml's timeout_secs)
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u32).range(1..=3600))]
    timeout: Option<u32>,
    /// How to start a job of {n} ranks, e.g. 'srun -n {n}' (sets WORKSHOP_LAUNCHER)
    #[arg(long, value_name = "TEMPLATE")]
    launcher: Option<String>,
    /// Print the clone (workspace folder) whose exercises this checker checks
    #[arg(long, conflicts_with_all = ["words", "list", "all"])]
    workspace: bool,

    /// The folder of the exercise files (default: crates/exercises/exercises)
    #[arg(long, value_name = "DIR", hide = true)]
    dir: Option<PathBuf>,
}

/// What every command needs.
struct Checker {
    info: Info,
    runner: Runner,
    build: bool,
    solution: bool,
    ranks: Option<usize>,
    /// `--timeout`, over each exercise's own.
    timeout: Option<u32>,
    progress: Progress,
}

fn main() {
    let args: Args = lesson_cli::parse_args();
    if let Some(template) = &args.launcher {
        if !template.contains("{n}") {
            lesson_cli::exit_usage(format!(
                "--launcher '{template}': the template needs {{n}} where the rank count goes"
            ));
        }
        // SAFETY: set once at the start, before this program starts any thread.
        unsafe { std::env::set_var("WORKSHOP_LAUNCHER", template) };
    }
    if args.workspace {
        println!("{}", exercises::info::workspace_dir().display());
        return;
    }
    let mut info = Info::load().unwrap_or_else(|e| lesson_cli::exit_failure(e));
    if let Some(dir) = &args.dir {
        info.exercises_dir = dir.clone();
    }
    let runner = Runner::beside_this_program(info.timeout_secs)
        .unwrap_or_else(|e| lesson_cli::exit_failure(e));
    let progress = Progress::load(&info);
    let mut c = Checker {
        info,
        runner,
        build: !args.no_build,
        solution: args.solution,
        ranks: args.ranks.map(|r| r as usize),
        timeout: args.timeout,
        progress,
    };

    if args.list {
        c.list();
        return;
    }
    let words: Vec<&str> = args.words.iter().map(String::as_str).collect();
    if args.all && words == ["reset"] {
        std::process::exit(c.reset_all());
    }
    if args.all && !words.is_empty() {
        lesson_cli::exit_usage(format!(
            "'{} --all': --all goes alone (check every exercise) or after reset (ci/check reset --all)",
            words.join(" ")
        ));
    }
    if args.all {
        let mut passed = 0;
        for i in 0..c.info.exercises.len() {
            let ex = &c.info.exercises[i];
            let outcome = c.check(ex, ex.bin_name(c.solution), false);
            passed += usize::from(c.report(ex, &outcome));
        }
        let total = c.info.exercises.len();
        println!("{passed} of {total} {} pass", what(c.solution));
        std::process::exit(if passed == total { 0 } else { 1 });
    }
    let code = match words.as_slice() {
        [] => match c.progress.first_unsolved(&c.info) {
            Some(i) => {
                let name = c.info.exercises[i].name.clone();
                c.check_named(&name, args.bin.as_deref())
            }
            None => {
                c.all_done();
                0
            }
        },
        ["watch"] => c.watch(),
        ["hint"] => {
            let i = c.progress.first_unsolved(&c.info).unwrap_or(0);
            let name = c.info.exercises[i].name.clone();
            c.hint(&name)
        }
        ["hint", name] => c.hint(name),
        ["reset", name] => c.reset(name),
        ["reset"] => lesson_cli::exit_usage(
            "reset which exercise? ci/check reset NAME (or reset --all: every exercise)",
        ),
        [name] => c.check_named(name, args.bin.as_deref()),
        _ => lesson_cli::exit_usage(format!(
            "'{}': expected an exercise name, or watch, hint [NAME], reset NAME",
            words.join(" ")
        )),
    };
    std::process::exit(code);
}

fn what(solution: bool) -> &'static str {
    if solution { "solutions" } else { "exercises" }
}

impl Checker {
    fn find(&self, name: &str) -> &Exercise {
        self.info.find(name).unwrap_or_else(|| {
            let names: Vec<&str> = self
                .info
                .exercises
                .iter()
                .map(|e| e.name.as_str())
                .collect();
            lesson_cli::exit_usage(format!(
                "no exercise named '{name}': the exercises are {}",
                names.join(", ")
            ))
        })
    }
}
