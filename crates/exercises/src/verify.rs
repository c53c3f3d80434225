//! What a correct run prints, and what differs when a run prints something else.
//!
//! The expected output is computed here for each run, from its rank count and
//! arguments, never pasted: the pi the midpoint rule gives for this many steps,
//! the workshop's lines for this many ranks, the rules a file split must follow.

use crate::info::Expect;

/// Checks the runs of one exercise, one after the other, and remembers what
/// it needs to compare runs with each other (pi must not depend on the rank count).
#[derive(Debug)]
pub struct Verifier {
    expect: Expect,
    /// (ranks, pi) of the runs so far.
    pis: Vec<(usize, f64)>,
}

impl Verifier {
    pub fn new(expect: Expect) -> Verifier {
        Verifier {
            expect,
            pis: Vec::new(),
        }
    }

    /// Checks what one run, `mpiexec -n RANKS program ARGS`, printed on stdout.
    /// `Err` says what differs from a correct run.
    pub fn check(&mut self, ranks: usize, args: &[String], stdout: &str) -> Result<(), String> {
        // Blank lines carry nothing; ranks' lines come in any order.
        let lines: Vec<&str> = stdout
            .lines()
            .map(str::trim_end)
            .filter(|l| !l.is_empty())
            .collect();
        match self.expect {
            Expect::FileSplit => check_file_split(ranks, arg_value(args, "--files")?, &lines),
            Expect::P2pLoop => same_lines(hello_lines(ranks), &lines),
            Expect::SumP2p => same_lines(sum_lines(ranks), &lines),
            Expect::Pi { tolerance } => {
                let steps = arg_value(args, "--steps")?;
                let pi = check_pi(ranks, steps, tolerance, &lines)?;
                if let Some(&(first_ranks, first)) = self.pis.first()
                    && (pi - first).abs() > tolerance
                {
                    return Err(format!(
                        "pi = {pi:.16} at {ranks} ranks but {first:.16} at {first_ranks}: \
                         the result must not depend on the rank count"
                    ));
                }
                self.pis.push((ranks, pi));
                Ok(())
            }
            Expect::ScatterGather => same_lines(scatter_gather_lines(ranks), &lines),
        }
    }
}

/// The number after `flag` in a run's arguments (`--steps 1000003`).
fn arg_value(args: &[String], flag: &str) -> Result<u64, String> {
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("info.toml: this check needs `{flag} N` in the run's args"))
}

/// `hello_p2p`: every rank but 0 prints rank 0's greeting.
pub fn hello_lines(ranks: usize) -> Vec<String> {
    (1..ranks).map(|i| format!("Hello, Rank {i}")).collect()
}

/// `sum_p2p`: every rank r has (r+1)·10; rank 0 prints their total.
pub fn sum_lines(ranks: usize) -> Vec<String> {
    let values: Vec<usize> = (0..ranks).map(|r| (r + 1) * 10).collect();
    let mut lines: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(r, v)| format!("Rank {r} has value {v}"))
        .collect();
    let total: usize = values.iter().sum();
    lines.push(format!("Rank 0 worked out the total {total}"));
    lines
}

/// `scatter_gather`: rank r receives r; rank 0 collects r·10 from every rank, in rank order.
pub fn scatter_gather_lines(ranks: usize) -> Vec<String> {
    let mut lines: Vec<String> = (0..ranks)
        .map(|r| format!("Rank {r} received a scattered int {r}"))
        .collect();
    let collected: Vec<String> = (0..ranks).map(|r| (r * 10).to_string()).collect();
    lines.push(format!(
        "Rank 0 collected a list [{}]",
        collected.join(", ")
    ));
    lines
}

