//! A known wrong answer, `fast-kernel-not-faster` of tests/mutants.toml (solutions/03_fast_kernel.rs
//! with a few lines replaced, by build.rs). Not an exercise.
//! The naive loop again, one running sum: the right pi, not faster.
#![allow(dead_code, unused_imports)]
include!(concat!(
    env!("OUT_DIR"),
    "/mutant_fast_kernel_not_faster.rs"
));
