//! A known wrong answer, `denoise-total-everywhere` of tests/mutants.toml (solutions/06_denoise_parallel.rs
//! with a few lines replaced, by build.rs). Not an exercise.
//! Every rank prints the total time, as the workshop's own program does.
#![allow(dead_code, unused_imports)]
include!(concat!(
    env!("OUT_DIR"),
    "/mutant_denoise_total_everywhere.rs"
));
