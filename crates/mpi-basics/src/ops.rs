//! MAXLOC and MINLOC: "the largest value, and which rank has it".
//!
//! MPI reduces pairs `(value, rank)` with `MPI_MAXLOC`/`MPI_MINLOC`; mpi4py
//! offers them as `MPI.MAXLOC`. rsmpi has no such operations, so we write
//! them ourselves: a pair [`Loc`] with an MPI datatype of its own and a
//! *user operation*, a function MPI calls to combine two arrays of pairs
//! element by element. On a tie the lower rank wins, as in MPI, which makes
//! the operation commutative: MPI may then combine the ranks' values in any
//! order.
//!
//! A datatype a program makes is the program's to free, as in C
//! (`MPI_Type_free` before `MPI_Finalize`): [`free_loc_datatype`].

use std::mem::offset_of;
use std::sync::Mutex;

use mpi::collective::UserOperation;
use mpi::datatype::{DatatypeRef, UncommittedDatatypeRef, UserDatatype};
use mpi::raw::{AsRaw, FromRaw};
use mpi::topology::Rank;
use mpi::traits::*;
use mpi::{Address, Count};

/// A value and the rank that holds it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
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

/// Loc's MPI datatype once made, until [`free_loc_datatype`].
///
/// `#[derive(Equivalence)]` would keep it in a static that nothing frees, and
/// MPICH reports the leak at `MPI_Finalize` on every rank ("yaksa: 1 leaked
/// handle pool objects"). One datatype for all calls, not one per call: the
/// user operation recognises its arguments by the datatype's handle.
static LOC_DATATYPE: Mutex<Option<UserDatatype>> = Mutex::new(None);

// Safety: the datatype is Loc's two fields, each an int at its own offset
// (`MPI_Type_create_struct`), so MPI reads and writes exactly a Loc's bytes.
unsafe impl Equivalence for Loc {
    type Out = DatatypeRef<'static>;
    fn equivalent_datatype() -> Self::Out {
        let mut made = LOC_DATATYPE.lock().unwrap_or_else(|e| e.into_inner());
        let datatype = made.get_or_insert_with(|| {
            let offsets = [offset_of!(Loc, value), offset_of!(Loc, rank)];
            UserDatatype::structured::<UncommittedDatatypeRef>(
                &[1 as Count, 1],
                &offsets.map(|o| o as Address),
                &[
                    i32::equivalent_datatype().into(),
                    Rank::equivalent_datatype().into(),
                ],
            )
        });
        // Safety: valid until free_loc_datatype, which the program calls after
        // its last MPI call with Locs (and a later call would make a new one).
        unsafe { DatatypeRef::from_raw(datatype.as_raw()) }
    }
}

/// Frees Loc's MPI datatype (`MPI_Type_free`): call it once the program's MPI
/// calls with [`Loc`]s are done, before MPI is finalised.
pub fn free_loc_datatype() {
    let mut made = LOC_DATATYPE.lock().unwrap_or_else(|e| e.into_inner());
    drop(made.take());
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
