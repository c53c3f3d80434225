//! A known wrong answer, `profile-first-line` of tests/mutants.toml (solutions/02_profile.rs
//! with a few lines replaced, by build.rs). Not an exercise.
//! Names the first line hit as the bottleneck, whatever the table says.
#![allow(dead_code, unused_imports)]
include!(concat!(env!("OUT_DIR"), "/mutant_profile_first_line.rs"));