/// The same lines in any order (ranks print at the same time), each as often.
fn same_lines(mut expected: Vec<String>, actual: &[&str]) -> Result<(), String> {
    let mut unexpected: Vec<&str> = Vec::new();
    for line in actual {
        match expected.iter().position(|e| e == line) {
            Some(i) => {
                expected.remove(i);
            }
            None => unexpected.push(line),
        }
    }
    let mut problems = Vec::new();
    if !expected.is_empty() {
        problems.push(format!("missing {}", quoted(&expected)));
    }
    if !unexpected.is_empty() {
        problems.push(format!("unexpected {}", quoted(&unexpected)));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// "line `a`" or "lines `a`, `b`, `c` and 2 more".
fn quoted(lines: &[impl AsRef<str>]) -> String {
    let noun = if lines.len() == 1 { "line" } else { "lines" };
    format!("{noun} {}", backticked(lines))
}

/// Up to three items in backticks, and how many more.
fn backticked(items: &[impl AsRef<str>]) -> String {
    let shown: Vec<String> = items
        .iter()
        .take(3)
        .map(|l| format!("`{}`", l.as_ref()))
        .collect();
    match items.len().saturating_sub(3) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

/// The file names Exercise 1's program makes for `--files N`.
pub fn file_names(files: u64) -> Vec<String> {
    (0..files).map(|i| format!("noisy_{i:03}.jpg")).collect()
}

/// Exercise 1: every file exactly once, in contiguous blocks in rank order,
/// block sizes differing by at most one.
fn check_file_split(ranks: usize, files: u64, lines: &[&str]) -> Result<(), String> {
    let names = file_names(files);
    let mut owners: Vec<Vec<usize>> = vec![Vec::new(); names.len()]; // ranks per file
    let mut blocks: Vec<Vec<usize>> = vec![Vec::new(); ranks]; // files per rank
    for line in lines {
        let (rank, name) = line
            .strip_prefix("Process ")
            .and_then(|rest| rest.split_once(": "))
            .ok_or_else(|| format!("unexpected line `{line}`: expected `Process R: FILE`"))?;
        let rank: usize = rank.parse().ok().filter(|&r| r < ranks).ok_or_else(|| {
            format!(
                "`{line}`: R must be this process's rank, 0 to {}",
                ranks - 1
            )
        })?;
        let file = names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| format!("`{line}`: {name} is not one of the {files} files"))?;
        owners[file].push(rank);
        blocks[rank].push(file);
    }

    let missing: Vec<&String> = (0..names.len())
        .filter(|&f| owners[f].is_empty())
        .map(|f| &names[f])
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "{files} files at {ranks} ranks: no rank handled {} (what about the files \
             left over when {ranks} does not divide {files}?)",
            backticked(&missing)
        ));
    }
    if let Some(f) = (0..names.len()).find(|&f| owners[f].len() > 1) {
        let by: Vec<String> = owners[f].iter().map(usize::to_string).collect();
        return Err(format!(
            "{} was handled {} times (by ranks {}): each file goes to one rank",
            names[f],
            owners[f].len(),
            by.join(", ")
        ));
    }
    for (rank, block) in blocks.iter_mut().enumerate() {
        block.sort_unstable();
        if let (Some(&first), Some(&last)) = (block.first(), block.last())
            && last - first + 1 != block.len()
        {
            return Err(format!(
                "rank {rank} handles {} to {} but not every file between: a rank's files \
                 must be one contiguous block",
                names[first], names[last]
            ));
        }
    }
    let starts: Vec<usize> = blocks.iter().filter_map(|b| b.first().copied()).collect();
    if starts.windows(2).any(|w| w[0] > w[1]) {
        return Err(format!(
            "the blocks are not in rank order (rank 0 first): {}",
            describe_blocks(&blocks)
        ));
    }
    let sizes: Vec<usize> = blocks.iter().map(Vec::len).collect();
    let (min, max) = (sizes.iter().min(), sizes.iter().max());
    if let (Some(min), Some(max)) = (min, max)
        && max - min > 1
    {
        return Err(format!(
            "files per rank {sizes:?}: the sizes must differ by at most one \
             (give the left-over files to the first ranks, one each)"
        ));
    }
    Ok(())
}

fn describe_blocks(blocks: &[Vec<usize>]) -> String {
    let parts: Vec<String> = blocks
        .iter()
        .enumerate()
        .map(|(r, b)| match (b.first(), b.last()) {
            (Some(first), Some(last)) => format!("rank {r} has files {first}..={last}"),
            _ => format!("rank {r} has none"),
        })
        .collect();
    parts.join(", ")
}

/// The midpoint rule for pi with `steps` steps, summed here with compensated
/// (Neumaier) summation, so it is independent of the kernels the exercise uses
/// and accurate to about one rounding.
pub fn midpoint_pi(steps: u64) -> f64 {
    let step = 1.0 / steps as f64;
    let (mut sum, mut compensation) = (0.0f64, 0.0f64);
    for i in 0..steps {
        let x = (i as f64 + 0.5) * step;
        let term = 4.0 / (1.0 + x * x);
        let t = sum + term;
        // What the addition lost, added back at the end.
        compensation += if sum.abs() >= term.abs() {
            (sum - t) + term
        } else {
            (term - t) + sum
        };
        sum = t;
    }
    (sum + compensation) * step
}

