//! What each photo costs: its time on a real core, read back from the lines
//! `denoise-serial` prints (`Took 0.321 seconds for noisy_000.jpg`). The
//! simulated cluster's build of `denoise-parallel` charges these times to the
//! simulated clock instead of filtering (`workshop scaling --simulated`).

use std::collections::BTreeMap;
use std::path::Path;

/// Seconds per photo name.
pub type Costs = BTreeMap<String, f64>;

/// Reads FILE's `Took S seconds for NAME` lines (other lines, such as
/// `Total time`, are skipped). One line of error naming the file otherwise.
pub fn read_costs(path: &Path) -> Result<Costs, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read photo times {}: {e}", path.display()))?;
    let mut costs = Costs::new();
    for (number, line) in text.lines().enumerate() {
        let Some(rest) = line.strip_prefix("Took ") else {
            continue;
        };
        let parsed = rest
            .split_once(" seconds for ")
            .and_then(|(secs, name)| Some((secs.parse::<f64>().ok()?, name)))
            .filter(|(secs, name)| secs.is_finite() && *secs >= 0.0 && !name.is_empty());
        let Some((secs, name)) = parsed else {
            return Err(format!(
                "{} line {}: expected `Took S seconds for NAME`, found `{line}`",
                path.display(),
                number + 1
            ));
        };
        costs.insert(name.to_owned(), secs);
    }
    if costs.is_empty() {
        return Err(format!(
            "{}: no `Took S seconds for NAME` line (save what denoise-serial prints)",
            path.display()
        ));
    }
    Ok(costs)
}

/// Checks that `costs` has a time for every photo, naming the first one missing.
pub fn check_costs(costs: &Costs, path: &Path, files: &[String]) -> Result<(), String> {
    match files
        .iter()
        .find(|f| !costs.contains_key(crate::shown(f).as_str()))
    {
        Some(missing) => Err(format!(
            "{}: no time for {} (measure the same photos with denoise-serial)",
            path.display(),
            crate::shown(missing)
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Costs, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("times.txt");
        std::fs::write(&path, text).unwrap();
        read_costs(&path).map_err(|e| e.replace(&path.display().to_string(), "FILE"))
    }

    #[test]
    fn the_serial_programs_lines_give_the_times() {
        let costs = read(
            "Took 0.321 seconds for noisy_000.jpg\nTook 0.25 seconds for a b.jpg\nTotal time 0.571 seconds\n",
        )
        .unwrap();
        assert_eq!(costs.len(), 2);
        assert_eq!(costs["noisy_000.jpg"], 0.321);
        assert_eq!(costs["a b.jpg"], 0.25);
    }

    #[test]
    fn a_bad_line_or_no_line_is_one_error_naming_the_file() {
        assert_eq!(
            read("Took many seconds for x.jpg\n").unwrap_err(),
            "FILE line 1: expected `Took S seconds for NAME`, found `Took many seconds for x.jpg`"
        );
        assert_eq!(
            read("Total time 3 seconds\n").unwrap_err(),
            "FILE: no `Took S seconds for NAME` line (save what denoise-serial prints)"
        );
        let costs = read("Took 1 seconds for a.jpg\n").unwrap();
        let files = ["a.jpg".to_owned(), "b.jpg".to_owned()];
        assert_eq!(
            check_costs(&costs, Path::new("t.txt"), &files).unwrap_err(),
            "t.txt: no time for b.jpg (measure the same photos with denoise-serial)"
        );
        assert_eq!(check_costs(&costs, Path::new("t.txt"), &files[..1]), Ok(()));
    }
}
