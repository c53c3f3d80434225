//! Tools for instructors running the workshop (the `workshop` command, xtask style).
//!
//! - [`scaling`]: `workshop scaling`, the workshop's "Try -c 2,4,8,16. How does it
//!   scale?" as a measured table (time, speedup, efficiency, ideal) and plots.
//! - [`plot`]: speedup-versus-workers charts, PNG and SVG, with plotters.
//! - [`notes`]: `workshop notes [--check]`, the outputs shown in `workshop-notes/`
//!   made (and checked) by running the programs.
//! - [`book`]: `workshop book`, the notes as an mdBook: its preprocessor (front matter,
//!   exercises, checked includes) and the schedule made from the pages' front matter.
//! - [`trace`]: `workshop trace -- mpiexec -n 4 …`, a lesson's MPI calls and messages as a timeline.
//!
//! The tools run the built lesson programs as a learner would (`mpiexec -n 4
//! target/release/pi-mpi`) and read what they print; they never link the
//! lessons' code, so what the table shows is what a learner sees.

pub mod book;
pub mod notes;
pub mod plot;
pub mod scaling;
pub mod trace;
