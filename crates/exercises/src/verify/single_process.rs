//! The checks of the two single-process steps: `profile` (lesson 2's table
//! and the bottleneck the learner names from it) and `fast-kernel` (the
//! learner's loop timed beside the naive one, fairly on a busy machine).

use super::{Mismatch, midpoint_pi};

/// One run of a pi kernel, as the fast-kernel check sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KernelRun {
    /// The pi it printed.
    pub pi: f64,
    /// The seconds it printed: the kernel's wall time, measured by main.
    pub secs: f64,
    /// The CPU seconds its `main` used (the kernel's, and little else), when
    /// it reported them.
    pub cpu: Option<f64>,
}

impl KernelRun {
    /// The time the kernel needed: its CPU time, which waiting for a core on a
    /// busy machine does not lengthen, or its wall time when that is less (a
    /// kernel on several threads) or when no CPU time was reported.
    fn time(&self) -> f64 {
        self.cpu.map_or(self.secs, |cpu| cpu.min(self.secs))
    }
}

/// How the fast-kernel check ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Speed {
    /// Right and fast enough: by how much.
    Pass(String),
    /// The learner's loop gives another pi, or is not fast enough: why.
    Fail(String),
    /// Not fast enough, but the machine was busy while it was timed, so the
    /// times say little: what was measured.
    Busy(String),
}

/// The naive loop is taken as disturbed when its median time is this much
/// above its best, or when it had a core for less than this share of its run.
const SPREAD_LIMIT: f64 = 1.3;
const CORE_SHARE_LIMIT: f64 = 0.8;
/// On a busy machine a ratio this close to the wanted speedup (this share of
/// it or more) may be a right answer timed badly; below it, a loop is not faster.
const BUSY_FLOOR: f64 = 0.6;

/// The fast-kernel check: the naive loop's runs and the learner's, alternated.
/// pi within `tolerance` (relative) of the naive loop's, and the best time of
/// the learner's loop at least `speedup` times less than the naive loop's best.
pub fn faster(naive: &[KernelRun], mine: &[KernelRun], speedup: f64, tolerance: f64) -> Speed {
    let (Some(first_naive), Some(first_mine)) = (naive.first(), mine.first()) else {
        return Speed::Fail("no run was timed".to_string());
    };
    let naive_pi = first_naive.pi;
    for pi in mine.iter().map(|r| r.pi) {
        let relative = ((pi - naive_pi) / naive_pi).abs();
        if relative.is_nan() || relative > tolerance {
            return Speed::Fail(format!(
                "pi = {pi:.16}, but the naive loop gives {naive_pi:.16}: {relative:.1e} apart, \
                 more than {tolerance:.0e} (relative): the same sum, only faster (every step \
                 once, the same x values)"
            ));
        }
    }
    let relative = ((first_mine.pi - naive_pi) / naive_pi).abs();
    let best = |runs: &[KernelRun]| {
        runs.iter()
            .map(KernelRun::time)
            .fold(f64::INFINITY, f64::min)
    };
    let (naive_secs, secs) = (best(naive), best(mine));
    let ratio = naive_secs / secs.max(1e-9);
    let of = if naive.iter().chain(mine).all(|r| r.cpu.is_some()) {
        "CPU time"
    } else {
        "wall time"
    };
    let runs = naive.len().min(mine.len());
    if ratio >= speedup {
        return Speed::Pass(format!(
            "{ratio:.1}x faster than the naive loop ({secs:.3} s against {naive_secs:.3} s of \
             {of}, best of {runs} each), pi {relative:.0e} apart (relative)"
        ));
    }
    if ratio >= BUSY_FLOOR * speedup
        && let Some(busy) = busy(naive)
    {
        return Speed::Busy(format!(
            "your loop measured {ratio:.1}x faster, {speedup}x wanted, but {busy}"
        ));
    }
    Speed::Fail(format!(
        "your loop took {secs:.3} s and the naive loop {naive_secs:.3} s ({of}, best of {runs} \
         each): {ratio:.1}x faster, at least {speedup}x wanted (more independent running sums?)"
    ))
}

