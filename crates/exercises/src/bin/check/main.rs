//! `ci/check`: the workshop's exercises check themselves, as rustlings' do,
//! but under MPI at several rank counts.
//!
//! `ci/check NAME` builds exercise NAME (the file you edit in
//! `crates/exercises/exercises/`), runs it at every rank count its entry in
//! `info.toml` gives, compares what each rank printed with the result the
//! checker computes for that run, and prints `PASS NAME` or `FAIL NAME: what
//! differed` with a one-line nudge. Exit status 0 on PASS, 1 on FAIL.
//! `ci/check` alone checks the first exercise not yet done; `ci/check watch`
//! re-checks it whenever its file is saved; `hint` and `reset` do what they say.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Parser;
use exercises::info::{Exercise, Expect, Info};
use exercises::progress::Progress;
use exercises::run::{Runner, shown};
use exercises::verify::{KernelRun, Mismatch, Speed, Verifier};

#[derive(Parser)]
#[command(
    about = "Checks the workshop's MPI exercises: builds one, runs it at 1 to 4 ranks, says PASS or FAIL",
    after_help = "Commands:\n  ci/check                 check the first exercise not yet done\n  ci/check NAME            check exercise NAME\n  ci/check watch           check the current exercise each time its file is saved\n  ci/check hint [NAME]     the hint for NAME (or the current exercise)\n  ci/check reset NAME      put back the exercise file as shipped (from git)\n  ci/check --list          every exercise with its status\n\nExamples:\n  ci/check pi-reduce\n  ci/check --solution pi-reduce\n  ci/check --launcher 'srun -n {n}' hello"
)]
struct Args {
    /// An exercise (`--list` shows them), or `watch`, `hint [NAME]`, `reset NAME`
    #[arg(value_name = "COMMAND_OR_EXERCISE", num_args = 0..=2)]
    words: Vec<String>,
    /// Check every exercise, in order
    #[arg(long, conflicts_with_all = ["words", "list"])]
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

/// How a check ended.
enum Outcome {
    /// Every run printed what it should; says which runs.
    Pass(String),
    /// What differed, and at which run (its command) if a run got that far;
    /// a nudge for this mistake, when info.toml's would point elsewhere.
    Fail {
        reason: String,
        command: Option<String>,
        nudge: Option<&'static str>,
    },
    /// The machine was too busy to time the runs fairly: what was measured.
    /// Not the learner's mistake, and not a PASS either.
    Busy(String),
}

/// How many times the fast-kernel check runs each loop.
const FAST_KERNEL_ROUNDS: usize = 5;

/// The exit status of a check the machine was too busy for: sysexits'
/// EX_TEMPFAIL, "try again later".
const BUSY_STATUS: i32 = 75;

impl Outcome {
    /// A FAIL with info.toml's nudge.
    fn fail(reason: String, command: Option<String>) -> Outcome {
        Outcome::Fail {
            reason,
            command,
            nudge: None,
        }
    }
}

/// denoise-parallel's photos, what the serial program makes of them, and the
/// runs' outputs, in one folder per binary checked
/// (`target/exercise-runs/ex-denoise-parallel-photos/`). Each check makes it
/// afresh; a check that FAILS leaves it there, so the `ran:` command works when
/// pasted, and one that passes removes it.
struct Photos {
    folder: PathBuf,
    files: Vec<String>,
}

impl Photos {
    fn new(count: usize, scratch: &Path, bin: &str) -> Result<Photos, String> {
        // The binary's name is a crate's binary's: letters, digits, `-` and `_`.
        let name: String = bin
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let folder = scratch.join(format!("{name}-photos"));
        if let Err(e) = std::fs::remove_dir_all(&folder)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            return Err(format!(
                "cannot remove the last check's photos, {}: {e}",
                shown(&folder).display()
            ));
        }
        let files = exercises::denoise::make_photos(&folder.join("noisy"), count)?;
        exercises::denoise::serial_outputs(&folder.join("noisy"), &folder.join("serial"), &files)?;
        Ok(Photos { folder, files })
    }

    /// A fresh output folder for a run at `ranks` ranks, given in `args`.
    fn output_for(&self, ranks: usize, args: &mut Vec<String>) -> PathBuf {
        let output = self.folder.join(format!("denoised-{ranks}"));
        let _ = std::fs::remove_dir_all(&output);
        args.extend([
            "--input".to_string(),
            self.folder.join("noisy").display().to_string(),
            "--output".to_string(),
            output.display().to_string(),
        ]);
        output
    }

    /// Whether a run wrote what denoise-serial does.
    fn same_outputs(&self, output: &Path) -> Result<(), String> {
        exercises::denoise::same_outputs(&self.folder.join("serial"), output, &self.files)
    }

