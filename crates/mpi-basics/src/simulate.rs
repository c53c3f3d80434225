//! Running the lessons on a simulated cluster: SimGrid's SMPI (pages 05 and 07).
//!
//! `ci/build-smpi` builds the MPI lessons, from their own source files, into
//! `target/smpi/release`. SMPI's `smpirun` runs such a program's N ranks in one
//! process, each with a private copy of the program, on a *platform*: nodes,
//! cores and the links between them (`smpi/platforms/*.xml`). It keeps a
//! simulated clock: a message takes what the simulated network says, and the
//! kernels' work what it is charged (`mpi_basics::smpi`, one "flop" per pi
//! step). `MPI_Wtime` reads that clock, and SMPI reports the whole run's
//! simulated time when it ends: the time the job would have taken on that cluster.
//!
//! ```no_run
//! use mpi_basics::simulate::{Platform, run};
//! let platform = Platform::load("smpi/platforms/infiniband.xml".as_ref())?
//!     .calibrated(2.8e9, "target/workshop/sim".as_ref())?;
//! let run = run(&platform, 64, "target/smpi/release/sum-p2p".as_ref(), &[])?;
//! println!("{} s simulated", run.simulated_secs);
//! # Ok::<(), String>(())
//! ```

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

/// Where `ci/build-smpi` puts the simulated lessons.
pub fn bin_dir() -> PathBuf {
    workspace_root().join("target/smpi/release")
}

/// The programs an SMPI build folder holds (`ci/build-smpi` puts them in [`bin_dir`]),
/// sorted: its files without an extension (not `hello-mpi.d`, not the folders).
pub fn programs_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().is_file())
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .filter(|name| !name.contains('.'))
        .collect();
    names.sort();
    names
}

/// The platforms kept in the repository (`infiniband`, `ethernet`).
pub fn platforms_dir() -> PathBuf {
    workspace_root().join("smpi/platforms")
}

/// The repository's root: this crate is `crates/mpi-basics` in it.
fn workspace_root() -> &'static Path {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    crate_dir
        .parent()
        .and_then(Path::parent)
        .unwrap_or(crate_dir)
}

/// The most a simulated run may take (wall time) before it is killed.
pub const TIMEOUT: Duration = Duration::from_secs(300);

/// A cluster as SimGrid describes it: one `<cluster>` of identical nodes.
#[derive(Clone, Debug)]
pub struct Platform {
    /// The file name without `.xml`: `infiniband`.
    pub name: String,
    pub xml: PathBuf,
    /// Host names, node by node (`node-0`, `node-1`, …).
    pub nodes: Vec<String>,
    pub cores_per_node: usize,
}

impl Platform {
    /// Reads the one `<cluster>` of a platform file: its hosts and cores.
    pub fn load(xml: &Path) -> Result<Platform, String> {
        let text = std::fs::read_to_string(xml)
            .map_err(|e| format!("cannot read the platform {}: {e}", xml.display()))?;
        let bad = |what: &str| format!("{}: {what}", xml.display());
        let cluster = element(&text, "cluster").ok_or_else(|| bad("no <cluster> element"))?;
        let prefix = attribute(cluster, "prefix").unwrap_or_default();
        let suffix = attribute(cluster, "suffix").unwrap_or_default();
        let radical =
            attribute(cluster, "radical").ok_or_else(|| bad("<cluster> has no radical"))?;
        let mut nodes = Vec::new();
        for part in radical.split(',') {
            let (first, last) = part.split_once('-').unwrap_or((part, part));
            let (first, last): (usize, usize) = match (first.trim().parse(), last.trim().parse()) {
                (Ok(a), Ok(b)) if a <= b => (a, b),
                _ => {
                    return Err(bad(&format!(
                        "radical \"{radical}\" is not a list of ranges"
                    )));
                }
            };
            nodes.extend((first..=last).map(|i| format!("{prefix}{i}{suffix}")));
        }
        let cores_per_node = match attribute(cluster, "core") {
            None => 1,
            Some(c) => c
                .parse()
                .ok()
                .filter(|&c| c > 0)
                .ok_or_else(|| bad("core is not a positive number"))?,
        };
        let name = xml
            .file_stem()
            .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
        Ok(Platform {
            name,
            xml: xml.to_owned(),
            nodes,
            cores_per_node,
        })
    }

