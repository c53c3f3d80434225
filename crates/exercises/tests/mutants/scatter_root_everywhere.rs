//! A known wrong answer, `scatter-root-everywhere` of tests/mutants.toml (solutions/05_scatter_gather.rs
//! with a few lines replaced, by build.rs). Not an exercise.
//! Every rank calls scatter_into_root, the root's method: rsmpi's own check stops rank
//! 1.
#![allow(dead_code, unused_imports)]
include!(concat!(
    env!("OUT_DIR"),
    "/mutant_scatter_root_everywhere.rs"
));
