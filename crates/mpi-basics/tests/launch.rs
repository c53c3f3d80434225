//! The launcher rules exist in Rust (`mpi_basics::launch`) and, for the scripts that run
//! before anything is built, in shell (`ci/mpi-env`'s `mpi_launch_line`). This test holds
//! them to the same words for the MPI this build uses (CI runs it with MPICH and again with
//! Open MPI), and for a `WORKSHOP_LAUNCHER` template.

use std::path::Path;
use std::process::Command;

use mpi_basics::launch::launcher_line;

/// `mpi_launch_line RANKS` of ci/mpi-env, split into words.
fn shell_line(ranks: usize, launcher: Option<&str>) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut command = Command::new("bash");
    command
        .arg("-c")
        .arg(format!(
            ". ci/mpi-env >/dev/null && mpi_launch_line {ranks}"
        ))
        .current_dir(root);
    match launcher {
        Some(template) => command.env("WORKSHOP_LAUNCHER", template),
        None => command.env_remove("WORKSHOP_LAUNCHER"),
    };
    let out = command.output().expect("bash runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

#[test]
fn the_scripts_launch_as_the_programs_do() {
    // With WORKSHOP_LAUNCHER already set both sides use it: only the template case is left.
    if std::env::var_os("WORKSHOP_LAUNCHER").is_none() {
        let rust = launcher_line(3).unwrap();
        let shell = shell_line(3, None);
        // The shell names the launcher by the path or name ci/mpi-env recorded; Rust may
        // name the same program by its full path: compare the program's file name.
        let name = |line: &[String]| Path::new(&line[0]).file_name().map(|n| n.to_owned());
        assert_eq!(name(&rust), name(&shell), "rust {rust:?}, shell {shell:?}");
        assert_eq!(rust[1..], shell[1..], "rust {rust:?}, shell {shell:?}");
    }
    let template = "srun --mpi=pmi2 -n {n} --cpu-bind=none";
    assert_eq!(
        shell_line(5, Some(template)),
        mpi_basics::launch::from_template(template, 5).unwrap()
    );
}
