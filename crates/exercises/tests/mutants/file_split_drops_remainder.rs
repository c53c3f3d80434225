//! A known wrong answer, `file-split-drops-remainder` of tests/mutants.toml (solutions/06_file_split.rs
//! with a few lines replaced, by build.rs). Not an exercise.
//! The workshop's split, len/size files per rank: the left-over files are lost.
#![allow(dead_code, unused_imports)]
include!(concat!(
    env!("OUT_DIR"),
    "/mutant_file_split_drops_remainder.rs"
));
