//! A known wrong answer, `fast-kernel-drops-remainder` of tests/mutants.toml (solutions/03_fast_kernel.rs
//! with a few lines replaced, by build.rs). Not an exercise.
//! The 8 lanes forget the steps left over when 8 does not divide the step count.
#![allow(dead_code, unused_imports)]
include!(concat!(
    env!("OUT_DIR"),
    "/mutant_fast_kernel_drops_remainder.rs"
));
