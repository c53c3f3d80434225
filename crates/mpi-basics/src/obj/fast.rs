//! The fast path for vectors of floats: copy memory instead of visiting each number.
//!
//! serde encodes a `Vec<f64>` one number at a time (a call, a bounds check
//! and an 8-byte write per number): about as slow as a byte loop. Postcard's
//! bytes for it are simply the length as a varint followed by each number's
//! 8 little-endian bytes, which on a little-endian machine *is* the vector's
//! memory. So for `Vec<f64>` and `Vec<f32>` we write the same bytes with one
//! memory copy, and read them back with one. The format does not change,
//! only the speed. (A large vector is not even copied: `send_obj` sends its
//! memory as a typed MPI message, see `EAGER_BYTES`.)
//!
//! How do we know, in generic code, that `T` is `Vec<f64>`? Rust has no
//! specialisation, but a `'static` value can be viewed as `&dyn Any` and
//! *downcast*: `downcast_ref::<Vec<f64>>()` succeeds exactly when `T` is
//! `Vec<f64>`. The compiler resolves it per type, so it costs nothing.

use std::any::{Any, TypeId};

/// A float whose postcard encoding is its little-endian bytes.
///
/// Only `f64` and `f32` implement it: types with no padding bytes, for which
/// every bit pattern is a valid value. That makes viewing their memory as
/// bytes, and writing bytes into it, sound (see [`bytes_of`] and `decode_floats`).
trait Float: Copy + 'static {}
impl Float for f64 {}
impl Float for f32 {}

/// Whether the machine stores numbers little-endian, as postcard's format does.
/// On a big-endian machine the fast path is off and serde does the work.
const LITTLE_ENDIAN: bool = cfg!(target_endian = "little");

/// The memory of a float slice, as bytes.
fn bytes_of<F: Float>(values: &[F]) -> &[u8] {
    // SAFETY: `F` is f64 or f32 (no padding, so every byte is initialised);
    // `u8` needs no alignment; the length is the slice's size in bytes; the
    // borrow of `values` lives as long as the result.
    unsafe { std::slice::from_raw_parts(values.as_ptr().cast(), size_of_val(values)) }
}

/// A borrowed float vector, when a value is one.
#[derive(Debug, Clone, Copy)]
pub(super) enum Floats<'a> {
    F64(&'a [f64]),
    F32(&'a [f32]),
}

impl<'a> Floats<'a> {
    /// The number of floats.
    pub(super) fn len(self) -> usize {
        match self {
            Floats::F64(v) => v.len(),
            Floats::F32(v) => v.len(),
        }
    }

    /// Their memory as bytes (little-endian, as postcard writes them).
    pub(super) fn memory(self) -> &'a [u8] {
        match self {
            Floats::F64(v) => bytes_of(v),
            Floats::F32(v) => bytes_of(v),
        }
    }
}

/// `Some(floats)` when `value` is a `Vec<f64>` or `Vec<f32>` (and the fast path is on).
pub(super) fn floats_of<T: 'static>(value: &T) -> Option<Floats<'_>> {
    let any = value as &dyn Any;
    if !LITTLE_ENDIAN {
        None
    } else if let Some(v) = any.downcast_ref::<Vec<f64>>() {
        Some(Floats::F64(v))
    } else {
        any.downcast_ref::<Vec<f32>>().map(|v| Floats::F32(v))
    }
}

/// Moves `value` into a `T` when `V` and `T` are the same type; gives it back otherwise.
pub(super) fn cast<T: 'static, V: 'static>(value: V) -> Result<T, V> {
    let mut slot = Some(value);
    match (&mut slot as &mut dyn Any).downcast_mut::<Option<T>>() {
        Some(t) => Ok(t.take().expect("just filled")),
        None => Err(slot.expect("not taken")),
    }
}

/// Postcard's encoding of `value`, or `None` when `T` is not `Vec<f64>`/`Vec<f32>`.
#[cfg(test)]
fn encode<T: 'static>(value: &T) -> Option<Vec<u8>> {
    floats_of(value).map(encoding_of)
}

/// Decodes postcard bytes when `T` is `Vec<f64>`/`Vec<f32>` (`None` for other types).
/// The error is the reason the bytes are not such a vector.
pub(super) fn decode<T: 'static>(bytes: &[u8]) -> Option<Result<T, String>> {
    if !LITTLE_ENDIAN {
        return None;
    }
    let t = TypeId::of::<T>();
    if t == TypeId::of::<Vec<f64>>() {
        Some(decode_floats::<f64>(bytes).map(|v| cast(v).expect("T is Vec<f64>")))
    } else if t == TypeId::of::<Vec<f32>>() {
        Some(decode_floats::<f32>(bytes).map(|v| cast(v).expect("T is Vec<f32>")))
    } else {
        None
    }
}

