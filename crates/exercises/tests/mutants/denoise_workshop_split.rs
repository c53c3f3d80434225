//! A known wrong answer, `denoise-workshop-split` of tests/mutants.toml (solutions/06_denoise_parallel.rs
//! with a few lines replaced, by build.rs). Not an exercise.
//! The workshop's split, len(imgFiles)/size photos per rank: photos are left undone.
#![allow(dead_code, unused_imports)]
include!(concat!(
    env!("OUT_DIR"),
    "/mutant_denoise_workshop_split.rs"
));
