//! Another right answer, `deadlock-one-side-first` of tests/mutants.toml (solutions/05_deadlock.rs
//! with a few lines replaced, by build.rs). Not an exercise.
//! Another right answer: the lower rank of each pair sends first, the higher receives first.
#![allow(dead_code, unused_imports)]
include!(concat!(
    env!("OUT_DIR"),
    "/mutant_deadlock_one_side_first.rs"
));
