//! `workshop`: tools for instructors. Run from the repository root after
//! `cargo build --release --workspace` (or through `ci/scaling`).

use clap::{Parser, Subcommand};
use workshop::book::{self, BookArgs};
use workshop::notes::{self, NotesArgs};
use workshop::scaling::{self, ScalingArgs};
use workshop::trace::{self, TraceArgs};

#[derive(Parser)]
#[command(name = "workshop", about = "Tools for running the MPI workshop")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the pi programs at several worker counts; print the scaling table, plot speedup
    Scaling(ScalingArgs),
    /// Run the commands of workshop-notes/ and refresh (or, with --check, compare) their outputs
    Notes(NotesArgs),
    /// Trace a job's MPI calls (LD_PRELOAD): timeline picture, trace.json for Perfetto, summary
    Trace(TraceArgs),
    /// The notes as an mdBook: its preprocessor (run by mdBook) and the schedule table
    Book(BookArgs),
}

fn main() {
    let cli: Cli = lesson_cli::parse_args();
    let result = match cli.command {
        Command::Scaling(args) => scaling::run(&args),
        Command::Notes(args) => notes::run(&args),
        Command::Trace(args) => trace::run(&args),
        Command::Book(args) => book::run(&args),
    };
    if let Err(message) = result {
        lesson_cli::exit_failure(message);
    }
}
