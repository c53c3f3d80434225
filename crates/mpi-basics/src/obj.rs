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
//!   keeps: a small value travels whole in it; a large one sends its length
//!   there and its bytes in a second message, which the receiver *probes*
//!   (`MPI_Mprobe` reports a waiting message's size) and receives into a
//!   buffer of that size.
//! - collectives cannot be probed, so they move the lengths first (one
//!   number per rank), then the bytes. [`scatter_obj`] scatters the lengths,
//!   then all items' bytes in one *varcount* call (`MPI_Scatterv`), with the
//!   counts and displacements computed from the lengths; [`gather_obj`] does
//!   the same the other way (`MPI_Gatherv`). [`bcast_obj`] and
//!   [`allgather_obj`] send each length together with the first bytes of the
//!   value, so small values need a single call; the rest of larger values
//!   follows in a second one.
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

use std::any::type_name;
use std::fmt;

use mpi::datatype::{Partition, PartitionMut};
use mpi::point_to_point::{Destination, Source, Status};
use mpi::topology::{Process, Rank};
use mpi::traits::*;
use mpi::{Count, Tag};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub mod fast;

use fast::Floats;

/// Receive a message with any tag (`MPI_ANY_TAG`), for [`recv_obj`].
pub const ANY_TAG: Tag = mpi::ffi::MPI_ANY_TAG;

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

/// Where a received object came from (mpi4py's `MPI.Status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjStatus {
    /// The sender's rank (useful after receiving from `any_process()`).
    pub source: Rank,
    /// The message's tag (useful after receiving with [`ANY_TAG`]).
    pub tag: Tag,
    /// The size of the encoded message in bytes.
    pub bytes: usize,
}

/// A type's name without module paths: `Vec<Point>`, not `alloc::vec::Vec<my_crate::Point>`.
pub fn short_type_name<T: ?Sized>() -> String {
    let full = type_name::<T>();
    let mut out = String::with_capacity(full.len());
    let mut word = String::new();
    let mut chars = full.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
        } else if c == ':' && chars.peek() == Some(&':') {
            chars.next(); // `path::` : drop the path segment
            word.clear();
        } else {
            out.push_str(&word);
            word.clear();
            out.push(c);
        }
    }
    out + &word
}

/// Encodes a value into postcard bytes (fast path for `Vec<f64>`/`Vec<f32>`).
fn encode<T: Serialize + 'static>(op: &'static str, rank: Rank, value: &T) -> Result<Vec<u8>> {
    let bytes = match fast::encode(value) {
        Some(bytes) => bytes,
        None => postcard::to_allocvec(value).map_err(|e| ObjError::Encode {
            op,
            rank,
            type_name: short_type_name::<T>(),
            reason: e.to_string(),
        })?,
    };
    if Count::try_from(bytes.len()).is_err() {
        return Err(ObjError::Encode {
            op,
            rank,
            type_name: short_type_name::<T>(),
            reason: format!("{} bytes is more than one MPI message holds", bytes.len()),
        });
    }
    Ok(bytes)
}

/// Decodes bytes into a `T`; all bytes must be used (left-over bytes mean a wrong type).
fn decode<T: DeserializeOwned + 'static>(
    op: &'static str,
    source: Rank,
    tag: Option<Tag>,
    bytes: &[u8],
) -> Result<T> {
    let error = |reason: String| ObjError::Decode {
        op,
        source,
        tag,
        expected: short_type_name::<T>(),
        reason,
    };
    if let Some(result) = fast::decode::<T>(bytes) {
        return result.map_err(error);
    }
    match postcard::take_from_bytes::<T>(bytes) {
        Ok((value, [])) => Ok(value),
        Ok((_, rest)) => Err(error(format!(
            "{} of {} bytes left over",
            rest.len(),
            bytes.len()
        ))),
        Err(e) => Err(error(e.to_string())),
    }
}

