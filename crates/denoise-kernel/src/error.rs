//! The crate's one error type, [`DenoiseError`], and the helpers that make a
//! file's error name the file.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::read;

/// Everything that can go wrong, with a message a learner can act on.
#[derive(Debug)]
pub enum DenoiseError {
    /// A filter parameter is out of range.
    Parameter(String),
    /// The image cannot be filtered (shape, NaN, channel count).
    Image(String),
    /// Reading a file failed (or it is not a whole photo); `path` names the file.
    File { path: PathBuf, message: String },
    /// Writing an output failed; `path` names the output.
    Write { path: PathBuf, message: String },
}

impl fmt::Display for DenoiseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DenoiseError::Parameter(m) | DenoiseError::Image(m) => f.write_str(m),
            DenoiseError::File { path, message } => write!(f, "{}: {message}", path.display()),
            DenoiseError::Write { path, message } => {
                write!(f, "cannot write {}: {message}", path.display())
            }
        }
    }
}

impl std::error::Error for DenoiseError {}

pub(crate) fn file_error(path: &Path, message: impl fmt::Display) -> DenoiseError {
    DenoiseError::File {
        path: path.to_owned(),
        message: read::one_line(&message.to_string()),
    }
}

pub(crate) fn write_error(path: &Path, message: impl fmt::Display) -> DenoiseError {
    DenoiseError::Write {
        path: path.to_owned(),
        message: read::one_line(&message.to_string()),
    }
}
