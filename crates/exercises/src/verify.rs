//! What a correct run prints, and what differs when a run prints something else.
//!
//! The expected output is computed here for each run, from its rank count and
//! arguments, never pasted: the pi the midpoint rule gives for this many steps,
//! the workshop's lines for this many ranks (`mpi_basics::expect`), the rules a file split must follow.

use crate::info::Expect;
pub use mpi_basics::expect::{
    ByRank, bcast_lines, exchange_lines, hello_lines, hello_mpi_lines, scatter_gather_lines,
    sum_lines,
};

mod single_process;
use single_process::check_profile;
pub use single_process::{KernelRun, Speed, faster};

/// What differs from a correct run, and a nudge for this mistake when the
/// exercise's own (info.toml's `nudge`) would point at a part that is right.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    pub reason: String,
    pub nudge: Option<&'static str>,
}

impl From<String> for Mismatch {
    fn from(reason: String) -> Mismatch {
        Mismatch {
            reason,
            nudge: None,
        }
    }
}

impl From<&str> for Mismatch {
    fn from(reason: &str) -> Mismatch {
        Mismatch::from(reason.to_string())
    }
}

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

    /// Checks what one run, RANKS ranks of `program ARGS`, printed on stdout:
    /// `by_rank[r]` holds rank r's lines. `Err` says what differs from a correct run.
    pub fn check(
        &mut self,
        ranks: usize,
        args: &[String],
        by_rank: &[Vec<String>],
    ) -> Result<(), Mismatch> {
        let lines: Vec<Vec<&str>> = (0..ranks)
            .map(|r| {
                by_rank.get(r).map_or(Vec::new(), |l| {
                    l.iter()
                        .map(|l| l.trim_end())
                        .filter(|l| !l.is_empty())
                        .collect()
                })
            })
            .collect();
        let compared: Result<(), String> = match self.expect {
            Expect::FileSplit => check_file_split(ranks, arg_value(args, "--files")?, &lines),
            Expect::Hello => same_lines(hello_mpi_lines(ranks), &lines),
            Expect::P2pLoop => same_lines(hello_lines(ranks), &lines),
            Expect::Bcast => same_lines(bcast_lines(ranks), &lines),
            Expect::Sum => same_lines(sum_lines(ranks), &lines),
            Expect::Exchange => same_lines(exchange_lines(ranks), &lines),
            Expect::Pi { tolerance } => {
                let steps = arg_value(args, "--steps")?;
                let pi = check_pi(ranks, steps, tolerance, &lines)?;
                if let Some(&(first_ranks, first)) = self.pis.first()
                    && (pi - first).abs() > tolerance
                {
                    return Err(Mismatch::from(format!(
                        "pi = {pi:.16} at {ranks} ranks but {first:.16} at {first_ranks}: \
                         the result must not depend on the rank count"
                    )));
                }
                self.pis.push((ranks, pi));
                Ok(())
            }
            Expect::ScatterGather => same_lines(scatter_gather_lines(ranks), &lines),
            // Judged over several runs together: see `faster`.
            Expect::Faster { .. } => Ok(()),
            Expect::Profile => return check_profile(arg_value(args, "--steps")?, &lines),
            Expect::Denoise { photos } => {
                let lines = crate::denoise::photo_lines(by_rank)?;
                let lines: Vec<Vec<&str>> = lines
                    .iter()
                    .map(|l| l.iter().map(String::as_str).collect())
                    .collect();
                check_file_split(ranks, photos as u64, &lines)
            }
        };
        compared.map_err(Mismatch::from)
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

/// Each rank prints its own lines (in any order), each as often as expected.
/// A line printed by the wrong rank is named as such.
fn same_lines(expected: ByRank, actual: &[Vec<&str>]) -> Result<(), String> {
    let mut missing: Vec<Vec<String>> = expected.clone();
    let mut extra: Vec<Vec<&str>> = vec![Vec::new(); actual.len()];
    for (rank, lines) in actual.iter().enumerate() {
        for &line in lines {
            match missing[rank].iter().position(|e| e == line) {
                Some(i) => {
                    missing[rank].remove(i);
                }
                None => extra[rank].push(line),
            }
        }
    }
    let mut problems = Vec::new();
    for (rank, lines) in extra.iter().enumerate() {
        for &line in lines {
            if let Some(owner) = (0..missing.len()).find(|&q| missing[q].iter().any(|m| m == line))
            {
                let i = missing[owner]
                    .iter()
                    .position(|m| m == line)
                    .expect("found");
                missing[owner].remove(i);
                problems.push(format!(
                    "rank {rank} printed `{line}`, which is rank {owner}'s line to print"
                ));
            } else if let Some(owner) =
                (0..expected.len()).find(|&q| expected[q].iter().any(|e| e == line))
            {
                problems.push(format!(
                    "rank {rank} printed `{line}` as well: only rank {owner} prints it"
                ));
            } else {
                problems.push(format!("rank {rank} printed an unexpected line `{line}`"));
            }
        }
    }
    for (rank, lines) in missing.iter().enumerate() {
        if !lines.is_empty() {
            problems.push(format!("rank {rank} did not print {}", quoted(lines)));
        }
    }
    match problems.len() {
        0 => Ok(()),
        1..=3 => Err(problems.join("; ")),
        n => Err(format!("{} and {} more", problems[..3].join("; "), n - 3)),
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
fn check_file_split(ranks: usize, files: u64, by_rank: &[Vec<&str>]) -> Result<(), String> {
    let names = file_names(files);
    let mut owners: Vec<Vec<usize>> = vec![Vec::new(); names.len()]; // ranks per file
    let mut blocks: Vec<Vec<usize>> = vec![Vec::new(); ranks]; // files per rank
    for (printer, line) in (0..)
        .zip(by_rank)
        .flat_map(|(r, ls)| ls.iter().map(move |l| (r, l)))
    {
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
        if rank != printer {
            return Err(format!(
                "rank {printer} printed `{line}`: each rank prints its own rank, {printer}"
            ));
        }
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
fn check_pi(
    ranks: usize,
    steps: u64,
    tolerance: f64,
    by_rank: &[Vec<&str>],
) -> Result<f64, String> {
    let shape = format!("`Pi with {steps} steps is <pi> in <seconds> secs`");
    let others: Vec<(usize, &str)> = (1..)
        .zip(by_rank.iter().skip(1))
        .flat_map(|(r, ls)| ls.iter().map(move |l| (r, *l)))
        .collect();
    let rank0 = by_rank.first().map_or(&[][..], Vec::as_slice);
    if let Some(&(r, other)) = others.first() {
        let printers: Vec<String> = others.iter().map(|(r, _)| r.to_string()).collect();
        let mut printers = printers;
        printers.dedup();
        return Err(if rank0.is_empty() {
            format!(
                "rank 0 printed nothing and rank {r} printed `{other}`: the total belongs \
                 on rank 0 (reduce to root 0, and print there only)"
            )
        } else {
            format!(
                "{} {} printed `{other}` as well: only rank 0 prints the result",
                if printers.len() == 1 { "rank" } else { "ranks" },
                printers.join(", ")
            )
        });
    }
    let line = match rank0 {
        [line] => line,
        [] => return Err(format!("nothing printed: rank 0 should print {shape}")),
        _ => {
            return Err(format!(
                "rank 0 printed {} lines: it prints the result once ({})",
                rank0.len(),
                quoted(rank0)
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

    pub(super) fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    /// Rank r printed the lines of `by_rank[r]`.
    fn check(expect: Expect, a: &[&str], by_rank: &[&[&str]]) -> Result<(), String> {
        let lines: Vec<Vec<String>> = by_rank
            .iter()
            .map(|ls| ls.iter().map(|l| l.to_string()).collect())
            .collect();
        Verifier::new(expect)
            .check(by_rank.len(), &args(a), &lines)
            .map_err(|m| m.reason)
    }

    fn check_text(expect: Expect, a: &[&str], by_rank: &[String]) -> Result<(), String> {
        let lines: Vec<Vec<&str>> = by_rank.iter().map(|t| t.lines().collect()).collect();
        let refs: Vec<&[&str]> = lines.iter().map(Vec::as_slice).collect();
        check(expect, a, &refs)
    }

    /// Each rank prints "Process r: FILE" for its block.
    fn split(files: u64, blocks: &[std::ops::Range<u64>]) -> Vec<String> {
        let names = file_names(files);
        blocks
            .iter()
            .enumerate()
            .map(|(rank, block)| {
                block
                    .clone()
                    .map(|f| format!("Process {rank}: {}\n", names[f as usize]))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn file_split_accepts_balanced_blocks_and_rejects_the_usual_mistakes() {
        let ten = ["--files", "10"];
        let fs = |blocks: &[std::ops::Range<u64>]| {
            check_text(Expect::FileSplit, &ten, &split(10, blocks))
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
        let rr: Vec<String> = (0..4)
            .map(|r| {
                (0..10)
                    .filter(|f| f % 4 == r)
                    .map(|f| format!("Process {r}: noisy_{f:03}.jpg\n"))
                    .collect()
            })
            .collect();
        let err = check_text(Expect::FileSplit, &ten, &rr).unwrap_err();
        assert!(err.contains("contiguous"), "{err}");
        // More ranks than files.
        let three = ["--files", "3"];
        assert_eq!(
            check_text(
                Expect::FileSplit,
                &three,
                &split(3, &[0..1, 1..2, 2..3, 3..3])
            ),
            Ok(())
        );
        let err = check(
            Expect::FileSplit,
            &three,
            &[&[], &[], &[], &["Process 4: noisy_000.jpg"]],
        )
        .unwrap_err();
        assert!(err.contains("0 to 3"), "{err}");
        let err = check(Expect::FileSplit, &three, &[&["hello"]]).unwrap_err();
        assert!(err.contains("unexpected line `hello`"), "{err}");
        // Rank 1 printing rank 0's line is caught, whatever the text says.
        let err = check(
            Expect::FileSplit,
            &three,
            &[&[], &["Process 0: noisy_000.jpg"]],
        )
        .unwrap_err();
        assert!(err.starts_with("rank 1 printed `Process 0"), "{err}");
    }

    #[test]
    fn each_rank_prints_its_own_lines() {
        let four: &[&[&str]] = &[
            &[],
            &["Hello, Rank 1"],
            &["Hello, Rank 2"],
            &["Hello, Rank 3"],
        ];
        assert_eq!(check(Expect::P2pLoop, &[], four), Ok(()));
        assert_eq!(check(Expect::P2pLoop, &[], &[&[]]), Ok(()));
        // The right lines, printed by the wrong ranks.
        let swapped: &[&[&str]] = &[&["Hello, Rank 1"], &[], &["Hello, Rank 2"]];
        assert_eq!(
            check(Expect::P2pLoop, &[], swapped).unwrap_err(),
            "rank 0 printed `Hello, Rank 1`, which is rank 1's line to print"
        );
        let err = check(
            Expect::P2pLoop,
            &[],
            &[&[], &["Hello, Rank 1", "Hello, Rank 1"]],
        )
        .unwrap_err();
        assert_eq!(
            err,
            "rank 1 printed `Hello, Rank 1` as well: only rank 1 prints it"
        );
        assert_eq!(
            sum_lines(4)[0].last().unwrap(),
            "Rank 0 worked out the total 100"
        );
        // The total on every rank.
        let mut everywhere = sum_lines(2);
        everywhere[1].push("Rank 0 worked out the total 30".into());
        let err = check_text(
            Expect::Sum,
            &[],
            &everywhere.iter().map(|l| l.join("\n")).collect::<Vec<_>>(),
        )
        .unwrap_err();
        assert!(
            err.contains("rank 1 printed `Rank 0 worked out the total 30` as well: only rank 0"),
            "{err}"
        );
        let sg: Vec<String> = scatter_gather_lines(3)
            .iter()
            .map(|l| l.join("\n"))
            .collect();
        assert_eq!(check_text(Expect::ScatterGather, &[], &sg), Ok(()));
        let mut wrong = sg.clone();
        wrong[0] = wrong[0].replace("[0, 10, 20]", "[0, 1, 2]");
        let err = check_text(Expect::ScatterGather, &[], &wrong).unwrap_err();
        assert!(
            err.contains("rank 0 printed an unexpected line `Rank 0 collected a list [0, 1, 2]`"),
            "{err}"
        );
        assert!(
            err.contains("rank 0 did not print line `Rank 0 collected a list [0, 10, 20]`"),
            "{err}"
        );
        assert_eq!(exchange_lines(3)[2], ["Rank 2 has no partner"]);
        assert_eq!(exchange_lines(3)[1], ["Rank 1 received 10 from rank 0"]);
        assert_eq!(hello_mpi_lines(2)[1], ["hello world from process 1/2"]);
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
        let line = |pi: f64| format!("Pi with {steps} steps is {pi:.20} in 0.001 secs");
        let on_rank_0 = |text: String, ranks: usize| {
            let mut by_rank = vec![Vec::new(); ranks];
            by_rank[0] = text.lines().map(str::to_string).collect();
            by_rank
        };
        let good = midpoint_pi(steps);
        let tol = Expect::Pi { tolerance: 1e-12 };
        let mut v = Verifier::new(tol);
        // Each within 1e-12 of the expected value, but the third 1.2e-12 from the first.
        assert_eq!(
            v.check(1, &args(&a), &on_rank_0(line(good + 6e-13), 1)),
            Ok(())
        );
        assert_eq!(v.check(2, &args(&a), &on_rank_0(line(good), 2)), Ok(()));
        let err = v
            .check(3, &args(&a), &on_rank_0(line(good - 6e-13), 3))
            .unwrap_err()
            .reason;
        assert!(err.contains("must not depend on the rank count"), "{err}");

        let one = |ranks: usize, text: String, a: &[&str]| {
            Verifier::new(tol)
                .check(ranks, &args(a), &on_rank_0(text, ranks))
                .map_err(|m| m.reason)
        };
        // One step (of three at 4 ranks) left out: the workshop's num_steps/size.
        let dropped = good - 4.0 / (1.0 + 1.0) / steps as f64;
        let err = one(4, line(dropped), &a).unwrap_err();
        assert!(err.contains("too small"), "{err}");
        let err = one(3, line(3.0 * good), &a).unwrap_err();
        assert!(err.contains("every rank summed all the steps"), "{err}");
        let err = one(2, format!("{}\n{}", line(good), line(good)), &a).unwrap_err();
        assert!(err.contains("prints the result once"), "{err}");
        let err = one(2, String::new(), &a).unwrap_err();
        assert!(err.starts_with("nothing printed"), "{err}");
        let wrong_steps = line(good).replace("1000003", "1000");
        let err = one(1, wrong_steps, &a).unwrap_err();
        assert!(err.contains("expected `Pi with 1000003 steps"), "{err}");
        let err = one(1, line(good), &[]).unwrap_err();
        assert!(err.contains("needs `--steps N`"), "{err}");
        // The right line from the last rank, or from every rank.
        let last = vec![vec![], vec![line(good)]];
        let err = Verifier::new(tol)
            .check(2, &args(&a), &last)
            .unwrap_err()
            .reason;
        assert!(
            err.starts_with("rank 0 printed nothing and rank 1 printed"),
            "{err}"
        );
        let every = vec![vec![line(good)]; 3];
        let err = Verifier::new(tol)
            .check(3, &args(&a), &every)
            .unwrap_err()
            .reason;
        assert!(err.starts_with("ranks 1, 2 printed"), "{err}");
    }
}