/// The largest first message of a point-to-point object send, in bytes.
///
/// The receiver must have a buffer ready before a message arrives. Every
/// object send therefore starts with one message of at most this size, which
/// the receiver takes into a buffer it keeps:
/// - a small value travels whole in it: `[INLINE, encoded bytes...]`;
/// - a large value sends a header, `[SPLIT_BYTES, byte count]`, then its
///   encoded bytes as a second message, received into a buffer of the right size;
/// - a large `Vec<f64>`/`Vec<f32>` sends `[SPLIT_F64, element count]`, then
///   its numbers as a typed MPI message straight from the vector's memory,
///   received straight into the new vector: no encoding, no copy.
pub const EAGER_BYTES: usize = 8192;
const INLINE: u8 = 0;
const SPLIT_BYTES: u8 = 1;
const SPLIT_F64: u8 = 2;
const SPLIT_F32: u8 = 3;

thread_local! {
    /// The buffer every first message is received into (kept, not reallocated).
    static EAGER: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0; EAGER_BYTES]);
}

/// `[kind, count as a varint]`: the first message of a split send.
fn split_header(kind: u8, count: usize) -> Vec<u8> {
    postcard::to_extend(&(count as u64), vec![kind]).expect("a u64 always encodes")
}

/// Sends `value` to `dest` with `tag` (mpi4py: `comm.send(value, dest=i, tag=t)`).
///
/// Like MPI's standard send, it may wait until the receiver starts receiving.
/// Receive it with [`recv_obj`] (not with a typed receive).
pub fn send_obj<T: Serialize + 'static>(dest: &Process, value: &T, tag: Tag) -> Result<()> {
    let me = dest.as_communicator().rank();
    if let Some(floats) = fast::floats_of(value)
        && floats.memory().len() >= EAGER_BYTES
    {
        // A large float vector: its length, then its memory as typed numbers.
        match floats {
            Floats::F64(v) => {
                dest.send_with_tag(&split_header(SPLIT_F64, v.len())[..], tag);
                dest.send_with_tag(v, tag);
            }
            Floats::F32(v) => {
                dest.send_with_tag(&split_header(SPLIT_F32, v.len())[..], tag);
                dest.send_with_tag(v, tag);
            }
        }
        return Ok(());
    }
    let bytes = encode("send", me, value)?;
    if bytes.len() < EAGER_BYTES {
        let mut message = Vec::with_capacity(1 + bytes.len());
        message.push(INLINE);
        message.extend_from_slice(&bytes);
        dest.send_with_tag(&message[..], tag);
    } else {
        dest.send_with_tag(&split_header(SPLIT_BYTES, bytes.len())[..], tag);
        dest.send_with_tag(&bytes[..], tag);
    }
    Ok(())
}

