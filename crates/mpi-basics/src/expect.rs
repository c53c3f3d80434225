//! What the MPI basics lessons print at N ranks, computed: the one place these lines are
//! written. The lesson tests, the exercise checker and `workshop expect PROGRAM N` all
//! compare against them, so a program and its check cannot drift apart.
//!
//! `lines[r]` are rank r's lines, in the order that rank prints them; ranks print in no
//! fixed order relative to one another.

/// What each rank prints: `lines[r]` are rank r's lines.
pub type ByRank = Vec<Vec<String>>;

/// The programs whose lines are computed here, as `workshop expect` names them.
pub const PROGRAMS: [&str; 8] = [
    "hello-mpi",
    "hello-p2p",
    "hello-bcast",
    "sum-p2p",
    "sum-reduce",
    "sum-allreduce",
    "scatter-gather",
    "deadlock",
];

/// The lines `program` prints at `ranks` ranks, or `None` if they are not computed here.
pub fn lines(program: &str, ranks: usize) -> Option<ByRank> {
    Some(match program {
        "hello-mpi" => hello_mpi_lines(ranks),
        "hello-p2p" => hello_lines(ranks),
        "hello-bcast" => bcast_lines(ranks),
        "sum-p2p" | "sum-reduce" => sum_lines(ranks),
        "sum-allreduce" => allreduce_lines(ranks),
        "scatter-gather" => scatter_gather_lines(ranks),
        "deadlock" => exchange_lines(ranks),
        _ => return None,
    })
}

/// `hello-mpi`: every rank says who it is.
pub fn hello_mpi_lines(ranks: usize) -> ByRank {
    (0..ranks)
        .map(|r| vec![format!("hello world from process {r}/{ranks}")])
        .collect()
}

/// `hello-p2p`: every rank but 0 prints rank 0's greeting.
pub fn hello_lines(ranks: usize) -> ByRank {
    (0..ranks)
        .map(|i| match i {
            0 => vec![],
            _ => vec![format!("Hello, Rank {i}")],
        })
        .collect()
}

/// `hello-bcast`: every rank but 0 prints what rank 0 broadcast.
pub fn bcast_lines(ranks: usize) -> ByRank {
    (0..ranks)
        .map(|i| match i {
            0 => vec![],
            _ => vec![format!("Rank {i} received: Hello from Rank 0")],
        })
        .collect()
}

/// `sum-p2p` and `sum-reduce`: every rank r has (r+1)·10; rank 0 prints their total.
pub fn sum_lines(ranks: usize) -> ByRank {
    let total: usize = (0..ranks).map(|r| (r + 1) * 10).sum();
    (0..ranks)
        .map(|r| {
            let mut lines = vec![format!("Rank {r} has value {}", (r + 1) * 10)];
            if r == 0 {
                lines.push(format!("Rank 0 worked out the total {total}"));
            }
            lines
        })
        .collect()
}

/// `sum-allreduce`: every rank knows the total of the values (r+1)·10.
pub fn allreduce_lines(ranks: usize) -> ByRank {
    let total: usize = (0..ranks).map(|r| (r + 1) * 10).sum();
    (0..ranks)
        .map(|r| vec![format!("Rank {r} knows the total {total}")])
        .collect()
}

/// `exchange --count N` (in any of its safe modes): partners 2k and 2k+1 swap N numbers; a
/// last rank without a partner says so.
pub fn exchange_arrays_lines(ranks: usize, count: usize) -> ByRank {
    (0..ranks)
        .map(|r| {
            let partner = r ^ 1;
            vec![if partner < ranks {
                format!("Rank {r} received {count} numbers from rank {partner}")
            } else {
                format!("Rank {r} has no partner")
            }]
        })
        .collect()
}

/// The deadlock exercise: ranks 2k and 2k+1 swap their values (r+1)·10; a last rank
/// without a partner says so.
pub fn exchange_lines(ranks: usize) -> ByRank {
    (0..ranks)
        .map(|r| {
            let partner = r ^ 1;
            vec![if partner < ranks {
                format!(
                    "Rank {r} received {} from rank {partner}",
                    (partner + 1) * 10
                )
            } else {
                format!("Rank {r} has no partner")
            }]
        })
        .collect()
}

/// `scatter-gather`: rank r receives r; rank 0 collects r·10 from every rank, in rank order.
pub fn scatter_gather_lines(ranks: usize) -> ByRank {
    let collected: Vec<String> = (0..ranks).map(|r| (r * 10).to_string()).collect();
    (0..ranks)
        .map(|r| {
            let mut lines = vec![format!("Rank {r} received a scattered int {r}")];
            if r == 0 {
                lines.push(format!(
                    "Rank 0 collected a list [{}]",
                    collected.join(", ")
                ));
            }
            lines
        })
        .collect()
}

/// Every rank's lines in one list, sorted: what a job's output is compared with when ranks
/// print in any order.
pub fn sorted(by_rank: ByRank) -> Vec<String> {
    let mut all = by_rank.concat();
    all.sort();
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workshop_lines_at_four_ranks() {
        assert_eq!(hello_mpi_lines(4)[3], ["hello world from process 3/4"]);
        assert_eq!(sum_lines(4)[0][1], "Rank 0 worked out the total 100");
        assert_eq!(
            scatter_gather_lines(4)[0][1],
            "Rank 0 collected a list [0, 10, 20, 30]"
        );
        assert_eq!(exchange_lines(3)[2], ["Rank 2 has no partner"]);
        assert!(hello_lines(1)[0].is_empty() && bcast_lines(1)[0].is_empty());
    }

    #[test]
    fn every_named_program_has_lines() {
        for program in PROGRAMS {
            assert_eq!(lines(program, 3).map(|l| l.len()), Some(3), "{program}");
        }
        assert_eq!(lines("pi-mpi", 3), None);
    }
}