/// How the naive loop's runs show a busy machine, if they do: their times far
/// apart, or the best run waiting for a core (its CPU time well under its wall time).
fn busy(naive: &[KernelRun]) -> Option<String> {
    let mut secs: Vec<f64> = naive.iter().map(|r| r.secs).collect();
    secs.sort_by(f64::total_cmp);
    let (best, median) = (*secs.first()?, secs[secs.len() / 2]);
    if median > SPREAD_LIMIT * best {
        return Some(format!(
            "the naive loop's own time varied from {best:.3} s to {:.3} s over {} runs \
             (median {median:.3} s)",
            secs[secs.len() - 1],
            secs.len()
        ));
    }
    let quickest = naive.iter().min_by(|a, b| a.secs.total_cmp(&b.secs))?;
    let share = quickest.cpu? / quickest.secs.max(1e-9);
    (share < CORE_SHARE_LIMIT).then(|| {
        format!(
            "the naive loop had a core for {:.0}% of its quickest run ({:.3} s of CPU in {:.3} s)",
            100.0 * share,
            quickest.cpu.unwrap_or(0.0),
            quickest.secs
        )
    })
}

/// One timed row of line_profiler's table.
#[derive(Debug)]
struct Row<'a> {
    line: u64,
    hits: u64,
    time: f64,
    contents: &'a str,
}

/// `  LINE  HITS  TIME  PER-HIT  %TIME  contents`, or `None` for other lines.
fn table_row(text: &str) -> Option<Row<'_>> {
    let mut rest = text;
    let mut numbers = Vec::new();
    for _ in 0..5 {
        rest = rest.trim_start();
        let end = rest.find(' ').unwrap_or(rest.len());
        numbers.push(rest[..end].parse::<f64>().ok()?);
        rest = &rest[end..];
    }
    Some(Row {
        line: numbers[0] as u64,
        hits: numbers[1] as u64,
        time: numbers[2],
        contents: rest.trim(),
    })
}

/// Lesson 2: the pi line, a table in which the loop's lines were really timed
/// (the `for` line hit N+1 times, its body's lines N times each), and
/// `The bottleneck is line L` with L the top line of the table this run printed
/// (which line that is varies from run to run and machine to machine).
pub(super) fn check_profile(steps: u64, by_rank: &[Vec<&str>]) -> Result<(), Mismatch> {
    let lines = by_rank.first().map_or(&[][..], Vec::as_slice);
    let rows = check_profile_marks(steps, lines)?;
    check_bottleneck(&rows, lines).map_err(|reason| Mismatch {
        reason,
        nudge: Some(BOTTLENECK_NUDGE),
    })
}

/// The nudge when the marks are right and only `bottleneck()` is wrong.
const BOTTLENECK_NUDGE: &str = "the marks are right: bottleneck() returns the number of the \
                                line whose LineStats has the largest .time (the table's top line)";