/// Exercise 2: one line from rank 0, `Pi with N steps is P in T secs`, with P
/// within `tolerance` of the midpoint rule's value. Returns P.
fn check_pi(ranks: usize, steps: u64, tolerance: f64, lines: &[&str]) -> Result<f64, String> {
    let shape = format!("`Pi with {steps} steps is <pi> in <seconds> secs`");
    let line = match lines {
        [line] => line,
        [] => return Err(format!("nothing printed: rank 0 should print {shape}")),
        _ => {
            return Err(format!(
                "{} lines printed: only rank 0 prints, once ({})",
                lines.len(),
                quoted(lines)
            ));
        }
    };
    let words: Vec<&str> = line.split_whitespace().collect();
    let steps_text = steps.to_string();
    let pi: f64 = match words.as_slice() {
        ["Pi", "with", n, "steps", "is", pi, "in", _, "secs", ..] if *n == steps_text => pi
            .parse()
            .map_err(|_| format!("`{line}`: {pi} is not a number"))?,
        _ => return Err(format!("printed `{line}`, expected {shape}")),
    };
    let expected = midpoint_pi(steps);
    let off = pi - expected;
    if off.abs() <= tolerance {
        return Ok(pi);
    }
    let why = if ranks > 1 && (pi / expected - ranks as f64).abs() < 1e-6 {
        "every rank summed all the steps: each must sum only its own block".to_string()
    } else if off < 0.0 {
        format!(
            "too small: some steps were not summed (the ones left over when {ranks} does \
             not divide {steps}?), or not every rank's sum reached rank 0"
        )
    } else {
        "too large: some steps were summed twice (do the blocks overlap?)".to_string()
    };
    Err(format!(
        "pi = {pi:.16}, expected {expected:.16} (the midpoint rule with {steps} steps; \
         π = {:.16}): off by {off:.1e}; {why}",
        std::f64::consts::PI
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn check(expect: Expect, ranks: usize, a: &[&str], stdout: &str) -> Result<(), String> {
        Verifier::new(expect).check(ranks, &args(a), stdout)
    }

    fn split(files: u64, blocks: &[std::ops::Range<u64>]) -> String {
        let names = file_names(files);
        let mut out = String::new();
        for (rank, block) in blocks.iter().enumerate() {
            for f in block.clone() {
                out += &format!("Process {rank}: {}\n", names[f as usize]);
            }
        }
        out
    }

    #[test]
    fn file_split_accepts_balanced_blocks_and_rejects_the_usual_mistakes() {
        let ten = ["--files", "10"];
        let fs = |blocks: &[std::ops::Range<u64>]| {
            check(Expect::FileSplit, blocks.len(), &ten, &split(10, blocks))
        };
        assert_eq!(fs(&[0..3, 3..6, 6..8, 8..10]), Ok(()));
        assert_eq!(
            fs(&[0..2, 2..4, 4..7, 7..10]),
            Ok(()),
            "extra at the end is fine"
        );
        // The workshop's len/size per rank: files 8 and 9 are lost.
        let err = fs(&[0..2, 2..4, 4..6, 6..8]).unwrap_err();
        assert!(
            err.contains("no rank handled `noisy_008.jpg`, `noisy_009.jpg`"),
            "{err}"
        );
        let err = fs(&[0..4, 3..6, 6..8, 8..10]).unwrap_err();
        assert!(
            err.contains("noisy_003.jpg was handled 2 times (by ranks 0, 1)"),
            "{err}"
        );
        let err = fs(&[0..2, 2..4, 4..6, 6..10]).unwrap_err();
        assert!(err.contains("[2, 2, 2, 4]"), "{err}");
        let err = fs(&[3..6, 0..3, 6..8, 8..10]).unwrap_err();
        assert!(err.contains("rank order"), "{err}");
        // Round robin: every file once, balanced, but not contiguous.
        let rr: String = (0..10)
            .map(|f| format!("Process {}: noisy_{f:03}.jpg\n", f % 4))
            .collect();
        let err = check(Expect::FileSplit, 4, &ten, &rr).unwrap_err();
        assert!(err.contains("contiguous"), "{err}");
        // More ranks than files.
        let three = ["--files", "3"];
        assert_eq!(
            check(Expect::FileSplit, 4, &three, &split(3, &[0..1, 1..2, 2..3])),
            Ok(())
        );
        let err = check(Expect::FileSplit, 4, &three, "Process 4: noisy_000.jpg").unwrap_err();
        assert!(err.contains("0 to 3"), "{err}");
        let err = check(Expect::FileSplit, 1, &three, "hello").unwrap_err();
        assert!(err.contains("unexpected line `hello`"), "{err}");
    }

    #[test]
    fn lines_match_in_any_order_and_differences_are_named() {
        let four = "Hello, Rank 3\nHello, Rank 1\nHello, Rank 2\n";
        assert_eq!(check(Expect::P2pLoop, 4, &[], four), Ok(()));
        assert_eq!(check(Expect::P2pLoop, 1, &[], ""), Ok(()));
        let err = check(Expect::P2pLoop, 4, &[], "Hello, Rank 1\nHello, Rank 1\n").unwrap_err();
        assert_eq!(
            err,
            "missing lines `Hello, Rank 2`, `Hello, Rank 3`; unexpected line `Hello, Rank 1`"
        );
        assert_eq!(
            sum_lines(4).last().unwrap(),
            "Rank 0 worked out the total 100"
        );
        assert_eq!(
            scatter_gather_lines(4).last().unwrap(),
            "Rank 0 collected a list [0, 10, 20, 30]"
        );
        let mut out = scatter_gather_lines(3).join("\n");
        assert_eq!(check(Expect::ScatterGather, 3, &[], &out), Ok(()));
        out = out.replace("[0, 10, 20]", "[0, 1, 2]");
        let err = check(Expect::ScatterGather, 3, &[], &out).unwrap_err();
        assert!(
            err.contains("missing line `Rank 0 collected a list [0, 10, 20]`"),
            "{err}"
        );
    }

    #[test]
    fn midpoint_pi_is_the_midpoint_rule() {
        // 3 steps by hand: x = 1/6, 3/6, 5/6.
        let by_hand = (4.0 / (1.0 + 1.0 / 36.0) + 4.0 / 1.25 + 4.0 / (1.0 + 25.0 / 36.0)) / 3.0;
        assert!((midpoint_pi(3) - by_hand).abs() < 1e-15);
        // The midpoint rule's error is about -1/(6 N²) here.
        let n = 1_000_003;
        assert!((midpoint_pi(n) - std::f64::consts::PI).abs() < 1e-12);
    }

    #[test]
    fn pi_is_compared_with_the_midpoint_rule_and_across_rank_counts() {
        let steps = 1_000_003u64;
        let a = ["--steps", "1000003"];
        let line = |pi: f64| format!("Pi with {steps} steps is {pi:.20} in 0.001 secs\n");
        let good = midpoint_pi(steps);
        let tol = Expect::Pi { tolerance: 1e-12 };
        let mut v = Verifier::new(tol);
        // Each within 1e-12 of the expected value, but the third 1.2e-12 from the first.
        assert_eq!(v.check(1, &args(&a), &line(good + 6e-13)), Ok(()));
        assert_eq!(v.check(2, &args(&a), &line(good)), Ok(()));
        let err = v.check(3, &args(&a), &line(good - 6e-13)).unwrap_err();
        assert!(err.contains("must not depend on the rank count"), "{err}");

        // One step (of three at 4 ranks) left out: the workshop's num_steps/size.
        let dropped = good - 4.0 / (1.0 + 1.0) / steps as f64;
        let err = check(tol, 4, &a, &line(dropped)).unwrap_err();
        assert!(err.contains("too small"), "{err}");
        let err = check(tol, 3, &a, &line(3.0 * good)).unwrap_err();
        assert!(err.contains("every rank summed all the steps"), "{err}");
        let err = check(tol, 2, &a, &(line(good) + &line(good))).unwrap_err();
        assert!(err.contains("only rank 0 prints"), "{err}");
        let err = check(tol, 2, &a, "").unwrap_err();
        assert!(err.starts_with("nothing printed"), "{err}");
        let wrong_steps = line(good).replace("1000003", "1000");
        let err = check(tol, 1, &a, &wrong_steps).unwrap_err();
        assert!(err.contains("expected `Pi with 1000003 steps"), "{err}");
        let err = check(tol, 1, &[], &line(good)).unwrap_err();
        assert!(err.contains("needs `--steps N`"), "{err}");
    }
}
