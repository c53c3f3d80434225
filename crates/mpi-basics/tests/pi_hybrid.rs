//! MPI + threads under real MPI: the built `pi-hybrid` at 1 to 4 ranks x 1 to 3 threads.

use std::f64::consts::PI;
use std::ffi::OsStr;
use std::path::Path;

use lesson_cli::testing::assert_usage_error;
use mpi_basics::launch::{mpiexec_command_with_env, output, stdout_of};
use pi_kernel::PiReport;

const PI_HYBRID: &str = env!("CARGO_BIN_EXE_pi-hybrid");

/// Runs pi-hybrid; returns pi and the threads per rank it reports.
fn run_pi_hybrid(ranks: usize, args: &[&str], steps: u64) -> (f64, usize) {
    run_pi_hybrid_with(ranks, &[], args, steps)
}

/// The same, with environment variables set for every rank.
fn run_pi_hybrid_with(
    ranks: usize,
    vars: &[(&str, &OsStr)],
    args: &[&str],
    steps: u64,
) -> (f64, usize) {
    let steps_text = steps.to_string();
    let mut all_args = vec!["--steps", &steps_text];
    all_args.extend_from_slice(args);
    let out = output(&mut mpiexec_command_with_env(
        PI_HYBRID, ranks, vars, &all_args,
    ));
    let text = stdout_of(&out);
    assert!(
        out.status.success(),
        "pi-hybrid -n {ranks} {args:?} failed: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "only rank 0 prints, once: {text}");
    // Pi with 1000003 steps is 3.14159... in 0.000358 secs on 3 ranks x 2 threads
    let report =
        PiReport::parse(lines[0]).unwrap_or_else(|| panic!("not the workshop line: {text}"));
    assert_eq!(report.steps, steps, "{text}");
    let on = report.on.unwrap_or_default();
    let threads = on
        .strip_prefix(&format!("{ranks} ranks x "))
        .and_then(|rest| rest.strip_suffix(" threads"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("`on {ranks} ranks x T threads`: {text}"));
    (report.pi, threads)
}

#[test]
fn pi_is_right_at_1_to_4_ranks_times_1_to_3_threads() {
    let steps = 1_000_003; // prime: uneven blocks at every level
    let mut first = None;
    for ranks in 1..=4 {
        for threads in 1..=3 {
            let (pi, reported) = run_pi_hybrid(ranks, &["--threads", &threads.to_string()], steps);
            assert_eq!(reported, threads, "{ranks} ranks: threads per rank");
            assert!(
                (pi - PI).abs() <= 1e-12,
                "{ranks} ranks x {threads} threads: pi = {pi}"
            );
            let first = *first.get_or_insert(pi);
            assert!(
                (pi - first).abs() <= 1e-12,
                "{ranks} ranks x {threads} threads disagree with 1 x 1: {pi} vs {first}"
            );
        }
    }
}

#[test]
fn more_workers_than_steps_still_counts_every_step() {
    // 5 steps over 3 ranks x 3 threads: rank 2's block has 1 step, so two of its
    // threads get nothing. Midpoint rule with 5 steps:
    let expected: f64 = (0..5)
        .map(|i| 4.0 / (1.0 + ((i as f64 + 0.5) / 5.0).powi(2)))
        .sum::<f64>()
        / 5.0;
    let (pi, _) = run_pi_hybrid(3, &["--threads", "3"], 5);
    assert!((pi - expected).abs() <= 1e-15, "{pi} vs {expected}");
}

#[test]
fn by_default_each_rank_runs_slurms_cpus_per_task_or_a_thread_per_cpu_it_may_use() {
    // The launchers of the tests bind ranks to no CPU (MPICH's binds nothing,
    // and Open MPI's is told `--bind-to none`): each rank may use the CPUs
    // this test may use.
    let cpus = std::thread::available_parallelism().unwrap().get();
    let expected = std::env::var("SLURM_CPUS_PER_TASK")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cpus);
    for ranks in [1, 2] {
        let (pi, threads) = run_pi_hybrid(ranks, &[], 1_000_003);
        assert_eq!(threads, expected, "{ranks} ranks, {cpus} CPUs");
        assert!((pi - PI).abs() <= 1e-12, "{pi}");
    }
    let three = [("SLURM_CPUS_PER_TASK", OsStr::new("3"))];
    for ranks in [1, 2] {
        let (pi, threads) = run_pi_hybrid_with(ranks, &three, &[], 1_000_003);
        assert_eq!(threads, 3, "{ranks} ranks with SLURM_CPUS_PER_TASK=3");
        assert!((pi - PI).abs() <= 1e-12, "{pi}");
    }
    let (_, threads) = run_pi_hybrid_with(2, &three, &["--threads", "2"], 1_000);
    assert_eq!(threads, 2, "--threads wins over SLURM_CPUS_PER_TASK");
}

#[test]
fn every_rank_asks_mpi_for_funneled_and_gets_it_at_1_to_4_ranks() {
    let lib = Path::new(PI_HYBRID).with_file_name("libmpi_trace.so");
    assert!(
        lib.is_file(),
        "{} is not built: cargo build --release -p mpi-trace",
        lib.display()
    );
    for ranks in 1..=4 {
        let dir = tempfile::tempdir().unwrap();
        let vars = [
            ("LD_PRELOAD", lib.as_os_str()),
            ("MPI_TRACE_DIR", dir.path().as_os_str()),
        ];
        run_pi_hybrid_with(ranks, &vars, &["--threads", "2"], 1_000_003);
        let job = trace_format::read_dir(dir.path(), None).unwrap();
        assert_eq!(job.ranks.len(), ranks);
        for rank in &job.ranks {
            let levels = (rank.thread_requested, rank.thread_level);
            assert_eq!(
                trace_format::thread_level_name(rank.thread_requested),
                "FUNNELED",
                "rank {} of {ranks}: asked for {levels:?}",
                rank.rank
            );
            assert!(
                rank.thread_level >= rank.thread_requested,
                "rank {} of {ranks}: granted less than asked, and yet it ran: {levels:?}",
                rank.rank
            );
            assert_eq!(rank.ended, "finalize", "rank {}", rank.rank);
        }
    }
}

#[test]
fn bad_arguments_give_one_line_and_status_2() {
    for args in [
        &["--threads", "0"][..],
        &["--threads", "many"],
        &["--steps", "0"],
        &["--bogus"],
        // An upper bound, not a panic (capacity overflow) or an abort.
        &["--threads", "18446744073709551615"],
        &["--threads", "1000000000000"],
        &["--threads", "1025"],
    ] {
        assert_usage_error(PI_HYBRID, args);
    }
}
