//! The files made from `lessons.toml` (the README's lesson map, the Slurm job scripts, the
//! exercises page's list), and the checks of what is kept by hand beside it (the
//! exercises' table and binaries, the programs the workspace builds).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{FILE, Job, Manifest, Run};

const MAP_START: &str =
    "<!-- lesson map: generated from lessons.toml (cargo workshop lessons --write) -->";
const MAP_END: &str = "<!-- end lesson map -->";
const EXERCISE_LINE: &str = "{{#exercise ";

/// Every generated file, as it should read: (path from the root, text).
pub fn files(manifest: &Manifest, root: &Path) -> Result<Vec<(PathBuf, String)>, String> {
    let mut files = vec![
        (
            PathBuf::from("README.md"),
            readme(manifest, &read(root, "README.md")?)?,
        ),
        (
            PathBuf::from("workshop-notes/exercises.md"),
            exercises_page(manifest, &read(root, "workshop-notes/exercises.md")?)?,
        ),
    ];
    for job in &manifest.job {
        files.push((
            PathBuf::from(format!("slurm/{}.sbatch", job.name)),
            job_script(manifest, job),
        ));
    }
    Ok(files)
}

fn read(root: &Path, path: &str) -> Result<String, String> {
    std::fs::read_to_string(root.join(path)).map_err(|e| format!("{path}: {e}"))
}

/// The README with its lesson map (between the map's markers) made from the manifest.
pub fn readme(manifest: &Manifest, old: &str) -> Result<String, String> {
    let (Some(start), Some(end)) = (old.find(MAP_START), old.find(MAP_END)) else {
        return Err(format!(
            "README.md: no lesson map markers (`{MAP_START}` … `{MAP_END}`)"
        ));
    };
    let mut map = format!(
        "{MAP_START}\n\n| page | lesson (workshop section) | crate | programs | run it |\n|---|---|---|---|---|\n"
    );
    for lesson in &manifest.lesson {
        let crates: Vec<String> = lesson.crates.iter().map(|c| format!("`{c}`")).collect();
        let programs: Vec<String> = lesson.programs.iter().map(|p| format!("`{p}`")).collect();
        let commands: Vec<String> = lesson
            .runs
            .iter()
            .map(|run| format!("`{}`", run.command("target/release")))
            .chain(lesson.show.iter().map(|s| shown(s)))
            .collect();
        map.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            lesson.page,
            lesson.title,
            crates.join(", "),
            programs.join(", "),
            commands.join(", ")
        ));
    }
    map.push('\n');
    Ok(format!("{}{map}{}", &old[..start], &old[end..]))
}

/// A `show` command in backticks, a trailing remark in brackets left outside:
/// `ci/check (the next one)` becomes `` `ci/check` (the next one) ``.
fn shown(command: &str) -> String {
    match command.split_once(" (") {
        Some((command, remark)) => format!("`{command}` ({remark}"),
        None => format!("`{command}`"),
    }
}

/// The exercises page with its `{{#exercise NAME}}` lines in the manifest's order.
pub fn exercises_page(manifest: &Manifest, old: &str) -> Result<String, String> {
    let lines: Vec<&str> = old.split_inclusive('\n').collect();
    let first = lines.iter().position(|l| l.starts_with(EXERCISE_LINE));
    let Some(first) = first else {
        return Err(format!(
            "workshop-notes/exercises.md: no `{EXERCISE_LINE}NAME}}}}` lines"
        ));
    };
    let count = lines[first..]
        .iter()
        .take_while(|l| l.starts_with(EXERCISE_LINE))
        .count();
    let mut text: String = lines[..first].concat();
    for name in manifest.exercises() {
        text.push_str(&format!("{EXERCISE_LINE}{name}}}}}\n"));
    }
    text.push_str(&lines[first + count..].concat());
    Ok(text)
}

/// A page's Slurm job script: serial runs with `run`, MPI runs through `srun` at the job's
/// tasks (or fewer, `-n R`), between the job's own lines.
pub fn job_script(manifest: &Manifest, job: &Job) -> String {
    let mut text = String::from("#!/usr/bin/env bash\n");
    for (i, line) in job.about.trim().lines().enumerate() {
        let lead = if i == 0 {
            format!("Page {:02}: ", job.page)
        } else {
            String::new()
        };
        text.push_str(&format!("# {lead}{line}\n"));
    }
    text.push_str(&format!(
        "# Generated from {FILE} (cargo workshop lessons --write): change the table, not this file.\n\
         # Submit from the clone's root: slurm/submit {name}  (or sbatch slurm/{name}.sbatch)\n\
         #SBATCH --job-name={name}\n#SBATCH --ntasks={tasks}\n",
        name = job.name,
        tasks = job.tasks
    ));
    for option in &job.sbatch {
        text.push_str(&format!("#SBATCH {option}\n"));
    }
    text.push_str("#SBATCH --output=slurm-%x-%j.out\n. slurm/common.sh\n");
    let mut block = |lines: &str| {
        for line in lines.trim_matches('\n').lines() {
            text.push_str(line);
            text.push('\n');
        }
    };
    if let Some(before) = &job.before {
        block(before);
    }
    match &job.script {
        Some(script) => block(script),
        None => {
            let steps: Vec<String> = manifest
                .runs_of(job.page)
                .map(|r| job_step(r, job.tasks))
                .collect();
            block(&steps.join("\n"));
        }
    }
    if let Some(after) = &job.after {
        block(after);
    }
    text
}