/// Receives one value sent by [`send_obj`] (mpi4py: `comm.recv(source=i, tag=t)`).
///
/// `source` is a rank (`world.process_at_rank(0)`) or any rank
/// (`world.any_process()`); `tag` is a tag or [`ANY_TAG`]. Returns the value
/// and where it came from. The type `T` must be the type that was sent.
pub fn recv_obj<T: DeserializeOwned + 'static>(
    source: &impl Source,
    tag: Tag,
) -> Result<(T, ObjStatus)> {
    // The first message: small enough for the kept buffer.
    let (first, status) = EAGER.with_borrow_mut(|eager| {
        let status: Status = source.receive_into_with_tag(&mut eager[..], tag);
        let len = status.count(u8::equivalent_datatype()) as usize;
        (eager[..len].to_vec(), status)
    });
    let (from, tag) = (status.source_rank(), status.tag());
    let error = |reason: String| ObjError::Decode {
        op: "recv",
        source: from,
        tag: Some(tag),
        expected: short_type_name::<T>(),
        reason,
    };
    let status = |bytes| ObjStatus {
        source: from,
        tag,
        bytes,
    };
    let Some((&kind, rest)) = first.split_first() else {
        return Err(error("an empty message: was it sent with send_obj?".into()));
    };
    if kind == INLINE {
        let value = decode("recv", from, Some(tag), rest)?;
        return Ok((value, status(rest.len())));
    }
    let count = match postcard::take_from_bytes::<u64>(rest) {
        Ok((count, [])) if kind <= SPLIT_F32 => count as usize,
        _ => return Err(error("not a message of send_obj".into())),
    };
    // The rest comes next from the same rank with the same tag (MPI keeps their order).
    let sender = source.as_communicator().process_at_rank(from);
    let check = |received: usize| {
        if received == count {
            Ok(())
        } else {
            Err(error(format!(
                "{count} elements announced, {received} received"
            )))
        }
    };
    match kind {
        SPLIT_BYTES => {
            let (bytes, _) = sender.receive_vec_with_tag::<u8>(tag);
            check(bytes.len())?;
            let value = decode("recv", from, Some(tag), &bytes)?;
            Ok((value, status(count)))
        }
        SPLIT_F64 => {
            let (numbers, _) = sender.receive_vec_with_tag::<f64>(tag);
            check(numbers.len())?;
            let encoded_size = rest.len() + size_of_val(&numbers[..]);
            // Asked for a Vec<f64>: it is the received vector itself.
            match fast::cast::<T, _>(numbers) {
                Ok(value) => Ok((value, status(encoded_size))),
                Err(numbers) => {
                    let bytes = fast::encoding_of(Floats::F64(&numbers));
                    Ok((
                        decode("recv", from, Some(tag), &bytes)?,
                        status(encoded_size),
                    ))
                }
            }
        }
        _ => {
            let (numbers, _) = sender.receive_vec_with_tag::<f32>(tag);
            check(numbers.len())?;
            let encoded_size = rest.len() + size_of_val(&numbers[..]);
            match fast::cast::<T, _>(numbers) {
                Ok(value) => Ok((value, status(encoded_size))),
                Err(numbers) => {
                    let bytes = fast::encoding_of(Floats::F32(&numbers));
                    Ok((
                        decode("recv", from, Some(tag), &bytes)?,
                        status(encoded_size),
                    ))
                }
            }
        }
    }
}

/// A length that tells the other ranks "the root failed, no bytes follow".
const FAILED: u64 = u64::MAX;

/// Size of the first message of [`bcast_obj`] and [`allgather_obj`] from each rank: the length (8 bytes), then up to 56
/// bytes of the value. A small value (a number, a short string) thus needs one
/// collective call; a larger one needs a second for the rest of its bytes.
const HEAD_BYTES: usize = 64;

/// Broadcasts the root's value to every rank (mpi4py: `comm.bcast(value, root=0)`).
///
/// The root passes `Some(value)`, the other ranks `None`; every rank gets the value.
pub fn bcast_obj<T: Serialize + DeserializeOwned + 'static>(
    root: &Process,
    value: Option<T>,
) -> Result<T> {
    let comm = root.as_communicator();
    let root_rank = root.rank();
    let mut head = [0u8; HEAD_BYTES];
    if comm.rank() == root_rank {
        let encoded = match &value {
            Some(v) => encode("bcast", root_rank, v),
            None => Err(ObjError::MissingRootValue {
                op: "bcast",
                root: root_rank,
            }),
        };
        // Step 1: the length (or FAILED) and the first bytes.
        let len = encoded.as_ref().map_or(FAILED, |b| b.len() as u64);
        head[..8].copy_from_slice(&len.to_le_bytes());
        let bytes = encoded.as_deref().unwrap_or(&[]);
        let first = bytes.len().min(HEAD_BYTES - 8);
        head[8..8 + first].copy_from_slice(&bytes[..first]);
        root.broadcast_into(&mut head[..]);
        // Step 2, for a large value: the rest. The root keeps its value: no decoding.
        let mut bytes = encoded?;
        if bytes.len() > first {
            root.broadcast_into(&mut bytes[first..]);
        }
        Ok(value.expect("checked above"))
    } else {
        root.broadcast_into(&mut head[..]);
        let len = u64::from_le_bytes(head[..8].try_into().expect("8 bytes"));
        if len == FAILED {
            return Err(ObjError::RootFailed {
                op: "bcast",
                root: root_rank,
            });
        }
        let len = len as usize;
        let first = len.min(HEAD_BYTES - 8);
        let mut bytes = vec![0u8; len];
        bytes[..first].copy_from_slice(&head[8..8 + first]);
        if len > first {
            root.broadcast_into(&mut bytes[first..]);
        }
        decode("bcast", root_rank, None, &bytes)
    }
}

