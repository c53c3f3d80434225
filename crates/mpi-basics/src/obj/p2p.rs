//! Point to point: [`send_obj`] and [`recv_obj`]. Every object send starts
//! with one message of at most [`EAGER_BYTES`], which the receiver takes into
//! a buffer it keeps; a large value's bytes follow in a second message.

use mpi::Tag;
use mpi::point_to_point::{Destination, Source, Status};
use mpi::topology::{Process, Rank};
use mpi::traits::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::encoding::{decode, encode, short_type_name};
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
