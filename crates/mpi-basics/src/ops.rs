//! MAXLOC and MINLOC: "the largest value, and which rank has it".
//!
//! MPI reduces pairs `(value, rank)` with `MPI_MAXLOC`/`MPI_MINLOC`; mpi4py
//! offers them as `MPI.MAXLOC`. rsmpi has no such operations, so we write
//! them ourselves: a fixed-layout pair [`Loc`] (`#[derive(Equivalence)]`
//! gives it an MPI datatype) and a *user operation*, a function MPI calls to
//! combine two arrays of pairs element by element. On a tie the lower rank
//! wins, as in MPI, which makes the operation commutative: MPI may then
//! combine the ranks' values in any order.

use mpi::collective::UserOperation;
use mpi::topology::Rank;
use mpi::traits::*;

/// A value and the rank that holds it.
#[derive(Equivalence, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Loc {
    /// The value compared.
    pub value: i32,
    /// The rank it came from.
    pub rank: Rank,
}

impl Loc {
    /// The pair `(value, rank)`.
    pub fn new(value: i32, rank: Rank) -> Self {
        Loc { value, rank }
    }
}

/// Keeps in `acc` whichever of `acc` and `x` `better` prefers; the lower rank on a tie.
fn pick(x: &Loc, acc: &mut Loc, better: fn(i32, i32) -> bool) {
    if better(x.value, acc.value) || (x.value == acc.value && x.rank < acc.rank) {
        *acc = *x;
    }
}

/// Builds a user operation that combines `Loc` arrays element-wise with `pick`.
fn loc_operation(better: fn(i32, i32) -> bool) -> UserOperation<'static> {
    // MPI calls this with the incoming values `x` and the accumulator `acc`
    // (typed as "some buffer": downcast checks they hold `Loc`s).
    UserOperation::commutative(move |x, acc| {
        let x: &[Loc] = x.downcast().expect("MAXLOC/MINLOC reduce Loc values");
        let acc: &mut [Loc] = acc.downcast().expect("MAXLOC/MINLOC reduce Loc values");
        for (x, acc) in x.iter().zip(acc) {
            pick(x, acc, better);
        }
    })
}

/// `MPI_MAXLOC`: the largest value and the (lowest) rank holding it.
pub fn maxloc() -> UserOperation<'static> {
    loc_operation(|a, b| a > b)
}

/// `MPI_MINLOC`: the smallest value and the (lowest) rank holding it.
pub fn minloc() -> UserOperation<'static> {
    loc_operation(|a, b| a < b)
}