/// The pi line and the marks: the loop's lines timed as often as they ran.
/// Returns the table's rows.
fn check_profile_marks<'a>(steps: u64, lines: &[&'a str]) -> Result<Vec<Row<'a>>, String> {
    let pi = lines
        .iter()
        .find_map(|l| pi_kernel::PiReport::parse(l))
        .ok_or("no `Pi with N steps is P in T secs` line")?;
    if pi.steps != steps || (pi.pi - midpoint_pi(steps)).abs() > 1e-9 {
        return Err(format!(
            "printed pi = {} for {} steps: the profiled loop must still compute pi",
            pi.pi, pi.steps
        ));
    }
    let rows: Vec<Row> = lines.iter().filter_map(|l| table_row(l)).collect();
    let mark = "start each line of pi with `prof.tick(); ` and loop over prof.iter(0..num_steps)";
    let for_row = rows.iter().find(|r| r.contents.starts_with("for "));
    let body: Vec<&Row> = rows
        .iter()
        .filter(|r| r.contents.starts_with("let x") || r.contents.starts_with("sum +="))
        .collect();
    match for_row {
        None => return Err(format!("the `for` line was not timed: {mark}")),
        Some(r) if r.hits != steps + 1 => {
            return Err(format!(
                "the `for` line was hit {} times, not {} (each of the {steps} steps, and the \
                 check that ends the loop): {mark}",
                r.hits,
                steps + 1
            ));
        }
        Some(_) => {}
    }
    if body.len() != 2 || body.iter().any(|r| r.hits != steps) {
        return Err(format!(
            "the loop's two lines were not each hit {steps} times (table: {}): {mark}",
            body.iter()
                .map(|r| format!("line {} {} hits", r.line, r.hits))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(rows)
}

/// `The bottleneck is line L`, with L the table's top line. A line whose printed
/// time is as large as the top's, but for a nanosecond or a thousandth, is the
/// top line too: the table rounds, and two lines can take the same time.
fn check_bottleneck(rows: &[Row], lines: &[&str]) -> Result<(), String> {
    let top = rows
        .iter()
        .max_by(|a, b| a.time.total_cmp(&b.time))
        .ok_or("the table has no timed line")?;
    let answer = lines
        .iter()
        .find_map(|l| l.strip_prefix("The bottleneck is line "))
        .ok_or("no `The bottleneck is line L` line: print bottleneck()'s answer")?;
    let answer: u64 = answer
        .trim()
        .parse()
        .map_err(|_| format!("`The bottleneck is line {answer}`: not a line number"))?;
    let named = rows.iter().find(|r| r.line == answer);
    let slack = (top.time * 1e-3).max(1.0);
    if named.is_some_and(|r| r.time >= top.time - slack) {
        return Ok(());
    }
    let named = named.map_or("a line that was not timed".to_string(), |r| {
        format!("`{}`, {:.0} ns", r.contents, r.time)
    });
    Err(format!(
        "bottleneck() named line {answer} ({named}), but the table's top line is {} (`{}`, \
         {:.0} ns): the bottleneck is the line with the most time",
        top.line, top.contents, top.time
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::info::Expect;
    use crate::verify::Verifier;
    use crate::verify::tests::args;

    /// A run of a pi kernel that printed `secs` and used `cpu` seconds of CPU.
    fn run(secs: f64, cpu: f64) -> KernelRun {
        KernelRun {
            pi: midpoint_pi(1000),
            secs,
            cpu: Some(cpu),
        }
    }

    #[test]
    fn fast_kernel_is_timed_by_cpu_time_and_a_busy_machine_is_no_fail() {
        let quiet_naive = [run(0.160, 0.158), run(0.162, 0.160), run(0.161, 0.159)];
        let fast = [run(0.040, 0.039); 3];
        let pass = |naive: &[KernelRun], mine: &[KernelRun]| faster(naive, mine, 2.0, 1e-12);
        match pass(&quiet_naive, &fast) {
            Speed::Pass(how) => assert!(how.starts_with("4.1x faster"), "{how}"),
            other => panic!("{other:?}"),
        }
        // Waiting for a core lengthens the printed seconds of the fast loop
        // (1.6x by the quickest), not its CPU time: still a PASS.
        let waited = [run(0.100, 0.039), run(0.100, 0.040), run(0.120, 0.041)];
        assert!(matches!(pass(&quiet_naive, &waited), Speed::Pass(_)));
        // A kernel on several threads: its wall time is what it saves.
        let threads = [run(0.040, 0.150); 3];
        assert!(matches!(pass(&quiet_naive, &threads), Speed::Pass(_)));
        // Another pi.
        let mut wrong = fast;
        wrong[2].pi += 1e-8;
        match pass(&quiet_naive, &wrong) {
            Speed::Fail(why) => assert!(why.contains("but the naive loop gives"), "{why}"),
            other => panic!("{other:?}"),
        }
        // 1.6x on a quiet machine: a FAIL, the learner's to fix.
        let slower = [run(0.100, 0.099); 3];
        match pass(&quiet_naive, &slower) {
            Speed::Fail(why) => assert!(why.contains("1.6x faster, at least 2x wanted"), "{why}"),
            other => panic!("{other:?}"),
        }
        // 1.6x while the naive loop's own times were far apart, or while even
        // its quickest run waited for a core: the machine's fault, not a FAIL.
        let spread = [run(0.160, 0.158), run(0.300, 0.160), run(0.280, 0.159)];
        match pass(&spread, &slower) {
            Speed::Busy(what) => assert!(
                what.contains("varied from 0.160 s to 0.300 s over 3 runs"),
                "{what}"
            ),
            other => panic!("{other:?}"),
        }
        let starved = [run(0.250, 0.160), run(0.260, 0.161), run(0.255, 0.162)];
        match pass(&starved, &slower) {
            Speed::Busy(what) => assert!(what.contains("had a core for 64%"), "{what}"),
            other => panic!("{other:?}"),
        }
        // A loop that is not faster at all FAILS however busy the machine was.
        let same = [run(0.160, 0.158); 3];
        match pass(&spread, &same) {
            Speed::Fail(why) => assert!(why.contains("1.0x faster, at least 2x wanted"), "{why}"),
            other => panic!("{other:?}"),
        }
        // Without CPU times, the wall times decide, and say so.
        let wall = |secs: f64| KernelRun {
            cpu: None,
            ..run(secs, 0.0)
        };
        match pass(&[wall(0.16)], &[wall(0.04)]) {
            Speed::Pass(how) => assert!(how.contains("of wall time, best of 1 each"), "{how}"),
            other => panic!("{other:?}"),
        }
    }

    /// The profile program's output: its pi line, a table with the `for` line
    /// and the loop's two lines timed (line, hits, nanoseconds), and its answer.
    fn profile_output(steps: u64, rows: &[(u32, u64, f64)], answer: u32) -> Vec<Vec<String>> {
        let contents = |line: u32| match line {
            18 => "let step = 1.0 / num_steps as f64;",
            19 => "let mut sum = 0.0;",
            20 => "for i in prof.iter(0..num_steps) {",
            21 => "let x = (i as f64 + 0.5) * step;",
            _ => "sum += 4.0 / (1.0 + x * x);",
        };
        let pi = midpoint_pi(steps);
        let mut lines = vec![format!(
            "Pi with {steps} steps is {pi:.20} in 0.010000 secs"
        )];
        lines.extend(rows.iter().map(|&(line, hits, ns)| {
            format!(
                "{line:>6} {hits:>10} {ns:>12.0} {:>10.1} {:>7.1}  {}",
                ns / hits as f64,
                10.0,
                contents(line)
            )
        }));
        lines.push(format!("The bottleneck is line {answer}"));
        vec![lines]
    }

    #[test]
    fn profile_accepts_the_tables_top_line_and_names_the_wrong_part() {
        let steps = 1000;
        let a = args(&["--steps", "1000"]);
        let check = |rows: &[(u32, u64, f64)], answer: u32| {
            Verifier::new(Expect::Profile).check(1, &a, &profile_output(steps, rows, answer))
        };
        let table = |x: f64, sum: f64| {
            [
                (18, 1, 30.0),
                (20, 1001, 900.0),
                (21, 1000, x),
                (22, 1000, sum),
            ]
        };
        // Whichever of the loop's lines is on top in this run's table.
        assert_eq!(check(&table(800.0, 2500.0), 22), Ok(()));
        assert_eq!(check(&table(2500.0, 800.0), 21), Ok(()));
        // A tie, and a time a rounding below the top's, are the top too.
        assert_eq!(check(&table(2500.0, 2500.0), 21), Ok(()));
        assert_eq!(check(&table(2500.0, 2500.0), 22), Ok(()));
        assert_eq!(check(&table(2499.0, 2500.0), 21), Ok(()));
        // The marks are right and the answer is not: only bottleneck() is named.
        let wrong = check(&table(800.0, 2500.0), 18).unwrap_err();
        assert!(
            wrong
                .reason
                .starts_with("bottleneck() named line 18 (`let step"),
            "{wrong:?}"
        );
        assert!(!wrong.reason.contains("prof.tick()"), "{wrong:?}");
        assert!(
            wrong
                .nudge
                .is_some_and(|n| n.contains("bottleneck()") && !n.contains("prof.tick()")),
            "{wrong:?}"
        );
        assert!(check(&table(800.0, 2500.0), 21).is_err());
        // The marks are wrong: the exercise's own nudge (about the marks) stays.
        let unmarked = check(&[(18, 1, 30.0), (19, 1, 20.0)], 18).unwrap_err();
        assert!(
            unmarked.reason.contains("the `for` line was not timed"),
            "{unmarked:?}"
        );
        assert_eq!(unmarked.nudge, None);
    }
}
