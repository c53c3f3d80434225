//! rustlings' guarantee, for MPI: every shipped exercise is still unsolved (its
//! check FAILS on a `todo!()`), and every solution PASSES, at 1 to 4 ranks.
//!
//! Runs the built checker as a learner runs it (`ci/check`), with `--no-build`:
//! `cargo test` has already built every binary of this crate beside it.

use std::process::{Command, Output};

use exercises::info::Info;

const CHECK: &str = env!("CARGO_BIN_EXE_check");

fn check(args: &[&str]) -> (Option<i32>, String) {
    check_env(args, &[])
}

/// The checker with extra environment variables, and progress kept apart
/// from the learner's own (`crates/exercises/.progress`).
fn check_env(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let state = std::env::temp_dir().join(format!("exercises-test-state-{}", std::process::id()));
    let out: Output = Command::new(CHECK)
        .arg("--no-build")
        .args(args)
        .env("EXERCISES_STATE", &state)
        .envs(env.iter().copied())
        .output()
        .expect("run the checker");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    (out.status.code(), format!("{stdout}{stderr}"))
}

/// A folder whose `gdb` fails at once, to put first on `PATH`: the checker
/// must name where each rank waits without a debugger (a fresh machine has none).
fn without_gdb() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("gdb");
    std::fs::write(&fake, "#!/bin/sh\nexit 127\n").unwrap();
    let mut perms = std::fs::metadata(&fake).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&fake, perms).unwrap();
    let path = format!(
        "{}:{}",
        dir.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    (dir, path)
}

#[test]
fn every_shipped_exercise_fails_on_its_first_todo() {
    let info = Info::load().unwrap();
    for ex in &info.exercises {
        let source = std::fs::read_to_string(ex.source(false)).unwrap();
        if !source.contains("todo!(") {
            // Shipped as the bug itself (deadlock): it hangs from 2 ranks on,
            // and the checker says which ranks wait, and where.
            let (_dir, path) = without_gdb();
            let (code, out) = check_env(&[&ex.name, "--timeout", "3"], &[("PATH", &path)]);
            assert_eq!(code, Some(1), "{out}");
            let head = format!(
                "FAIL {}: at 2 ranks: no result after 3 s, so the checker stopped the job: \
                 ranks 0, 1 had not finished (rank 0 waiting in MPI_Recv(from 1), printed \
                 nothing; rank 1 waiting in MPI_Recv(from 0), printed nothing): each of them \
                 waits to receive",
                ex.name
            );
            assert!(out.starts_with(&head), "{out}");
            assert!(out.contains("a deadlock"), "{out}");
            continue;
        }
        let (code, out) = check(&[&ex.name]);
        assert_eq!(
            code,
            Some(1),
            "{}: the unsolved exercise must FAIL\n{out}",
            ex.name
        );
        let fail = format!(
            "FAIL {}: at 1 rank: rank 0: a todo!() is still there (",
            ex.name
        );
        assert!(
            out.starts_with(&fail),
            "{}: fails because of its todo!()\n{out}",
            ex.name
        );
        // The todo's own hint, then the file to edit, a one-line nudge, and
        // where the full hint is: never the full hint itself.
        assert!(out.contains("): not yet implemented: "), "{out}");
        assert!(out.contains(&format!("exercises/{}", ex.file)), "{out}");
        assert!(out.contains(&format!("  nudge:  {}\n", ex.nudge)), "{out}");
        assert!(
            out.contains(&format!("  more:   ci/check hint {}\n", ex.name)),
            "{out}"
        );
        let first_hint_line = ex.hint.trim().lines().next().unwrap();
        assert!(!out.contains(first_hint_line), "{out}");
        assert!(
            out.contains(&format!("Progress: 0/{} done", info.exercises.len())),
            "{out}"
        );
    }
}

