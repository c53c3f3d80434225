//! Object messaging: send any serde value, as mpi4py's lowercase `send`,
//! `recv`, `bcast`, `scatter` and `gather` send any Python object.
//!
//! # The idea: bytes plus a length
//!
//! MPI moves buffers of a fixed element type: "1000 doubles", "4 ints".
//! rsmpi follows it: `send(&x)` needs `x` to be a number, a slice of numbers
//! or a fixed-layout struct (`#[derive(Equivalence)]`). A `String`, a
//! `Vec<Vec<i32>>` or a struct holding a `Vec` has no fixed layout, so it
//! cannot be sent as it is. mpi4py's answer is to *pickle* the object into
//! bytes and send the bytes; ours is the same with serde and the compact
//! [postcard](https://docs.rs/postcard) format:
//!
//! 1. the sender encodes the value into a `Vec<u8>`;
//! 2. the bytes travel as an ordinary MPI message of `u8`;
//! 3. the receiver decodes them back into the type it asks for.
//!
//! The receiver does not know in advance how many bytes are coming, so it
//! must learn the length before it can allocate a buffer:
//! - point to point ([`recv_obj`]): every object send starts with a message
//!   of at most [`EAGER_BYTES`], which the receiver takes into a buffer it
//!   keeps: a small value travels whole in it, as one MPI message, and is
//!   decoded right there; a large one sends its length there and its bytes in
//!   a second message, which the receiver *probes* (`MPI_Mprobe` reports a
//!   waiting message's size) and receives into a buffer of that size. The
//!   sender, too, keeps one buffer and encodes each value into it behind the
//!   one-byte header: no allocation or copy per message beyond the value the
//!   receiver gets. (Probing every message, as mpi4py does, measured slower
//!   for small ones: two MPI calls instead of one.)
//! - collectives cannot be probed, so they move the lengths first (one
//!   number per rank), then the bytes. [`scatter_obj`] scatters the lengths,
//!   then all items' bytes in one *varcount* call (`MPI_Scatterv`), with the
//!   counts and displacements computed from the lengths; [`gather_obj`] does
//!   the same the other way (`MPI_Gatherv`). [`bcast_obj`] and
//!   [`allgather_obj`] send each length together with the first bytes of the
//!   value, so small values need a single call; the rest of larger values
//!   follows in a second one.
//! - [`reduce_obj`] is built from point-to-point object messages, in a
//!   binomial tree (the shape `MPI_Reduce` uses): `log2(p)` rounds, each rank
//!   sending once, in rank order, with the reserved tag [`REDUCE_TAG`].
//!
//! ```no_run
//! use mpi::traits::*;
//! use mpi_basics::obj::{recv_obj, send_obj};
//!
//! let universe = mpi_basics::init();
//! let world = universe.world();
//! if world.rank() == 0 {
//!     // Object messaging: any serde value, here a list of lists.
//!     send_obj(&world.process_at_rank(1), &vec![vec![1, 2], vec![3]], 0)?;
//!     // Typed: a slice of plain numbers goes as it is, no encoding.
//!     world.process_at_rank(1).send(&[1.5f64, 2.5][..]);
//! } else if world.rank() == 1 {
//!     let (lists, status) = recv_obj::<Vec<Vec<i32>>>(&world.process_at_rank(0), 0)?;
//!     let (numbers, _) = world.process_at_rank(0).receive_vec::<f64>();
//!     println!("{lists:?} from rank {}, then {numbers:?}", status.source);
//! }
//! # Ok::<(), mpi_basics::obj::ObjError>(())
//! ```
//!
//! # The typed fast path
//!
//! Encoding costs time, so for plain numbers and fixed-layout structs use
//! rsmpi's typed calls directly (`process.send(&x)`, `root.broadcast_into(&mut x)`):
//! that is mpi4py's uppercase `Send`/`Bcast` on numpy buffers. The lesson
//! `sum-reduce` uses them; `pingpong-bench` measures both ways.
//!
//! Inside this module, a `Vec<f64>` or `Vec<f32>` is encoded by copying its
//! memory instead of visiting each number through serde: the bytes are the
//! same as postcard's (a length, then the numbers in little-endian), only
//! produced faster (see [`fast`]). A large one is not copied at all: point to
//! point, its memory is the message, sent and received as typed numbers.
//!
//! # Errors
//!
//! Every function returns a [`Result`]: decoding a message into the wrong
//! type, or scattering a list that does not hold exactly one item per rank,
//! gives an [`ObjError`] whose message names the operation, the rank the
//! bytes came from, the tag and the expected type. When the *root* of a
//! collective fails (no value, wrong count), it still takes part in the
//! collective and tells the other ranks, so every rank returns the error and
//! none waits forever.

