//! A known wrong answer, `bcast-by-sends` of tests/mutants.toml (solutions/05_bcast.rs
//! with a few lines replaced, by build.rs). Not an exercise.
//! Rank 0 sends the message to each rank in a loop of point-to-point sends: the right lines, without a broadcast.
#![allow(dead_code, unused_imports)]
include!(concat!(env!("OUT_DIR"), "/mutant_bcast_by_sends.rs"));
