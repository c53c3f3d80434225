//! Checking one exercise: build it, run it at each of its rank counts,
//! compare what each rank printed (and the MPI calls it made) with a correct
//! run, and print PASS, FAIL with what differed, or BUSY.

use exercises::info::{Exercise, Expect};
use exercises::run::shown;
use exercises::verify::{KernelRun, Mismatch, Speed, Verifier};

use super::Checker;
use super::photos::Photos;

/// How a check ended.
pub(super) enum Outcome {
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

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

impl Checker {
    /// `ci/check NAME`: 0 on PASS, 1 on FAIL.
    pub(super) fn check_named(&mut self, name: &str, bin: Option<&str>) -> i32 {
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
    pub(super) fn check(&self, ex: &Exercise, bin: &str, quiet: bool) -> Outcome {
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
    pub(super) fn report(&self, ex: &Exercise, outcome: &Outcome) -> bool {
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
}