#[test]
fn every_solution_passes_at_every_rank_count() {
    let info = Info::load().unwrap();
    for ex in &info.exercises {
        let (code, out) = check(&["--solution", &ex.name]);
        // Timing on a machine busy with other work says nothing; the checker
        // says so (status 75) rather than FAIL.
        if code == Some(75) && out.starts_with(&format!("BUSY {}: the machine is busy (", ex.name))
        {
            eprintln!("{}: not timed, the machine was busy: {out}", ex.name);
            continue;
        }
        assert_eq!(code, Some(0), "{}: the solution must PASS\n{out}", ex.name);
        let runs = if ex.rank_counts() == "1" {
            "" // profile and fast-kernel: one process
        } else {
            "1, 2, 3, 4 ranks"
        };
        assert!(
            out.starts_with(&format!("PASS {}: {runs}", ex.name)),
            "{out}"
        );
    }
}

#[test]
fn list_shows_every_exercise_in_order_as_todo() {
    let info = Info::load().unwrap();
    let (code, out) = check(&["--list"]);
    assert_eq!(code, Some(0), "{out}");
    let rows: Vec<Vec<&str>> = out
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<&str>>())
        .filter(|w| w.len() > 2 && info.find(w[0]).is_some())
        .collect();
    let names: Vec<&str> = rows.iter().map(|w| w[0]).collect();
    let wanted: Vec<&str> = info.exercises.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, wanted, "{out}");
    assert!(rows.iter().all(|w| w[1] == "todo"), "{out}");
    assert!(out.lines().nth(1).unwrap().ends_with("<- next"), "{out}");
    let total = info.exercises.len();
    assert!(out.contains(&format!("Progress: 0/{total} done")), "{out}");
}

#[test]
fn bad_command_lines_get_one_line_and_status_2() {
    for args in [
        &["no-such-exercise"][..],
        &["--all", "pi-reduce"],
        &["hint", "nope"],
        &["reset"],
        &["pi-reduce", "extra"],
        &["--launcher", "srun", "hello"],
    ] {
        let (code, out) = check(args);
        assert_eq!(code, Some(2), "{args:?}: {out}");
        assert_eq!(out.lines().count(), 1, "{args:?}: {out}");
        assert!(out.starts_with("error: "), "{args:?}: {out}");
    }
}

