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

mod file_split;
use file_split::check_file_split;
pub use file_split::file_names;

mod pi;
use pi::check_pi;
pub use pi::midpoint_pi;

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

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    /// Rank r printed the lines of `by_rank[r]`.
    pub(super) fn check(expect: Expect, a: &[&str], by_rank: &[&[&str]]) -> Result<(), String> {
        let lines: Vec<Vec<String>> = by_rank
            .iter()
            .map(|ls| ls.iter().map(|l| l.to_string()).collect())
            .collect();
        Verifier::new(expect)
            .check(by_rank.len(), &args(a), &lines)
            .map_err(|m| m.reason)
    }

    pub(super) fn check_text(expect: Expect, a: &[&str], by_rank: &[String]) -> Result<(), String> {
        let lines: Vec<Vec<&str>> = by_rank.iter().map(|t| t.lines().collect()).collect();
        let refs: Vec<&[&str]> = lines.iter().map(Vec::as_slice).collect();
        check(expect, a, &refs)
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
}
