//! Point to point: [`send_obj`] and [`recv_obj`]. Every object send starts
//! with one message of at most [`EAGER_BYTES`], which the receiver takes into
//! a buffer it keeps and decodes a small value from; a large value's bytes
//! follow in a second message.

use std::cell::RefCell;

use mpi::Tag;
use mpi::point_to_point::{Destination, Source, Status};
use mpi::topology::{Process, Rank};
use mpi::traits::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::encoding::{decode, encode_after, short_type_name};
use super::fast::{self, Floats};
use super::{ObjError, Result};

/// Receive a message with any tag (`MPI_ANY_TAG`), for [`recv_obj`].
pub const ANY_TAG: Tag = mpi::ffi::MPI_ANY_TAG;

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
///   received straight into the new vector: no encoding, no copy;
/// - a collective built on these messages ([`super::reduce_obj`]) sends
///   `[FAILED, rank]` in place of a value that rank could not encode.
pub const EAGER_BYTES: usize = 8192;
const INLINE: u8 = 0;
const SPLIT_BYTES: u8 = 1;
const SPLIT_F64: u8 = 2;
const SPLIT_F32: u8 = 3;
/// `[FAILED, rank]`: the collectives built on these messages ([`super::reduce_obj`])
/// pass on that a rank could not encode its value, so no rank waits for bytes
/// that never come.
const FAILED: u8 = 4;

/// A kept buffer larger than this is given back after the send: one huge
/// object should not hold its memory for the rest of the program.
const KEEP_BYTES: usize = 4 * EAGER_BYTES;

thread_local! {
    /// The buffer every first message is received into, and decoded from in place.
    static EAGER: RefCell<Vec<u8>> = RefCell::new(vec![0; EAGER_BYTES]);
    /// The buffer every message is encoded into, behind its kind byte: one
    /// allocation for the whole program instead of two per send.
    static OUTBOX: RefCell<Vec<u8>> = RefCell::new(Vec::with_capacity(EAGER_BYTES));
}

/// `[kind, count as a varint]`: the first message of a split send.
fn split_header(kind: u8, count: usize) -> Vec<u8> {
    let mut header = vec![kind];
    fast::push_varint(&mut header, count as u64);
    header
}

/// Sends `value` to `dest` with `tag` (mpi4py: `comm.send(value, dest=i, tag=t)`).
///
/// Like MPI's standard send, it may wait until the receiver starts receiving.
/// Receive it with [`recv_obj`] (not with a typed receive).
pub fn send_obj<T: Serialize + 'static>(dest: &Process, value: &T, tag: Tag) -> Result<()> {
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
    // Encode behind the kind byte, in the kept buffer: a small value's message
    // is ready as it is, with no copy. (The buffer is taken out while in use,
    // so a send from inside another send's serialisation still works.)
    let mut message = OUTBOX.take();
    message.clear();
    message.push(INLINE);
    let me = || dest.as_communicator().rank();
    let message = encode_after("send", me, value, message)?;
    let len = message.len() - 1;
    if len < EAGER_BYTES {
        dest.send_with_tag(&message[..], tag);
    } else {
        dest.send_with_tag(&split_header(SPLIT_BYTES, len)[..], tag);
        dest.send_with_tag(&message[1..], tag);
    }
    if message.capacity() <= KEEP_BYTES {
        OUTBOX.set(message);
    }
    Ok(())
}

/// Tells `dest`, in place of a value, that rank `failed` could not encode
/// its value: [`recv_obj`] returns [`ObjError::Encode`] naming that rank.
pub(super) fn send_failure(dest: &Process, failed: Rank, tag: Tag) {
    dest.send_with_tag(&split_header(FAILED, failed as usize)[..], tag);
}

/// The first message of an object send, read where it was received.
enum First<T> {
    /// A small value, decoded.
    Whole(T, usize),
    /// A large value: its kind, its count, and the header's size.
    Split(u8, usize, usize),
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
    // The first message arrives in the kept buffer; a small value is decoded
    // straight from it (no copy out, no new buffer).
    let mut from_tag = (0, 0);
    let first = EAGER.with_borrow_mut(|eager| {
        let status: Status = source.receive_into_with_tag(&mut eager[..], tag);
        from_tag = (status.source_rank(), status.tag());
        let len = status.count(u8::equivalent_datatype()) as usize;
        read_first::<T>(&eager[..len], from_tag)
    });
    let (from, tag) = from_tag;
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
    let (kind, count, header) = match first? {
        First::Whole(value, bytes) => return Ok((value, status(bytes))),
        First::Split(kind, count, header) => (kind, count, header),
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
            let encoded_size = header + size_of_val(&numbers[..]);
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
            let encoded_size = header + size_of_val(&numbers[..]);
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

/// Reads the first message of an object send: decodes a small value, or the
/// kind and count of a large one.
fn read_first<T: DeserializeOwned + 'static>(
    message: &[u8],
    (from, tag): (Rank, Tag),
) -> Result<First<T>> {
    let error = |reason: &str| ObjError::Decode {
        op: "recv",
        source: from,
        tag: Some(tag),
        expected: short_type_name::<T>(),
        reason: reason.into(),
    };
    let Some((&kind, rest)) = message.split_first() else {
        return Err(error("an empty message: was it sent with send_obj?"));
    };
    if kind == INLINE {
        let value = decode("recv", from, Some(tag), rest)?;
        return Ok(First::Whole(value, rest.len()));
    }
    match postcard::take_from_bytes::<u64>(rest) {
        Ok((count, [])) if kind <= SPLIT_F32 => Ok(First::Split(kind, count as usize, rest.len())),
        Ok((rank, [])) if kind == FAILED => Err(ObjError::Encode {
            op: "send",
            rank: rank as Rank,
            type_name: short_type_name::<T>(),
            reason: "that rank's own error says why".into(),
        }),
        _ => Err(error("not a message of send_obj")),
    }
}
