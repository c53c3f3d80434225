//! `denoise-parallel` runs threads besides its main one (a Ctrl-C watcher, and
//! rank 0's helper with the dynamic schedule) and says so to MPI: traced at 1
//! to 4 ranks, every rank asked `MPI_Init_thread` for FUNNELED and got it.

mod common;

use std::path::Path;

use mpi_basics::launch::{mpiexec_command_with_env, output};
use tempfile::TempDir;

use common::*;

#[test]
fn every_rank_asks_mpi_for_funneled_and_gets_it_at_1_to_4_ranks_both_schedules() {
    let lib = Path::new(PARALLEL).with_file_name("libmpi_trace.so");
    assert!(
        lib.is_file(),
        "{} is not built: cargo build --release -p mpi-trace",
        lib.display()
    );
    let input = photo_folder(5);
    for ranks in 1..=4 {
        for schedule in ["static", "dynamic"] {
            let (out, traces) = (TempDir::new().unwrap(), TempDir::new().unwrap());
            let vars = [
                ("LD_PRELOAD", lib.as_os_str()),
                ("MPI_TRACE_DIR", traces.path().as_os_str()),
            ];
            let args = [
                "--quiet",
                "--schedule",
                schedule,
                "--input",
                path(input.path()),
                "--output",
                path(out.path()),
            ];
            let run = output(&mut mpiexec_command_with_env(PARALLEL, ranks, &vars, &args));
            let context = format!("{ranks} ranks, {schedule}");
            assert!(
                run.status.success(),
                "{context}: {}{}",
                text(&run.stdout),
                text(&run.stderr)
            );
            assert_eq!(files_of(out.path()).len(), 5, "{context}");
            let job = trace_format::read_dir(traces.path(), None).unwrap();
            assert_eq!(job.ranks.len(), ranks, "{context}");
            for rank in &job.ranks {
                let asked = trace_format::thread_level_name(rank.thread_requested);
                let got = trace_format::thread_level_name(rank.thread_level);
                let rank_context = format!("{context}, rank {}", rank.rank);
                assert_eq!(asked, "FUNNELED", "{rank_context}: asked {asked}");
                assert!(
                    rank.thread_level >= rank.thread_requested,
                    "{rank_context}: asked {asked}, got {got}, and yet it ran"
                );
                assert_eq!(rank.ended, "finalize", "{rank_context}");
            }
        }
    }
}