    /// A kept platform by name (`infiniband`, `ethernet`), or a platform file of one's own.
    pub fn find(name_or_file: &str) -> Result<Platform, String> {
        if name_or_file.ends_with(".xml") || name_or_file.contains('/') {
            return Platform::load(Path::new(name_or_file));
        }
        let xml = platforms_dir().join(format!("{name_or_file}.xml"));
        if xml.is_file() {
            return Platform::load(&xml);
        }
        let mut kept: Vec<String> = std::fs::read_dir(platforms_dir())
            .map(|dir| {
                dir.filter_map(|e| Some(e.ok()?.path().file_stem()?.to_string_lossy().into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        kept.sort();
        Err(format!(
            "no platform named `{name_or_file}` (kept: {}; or give a SimGrid XML file)",
            kept.join(", ")
        ))
    }

    /// The most ranks this platform runs, one per core.
    pub fn cores(&self) -> usize {
        self.nodes.len() * self.cores_per_node
    }

    /// A copy of this platform, written into `dir`, whose cores compute
    /// `steps_per_sec` pi steps a second: the learner's own machine's rate,
    /// so that a simulated rank computes as fast as a real one.
    pub fn calibrated(&self, steps_per_sec: f64, dir: &Path) -> Result<Platform, String> {
        if !(steps_per_sec.is_finite() && steps_per_sec > 0.0) {
            return Err(format!(
                "a core's speed must be a positive number of steps a second, not {steps_per_sec}"
            ));
        }
        let text = std::fs::read_to_string(&self.xml)
            .map_err(|e| format!("cannot read the platform {}: {e}", self.xml.display()))?;
        let start = text
            .find("<cluster")
            .ok_or_else(|| format!("{}: no <cluster> element", self.xml.display()))?;
        let at = text[start..]
            .find(" speed=\"")
            .map(|i| start + i + " speed=\"".len());
        let at = at.ok_or_else(|| format!("{}: <cluster> has no speed", self.xml.display()))?;
        let end = at + text[at..].find('"').unwrap_or(0);
        let calibrated = format!("{}{:.0}f{}", &text[..at], steps_per_sec, &text[end..]);
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let xml = dir.join(format!("{}.xml", self.name));
        lesson_cli::files::write_whole(&xml, &calibrated)?;
        Ok(Platform {
            xml,
            ..self.clone()
        })
    }

    /// Where each rank runs, as SMPI's host file lists them: rank r on node
    /// r / cores_per_node, so ranks fill one node before the next, as a
    /// batch system places the tasks of a job.
    pub fn hostfile(&self, ranks: usize) -> Result<String, String> {
        if ranks == 0 || ranks > self.cores() {
            return Err(format!(
                "{} ranks do not fit on {} ({} nodes of {} cores): 1 to {}",
                ranks,
                self.name,
                self.nodes.len(),
                self.cores_per_node,
                self.cores()
            ));
        }
        Ok((0..ranks)
            .map(|r| format!("{}\n", self.nodes[r / self.cores_per_node]))
            .collect())
    }
}

/// How many pi steps a second one core of this machine computes with the fast
/// kernel (best of 3 runs of 10⁸ steps): the speed a calibrated platform gives
/// its simulated cores.
pub fn measure_steps_per_sec() -> f64 {
    const STEPS: u64 = 100_000_000;
    let best = (0..3)
        .map(|_| {
            let start = std::time::Instant::now();
            std::hint::black_box(pi_kernel::fast_sum(STEPS, 0, STEPS));
            start.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min);
    STEPS as f64 / best
}

/// The text of the first `<name …>` tag.
fn element<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    let start = text.find(&format!("<{name} "))?;
    let end = start + text[start..].find('>')?;
    Some(&text[start..end])
}

/// The value of `name="…"` in a tag.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let at = tag.find(&key)? + key.len();
    Some(&tag[at..at + tag[at..].find('"')?])
}

/// One simulated run.
#[derive(Debug)]
pub struct Run {
    pub output: Output,
    /// The program's own standard error, without SMPI's log lines.
    pub stderr: String,
    /// When the last rank ended, on the simulated clock.
    pub simulated_secs: f64,
}

impl Run {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }
}

/// SMPI is installed (`smpirun` on the PATH), or the one line that says how to get it.
pub fn check_installed() -> Result<(), String> {
    let found = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join("smpirun").is_file()));
    if found {
        Ok(())
    } else {
        Err("SimGrid's SMPI is not installed (no smpirun on the PATH): run ci/setup-mpi --mpi smpi, then ci/build-smpi".into())
    }
}

