//! Another right answer, `deadlock-nonblocking` of tests/mutants.toml (solutions/05_deadlock.rs
//! with a few lines replaced, by build.rs). Not an exercise.
//! Another right answer: a non-blocking receive and send, then wait for both.
#![allow(dead_code, unused_imports)]
include!(concat!(env!("OUT_DIR"), "/mutant_deadlock_nonblocking.rs"));