/// A known wrong answer: (exercise, wrong binary, extra checker arguments,
/// first rank count where it goes wrong, what the checker says, environment).
type Wrong<'a> = (&'a str, &'a str, &'a [&'a str], usize, &'a str, Env<'a>);
type Env<'a> = &'a [(&'a str, &'a str)];

#[test]
fn known_wrong_answers_fail_saying_what_differed() {
    let cases: &[Wrong] = &[
        (
            "pi-reduce",
            "mutant-pi-drops-remainder",
            &[],
            2,
            "too small: some steps were not summed",
            &[],
        ),
        (
            "pi-reduce",
            "mutant-pi-reduce-to-last-rank",
            &[],
            2,
            "rank 0 printed nothing and rank 1 printed `Pi with 1000003 steps is 3.14159",
            &[],
        ),
        (
            "file-split",
            "mutant-file-split-drops-remainder",
            &[],
            3,
            "no rank handled `noisy_009.jpg`",
            &[],
        ),
        (
            "scatter-gather",
            "mutant-scatter-gather-no-update",
            &[],
            2,
            "rank 0 printed an unexpected line `Rank 0 collected a list [0, 1]`; \
             rank 0 did not print line `Rank 0 collected a list [0, 10]`",
            &[],
        ),
        // Even with UCX's warnings silenced in the learner's environment.
        (
            "scatter-gather",
            "mutant-scatter-skipped",
            &[],
            2,
            "MPI warns: a message was never received",
            &[("UCX_LOG_LEVEL", "error")],
        ),
        (
            "sum-reduce",
            "mutant-sum-reduce-prints-everywhere",
            // At 1 rank its all-reduce is the first thing wrong; at 2, its lines.
            &["--ranks", "2"],
            2,
            "rank 1 printed `Rank 0 worked out the total 30` as well: only rank 0 prints it",
            &[],
        ),
        (
            "fast-kernel",
            "mutant-fast-kernel-drops-remainder",
            &[],
            1,
            "but the naive loop gives 3.14159265359",
            &[],
        ),
        (
            "fast-kernel",
            "mutant-fast-kernel-not-faster",
            &[],
            1,
            "x faster, at least 2x wanted",
            &[],
        ),
        (
            "denoise-parallel",
            "mutant-denoise-workshop-split",
            &[],
            2,
            "no rank handled `noisy_006.jpg`",
            &[],
        ),
        (
            "denoise-parallel",
            "mutant-denoise-total-everywhere",
            &[],
            2,
            "the total time was printed 2 times (by ranks [0, 1]): rank 0 prints it once",
            &[],
        ),
        (
            "denoise-parallel",
            "mutant-denoise-other-filter",
            &[],
            1,
            "the denoised noisy_000.jpg differs from denoise-serial's",
            &[],
        ),
        (
            "profile",
            "mutant-profile-loop-unmarked",
            &[],
            1,
            "the `for` line was not timed",
            &[],
        ),
        (
            "profile",
            "mutant-profile-first-line",
            &[],
            1,
            "bottleneck() named line 18 (`let step = 1.0 / num_steps as f64;`, ",
            &[],
        ),
        (
            "scatter-gather",
            "mutant-scatter-root-everywhere",
            &[],
            2,
            "rank 1: a rank that is not the root called a `…_root` method (such as \
             scatter_into_root): only the root calls `…_into_root`",
            &[],
        ),
        // The right lines by the wrong pattern: the trace shows it.
        (
            "bcast",
            "mutant-bcast-by-sends",
            &["--ranks", "4"],
            4,
            "the output is right, but no rank called MPI_Bcast; rank 0 sent 3 messages \
             (MPI_Send): this step is about broadcast",
            &[],
        ),
        (
            "sum-reduce",
            "mutant-sum-reduce-by-p2p",
            &["--ranks", "4"],
            4,
            "the output is right, but no rank called MPI_Reduce; rank 0 received 3 messages \
             (MPI_Recv): this step is about reduce",
            &[],
        ),
        (
            "sum-p2p",
            "mutant-sum-p2p-by-reduce",
            &[],
            1,
            "the output is right, but rank 0 called MPI_Reduce: this step is about rank 0's \
             receive loop",
            &[],
        ),
        (
            "p2p-loop",
            "mutant-p2p-by-bcast",
            &[],
            1,
            "the output is right, but rank 0 called MPI_Bcast: this step is about rank 0's send loop",
            &[],
        ),
        (
            "pi-reduce",
            "mutant-pi-allreduce",
            &[],
            1,
            "the output is right, but no rank called MPI_Reduce; rank 0 called MPI_Allreduce",
            &[],
        ),
        (
            "pi-reduce",
            "mutant-pi-recv-loop",
            &["--ranks", "3"],
            3,
            "the output is right, but no rank called MPI_Reduce; rank 0 received 2 messages \
             (MPI_Recv)",
            &[],
        ),
        (
            "scatter-gather",
            "mutant-scatter-gather-by-p2p",
            &["--ranks", "3"],
            3,
            "the output is right, but no rank called MPI_Scatter; no rank called MPI_Gather; \
             rank 0 sent 2 messages (MPI_Send) and received 2 messages (MPI_Recv)",
            &[],
        ),
        (
            "denoise-parallel",
            "mutant-denoise-no-barrier",
            &[],
            2,
            "the output is right, but rank 0 never heard from rank 1 (no barrier, no collective \
             call, no message to rank 0)",
            &[],
        ),
        // Works under MPICH's buffering of small messages; hangs when sends are synchronous.
        (
            "deadlock",
            "mutant-deadlock-both-send-first",
            &["--timeout", "3"],
            2,
            "(rank 0 waiting in MPI_Send(to 1, tag 0), printed nothing; rank 1 waiting in \
             MPI_Send(to 0, tag 0), printed nothing): each of them waits in MPI_Send for its \
             partner to receive, and the partner is sending too: both send first. A standard \
             send may wait until its receive has started; this order works only while MPI \
             buffers small messages",
            &[],
        ),
        // Right output and exit status 0 at 2 ranks.
        (
            "p2p-loop",
            "mutant-p2p-send-to-self",
            &["--ranks", "2"],
            2,
            "rank 0 sent a message to itself (tag 0) and never received it",
            &[],
        ),
    ];
    // Every mutant of tests/mutants.toml is here, each once.
    let table: toml::Table = toml::from_str(
        &std::fs::read_to_string(exercises::info::crate_dir().join("tests/mutants.toml")).unwrap(),
    )
    .unwrap();
    let mut listed: Vec<String> = table["mutant"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m.get("passes").is_none())
        .map(|m| format!("mutant-{}", m["name"].as_str().unwrap()))
        .collect();
    let mut tested: Vec<String> = cases.iter().map(|c| c.1.to_string()).collect();
    listed.sort();
    tested.sort();
    assert_eq!(listed, tested);
    // A collective's unreceived message is seen through UCX's own warning
    // (MPICH over UCX); Open MPI says nothing of it, and there the trace shows
    // that rank 1 never made the scatter.
    let open_mpi =
        mpi_basics::launch::Implementation::linked() == mpi_basics::launch::Implementation::OpenMpi;
    for &(exercise, bin, runs, ranks, says, env) in cases {
        let says = if open_mpi && bin == "mutant-scatter-skipped" {
            "the output is right, but rank 1 never called MPI_Scatter"
        } else {
            says
        };
        let mut args = vec![exercise, "--bin", bin];
        args.extend(runs);
        let (code, out) = check_env(&args, env);
        assert_eq!(code, Some(1), "{bin} must FAIL\n{out}");
        let plural = if ranks == 1 { "" } else { "s" };
        let head = format!("FAIL {exercise}: at {ranks} rank{plural}: ");
        assert!(out.starts_with(&head), "{bin}: expected {head}...\n{out}");
        assert!(out.contains(says), "{bin}: expected '{says}'\n{out}");
        // Every FAIL of a run says how to run it again, with its real arguments.
        let ran = out
            .lines()
            .find_map(|l| l.strip_prefix("  ran:    "))
            .unwrap_or_else(|| panic!("{bin}: no `ran:` line\n{out}"));
        let program = format!("/{bin}");
        assert!(
            ran.split(' ').any(|w| w.ends_with(&program)),
            "{bin}: {ran}"
        );
        if exercise == "fast-kernel" {
            assert!(ran.ends_with(" --kernel fast"), "{bin}: {ran}");
        }
        // denoise-parallel's photos and the failing run's output are still
        // there, where the command reads and writes them.
        if exercise == "denoise-parallel" {
            let folder = |flag: &str| {
                let words: Vec<&str> = ran.split(' ').collect();
                let at = words.iter().position(|w| *w == flag).unwrap();
                std::path::PathBuf::from(words[at + 1])
            };
            let photos = std::fs::read_dir(folder("--input")).unwrap().count();
            assert_eq!(photos, 7, "{bin}: {ran}");
            assert!(folder("--output").is_dir(), "{bin}: {ran}");
        }
        // A wrong answer from profile's bottleneck() alone is named as such,
        // and so is the nudge: not the marks, which are right.
        if bin == "mutant-profile-first-line" {
            let nudge = out.lines().find(|l| l.starts_with("  nudge:  ")).unwrap();
            assert!(nudge.contains("bottleneck()"), "{out}");
            assert!(!out.contains("prof.tick()"), "{out}");
        }
    }
}

/// Other right answers (tests/mutants.toml, `passes = true`) PASS: the
/// pattern allows every safe order, not only the solution's.
#[test]
fn other_right_answers_pass() {
    let table: toml::Table = toml::from_str(
        &std::fs::read_to_string(exercises::info::crate_dir().join("tests/mutants.toml")).unwrap(),
    )
    .unwrap();
    let right: Vec<(&str, &str)> = table["mutant"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m.get("passes").and_then(toml::Value::as_bool) == Some(true))
        .map(|m| (m["name"].as_str().unwrap(), m["solution"].as_str().unwrap()))
        .collect();
    assert!(right.len() >= 2, "{right:?}");
    let info = Info::load().unwrap();
    for (name, solution) in right {
        let ex = info
            .exercises
            .iter()
            .find(|e| e.file == solution)
            .expect("an exercise of that solution");
        let bin = format!("mutant-{name}");
        let (code, out) = check(&[&ex.name, "--bin", &bin]);
        assert_eq!(code, Some(0), "{bin} must PASS\n{out}");
        assert!(
            out.starts_with(&format!("PASS {}: 1, 2, 3, 4 ranks", ex.name)),
            "{out}"
        );
    }
}
