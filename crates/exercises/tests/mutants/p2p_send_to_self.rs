//! A known wrong answer, `p2p-send-to-self` of tests/mutants.toml (solutions/05_p2p_loop.rs
//! with a few lines replaced, by build.rs). Not an exercise.
//! The send loop starts at 0: rank 0 also sends to itself, and never receives it.
#![allow(dead_code, unused_imports)]
include!(concat!(env!("OUT_DIR"), "/mutant_p2p_send_to_self.rs"));