/// For tests: SMPI is installed and `program` is built in [`bin_dir`]. If not,
/// the test should pass without running: this prints why and returns `false`,
/// unless `WORKSHOP_SMPI=required` (ci/test builds SMPI), where it panics.
pub fn ready_for_tests(program: &str) -> bool {
    let why = check_installed().and_then(|()| {
        (bin_dir().join(program).is_file())
            .then_some(())
            .ok_or_else(|| format!("{program} is not built for SMPI: run ci/build-smpi"))
    });
    match why {
        Ok(()) => true,
        Err(why) => {
            assert!(
                std::env::var("WORKSHOP_SMPI").as_deref() != Ok("required"),
                "{why}"
            );
            eprintln!("skipped: {why}");
            false
        }
    }
}

/// The `smpirun` command for `ranks` ranks of `program` on `platform`;
/// `workdir` receives the host file (and smpirun's own temporary files).
pub fn command(
    platform: &Platform,
    ranks: usize,
    program: &Path,
    args: &[&str],
    workdir: &Path,
) -> Result<Command, String> {
    check_installed()?;
    if !program.is_file() {
        return Err(format!(
            "{} is not built for SMPI: run ci/build-smpi",
            program.display()
        ));
    }
    std::fs::create_dir_all(workdir)
        .map_err(|e| format!("cannot create {}: {e}", workdir.display()))?;
    let hostfile = workdir.join(format!("hosts-{}-{ranks}", platform.name));
    std::fs::write(&hostfile, platform.hostfile(ranks)?)
        .map_err(|e| format!("cannot write {}: {e}", hostfile.display()))?;
    let mut cmd = Command::new("smpirun");
    cmd.current_dir(workdir)
        .arg("-np")
        .arg(ranks.to_string())
        .arg("-platform")
        .arg(absolute(&platform.xml))
        .arg("-hostfile")
        .arg(&hostfile)
        // Not the simulator's configuration lines, only its warnings and the timing.
        .arg("-quiet")
        // A private copy of the program per rank, loaded with dlopen: each rank
        // has its own globals, as separate processes would.
        .arg("--cfg=smpi/privatization:dlopen")
        // Computation costs what the kernels charge (mpi_basics::smpi), not what
        // the real machine happened to take: every run gives the same times.
        .arg("--cfg=smpi/simulate-computation:no")
        .arg("--cfg=smpi/display-timing:yes")
        // A probe that finds nothing (MPI_Iprobe) costs no simulated time. SMPI's
        // default charges 100 µs, and 100 µs more for each empty probe in a row, so
        // that a program that does nothing but poll still moves the clock; the
        // lessons poll only between pieces of charged work (denoise-parallel's rank 0).
        .arg("--cfg=smpi/iprobe:0")
        // Collectives as Open MPI runs them (a reduce of a few bytes: a binomial
        // tree). SMPI's own default lets a reduce's root receive every value at
        // once, which no real MPI does. Not on one rank: there SMPI 3.32's copy of
        // Open MPI's reduce sends to a parent that does not exist, and aborts (and
        // a collective has nothing to do). `--cfg=smpi/coll-selector:…` among the
        // program's arguments overrides it: SimGrid takes its options from there too.
        .args((ranks > 1).then_some("--cfg=smpi/coll-selector:ompi"))
        .arg(absolute(program))
        .args(args)
        // The lessons are compiled as executables, whose thread-locals use glibc's
        // static TLS: each rank's copy takes a few hundred bytes of the surplus
        // glibc keeps for libraries loaded later, about 1.6 KB by default (7 copies).
        .env("GLIBC_TUNABLES", "glibc.rtld.optional_static_tls=1048576");
    Ok(cmd)
}

