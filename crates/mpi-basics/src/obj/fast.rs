//! The fast path for vectors of floats: copy memory instead of visiting each number.
//!
//! serde encodes a `Vec<f64>` one number at a time (a call, a bounds check
//! and an 8-byte write per number): about as slow as a byte loop. Postcard's
//! bytes for it are simply the length as a varint followed by each number's
//! 8 little-endian bytes, which on a little-endian machine *is* the vector's
//! memory. So for `Vec<f64>` and `Vec<f32>` we write the same bytes with one
//! memory copy. The receiver may decode them with either path: the format
//! does not change, only the speed.
//!
//! How do we know, in generic code, that `T` is `Vec<f64>`? Rust has no
//! specialisation, but a `'static` value can be viewed as `&dyn Any` and
//! *downcast*: `downcast_ref::<Vec<f64>>()` succeeds exactly when `T` is
//! `Vec<f64>`. The compiler resolves it per type, so it costs nothing.

use std::any::Any;

/// A float whose postcard encoding is its little-endian bytes.
trait Float: Copy + 'static {
    const SIZE: usize;
    fn from_le(bytes: &[u8]) -> Self;
    fn write_le(self, out: &mut [u8]);
}

impl Float for f64 {
    const SIZE: usize = 8;
    fn from_le(bytes: &[u8]) -> Self {
        f64::from_le_bytes(bytes.try_into().expect("8 bytes"))
    }
    fn write_le(self, out: &mut [u8]) {
        out.copy_from_slice(&self.to_le_bytes());
    }
}

impl Float for f32 {
    const SIZE: usize = 4;
    fn from_le(bytes: &[u8]) -> Self {
        f32::from_le_bytes(bytes.try_into().expect("4 bytes"))
    }
    fn write_le(self, out: &mut [u8]) {
        out.copy_from_slice(&self.to_le_bytes());
    }
}

/// Postcard's encoding of `values`, or `None` when `T` is not `Vec<f64>`/`Vec<f32>`.
pub(super) fn encode<T: 'static>(value: &T) -> Option<Vec<u8>> {
    let any = value as &dyn Any;
    if let Some(v) = any.downcast_ref::<Vec<f64>>() {
        return Some(encode_floats(v));
    }
    if let Some(v) = any.downcast_ref::<Vec<f32>>() {
        return Some(encode_floats(v));
    }
    None
}

fn encode_floats<F: Float>(values: &[F]) -> Vec<u8> {
    let mut out = postcard::to_allocvec(&(values.len() as u64)).expect("a u64 always encodes");
    let header = out.len();
    out.resize(header + values.len() * F::SIZE, 0);
    // On little-endian machines the compiler turns this loop into a memory copy.
    for (chunk, &x) in out[header..].chunks_exact_mut(F::SIZE).zip(values) {
        x.write_le(chunk);
    }
    out
}

/// Decodes postcard bytes when `T` is `Vec<f64>`/`Vec<f32>` (`None` for other types).
/// The error is the reason the bytes are not such a vector.
pub(super) fn decode<T: 'static>(bytes: &[u8]) -> Option<Result<T, String>> {
    let mut out: Option<T> = None;
    let slot = &mut out as &mut dyn Any;
    let result = if let Some(slot) = slot.downcast_mut::<Option<Vec<f64>>>() {
        decode_floats(bytes).map(|v| *slot = Some(v))
    } else if let Some(slot) = slot.downcast_mut::<Option<Vec<f32>>>() {
        decode_floats(bytes).map(|v| *slot = Some(v))
    } else {
        return None;
    };
    Some(result.map(|()| out.expect("set above")))
}

fn decode_floats<F: Float>(bytes: &[u8]) -> Result<Vec<F>, String> {
    let (len, data) = postcard::take_from_bytes::<u64>(bytes).map_err(|e| e.to_string())?;
    let want = usize::try_from(len)
        .ok()
        .and_then(|n| n.checked_mul(F::SIZE));
    if want != Some(data.len()) {
        return Err(format!(
            "a vector of {len} numbers of {} bytes needs {} bytes after its length, got {}",
            F::SIZE,
            len.saturating_mul(F::SIZE as u64),
            data.len()
        ));
    }
    Ok(data.chunks_exact(F::SIZE).map(F::from_le).collect())
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
