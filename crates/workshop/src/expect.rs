//! `workshop expect PROGRAM N`: the lines an MPI basics lesson prints at N ranks, as the
//! lesson tests and the exercise checker compute them (`mpi_basics::expect`), sorted the
//! way a job's output is compared. Scripts (`ci/doctor`, the cluster and Slurm tests)
//! ask for them here instead of writing the lines again.

use clap::Args;
use mpi_basics::expect;

/// `workshop expect PROGRAM N`
#[derive(Args, Debug)]
pub struct ExpectArgs {
    /// The lesson program (hello-mpi, hello-p2p, hello-bcast, sum-p2p, sum-reduce, scatter-gather)
    pub program: String,
    /// The rank count
    #[arg(value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub ranks: u32,
}

pub fn run(args: &ExpectArgs) -> Result<(), String> {
    let lines = expect::lines(&args.program, args.ranks as usize).ok_or_else(|| {
        format!(
            "no computed lines for `{}` (programs: {})",
            args.program,
            expect::PROGRAMS.join(", ")
        )
    })?;
    for line in expect::sorted(lines) {
        println!("{line}");
    }
    Ok(())
}
