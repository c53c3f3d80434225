//! A known wrong answer, `pi-allreduce` of tests/mutants.toml (solutions/07_pi_reduce.rs
//! with a few lines replaced, by build.rs). Not an exercise.
//! An all-reduce: every rank gets the total, only rank 0 prints it.
#![allow(dead_code, unused_imports)]
include!(concat!(env!("OUT_DIR"), "/mutant_pi_allreduce.rs"));