fn decode_floats<F: Float>(bytes: &[u8]) -> Result<Vec<F>, String> {
    let (len, data) = postcard::take_from_bytes::<u64>(bytes).map_err(|e| e.to_string())?;
    let size = size_of::<F>();
    let want = usize::try_from(len).ok().and_then(|n| n.checked_mul(size));
    if want != Some(data.len()) {
        return Err(format!(
            "a vector of {len} numbers of {size} bytes needs {} bytes after its length, got {}",
            len.saturating_mul(size as u64),
            data.len()
        ));
    }
    // One memory copy into a new vector, not zeroed first (zeroing is a
    // second pass over the memory, and calloc costs more than malloc).
    let n = data.len() / size;
    let mut values: Vec<F> = Vec::with_capacity(n);
    // SAFETY: the capacity holds `n` floats = `data.len()` bytes; the two
    // buffers are distinct; every bit pattern is a valid f64/f32 (see `Float`),
    // so all `n` values are initialised once the bytes are copied.
    unsafe {
        std::ptr::copy_nonoverlapping(data.as_ptr(), values.as_mut_ptr().cast::<u8>(), data.len());
        values.set_len(n);
    }
    Ok(values)
}

/// Postcard's encoding of a float vector: its length, then its memory.
pub(super) fn encoding_of(floats: Floats<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    append_encoding(floats, &mut out);
    out
}

/// Appends postcard's encoding of a float vector to `out`.
pub(super) fn append_encoding(floats: Floats<'_>, out: &mut Vec<u8>) {
    out.reserve(10 + floats.memory().len()); // a u64 varint is at most 10 bytes
    push_varint(out, floats.len() as u64);
    out.extend_from_slice(floats.memory()); // one memory copy
}

/// Appends `n` as postcard writes a length: 7 bits per byte, lowest first,
/// the top bit set on every byte but the last.
pub(super) fn push_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push(n as u8 | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_bytes_are_postcards_bytes() {
        let long: Vec<f64> = (0..300).map(|i| f64::from(i) * -0.37).collect(); // 2-byte length
        for v in [vec![], vec![1.5, f64::NAN, -0.0, f64::MAX], long] {
            assert_eq!(encode(&v), Some(postcard::to_allocvec(&v).unwrap()));
        }
        let v: Vec<f32> = vec![0.1, -7.0, f32::INFINITY];
        assert_eq!(encode(&v), Some(postcard::to_allocvec(&v).unwrap()));
    }

    #[test]
    fn varints_are_postcards() {
        for n in [0, 1, 127, 128, 300, 16_384, u64::from(u32::MAX), u64::MAX] {
            let mut out = vec![9];
            push_varint(&mut out, n);
            assert_eq!(out[1..], postcard::to_allocvec(&n).unwrap(), "{n}");
        }
    }

    #[test]
    fn fast_decode_reads_postcards_bytes() {
        let v: Vec<f64> = (0..1000).map(|i| f64::from(i).sqrt()).collect();
        let bytes = postcard::to_allocvec(&v).unwrap();
        assert_eq!(decode::<Vec<f64>>(&bytes), Some(Ok(v)));
        let w: Vec<f32> = vec![2.5, -1.0];
        let bytes = postcard::to_allocvec(&w).unwrap();
        assert_eq!(decode::<Vec<f32>>(&bytes), Some(Ok(w)));
    }

    #[test]
    fn other_types_take_the_serde_path() {
        assert_eq!(encode(&vec![1i32, 2]), None);
        assert_eq!(encode(&"text".to_string()), None);
        assert!(decode::<Vec<i32>>(&[0]).is_none());
    }

    #[test]
    fn fast_decode_rejects_a_wrong_length() {
        let bytes = postcard::to_allocvec(&vec![1.0f64, 2.0]).unwrap();
        let err = decode::<Vec<f64>>(&bytes[..bytes.len() - 1])
            .unwrap()
            .unwrap_err();
        assert!(
            err.contains("needs 16 bytes after its length, got 15"),
            "{err}"
        );
        // Two f64 are 16 bytes: as f32s they would be 4 numbers, not 2.
        let err = decode::<Vec<f32>>(&bytes).unwrap().unwrap_err();
        assert!(
            err.contains("needs 8 bytes after its length, got 16"),
            "{err}"
        );
        assert!(decode::<Vec<f64>>(&[]).unwrap().is_err());
    }
}
