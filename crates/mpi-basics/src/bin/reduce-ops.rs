//! Appendix 6.2: every reduce operation (`op`: SUM, PROD, MAX, MIN, LAND,
//! LOR, LXOR, BAND, BOR, BXOR, MAXLOC, MINLOC).
//!
//! `reduce` combines one value from every rank with an operation and leaves
//! the result at the root. Given arrays, it combines them element by
//! element: element j of the result combines element j of every rank's array.
//!
//! Every rank holds a number `value(rank)` and a flag `flag(rank)` (0 or 1,
//! for the logical operations), and the arrays of the next three of each,
//! `[value(rank), value(rank+1), value(rank+2)]`. MAXLOC and MINLOC reduce
//! `(value, rank)` pairs: rsmpi lacks them, `mpi_basics::ops` defines them,
//! with the pair's MPI datatype, which the program frees before it ends.
//! Rank 0 checks every result against the same operation done by hand.
//!
//! Run: `mpiexec -n 4 target/release/reduce-ops`

use clap::Parser;
use mpi::collective::SystemOperation;
use mpi::topology::{Process, Rank};
use mpi::traits::*;
use mpi_basics::ops::{Loc, free_loc_datatype, maxloc, minloc};

#[derive(Parser)]
#[command(
    about = "Reduce every rank's value and array with each MPI operation; rank 0 prints the results"
)]
struct Args {}

// ANCHOR: helpers
/// Rank r's number: 3, 1, 4, 2, 5, 3, 1, ...
fn value(r: Rank) -> i32 {
    (r * 3 + 2) % 5 + 1
}

/// Rank r's flag: 1, 0, 0, 1, 0, 0, ...
fn flag(r: Rank) -> i32 {
    i32::from(r % 3 == 0)
}

/// An operation done by hand on two numbers, to check MPI's result.
type ByHand = fn(i32, i32) -> i32;

/// Element count of every rank's array.
const LEN: Rank = 3;

/// Reduces a scalar and an array with the system operation `op` at `root`:
/// `Some((scalar result, array result))` at the root, `None` elsewhere.
fn reduce_both(root: &Process, x: i32, xs: &[i32], op: SystemOperation) -> Option<(i32, Vec<i32>)> {
    if root.is_self() {
        let (mut r, mut rs) = (0, vec![0; xs.len()]);
        root.reduce_into_root(&x, &mut r, op);
        root.reduce_into_root(xs, &mut rs[..], op);
        Some((r, rs))
    } else {
        root.reduce_into(&x, op);
        root.reduce_into(xs, op);
        None
    }
}
// ANCHOR_END: helpers

fn main() {
    let _: Args = lesson_cli::parse_args();
    // ANCHOR: reduce
    let universe = mpi_basics::init();
    let world = universe.world();
    let (rank, size) = (world.rank(), world.size());
    let root = world.process_at_rank(0);

    let values: Vec<i32> = (rank..rank + LEN).map(value).collect();
    let flags: Vec<i32> = (rank..rank + LEN).map(flag).collect();

    // (name, operation, uses flags, the same operation by hand on two numbers)
    let ops: [(&str, SystemOperation, bool, ByHand); 10] = [
        ("SUM", SystemOperation::sum(), false, |a, b| a + b),
        ("PROD", SystemOperation::product(), false, |a, b| a * b),
        ("MAX", SystemOperation::max(), false, i32::max),
        ("MIN", SystemOperation::min(), false, i32::min),
        ("LAND", SystemOperation::logical_and(), true, |a, b| {
            i32::from(a != 0 && b != 0)
        }),
        ("LOR", SystemOperation::logical_or(), true, |a, b| {
            i32::from(a != 0 || b != 0)
        }),
        ("LXOR", SystemOperation::logical_xor(), true, |a, b| {
            i32::from((a != 0) != (b != 0))
        }),
        ("BAND", SystemOperation::bitwise_and(), false, |a, b| a & b),
        ("BOR", SystemOperation::bitwise_or(), false, |a, b| a | b),
        ("BXOR", SystemOperation::bitwise_xor(), false, |a, b| a ^ b),
    ];
    for (name, op, on_flags, by_hand) in ops {
        let input = if on_flags { flag } else { value };
        let mine = if on_flags { &flags } else { &values };
        if let Some((scalar, array)) = reduce_both(&root, mine[0], mine, op) {
            // By hand: fold rank 0..size's inputs (element j of rank r's array is input(r + j)).
            let fold = |j: Rank| (1..size).map(|r| input(r + j)).fold(input(j), by_hand);
            assert_eq!(scalar, fold(0), "{name} of the values");
            assert_eq!(
                array,
                (0..LEN).map(fold).collect::<Vec<_>>(),
                "{name} of the arrays"
            );
            println!("{name}: {scalar}, element-wise {array:?}");
        }
    }

    // MAXLOC and MINLOC reduce (value, rank) pairs with our user operations.
    let locs: Vec<Loc> = values.iter().map(|&v| Loc::new(v, rank)).collect();
    for (name, op, better) in [
        ("MAXLOC", maxloc(), i32::max as ByHand),
        ("MINLOC", minloc(), i32::min),
    ] {
        if rank == 0 {
            let (mut best, mut bests) = (Loc::default(), vec![Loc::default(); locs.len()]);
            root.reduce_into_root(&locs[0], &mut best, &op);
            root.reduce_into_root(&locs[..], &mut bests[..], &op);
            // By hand: the best value, and the lowest rank that holds it.
            let expect = |j: Rank| {
                let v = (0..size)
                    .map(|r| value(r + j))
                    .reduce(better)
                    .expect("size >= 1");
                Loc::new(v, (0..size).find(|&r| value(r + j) == v).expect("present"))
            };
            assert_eq!(best, expect(0), "{name} of the values");
            assert_eq!(
                bests,
                (0..LEN).map(expect).collect::<Vec<_>>(),
                "{name} of the arrays"
            );
            let pairs: Vec<(i32, Rank)> = bests.iter().map(|l| (l.value, l.rank)).collect();
            println!(
                "{name}: {:?}, element-wise {pairs:?}",
                (best.value, best.rank)
            );
        } else {
            root.reduce_into(&locs[0], &op);
            root.reduce_into(&locs[..], &op);
        }
    }
    // Our datatype is ours to free, before MPI_Finalize (when `universe` drops);
    // the operations were freed (MPI_Op_free) as each went out of scope above.
    free_loc_datatype();
    // ANCHOR_END: reduce
}
