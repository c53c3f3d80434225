//! A known wrong answer, `scatter-gather-no-update` of tests/mutants.toml (solutions/05_scatter_gather.rs
//! with a few lines replaced, by build.rs). Not an exercise.
//! Gathers the scattered values without multiplying them by 10.
#![allow(dead_code, unused_imports)]
include!(concat!(
    env!("OUT_DIR"),
    "/mutant_scatter_gather_no_update.rs"
));