/// Offsets of consecutive blocks of the given lengths: `[3, 1, 2]` → `[0, 3, 4]`.
fn displacements(counts: &[Count]) -> Vec<Count> {
    counts
        .iter()
        .scan(0, |offset, &count| {
            let start = *offset;
            *offset += count;
            Some(start)
        })
        .collect()
}

/// Gives item `i` of the root's list to rank `i` (mpi4py: `comm.scatter(items, root=0)`).
///
/// The root passes `Some(items)` with exactly one item per rank (as mpi4py
/// requires: to give several values to each rank, package them into one item
/// per rank, e.g. a `Vec<Vec<i32>>`); the other ranks pass `None`.
pub fn scatter_obj<T: Serialize + DeserializeOwned + 'static>(
    root: &Process,
    items: Option<Vec<T>>,
) -> Result<T> {
    let comm = root.as_communicator();
    let (root_rank, size) = (root.rank(), comm.size());
    let mut my_len = 0u64;
    if root.is_self() {
        let encoded: Result<Vec<Vec<u8>>> = match &items {
            None => Err(ObjError::MissingRootValue {
                op: "scatter",
                root: root_rank,
            }),
            Some(items) if items.len() != size as usize => Err(ObjError::ScatterCount {
                root: root_rank,
                items: items.len(),
                size,
            }),
            // The root keeps its own item as it is: nothing to encode for it.
            Some(items) => (0..size)
                .zip(items)
                .map(|(rank, item)| {
                    if rank == root_rank {
                        Ok(Vec::new())
                    } else {
                        encode("scatter", root_rank, item)
                    }
                })
                .collect(),
        };
        // Step 1: each rank's length (FAILED for all if the root failed).
        let lens: Vec<u64> = match &encoded {
            Ok(parts) => parts.iter().map(|p| p.len() as u64).collect(),
            Err(_) => vec![FAILED; size as usize],
        };
        root.scatter_into_root(&lens[..], &mut my_len);
        let parts = encoded?;
        // Step 2: all items' bytes, one block per rank (MPI_Scatterv).
        let counts: Vec<Count> = lens.iter().map(|&l| l as Count).collect();
        let displs = displacements(&counts);
        // Both buffers must have real addresses even when empty (at 1 rank
        // `all` is): an empty Vec<u8> or [u8; 0] points at address 1, which
        // is Open MPI's MPI_IN_PLACE, and a scatter from "in place" is refused.
        let mut all: Vec<u8> = Vec::with_capacity(lens.iter().sum::<u64>() as usize + 1);
        all.extend(parts.iter().flatten());
        let mut nothing = [0u8; 1];
        root.scatter_varcount_into_root(
            &Partition::new(&all[..], counts, displs),
            &mut nothing[..0],
        );
        let mut items = items.expect("checked above");
        Ok(items.swap_remove(root_rank as usize))
    } else {
        root.scatter_into(&mut my_len);
        if my_len == FAILED {
            return Err(ObjError::RootFailed {
                op: "scatter",
                root: root_rank,
            });
        }
        let mut mine = vec![0u8; my_len as usize];
        root.scatter_varcount_into(&mut mine[..]);
        decode("scatter", root_rank, None, &mine)
    }
}

