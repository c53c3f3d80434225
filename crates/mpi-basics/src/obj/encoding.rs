//! Values to bytes and back: postcard, with [`super::fast`]'s shortcut for
//! float vectors, and the short type names that error messages use.

use std::any::type_name;

use mpi::topology::Rank;
use mpi::{Count, Tag};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::fast;
use super::{ObjError, Result};

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
pub(super) fn encode<T: Serialize + 'static>(
    op: &'static str,
    rank: Rank,
    value: &T,
) -> Result<Vec<u8>> {
    encode_after(op, || rank, value, Vec::new())
}

/// Appends a value's postcard bytes to `out` and returns it: a sender that
/// keeps one buffer between calls, with its own header already written,
/// encodes without allocating and without copying the bytes afterwards.
/// `rank` is asked only for an error message (it may cost an MPI call).
pub(super) fn encode_after<T: Serialize + 'static>(
    op: &'static str,
    rank: impl Fn() -> Rank,
    value: &T,
    mut out: Vec<u8>,
) -> Result<Vec<u8>> {
    let start = out.len();
    let error = |reason: String| ObjError::Encode {
        op,
        rank: rank(),
        type_name: short_type_name::<T>(),
        reason,
    };
    if let Some(floats) = fast::floats_of(value) {
        fast::append_encoding(floats, &mut out);
    } else {
        out = postcard::to_extend(value, out).map_err(|e| error(e.to_string()))?;
    }
    let len = out.len() - start;
    if Count::try_from(len).is_err() {
        return Err(error(format!(
            "{len} bytes is more than one MPI message holds"
        )));
    }
    Ok(out)
}

/// Decodes bytes into a `T`; all bytes must be used (left-over bytes mean a wrong type).
pub(super) fn decode<T: DeserializeOwned + 'static>(
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
}
