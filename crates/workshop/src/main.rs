//! `workshop`: tools for instructors. Run from the repository root: `cargo workshop …`
//! (an alias, .cargo/config.toml), or `target/release/workshop …` once built.

use clap::{Parser, Subcommand};
use workshop::book::{self, BookArgs};
use workshop::expect::{self, ExpectArgs};
use workshop::lessons::{self, LessonsArgs};
use workshop::notes::{self, NotesArgs};
use workshop::scaling::{self, ScalingArgs};
use workshop::simulate::{self, SimulateArgs};
use workshop::tour::{self, TourArgs};
use workshop::trace::{self, TraceArgs};

#[derive(Parser)]
#[command(name = "workshop", about = "Tools for running the MPI workshop")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Every lesson's runs in the book's order (lessons.toml), then the exercises and scaling
    Tour(TourArgs),
    /// The lesson manifest: list its runs, or --write / --check the files made from it
    Lessons(LessonsArgs),
    /// The lines an MPI basics lesson prints at N ranks, computed (sorted, as compared)
    Expect(ExpectArgs),
    /// Run the pi programs at several worker counts; print the scaling table, plot speedup
    Scaling(Box<ScalingArgs>),
    /// Run an MPI lesson on a simulated cluster (SimGrid's SMPI): its output, then its simulated time
    Simulate(SimulateArgs),
    /// Run the commands of workshop-notes/ and refresh (or, with --check, compare) their outputs
    Notes(NotesArgs),
    /// Trace a job's MPI calls (LD_PRELOAD, or --simulated): timeline picture, trace.json for Perfetto, summary
    Trace(TraceArgs),
    /// The notes as an mdBook: its preprocessor (run by mdBook) and the schedule table
    Book(BookArgs),
}

fn main() {
    let cli: Cli = lesson_cli::parse_args();
    let result = match cli.command {
        Command::Tour(args) => tour::run(&args),
        Command::Lessons(args) => lessons::run(&args),
        Command::Expect(args) => expect::run(&args),
        Command::Scaling(args) => scaling::run(&args),
        Command::Simulate(args) => simulate::run(&args),
        Command::Notes(args) => notes::run(&args),
        Command::Trace(args) => trace::run(&args),
        Command::Book(args) => book::run(&args),
    };
    if let Err(message) = result {
        lesson_cli::exit_failure(message);
    }
}
