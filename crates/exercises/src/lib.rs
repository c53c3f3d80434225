//! The checker behind `ci/check`: exercises that check themselves, as rustlings
//! does for plain Rust, here for MPI programs.
//!
//! - [`info`]: the table of exercises, `info.toml`.
//! - [`verify`]: what a correct run prints, computed here for each run, and
//!   what differs when a run prints something else.
//! - [`run`]: building an exercise, running it under `mpiexec -n N`, and
//!   explaining a run that failed (a `todo!()` still there, a panic, a hang).
//!
//! The `check` binary puts them together; the exercises and their solutions
//! are the crate's other binaries (`exercises/`, `solutions/`).

pub mod denoise;
pub mod info;
pub mod pattern;
pub mod progress;
pub mod run;
pub mod session;
pub mod verify;

pub use session::{Session, init};