/// Encodes this rank's value for a gather; on failure, sends nothing and
/// marks the length FAILED so the collecting ranks know.
fn encode_for_gather<T: Serialize + 'static>(
    op: &'static str,
    rank: Rank,
    value: &T,
) -> (u64, Vec<u8>, Option<ObjError>) {
    match encode(op, rank, value) {
        Ok(bytes) => (bytes.len() as u64, bytes, None),
        Err(e) => (FAILED, Vec::new(), Some(e)),
    }
}

/// Decodes every rank's block of a gathered buffer.
fn decode_blocks<T: DeserializeOwned + 'static>(
    op: &'static str,
    lens: &[u64],
    all: &[u8],
) -> Result<Vec<T>> {
    let mut offset = 0;
    let mut out = Vec::with_capacity(lens.len());
    for (rank, &len) in lens.iter().enumerate() {
        if len == FAILED {
            return Err(ObjError::Encode {
                op,
                rank: rank as Rank,
                type_name: short_type_name::<T>(),
                reason: "that rank's own error says why".into(),
            });
        }
        let block = &all[offset..offset + len as usize];
        out.push(decode(op, rank as Rank, None, block)?);
        offset += len as usize;
    }
    Ok(out)
}

/// A rank's head for a gather: its length and its first bytes (see [`HEAD_BYTES`]).
fn head_of(len: u64, bytes: &[u8]) -> [u8; HEAD_BYTES] {
    let mut head = [0u8; HEAD_BYTES];
    head[..8].copy_from_slice(&len.to_le_bytes());
    let first = bytes.len().min(HEAD_BYTES - 8);
    head[8..8 + first].copy_from_slice(&bytes[..first]);
    head
}

/// The length in a head, and the bytes of the value it carries.
fn read_head(head: &[u8]) -> (u64, &[u8]) {
    let len = u64::from_le_bytes(head[..8].try_into().expect("8 bytes"));
    let carried = if len == FAILED { 0 } else { len as usize };
    (len, &head[8..8 + carried.min(HEAD_BYTES - 8)])
}

/// Every rank's encoded value, gathered on every rank: the lengths, and the
/// bytes of all values one after the other.
///
/// Step 1 is an allgather of every rank's head (its length and first bytes),
/// so every rank learns every length. Step 2 is needed only when some value
/// is longer than a head, and every rank knows whether it is: the rest of the
/// bytes, one block per rank (`MPI_Allgatherv`).
fn allgather_bytes(comm: &impl Communicator, len: u64, bytes: &[u8]) -> (Vec<u64>, Vec<u8>) {
    let size = comm.size() as usize;
    let mut heads = vec![0u8; HEAD_BYTES * size];
    comm.all_gather_into(&head_of(len, bytes)[..], &mut heads[..]);
    let lens: Vec<u64> = heads.chunks(HEAD_BYTES).map(|h| read_head(h).0).collect();
    let rest_counts: Vec<Count> = heads
        .chunks(HEAD_BYTES)
        .map(|h| match read_head(h) {
            (FAILED, _) => 0,
            (len, carried) => (len as usize - carried.len()) as Count,
        })
        .collect();
    let mut rests = vec![0u8; rest_counts.iter().map(|&c| c as usize).sum()];
    if !rests.is_empty() {
        let first = bytes.len().min(HEAD_BYTES - 8);
        let displs = displacements(&rest_counts);
        comm.all_gather_varcount_into(
            &bytes[first..],
            &mut PartitionMut::new(&mut rests[..], &rest_counts[..], displs),
        );
    }
    // Each rank's bytes: the part its head carried, then its rest.
    let mut all = Vec::with_capacity(heads.len() + rests.len());
    let mut offset = 0;
    for (head, &count) in heads.chunks(HEAD_BYTES).zip(&rest_counts) {
        all.extend_from_slice(read_head(head).1);
        all.extend_from_slice(&rests[offset..offset + count as usize]);
        offset += count as usize;
    }
    (lens, all)
}

