//! A known wrong answer, `p2p-by-bcast` of tests/mutants.toml (solutions/05_p2p_loop.rs
//! with a few lines replaced, by build.rs). Not an exercise.
//! Every greeting broadcast to every rank, each picking its own: the right lines, no send loop.
#![allow(dead_code, unused_imports)]
include!(concat!(env!("OUT_DIR"), "/mutant_p2p_by_bcast.rs"));
