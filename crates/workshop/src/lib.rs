//! Tools for instructors running the workshop (the `workshop` command, xtask style).
//!
//! - [`lessons`]: `lessons.toml`, the one table of the lessons, and `workshop lessons
//!   [--write | --check]` for the files made from it or checked against it.
//! - [`tour`]: `workshop tour`, every lesson's runs in the book's order.
//! - [`expect`]: `workshop expect PROGRAM N`, the lines a lesson prints at N ranks.
//! - [`scaling`]: `workshop scaling`, the workshop's "Try -c 2,4,8,16. How does it
//!   scale?" as a measured table (time, speedup, efficiency, ideal) and plots; with
//!   `--simulated`, the same on a cluster simulated by SimGrid's SMPI, up to 1000 ranks.
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
pub mod expect;
pub mod lessons;
pub mod notes;
pub mod plot;
pub mod scaling;
pub mod simulate;
pub mod tour;
pub mod trace;