/// Collects every rank's value at the root, in rank order (mpi4py: `comm.gather(value, root=0)`).
///
/// Returns `Some(values)` at the root and `None` elsewhere.
pub fn gather_obj<T: Serialize + DeserializeOwned + 'static>(
    root: &Process,
    value: &T,
) -> Result<Option<Vec<T>>> {
    let comm = root.as_communicator();
    let (me, size) = (comm.rank(), comm.size() as usize);
    let (my_len, bytes, my_error) = encode_for_gather("gather", me, value);
    // Step 1: every rank's length; step 2: every rank's bytes (MPI_Gatherv).
    // (Only the root learns the lengths, so every rank takes part in step 2.)
    if root.is_self() {
        let mut lens = vec![0u64; size];
        root.gather_into_root(&my_len, &mut lens[..]);
        let counts: Vec<Count> = lens
            .iter()
            .map(|&l| if l == FAILED { 0 } else { l as Count })
            .collect();
        let displs = displacements(&counts);
        let mut all = vec![0u8; counts.iter().map(|&c| c as usize).sum()];
        root.gather_varcount_into_root(
            &bytes[..],
            &mut PartitionMut::new(&mut all[..], counts, displs),
        );
        decode_blocks("gather", &lens, &all).map(Some)
    } else {
        root.gather_into(&my_len);
        root.gather_varcount_into(&bytes[..]);
        my_error.map_or(Ok(None), Err)
    }
}

/// Collects every rank's value on every rank, in rank order (mpi4py: `comm.allgather(value)`).
pub fn allgather_obj<T: Serialize + DeserializeOwned + 'static>(
    comm: &impl Communicator,
    value: &T,
) -> Result<Vec<T>> {
    let (my_len, bytes, _) = encode_for_gather("allgather", comm.rank(), value);
    let (lens, all) = allgather_bytes(comm, my_len, &bytes);
    decode_blocks("allgather", &lens, &all)
}

/// Combines every rank's value with `op` at the root (mpi4py: `comm.reduce(value, op=f, root=0)`).
///
/// `op` is any function of two values, e.g. `|a, b| a + b` or a merge of two
/// lists. The root gathers the values and folds them in rank order,
/// `op(op(v0, v1), v2)…`, so `op` need not be commutative. Returns
/// `Some(result)` at the root, `None` elsewhere.
pub fn reduce_obj<T, F>(root: &Process, value: T, op: F) -> Result<Option<T>>
where
    T: Serialize + DeserializeOwned + 'static,
    F: Fn(T, T) -> T,
{
    let gathered = gather_obj(root, &value)?;
    Ok(gathered.map(|values| {
        let mut values = values.into_iter();
        let first = values.next().expect("a communicator has at least one rank");
        values.fold(first, op)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Point {
        x: f64,
        y: f64,
    }

    #[test]
    fn type_names_lose_their_paths() {
        assert_eq!(short_type_name::<Vec<String>>(), "Vec<String>");
        assert_eq!(short_type_name::<Point>(), "Point");
        assert_eq!(
            short_type_name::<(i32, Option<Vec<Point>>)>(),
            "(i32, Option<Vec<Point>>)"
        );
    }

    #[test]
    fn decoding_the_wrong_type_names_source_tag_and_type() {
        let bytes = encode("send", 0, &"hi".to_string()).unwrap();
        let err = decode::<Point>("recv", 3, Some(7), &bytes).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("recv: the message from rank 3 with tag 7 is not a Point ("),
            "{text}"
        );
        // Bytes left over are a wrong type too (a Vec<f64> read as a String).
        let bytes = encode("send", 0, &vec![1.0f64, 2.0]).unwrap();
        let err = decode::<String>("bcast", 0, None, &bytes).unwrap_err();
        assert!(
            err.to_string().starts_with(
                "bcast: the message from rank 0 is not a String (14 of 17 bytes left over)"
            ),
            "{err}"
        );
    }

    #[test]
    fn displacements_are_running_sums() {
        assert_eq!(displacements(&[3, 1, 0, 2]), vec![0, 3, 4, 4]);
        assert_eq!(displacements(&[]), Vec::<Count>::new());
    }
}
