//! A known wrong answer, `pi-reduce-to-last-rank` of tests/mutants.toml (solutions/07_pi_reduce.rs
//! with a few lines replaced, by build.rs). Not an exercise.
//! Reduces to the last rank and prints there: the right line from the wrong rank.
#![allow(dead_code, unused_imports)]
include!(concat!(
    env!("OUT_DIR"),
    "/mutant_pi_reduce_to_last_rank.rs"
));
