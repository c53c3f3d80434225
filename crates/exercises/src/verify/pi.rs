//! The check of `pi-reduce`: one line from rank 0, its pi within the
//! tolerance of the midpoint rule's, which is computed here.

use super::quoted;

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
pub(super) fn check_pi(
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
    use crate::info::Expect;
    use crate::verify::Verifier;
    use crate::verify::tests::args;

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