    /// The check passed: nothing to look at.
    fn remove(self) {
        let _ = std::fs::remove_dir_all(&self.folder);
    }
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
    let words: Vec<&str> = args.words.iter().map(String::as_str).collect();
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
        ["reset"] => lesson_cli::exit_usage("reset which exercise? ci/check reset NAME"),
        [name] => c.check_named(name, args.bin.as_deref()),
        _ => lesson_cli::exit_usage(format!(
            "'{}': expected an exercise name, or watch, hint [NAME], reset NAME",
            words.join(" ")
        )),
    };
    std::process::exit(code);
}

/// The right lines, and now the right calls: the run's trace against the
/// exercise's pattern (info.toml), when it has one.
fn same_pattern(ex: &Exercise, out: &exercises::run::RunOutput) -> Result<(), String> {
    let Some(pattern) = &ex.pattern else {
        return Ok(());
    };
    let job = out.trace.as_ref().ok_or(
        "the run left no trace of its MPI calls (is target/release/libmpi_trace.so built for \
         this MPI? cargo build --release -p mpi-trace)",
    )?;
    pattern
        .check(job)
        .map_err(|wrong| format!("the output is right, but {wrong}"))
}

fn what(solution: bool) -> &'static str {
    if solution { "solutions" } else { "exercises" }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
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

    /// `ci/check NAME`: 0 on PASS, 1 on FAIL.
    fn check_named(&mut self, name: &str, bin: Option<&str>) -> i32 {
        let ex = self.find(name);
        let bin = bin.unwrap_or(ex.bin_name(self.solution)).to_string();
        let outcome = self.check(ex, &bin, false);
        let passed = self.report(ex, &outcome);
        let busy = matches!(outcome, Outcome::Busy(_));
        // Only the learner's own exercise, checked whole, counts as done.
        if passed && !self.solution && bin == ex.bin && self.ranks.is_none() {
            let ex = ex.clone();
            self.progress.record(&ex);
        }
        self.print_progress();
        match (passed, busy) {
            (true, _) => 0,
            (false, true) => BUSY_STATUS,
            (false, false) => 1,
        }
    }

    /// Builds `bin` (unless told not to) and checks it against exercise `ex`'s runs.
    fn check(&self, ex: &Exercise, bin: &str, quiet: bool) -> Outcome {
        if self.build
            && let Err(reason) = self.runner.build(bin, quiet)
        {
            return Outcome::fail(reason, None);
        }
        let timeout = self
            .timeout
            .or(ex.timeout_secs)
            .unwrap_or(self.info.timeout_secs);
        if let Expect::Faster { speedup, tolerance } = ex.expect {
            return self.check_faster(ex, bin, timeout, speedup, tolerance);
        }
        let mut verifier = Verifier::new(ex.expect);
        // denoise-parallel: the photos and the serial program's outputs, made once.
        let photos = match ex.expect {
            Expect::Denoise { photos } => match Photos::new(photos, &self.runner.scratch(), bin) {
                Ok(p) => Some(p),
                Err(reason) => return Outcome::fail(reason, None),
            },
            _ => None,
        };
        let mut done = Vec::new();
        for runs in &ex.runs {
            let counts: Vec<usize> = runs
                .ranks
                .iter()
                .copied()
                .filter(|&r| self.ranks.is_none_or(|only| only == r))
                .collect();
            for &ranks in &counts {
                let mut args = runs.args.clone();
                let output = photos.as_ref().map(|p| p.output_for(ranks, &mut args));
                let out = match self.runner.run_for(bin, ranks, &args, timeout) {
                    Ok(out) => out,
                    Err(reason) => return Outcome::fail(reason, None),
                };
                let result = match self.runner.failure(&out) {
                    Some(reason) => Err(Mismatch::from(reason)),
                    None => {
                        let lines: Vec<Vec<String>> =
                            out.ranks.iter().map(|r| r.lines.clone()).collect();
                        verifier
                            .check(ranks, &runs.args, &lines)
                            .and_then(|()| match (&photos, &output) {
                                (Some(p), Some(o)) => Ok(p.same_outputs(o)?),
                                _ => Ok(()),
                            })
                            .and_then(|()| same_pattern(ex, &out).map_err(Mismatch::from))
                    }
                };
                // A run that passed leaves no output behind; a failing one keeps
                // it, where its `ran:` command writes.
                if result.is_ok()
                    && let Some(output) = &output
                {
                    let _ = std::fs::remove_dir_all(output);
                }
                if let Err(Mismatch { reason, nudge }) = result {
                    return Outcome::Fail {
                        reason: format!("at {ranks} rank{}: {reason}", plural(ranks)),
                        command: Some(out.command),
                        nudge,
                    };
                }
                for (rank, warning) in &out.warnings {
                    if !warning.contains("leaked handle pool objects") {
                        println!("  MPI warns (rank {rank}, at {ranks} ranks): {warning}");
                    }
                }
            }
            if counts.is_empty() {
                continue;
            }
            let ranks: Vec<String> = counts.iter().map(usize::to_string).collect();
            let with = if runs.args.is_empty() {
                String::new()
            } else {
                format!(" with {}", runs.args.join(" "))
            };
            let noun = if counts == [1] { "rank" } else { "ranks" };
            done.push(format!("{} {noun}{with}", ranks.join(", ")));
        }
        if done.is_empty() {
            return Outcome::fail(
                format!(
                    "no run at {} ranks: its runs are at {}",
                    self.ranks.unwrap_or(0),
                    ex.rank_counts()
                ),
                None,
            );
        }
        if let Some(photos) = photos {
            photos.remove();
        }
        Outcome::Pass(done.join("; "))
    }

    /// The fast-kernel check: the solution's `--kernel naive` and `bin`'s
    /// `--kernel fast`, alternately, [`FAST_KERNEL_ROUNDS`] times each, at the
    /// first run's rank count. Each run is timed by the seconds it prints and by
    /// the CPU time its `main` used (which `exercises::init()` records).
    fn check_faster(
        &self,
        ex: &Exercise,
        bin: &str,
        timeout: u32,
        speedup: f64,
        tolerance: f64,
    ) -> Outcome {
        let runs = &ex.runs[0];
        let ranks = runs.ranks[0];
        let fail = |reason: String, command: Option<String>| {
            Outcome::fail(
                format!("at {ranks} rank{}: {reason}", plural(ranks)),
                command,
            )
        };
        if self.build
            && let Err(reason) = self.runner.build(&ex.solution, true)
        {
            return fail(format!("the naive loop: {reason}"), None);
        }
        let mut timed: [Vec<KernelRun>; 2] = Default::default();
        let mut mine = None;
        for _round in 0..FAST_KERNEL_ROUNDS {
            for (which, (program, kernel)) in [(ex.solution.as_str(), "naive"), (bin, "fast")]
                .into_iter()
                .enumerate()
            {
                let mut args = runs.args.clone();
                args.extend(["--kernel".to_string(), kernel.to_string()]);
                let started = std::time::Instant::now();
                let out = match self.runner.run_for(program, ranks, &args, timeout) {
                    Ok(out) => out,
                    Err(reason) => return fail(reason, None),
                };
                let wall = started.elapsed().as_secs_f64();
                if let Some(reason) = self.runner.failure(&out) {
                    return fail(reason, Some(out.command));
                }
                let lines = &out.ranks[0].lines;
                let report = match lines.as_slice() {
                    [line] => pi_kernel::PiReport::parse(line),
                    _ => None,
                };
                let Some(report) = report.filter(|r| r.secs <= wall) else {
                    return fail(
                        format!(
                            "printed {lines:?}: expected one line `Pi with N steps is <pi> in \
                             <seconds> secs`, the time measured by main"
                        ),
                        Some(out.command),
                    );
                };
                timed[which].push(KernelRun {
                    pi: report.pi,
                    secs: report.secs,
                    cpu: out.ranks[0].cpu_secs,
                });
                if which == 1 {
                    mine = Some(out.command);
                }
            }
        }
        match exercises::verify::faster(&timed[0], &timed[1], speedup, tolerance) {
            Speed::Pass(how) => Outcome::Pass(how),
            Speed::Fail(reason) => fail(reason, mine),
            Speed::Busy(what) => Outcome::Busy(format!(
                "the machine is busy ({what}): run ci/check {} again when it is quieter",
                ex.name
            )),
        }
    }

    /// Prints PASS, or FAIL with what differed, the command, the file and a
    /// one-line nudge (the full hint is `ci/check hint NAME`). Returns whether it passed.
    fn report(&self, ex: &Exercise, outcome: &Outcome) -> bool {
        match outcome {
            Outcome::Pass(runs) => {
                println!("PASS {}: {runs}", ex.name);
                true
            }
            Outcome::Fail {
                reason,
                command,
                nudge,
            } => {
                println!("FAIL {}: {reason}", ex.name);
                if let Some(command) = command {
                    println!("  ran:    {command}");
                }
                let file = self.info.source(ex, self.solution);
                println!("  edit:   {}", shown(&file).display());
                println!("  nudge:  {}", nudge.unwrap_or(&ex.nudge));
                println!("  more:   ci/check hint {}", ex.name);
                false
            }
            Outcome::Busy(what) => {
                println!("BUSY {}: {what}", ex.name);
                false
            }
        }
    }

    fn print_progress(&self) {
        println!(
            "Progress: {}/{} done",
            self.progress.done_count(&self.info),
            self.info.exercises.len()
        );
    }

    fn all_done(&self) {
        println!(
            "All {} exercises are done: well done! (ci/check --list shows them)",
            self.info.exercises.len()
        );
        self.print_progress();
    }

    /// `ci/check hint NAME`.
    fn hint(&self, name: &str) -> i32 {
        let ex = self.find(name);
        println!("Hint for {} ({}):", ex.name, ex.workshop);
        for line in ex.hint.trim().lines() {
            println!("  {line}");
        }
        println!("Checked: {}", ex.checks);
        println!("File:    {}", shown(&self.info.source(ex, false)).display());
        0
    }

    /// `ci/check reset NAME`: the exercise file as git's HEAD has it.
    fn reset(&mut self, name: &str) -> i32 {
        let ex = self.find(name).clone();
        let file = self.info.source(&ex, false);
        match exercises::progress::shipped_text(&file) {
            Ok(text) => {
                let now = std::fs::read_to_string(&file).unwrap_or_default();
                if now == text {
                    println!(
                        "{} is already as shipped ({})",
                        ex.name,
                        shown(&file).display()
                    );
                } else if let Err(e) = exercises::progress::write_whole(&file, &text) {
                    lesson_cli::exit_failure(e);
                } else {
                    println!(
                        "Reset {}: {} is as shipped again",
                        ex.name,
                        shown(&file).display()
                    );
                }
                self.progress.forget(&ex);
                self.print_progress();
                0
            }
            Err(e) => lesson_cli::exit_failure(e),
        }
    }

    /// `ci/check watch`: check the current exercise, then again each time its
    /// file is saved; on PASS go on to the next. Enter `h` for the hint, `q` to quit.
    fn watch(&mut self) -> i32 {
        let events = exercises::progress::watch_folder(&self.info.exercises_dir)
            .unwrap_or_else(|e| lesson_cli::exit_failure(e));
        loop {
            let Some(i) = self.progress.first_unsolved(&self.info) else {
                self.all_done();
                return 0;
            };
            let ex = self.info.exercises[i].clone();
            let file = self.info.source(&ex, self.solution);
            println!("Checking {} ({})", ex.name, shown(&file).display());
            let outcome = self.check(&ex, ex.bin_name(self.solution), false);
            let passed = self.report(&ex, &outcome);
            if passed {
                self.progress.record(&ex);
                self.print_progress();
                continue;
            }
            self.print_progress();
            println!(
                "Watching {}: save it to check again (h + Enter: hint, q + Enter: quit)",
                shown(&file).display()
            );
            loop {
                match events.recv() {
                    Ok(exercises::progress::Event::Saved(path))
                        if path.file_name() == file.file_name() =>
                    {
                        // Editors save in several steps: let them finish.
                        std::thread::sleep(Duration::from_millis(150));
                        while events.try_recv().is_ok() {}
                        break;
                    }
                    Ok(exercises::progress::Event::Saved(_)) => {}
                    Ok(exercises::progress::Event::Key(key)) if key == "h" => {
                        self.hint(&ex.name);
                    }
                    Ok(exercises::progress::Event::Key(key)) if key == "q" => return 1,
                    Ok(exercises::progress::Event::Key(_)) => {}
                    Err(_) => return 1,
                }
            }
        }
    }

    /// One line per exercise, in workshop order: its name, done or todo (from
    /// the recorded progress: nothing is run), its file and workshop step.
    fn list(&self) {
        println!("The exercises, in workshop order (edit the file, then run `ci/check NAME`):");
        let width = self
            .info
            .exercises
            .iter()
            .map(|e| e.name.len())
            .max()
            .unwrap_or(0);
        let next = self.progress.first_unsolved(&self.info);
        for (i, ex) in self.info.exercises.iter().enumerate() {
            let status = if self.progress.is_done(ex) {
                "done"
            } else {
                "todo"
            };
            let marker = if next == Some(i) { "  <- next" } else { "" };
            println!(
                "  {:width$}  {status:4}  {}  ({}){marker}",
                ex.name,
                shown(&self.info.source(ex, false)).display(),
                ex.workshop
            );
        }
        println!(
            "Done: passed `ci/check NAME` with the file as it is now; `ci/check --all` checks them all again."
        );
        self.print_progress();
    }
}
