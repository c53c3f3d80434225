//! Appendix 6.2: scattering more elements than ranks (the "package the list" case).
//!
//! `scatter` gives exactly one item to each rank, so to give 8 numbers to
//! 4 ranks, two each, the root packages them as one list per rank,
//! `[[0, 1], [2, 3], [4, 5], [6, 7]]`, and scatters the packages. When the
//! count does not divide (10 numbers, 4 ranks), the packages differ in size.
//!
//! The second way is MPI's own: a *varcount* scatter (`MPI_Scatterv`) sends
//! parts of one flat buffer, described by a count and a displacement (start
//! offset) per rank. No packaging, no encoding: the typed fast path.
//!
//! Run: `mpiexec -n 4 target/release/scatter-uneven --elements 10`

use clap::Parser;
use mpi::Count;
use mpi::datatype::Partition;
use mpi::traits::*;
use mpi_basics::obj::scatter_obj;
use pi_kernel::block_range;

#[derive(Parser)]
#[command(
    about = "Scatter 0..N over the ranks in contiguous blocks: packaged lists, then MPI_Scatterv"
)]
struct Args {
    /// Number of elements N to scatter (need not divide by the number of ranks)
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u32).range(0..=1_000_000))]
    elements: u32,
}

fn main() {
    let args: Args = lesson_cli::parse_args();
    // ANCHOR: scatter
    let universe = mpi_basics::init();
    let world = universe.world();
    let (rank, size) = (world.rank(), world.size());
    let root = world.process_at_rank(0);
    let n = u64::from(args.elements);
    // Rank r's block: contiguous, sizes differ by at most one.
    let block = |r: i32| block_range(n, r as u64, size as u64);
    let my_block: Vec<i32> = block(rank).map(|i| i as i32).collect();

    // 1. Object scatter: the root packages one list per rank.
    let packages = (rank == 0).then(|| {
        let packages: Vec<Vec<i32>> = (0..size)
            .map(|r| block(r).map(|i| i as i32).collect())
            .collect();
        println!("Rank 0 packaged {n} elements as {packages:?}");
        packages
    });
    let mine: Vec<i32> = scatter_obj(&root, packages).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(mine, my_block, "rank {rank} gets its own block");
    println!("Rank {rank} received {mine:?} with scatter_obj");

    // 2. Varcount scatter: one flat buffer, a count and a displacement per rank.
    let mut part = vec![0i32; my_block.len()]; // each rank knows its own count
    if rank == 0 {
        let all: Vec<i32> = (0..n as i32).collect();
        let counts: Vec<Count> = (0..size).map(|r| block(r).count() as Count).collect();
        let displs: Vec<Count> = (0..size).map(|r| block(r).start as Count).collect();
        println!("Rank 0 scatters with counts {counts:?} and displacements {displs:?}");
        let partition = Partition::new(&all[..], counts, &displs[..]);
        root.scatter_varcount_into_root(&partition, &mut part[..]);
    } else {
        root.scatter_varcount_into(&mut part[..]);
    }
    assert_eq!(part, my_block, "both ways give the same blocks");
    println!("Rank {rank} received {part:?} with scatter_varcount");
    // ANCHOR_END: scatter
}
