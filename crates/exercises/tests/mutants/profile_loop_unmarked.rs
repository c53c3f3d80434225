//! A known wrong answer, `profile-loop-unmarked` of tests/mutants.toml (solutions/02_profile.rs
//! with a few lines replaced, by build.rs). Not an exercise.
//! The loop's lines are not marked: the table shows only the lines before it.
#![allow(dead_code, unused_imports)]
include!(concat!(env!("OUT_DIR"), "/mutant_profile_loop_unmarked.rs"));
