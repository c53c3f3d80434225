//! A known wrong answer, `sum-reduce-prints-everywhere` of tests/mutants.toml (solutions/05_sum_reduce.rs
//! with a few lines replaced, by build.rs). Not an exercise.
//! An all-reduce, and every rank prints the total.
#![allow(dead_code, unused_imports)]
include!(concat!(
    env!("OUT_DIR"),
    "/mutant_sum_reduce_prints_everywhere.rs"
));
