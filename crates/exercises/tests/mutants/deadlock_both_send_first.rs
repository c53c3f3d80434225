//! A known wrong answer, `deadlock-both-send-first` of tests/mutants.toml (solutions/05_deadlock.rs
//! with a few lines replaced, by build.rs). Not an exercise.
//! Both partners send first, then receive: it works only while MPI buffers small messages.
#![allow(dead_code, unused_imports)]
include!(concat!(
    env!("OUT_DIR"),
    "/mutant_deadlock_both_send_first.rs"
));