/// Runs `ranks` ranks of `program` on `platform` to the end.
pub fn run(
    platform: &Platform,
    ranks: usize,
    program: &Path,
    args: &[&str],
) -> Result<Run, String> {
    // A folder per run, even for runs at once from several threads (tests).
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let workdir = std::env::temp_dir().join(format!("workshop-smpi-{}-{run}", std::process::id()));
    let mut cmd = match command(platform, ranks, program, args, &workdir) {
        Ok(cmd) => cmd,
        Err(why) => {
            let _ = std::fs::remove_dir_all(&workdir);
            return Err(why);
        }
    };
    let output =
        crate::deadline::output(&mut cmd, TIMEOUT).map_err(|e| format!("cannot run smpirun: {e}"));
    let _ = std::fs::remove_dir_all(&workdir);
    let output = output?;
    let log = String::from_utf8_lossy(&output.stderr).into_owned();
    let simulated_secs = simulated_time(&log);
    let mut stderr: String = log
        .lines()
        .filter(|l| !is_smpi_log(l))
        .map(|l| format!("{l}\n"))
        .collect();
    if stderr.trim().is_empty() {
        stderr.clear(); // the blank line SMPI prints before its timing report
    }
    let name = program
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    match (output.status.success(), simulated_secs) {
        (true, Some(simulated_secs)) => Ok(Run {
            output,
            stderr,
            simulated_secs,
        }),
        (true, None) => Err(format!(
            "{name} on {ranks} simulated ranks: SMPI reported no simulated time"
        )),
        // The program's own last error line if it printed one, else SMPI's.
        (false, _) => Err(format!(
            "{name} on {ranks} simulated ranks failed ({}): {}",
            output.status,
            (stderr.lines().rev())
                .chain(log.lines().rev())
                .find(|l| !l.trim().is_empty() && !l.starts_with("Execution failed"))
                .unwrap_or("")
        )),
    }
}

/// SMPI's "Simulated time: 0.00215236 seconds." at the end of a run.
pub fn simulated_time(log: &str) -> Option<f64> {
    log.lines()
        .find_map(|l| l.split("Simulated time: ").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|secs| secs.parse().ok())
}

/// SimGrid's log lines (`[0.000000] [smpi_utils/INFO] …`, `[node-0:1:(2) 0.000] …`)
/// and the lines that continue its timing report: not the program's own.
pub fn is_smpi_log(line: &str) -> bool {
    // `[0.000000] [smpi_config/INFO] …`, `[node-0:1:(2) 0.000001] ./src/….cpp:308: [smpi_kernel/WARNING] …`
    (line.starts_with('[') && (line.contains("] [") || line.contains(": [")))
        || line.starts_with("The simulation took ")
        || line.ends_with(" seconds were actual computation of the application")
        || line.starts_with("You may want to use sampling")
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_simulated_time_is_read_from_smpis_last_lines() {
        let log = "Rank 0 worked out the total 100\n[0.000001] [smpi_utils/INFO] Simulated time: 1.21545e-06 seconds. \n";
        assert_eq!(simulated_time(log), Some(1.21545e-06));
        assert_eq!(simulated_time("no time here\n"), None);
        assert!(is_smpi_log(
            "[0.000001] [smpi_utils/INFO] Simulated time: 1 seconds."
        ));
        assert!(!is_smpi_log("[rank 3] hello"));
    }

    #[test]
    fn the_kept_platforms_are_read_and_ranks_fill_a_node_first() {
        let ib = Platform::load(&platforms_dir().join("infiniband.xml")).unwrap();
        assert_eq!(
            (ib.nodes.len(), ib.cores_per_node, ib.cores()),
            (32, 36, 1152)
        );
        let hosts = ib.hostfile(38).unwrap();
        let hosts: Vec<&str> = hosts.lines().collect();
        assert_eq!(
            (hosts[0], hosts[35], hosts[36], hosts.len()),
            ("node-0", "node-0", "node-1", 38)
        );
        let eth = Platform::load(&platforms_dir().join("ethernet.xml")).unwrap();
        assert_eq!((eth.nodes.len(), eth.cores_per_node), (128, 8));
        assert!(eth.hostfile(1025).unwrap_err().contains("1 to 1024"));
    }

    #[test]
    fn a_calibrated_copy_has_the_measured_speed_and_nothing_else_changed() {
        let dir = tempfile::tempdir().unwrap();
        let ib = Platform::load(&platforms_dir().join("infiniband.xml")).unwrap();
        let cal = ib.calibrated(2.5e9, dir.path()).unwrap();
        let (before, after) = (
            std::fs::read_to_string(&ib.xml).unwrap(),
            std::fs::read_to_string(&cal.xml).unwrap(),
        );
        assert_eq!(
            before.replace("speed=\"1Gf\"", "speed=\"2500000000f\""),
            after
        );
        assert!(ib.calibrated(0.0, dir.path()).is_err());
    }
}
