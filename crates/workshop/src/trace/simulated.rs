//! `workshop trace --simulated -- -n 64 sum-p2p`: a lesson traced on a
//! simulated cluster (SimGrid's SMPI, `mpi_basics::simulate`).
//!
//! `ci/build-smpi` builds each MPI lesson a second time with the tracer linked
//! into the program (`target/smpi/release/NAME-traced`): SMPI runs every rank
//! in one process, each rank a private copy of the program, and resolves a
//! copy's MPI calls inside that copy, so a preloaded library would never be
//! called. The tracer is the same code as `libmpi_trace.so`, writing the same
//! files, except that it reads the simulator's clock: every time in the
//! picture and the summary is simulated, and two runs give the same times.

use super::*;
use mpi_basics::simulate::{self, Platform};

/// The platform used when none is named.
pub const DEFAULT_PLATFORM: &str = "infiniband";

/// What the job line after `--` asks for: `-n N LESSON [ARGS…]`.
#[derive(Debug, PartialEq)]
pub(super) struct Line {
    pub ranks: usize,
    pub lesson: String,
    pub args: Vec<String>,
}

/// Reads `-n N LESSON [ARGS…]` (`-np N` too). The lesson is a name
/// (`sum-p2p`) or the path of a lesson's build (`target/release/sum-p2p`):
/// only its file name counts.
pub(super) fn parse_line(words: &[String]) -> Result<Line, String> {
    let usage = "a simulated job is `-n RANKS LESSON [ARGS…]`, as in `workshop trace --simulated -- -n 64 sum-p2p`";
    let (ranks, rest) = match words {
        [flag, n, rest @ ..] if flag == "-n" || flag == "-np" => (n, rest),
        _ => return Err(usage.to_owned()),
    };
    let ranks = ranks
        .parse()
        .ok()
        .filter(|&n: &usize| n > 0)
        .ok_or_else(|| format!("`{ranks}` is not a number of ranks (1 or more)"))?;
    let [program, args @ ..] = rest else {
        return Err(usage.to_owned());
    };
    let lesson = Path::new(program)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(Line {
        ranks,
        lesson,
        args: args.to_vec(),
    })
}

/// The traced builds in `dir` (`sum-p2p` for `sum-p2p-traced`), sorted.
fn traced_lessons(dir: &Path) -> Vec<String> {
    (simulate::programs_in(dir).iter())
        .filter_map(|name| name.strip_suffix("-traced").map(str::to_owned))
        .collect()
}

/// Runs the job under SMPI with the ranks' files going to `raw`, and shows
/// the program's own output; returns how it ended.
pub(super) fn run_job(args: &TraceArgs, raw: &Path, target: &Path) -> Result<Ended, String> {
    let line = parse_line(&args.command)?;
    // The most useful advice first: without SMPI there is no build either.
    simulate::check_installed()?;
    let bin_dir = target.join("smpi/release");
    let traced = traced_lessons(&bin_dir);
    if traced.is_empty() {
        return Err(format!(
            "the lessons are not built for SMPI ({} has no traced lesson): run ci/build-smpi",
            bin_dir.display()
        ));
    }
    if !traced.contains(&line.lesson) {
        return Err(format!(
            "`{}` is not a simulated lesson: the traced ones are {} (ci/build-smpi builds them)",
            line.lesson,
            traced.join(", ")
        ));
    }
    let platform = Platform::find(&args.platform)?;
    let program = bin_dir.join(format!("{}-traced", line.lesson));
    let words: Vec<&str> = line.args.iter().map(String::as_str).collect();
    let mut command = simulate::command(&platform, line.ranks, &program, &words, raw)?;
    command.env("MPI_TRACE_DIR", raw);
    if args.ssend {
        command.env("MPI_TRACE_SSEND", "1");
    }
    if let Some(selector) = &args.collectives {
        // SimGrid takes its --cfg options from anywhere on the line, the
        // program's arguments included, and removes them before main sees them.
        command.arg(format!("--cfg=smpi/coll-selector:{selector}"));
    }
    let output = mpi_basics::deadline::output(&mut command, simulate::TIMEOUT)
        .map_err(|e| format!("cannot run smpirun: {e}"))?;
    let log = String::from_utf8_lossy(&output.stderr);
    if !args.hide_output {
        print!("{}", String::from_utf8_lossy(&output.stdout));
    }
    // The program's own errors; SMPI's log lines only when the job failed.
    for l in log.lines() {
        if !output.status.success() || !simulate::is_smpi_log(l) {
            eprintln!("{l}");
        }
    }
    let secs = simulate::simulated_time(&log);
    let nodes = line.ranks.div_ceil(platform.cores_per_node);
    let collectives = match args.collectives.as_deref() {
        None | Some("ompi") => "Open MPI's collective algorithms".to_owned(),
        Some("default") => "SMPI's own collective algorithms".to_owned(),
        Some(s) => format!("the collective algorithms of `{s}`"),
    };
    let mut preamble = format!(
        "Simulated: {} ranks on {} ({} of {} cores), {collectives}",
        line.ranks,
        platform.name,
        counted(nodes, "node", "nodes"),
        platform.cores_per_node,
    );
    if let Some(secs) = secs {
        let _ = write!(preamble, "; {} of simulated time", human_time(secs));
    }
    preamble.push_str(". Every time below is simulated.\n");
    Ok(Ended {
        failed: (!output.status.success()).then(|| output.status.to_string()),
        // A job SMPI stopped (a deadlock) ends where the simulation did.
        stopped_at: secs.map_or(0, |s| (s * 1e9).round() as i64),
        preamble,
        program: Some(line.lesson),
        simulated: Some(platform.name),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn a_simulated_job_line_is_ranks_lesson_and_its_arguments() {
        assert_eq!(
            parse_line(&words("-n 64 target/release/pi-mpi --steps 1000")),
            Ok(Line {
                ranks: 64,
                lesson: "pi-mpi".into(),
                args: words("--steps 1000"),
            })
        );
        assert_eq!(parse_line(&words("-np 2 sum-p2p")).unwrap().ranks, 2);
        for bad in ["sum-p2p", "-n 64", "-n zero sum-p2p", "-n 0 sum-p2p", ""] {
            assert!(parse_line(&words(bad)).is_err(), "{bad}");
        }
    }
}