fn job_step(run: &Run, tasks: usize) -> String {
    let mut words = vec![match run.ranks {
        None => "run".to_string(),
        Some(n) if n == tasks => "mpirun_srun".to_string(),
        Some(n) => format!("mpirun_srun -n {n}"),
    }];
    words.push(format!("\"$BIN/{}\"", run.program));
    words.extend(run.args.iter().cloned());
    words.join(" ")
}

/// What is kept by hand beside the manifest and must agree with it: the exercises' table
/// (its order is the manifest's), the exercises' binaries, the job scripts in `slurm/`
/// and the programs the workspace builds.
pub fn check_exercises(manifest: &Manifest, root: &Path) -> Result<Vec<String>, String> {
    let mut problems = Vec::new();
    let info: toml::Table = toml::from_str(&read(root, "crates/exercises/info.toml")?)
        .map_err(|e| format!("crates/exercises/info.toml: {e}"))?;
    let entries = info
        .get("exercise")
        .and_then(|e| e.as_array())
        .cloned()
        .unwrap_or_default();
    let field = |entry: &toml::Value, key: &str| {
        entry
            .get(key)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string()
    };
    let names: Vec<String> = entries.iter().map(|e| field(e, "name")).collect();
    if names != manifest.exercises() {
        problems.push(format!(
            "crates/exercises/info.toml: exercises [{}], {FILE} has them in the order [{}]",
            names.join(", "),
            manifest.exercises().join(", ")
        ));
    }
    // Each exercise's two binaries, and no others.
    let cargo: toml::Table = toml::from_str(&read(root, "crates/exercises/Cargo.toml")?)
        .map_err(|e| format!("crates/exercises/Cargo.toml: {e}"))?;
    let bins: BTreeSet<(String, String)> = cargo
        .get("bin")
        .and_then(|b| b.as_array())
        .into_iter()
        .flatten()
        .map(|b| (field(b, "name"), field(b, "path")))
        .filter(|(name, _)| name.starts_with("ex-") || name.starts_with("sol-"))
        .collect();
    let wanted: BTreeSet<(String, String)> = entries
        .iter()
        .flat_map(|e| {
            let file = field(e, "file");
            [
                (field(e, "bin"), format!("exercises/{file}")),
                (field(e, "solution"), format!("solutions/{file}")),
            ]
        })
        .collect();
    for (name, path) in wanted.difference(&bins) {
        problems.push(format!(
            "crates/exercises/Cargo.toml: no [[bin]] {name} at {path} (info.toml has it)"
        ));
    }
    for (name, path) in bins.difference(&wanted) {
        problems.push(format!(
            "crates/exercises/Cargo.toml: [[bin]] {name} at {path} is no exercise of info.toml"
        ));
    }
    // Job scripts the manifest does not make.
    let jobs: BTreeSet<String> = manifest
        .job
        .iter()
        .map(|j| format!("{}.sbatch", j.name))
        .collect();
    let dir = root.join("slurm");
    for entry in std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let name = entry
            .map_err(|e| e.to_string())?
            .file_name()
            .to_string_lossy()
            .into_owned();
        if name.ends_with(".sbatch") && !jobs.contains(&name) {
            problems.push(format!(
                "slurm/{name}: a job script {FILE} has no [[job]] for"
            ));
        }
    }
    problems.extend(check_programs(manifest, root)?);
    Ok(problems)
}

/// Every program the workspace builds is a lesson's (or an exercise, or a test's mutant),
/// and every program a lesson names is built.
fn check_programs(manifest: &Manifest, root: &Path) -> Result<Vec<String>, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let output = Command::new(&cargo)
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--offline",
        ])
        .current_dir(root)
        .output()
        .map_err(|e| format!("{cargo} metadata: {e}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!(
            "{cargo} metadata failed: {}",
            stderr.lines().last().unwrap_or("")
        ));
    }
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).map_err(|e| format!("cargo metadata: {e}"))?;
    let mut built = BTreeSet::new();
    for package in metadata["packages"].as_array().into_iter().flatten() {
        for target in package["targets"].as_array().into_iter().flatten() {
            let is_bin = target["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == "bin"));
            let name = target["name"].as_str().unwrap_or("");
            let exercise = ["ex-", "sol-", "mutant-"]
                .iter()
                .any(|p| name.starts_with(p));
            if is_bin && !exercise {
                built.insert(name.to_string());
            }
        }
    }
    let named: BTreeSet<String> = manifest
        .programs()
        .into_iter()
        .map(str::to_string)
        .collect();
    let mut problems = Vec::new();
    for program in built.difference(&named) {
        problems.push(format!(
            "the workspace builds `{program}`, and no lesson of {FILE} names it"
        ));
    }
    for program in named.difference(&built) {
        problems.push(format!(
            "{FILE} names `{program}`, and the workspace builds no such program"
        ));
    }
    Ok(problems)
}
