//! A known wrong answer, `scatter-gather-by-p2p` of tests/mutants.toml (solutions/05_scatter_gather.rs
//! with a few lines replaced, by build.rs). Not an exercise.
//! The scatter and the gather written as send/recv loops: the right lines, no collective calls.
#![allow(dead_code, unused_imports)]
include!(concat!(env!("OUT_DIR"), "/mutant_scatter_gather_by_p2p.rs"));
