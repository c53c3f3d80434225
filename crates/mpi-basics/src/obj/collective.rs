//! The collectives: [`bcast_obj`], [`scatter_obj`], [`gather_obj`],
//! [`allgather_obj`] and [`reduce_obj`]. A collective cannot be probed, so
//! each moves the lengths first (one number per rank), then the bytes.

use mpi::datatype::{Partition, PartitionMut};
use mpi::topology::{Process, Rank};
use mpi::traits::*;
use mpi::{Count, Tag};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::encoding::{decode, encode, short_type_name};
use super::p2p::{recv_obj, send_failure, send_obj};
use super::{ObjError, Result};

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

/// The tag of [`reduce_obj`]'s messages: 32767, the largest tag that every
/// MPI accepts (the standard guarantees `MPI_TAG_UB` ≥ 32767). reduce_obj is
/// built from point-to-point messages on the caller's communicator, where a
/// program's own message with this tag could be taken for a partial result:
/// programs that call reduce_obj must not send with this tag. (mpi4py avoids
/// the question with a hidden duplicate of each communicator.)
pub const REDUCE_TAG: Tag = 32_767;

/// Combines every rank's value with `op` at the root (mpi4py: `comm.reduce(value, op=f, root=0)`).
///
/// `op` is any function of two values, e.g. `|a, b| a + b` or a merge of two
/// lists. Returns `Some(result)` at the root, `None` elsewhere.
///
/// The values meet in a *binomial tree* of point-to-point messages, as MPI's
/// own `MPI_Reduce` does for small values: `log2(p)` rounds instead of the
/// root receiving `p − 1` values one after another. In round `k`, a rank whose
/// bit `k` is set sends its partial result to rank − 2^k and is done; the
/// others receive from rank + 2^k (if there is one) and compute
/// `op(mine, received)`. Each partial result covers consecutive ranks, and
/// the lower ranks' part is always on the left, so the result is
/// `op(…op(op(v0, v1), op(v2, v3))…)`: rank order is kept, and `op` need only
/// be associative, not commutative (string concatenation works). 8 ranks:
///
/// ```text
/// round 0:  1→0  3→2  5→4  7→6
/// round 1:  2→0  6→4
/// round 2:  4→0
/// ```
///
/// Every rank sends at most once; rank 0 receives `ceil(log2 p)` times. The
/// tree ends at rank 0; for another root, rank 0 sends it the result (one more
/// message; turning the tree to end at the root would change the order).
/// The messages carry the tag [`REDUCE_TAG`].
pub fn reduce_obj<T, F>(root: &Process, value: T, op: F) -> Result<Option<T>>
where
    T: Serialize + DeserializeOwned + 'static,
    F: Fn(T, T) -> T,
{
    // The encoding errors come from send_obj and recv_obj: name the operation.
    reduce_tree(root, value, op).map_err(|e| match e {
        ObjError::Encode {
            rank,
            type_name,
            reason,
            ..
        } => ObjError::Encode {
            op: "reduce",
            rank,
            type_name,
            reason,
        },
        other => other,
    })
}

/// [`reduce_obj`]'s rounds.
fn reduce_tree<T, F>(root: &Process, value: T, op: F) -> Result<Option<T>>
where
    T: Serialize + DeserializeOwned + 'static,
    F: Fn(T, T) -> T,
{
    let comm = root.as_communicator();
    let (me, size, root_rank) = (comm.rank(), comm.size(), root.rank());
    // The partial result, or the error that replaced it (a rank below failed
    // to encode; this rank still takes its messages, then passes the error on).
    let mut acc: Result<T> = Ok(value);
    let mut step = 1;
    while step < size {
        if me & step != 0 {
            let sent = pass_up(&comm.process_at_rank(me - step), me, acc);
            if me != root_rank {
                return sent.map(|()| None);
            }
            // The root (not rank 0) gets the result from rank 0, even after
            // its own failure: rank 0 sends, and every message is received.
            let result = recv_obj::<T>(&comm.process_at_rank(0), REDUCE_TAG);
            sent?;
            return result.map(|(value, _)| Some(value));
        }
        if me + step < size {
            let received = recv_obj::<T>(&comm.process_at_rank(me + step), REDUCE_TAG);
            acc = match (acc, received) {
                (Ok(mine), Ok((theirs, _))) => Ok(op(mine, theirs)),
                (Err(e), _) | (_, Err(e)) => Err(e),
            };
        }
        step <<= 1;
    }
    // Only rank 0 gets here, with the whole result.
    if root_rank == 0 {
        return acc.map(Some);
    }
    pass_up(root, me, acc).map(|()| None)
}

/// Sends a partial result of [`reduce_obj`] to the next rank of the tree (or
/// rank 0's result to the root); if there is none (this rank or one below
/// failed to encode), sends which rank failed, and returns the error.
fn pass_up<T: Serialize + DeserializeOwned + 'static>(
    to: &Process,
    me: Rank,
    acc: Result<T>,
) -> Result<()> {
    let failed = |e: &ObjError| match e {
        ObjError::Encode { rank, .. } => *rank,
        _ => me,
    };
    match acc.map(|value| (send_obj(to, &value, REDUCE_TAG), value)) {
        Ok((Ok(()), _)) => Ok(()),
        Ok((Err(e), _)) | Err(e) => {
            send_failure(to, failed(&e), REDUCE_TAG);
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displacements_are_running_sums() {
        assert_eq!(displacements(&[3, 1, 0, 2]), vec![0, 3, 4, 4]);
        assert_eq!(displacements(&[]), Vec::<Count>::new());
    }
}
