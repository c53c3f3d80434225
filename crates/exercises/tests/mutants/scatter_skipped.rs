//! A known wrong answer, `scatter-skipped` of tests/mutants.toml (solutions/05_scatter_gather.rs
//! with a few lines replaced, by build.rs). Not an exercise.
//! Only rank 0 scatters; the others take x = rank: right lines, but rank 0's messages
//! are never received.
#![allow(dead_code, unused_imports)]
include!(concat!(env!("OUT_DIR"), "/mutant_scatter_skipped.rs"));
