//! A known wrong answer, `pi-drops-remainder` of tests/mutants.toml (solutions/07_pi_reduce.rs
//! with a few lines replaced, by build.rs). Not an exercise.
//! The workshop's own decomposition, num_steps/size steps per rank: the left-over steps
//! are dropped.
#![allow(dead_code, unused_imports)]
include!(concat!(env!("OUT_DIR"), "/mutant_pi_drops_remainder.rs"));
