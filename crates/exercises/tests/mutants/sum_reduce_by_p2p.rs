//! A known wrong answer, `sum-reduce-by-p2p` of tests/mutants.toml (solutions/05_sum_reduce.rs
//! with a few lines replaced, by build.rs). Not an exercise.
//! The sum with send/recv, as sum-p2p does: the right total, without reduce.
#![allow(dead_code, unused_imports)]
include!(concat!(env!("OUT_DIR"), "/mutant_sum_reduce_by_p2p.rs"));
