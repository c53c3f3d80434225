//! A known wrong answer, `sum-p2p-by-reduce` of tests/mutants.toml (solutions/05_sum_p2p.rs
//! with a few lines replaced, by build.rs). Not an exercise.
//! The receive loop replaced by a reduce: the right total, but not the step's send/recv.
#![allow(dead_code, unused_imports)]
include!(concat!(env!("OUT_DIR"), "/mutant_sum_p2p_by_reduce.rs"));