use std::fmt;

use mpi::Tag;
use mpi::topology::Rank;

mod collective;
mod encoding;
pub mod fast;
mod p2p;

pub use collective::{REDUCE_TAG, allgather_obj, bcast_obj, gather_obj, reduce_obj, scatter_obj};
pub use encoding::short_type_name;
pub use p2p::{ANY_TAG, EAGER_BYTES, ObjStatus, recv_obj, send_obj};

/// What went wrong in an object message: every variant says which operation,
/// which ranks and which type, so the message can be acted on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjError {
    /// The bytes received are not a valid encoding of the expected type
    /// (the sender sent another type, or the receiver asked for the wrong one).
    Decode {
        /// The operation: `recv`, `bcast`, `scatter`, `gather`, ...
        op: &'static str,
        /// The rank the bytes came from.
        source: Rank,
        /// The message tag (collectives have none).
        tag: Option<Tag>,
        /// The type the receiver asked for.
        expected: String,
        /// The codec's reason.
        reason: String,
    },
    /// A value could not be encoded (postcard supports every serde type except
    /// sequences of unknown length), or is larger than an MPI count (2 GiB).
    Encode {
        /// The operation.
        op: &'static str,
        /// The rank whose value failed.
        rank: Rank,
        /// The value's type.
        type_name: String,
        /// The codec's reason.
        reason: String,
    },
    /// `scatter_obj` needs exactly one item per rank at the root.
    ScatterCount {
        /// The root rank.
        root: Rank,
        /// How many items the root has.
        items: usize,
        /// How many ranks there are.
        size: Rank,
    },
    /// The root of a collective passed `None` where it must give the value.
    MissingRootValue {
        /// The operation.
        op: &'static str,
        /// The root rank.
        root: Rank,
    },
    /// The root of a collective failed before sending (this rank is not the
    /// root; the root's own error says why).
    RootFailed {
        /// The operation.
        op: &'static str,
        /// The root rank.
        root: Rank,
    },
}

impl fmt::Display for ObjError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ObjError::Decode {
                op,
                source,
                tag,
                expected,
                reason,
            } => {
                write!(f, "{op}: the message from rank {source}")?;
                if let Some(tag) = tag {
                    write!(f, " with tag {tag}")?;
                }
                write!(
                    f,
                    " is not a {expected} ({reason}): sender and receiver must use the same type"
                )
            }
            ObjError::Encode {
                op,
                rank,
                type_name,
                reason,
            } => write!(
                f,
                "{op}: rank {rank} cannot encode its {type_name}: {reason}"
            ),
            ObjError::ScatterCount { root, items, size } => write!(
                f,
                "scatter: root rank {root} has {items} items but there are {size} ranks: \
                 scatter needs exactly one item per rank (package the list as {size} sub-lists)"
            ),
            ObjError::MissingRootValue { op, root } => {
                write!(
                    f,
                    "{op}: the root rank {root} must pass Some(value), not None"
                )
            }
            ObjError::RootFailed { op, root } => write!(
                f,
                "{op}: the root rank {root} failed before sending (its own error says why)"
            ),
        }
    }
}

impl std::error::Error for ObjError {}

/// The result of every object call.
pub type Result<T> = std::result::Result<T, ObjError>;
