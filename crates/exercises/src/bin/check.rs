//! `ci/check`: the workshop's exercises check themselves, as rustlings' do,
//! but under `mpiexec` at several rank counts.
//!
//! `ci/check NAME` builds exercise NAME (the file you edit in
//! `crates/exercises/exercises/`), runs it at every rank count its entry in
//! `info.toml` gives, compares each run's output with the result the checker
//! computes for that run, and prints `PASS NAME` or `FAIL NAME: what differed`
//! with a hint. Exit status 0 on PASS, 1 on FAIL.

use clap::Parser;
use exercises::info::{Exercise, Info};
use exercises::run::{Runner, reached_todo, shown};
use exercises::verify::Verifier;

#[derive(Parser)]
#[command(
    about = "Checks the workshop's MPI exercises: builds one, runs it under mpiexec at 1 to 4 ranks, says PASS or FAIL",
    after_help = "Examples:\n  ci/check --list\n  ci/check pi-reduce\n  ci/check --solution pi-reduce\n  ci/check --all --solution"
)]
struct Args {
    /// The exercise to check (`--list` shows them)
    #[arg(value_name = "EXERCISE")]
    exercise: Option<String>,
    /// Check every exercise, in order
    #[arg(long, conflicts_with_all = ["exercise", "list"])]
    all: bool,
    /// List the exercises, each with its status
    #[arg(long, conflicts_with = "exercise")]
    list: bool,
    /// Check the solution instead of the exercise
    #[arg(long)]
    solution: bool,
    /// Do not build: use the binaries already built beside this checker
    #[arg(long)]
    no_build: bool,
    /// Check binary NAME of this crate instead of the exercise's (a variant,
    /// such as the known wrong answers in tests/mutants/)
    #[arg(
        long,
        value_name = "NAME",
        requires = "exercise",
        conflicts_with = "solution"
    )]
    bin: Option<String>,
}

/// How a check ended.
enum Outcome {
    /// Every run printed what it should; says which runs.
    Pass(String),
    /// What differed, and at which run (its command) if a run got that far.
    Fail {
        reason: String,
        command: Option<String>,
        todo: bool,
    },
}

fn main() {
    let args: Args = lesson_cli::parse_args();
    let info = Info::load().unwrap_or_else(|e| lesson_cli::exit_failure(e));
    let runner = Runner::beside_this_program(info.timeout_secs)
        .unwrap_or_else(|e| lesson_cli::exit_failure(e));
    let build = !args.no_build;

    if args.list {
        list(&info, &runner, args.solution, build);
    } else if args.all {
        let mut passed = 0;
        for ex in &info.exercises {
            let outcome = check(ex, ex.bin_name(args.solution), &runner, build, false);
            passed += usize::from(report(ex, &outcome, args.solution));
        }
        let total = info.exercises.len();
        println!("{passed} of {total} {} pass", what(args.solution));
        std::process::exit(if passed == total { 0 } else { 1 });
    } else if let Some(name) = &args.exercise {
        let Some(ex) = info.find(name) else {
            let names: Vec<&str> = info.exercises.iter().map(|e| e.name.as_str()).collect();
            lesson_cli::exit_usage(format!(
                "no exercise named '{name}': the exercises are {}",
                names.join(", ")
            ))
        };
        let bin = args.bin.as_deref().unwrap_or(ex.bin_name(args.solution));
        let outcome = check(ex, bin, &runner, build, false);
        std::process::exit(if report(ex, &outcome, args.solution) {
            0
        } else {
            1
        });
    } else {
        lesson_cli::exit_usage(
            "name an exercise (ci/check --list shows them), or give --all or --list",
        );
    }
}

fn what(solution: bool) -> &'static str {
    if solution { "solutions" } else { "exercises" }
}

/// Builds `bin` (unless told not to) and checks it against exercise `ex`'s runs.
fn check(ex: &Exercise, bin: &str, runner: &Runner, build: bool, quiet: bool) -> Outcome {
    if build && let Err(reason) = runner.build(bin, quiet) {
        return Outcome::Fail {
            reason,
            command: None,
            todo: false,
        };
    }
    let mut verifier = Verifier::new(ex.expect);
    let mut done = Vec::new();
    for runs in &ex.runs {
        for &ranks in &runs.ranks {
            let out = match runner.run(bin, ranks, &runs.args) {
                Ok(out) => out,
                Err(reason) => {
                    return Outcome::Fail {
                        reason,
                        command: None,
                        todo: false,
                    };
                }
            };
            let result = if out.status.success() {
                verifier.check(ranks, &runs.args, &out.stdout)
            } else {
                Err(runner.failure(&out))
            };
            if let Err(reason) = result {
                return Outcome::Fail {
                    todo: !out.status.success() && reached_todo(&out.stderr),
                    reason: format!("at {ranks} rank{}: {reason}", plural(ranks)),
                    command: Some(out.command),
                };
            }
        }
        let ranks: Vec<String> = runs.ranks.iter().map(usize::to_string).collect();
        let with = if runs.args.is_empty() {
            String::new()
        } else {
            format!(" with {}", runs.args.join(" "))
        };
        done.push(format!("{} ranks{with}", ranks.join(", ")));
    }
    Outcome::Pass(done.join("; "))
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Prints PASS or FAIL with what differed, the command, the file and the hint.
/// Returns whether it passed.
fn report(ex: &Exercise, outcome: &Outcome, solution: bool) -> bool {
    match outcome {
        Outcome::Pass(runs) => {
            println!("PASS {}: {runs}", ex.name);
            true
        }
        Outcome::Fail {
            reason, command, ..
        } => {
            println!("FAIL {}: {reason}", ex.name);
            if let Some(command) = command {
                println!("  ran:    {command}");
            }
            println!("  edit:   {}", shown(&ex.source(solution)).display());
            println!("  wanted: {}", ex.checks);
            let mut hint = ex.hint.trim().lines();
            println!("  hint:   {}", hint.next().unwrap_or(""));
            for line in hint {
                println!("          {line}");
            }
            false
        }
    }
}

/// One line per exercise: its name, its status now, its file and workshop step.
fn list(info: &Info, runner: &Runner, solution: bool, build: bool) {
    if solution {
        println!("The solutions (`ci/check --solution NAME` checks one):");
    } else {
        println!("The exercises (edit the file, then run `ci/check NAME`):");
    }
    let width = info
        .exercises
        .iter()
        .map(|e| e.name.len())
        .max()
        .unwrap_or(0);
    let mut passed = 0;
    for ex in &info.exercises {
        let status = match check(ex, ex.bin_name(solution), runner, build, true) {
            Outcome::Pass(_) => {
                passed += 1;
                "PASS"
            }
            Outcome::Fail { todo: true, .. } => "todo",
            Outcome::Fail { command: None, .. } => "BUILD",
            Outcome::Fail { .. } => "FAIL",
        };
        println!(
            "  {:width$}  {status:5}  {}  ({})",
            ex.name,
            shown(&ex.source(solution)).display(),
            ex.workshop
        );
    }
    println!(
        "{passed} of {} pass. Status: PASS, todo (a todo!() is left), FAIL (runs, wrong output), BUILD (does not build or run)",
        info.exercises.len()
    );
}
