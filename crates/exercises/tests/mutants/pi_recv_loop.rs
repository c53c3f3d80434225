//! A known wrong answer, `pi-recv-loop` of tests/mutants.toml (solutions/07_pi_reduce.rs
//! with a few lines replaced, by build.rs). Not an exercise.
//! Rank 0 receives every other rank's sum in a loop: the right pi, without reduce.
#![allow(dead_code, unused_imports)]
include!(concat!(env!("OUT_DIR"), "/mutant_pi_recv_loop.rs"));
