//! A known wrong answer, `denoise-other-filter` of tests/mutants.toml (solutions/06_denoise_parallel.rs
//! with a few lines replaced, by build.rs). Not an exercise.
//! The textbook bilateral filter instead of scikit-image's: every line right, other
//! bytes.
#![allow(dead_code, unused_imports)]
include!(concat!(env!("OUT_DIR"), "/mutant_denoise_other_filter.rs"));
