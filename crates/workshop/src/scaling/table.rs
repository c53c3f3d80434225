//! The scaling study's numbers: reading a program's time from its output, and the table
//! of time, speedup, efficiency and the ideal that `workshop scaling` prints.

use super::*;

/// Where a program prints its time: the number between `before` and `after`
/// on the first line that has both.
#[derive(Clone, Copy, Debug)]
pub struct TimeLine {
    pub before: &'static str,
    pub after: &'static str,
}

/// `Pi with 1000 steps is 3.14159... in 0.000358 secs on 4 ranks`
pub const PI_TIME: TimeLine = TimeLine {
    before: " in ",
    after: " secs",
};
/// `Total time 4.1 seconds` (denoise-parallel, rank 0)
pub const DENOISE_TIME: TimeLine = TimeLine {
    before: "Total time ",
    after: " seconds",
};

/// The time in seconds that a program printed, if it printed one.
pub fn parse_time(stdout: &str, time_line: TimeLine) -> Option<f64> {
    stdout.lines().find_map(|line| {
        let (_, rest) = line.split_once(time_line.before)?;
        let (number, _) = rest.split_once(time_line.after)?;
        let secs: f64 = number.trim().parse().ok()?;
        (secs.is_finite() && secs >= 0.0).then_some(secs)
    })
}

/// One configuration's best time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub ranks: u32,
    pub threads: u32,
    pub secs: f64,
}

impl Point {
    pub fn workers(&self) -> u32 {
        self.ranks * self.threads
    }
}

/// A program's measured points.
#[derive(Clone, Debug)]
pub struct Series {
    pub name: String,
    pub points: Vec<Point>,
}

/// One table row.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub program: String,
    pub ranks: u32,
    pub threads: u32,
    pub secs: f64,
    /// Time at 1 worker / time here.
    pub speedup: f64,
    /// Speedup per worker: 1.0 is perfect.
    pub efficiency: f64,
    /// The speedup if nothing were lost: the worker count.
    pub ideal: f64,
}

/// Speedup, efficiency and ideal for each point of a series.
///
/// Speedup is measured against the run with the fewest workers, normally 1.
/// Without a 1-worker run the smallest run is taken to be ideal (speedup =
/// its worker count), the usual convention when one worker would take too long.
/// A time of 0 (too short to measure) gives NaN, shown as `-`.
pub fn rows(series: &Series) -> Vec<Row> {
    let Some(base) = series.points.iter().min_by_key(|p| p.workers()) else {
        return Vec::new();
    };
    series
        .points
        .iter()
        .map(|p| {
            let workers = f64::from(p.workers());
            let speedup = if p.secs > 0.0 {
                base.secs / p.secs * f64::from(base.workers())
            } else {
                f64::NAN
            };
            Row {
                program: series.name.clone(),
                ranks: p.ranks,
                threads: p.threads,
                secs: p.secs,
                speedup,
                efficiency: speedup / workers,
                ideal: workers,
            }
        })
        .collect()
}

/// Amdahl's law: when a fraction `s` of the work is serial, `workers` workers give at most
/// this speedup, 1 / (s + (1 - s) / workers), however many there are (at most 1/s).
pub fn amdahl_speedup(serial: f64, workers: f64) -> f64 {
    1.0 / (serial + (1.0 - serial) / workers)
}

/// The serial fraction that best fits measured speedups under Amdahl's law: a least-squares
/// fit of 1/speedup = s + (1 - s)/N over the rows with 2 up to `cores` workers (past the
/// cores, workers take turns, which the law does not model). `None` without such a row;
/// clamped to 0..=1 (a superlinear speedup fits as no serial part).
pub fn amdahl_fraction(rows: &[Row], cores: usize) -> Option<f64> {
    // 1/S - 1/N = s (1 - 1/N): a line through the origin in x = 1 - 1/N.
    let (mut xy, mut xx) = (0.0, 0.0);
    for row in rows {
        if row.ideal > 1.0
            && row.ideal <= cores as f64
            && row.speedup.is_finite()
            && row.speedup > 0.0
        {
            let x = 1.0 - 1.0 / row.ideal;
            xy += x * (1.0 / row.speedup - 1.0 / row.ideal);
            xx += x * x;
        }
    }
    (xx > 0.0).then(|| (xy / xx).clamp(0.0, 1.0))
}

/// The rows as a Markdown table, columns padded to line up in a terminal.
pub fn format_table(rows: &[Row]) -> String {
    let number = |value: f64, text: String| if value.is_finite() { text } else { "-".into() };
    let header = [
        "program",
        "ranks",
        "threads",
        "time (s)",
        "speedup",
        "efficiency",
        "ideal",
    ];
    let cells: Vec<[String; 7]> = rows
        .iter()
        .map(|r| {
            [
                r.program.clone(),
                r.ranks.to_string(),
                r.threads.to_string(),
                format!("{:.4}", r.secs),
                number(r.speedup, format!("{:.2}", r.speedup)),
                number(r.efficiency, format!("{:.0}%", 100.0 * r.efficiency)),
                format!("{}", r.ideal),
            ]
        })
        .collect();
    let cells: Vec<Vec<String>> = cells.into_iter().map(Vec::from).collect();
    markdown_table(&header, &cells)
}

/// A Markdown table, columns padded to line up in a terminal: the first column
/// (a name) left-aligned, the others (numbers) right-aligned.
pub fn markdown_table(header: &[&str], cells: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            cells
                .iter()
                .map(|row| row[c].chars().count())
                .chain([header[c].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |values: Vec<&str>| {
        let padded: Vec<String> = values
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(c, (v, &w))| {
                if c == 0 {
                    format!("{v:<w$}")
                } else {
                    format!("{v:>w$}")
                }
            })
            .collect();
        format!("| {} |\n", padded.join(" | "))
    };
    let mut table = line(header.to_vec());
    let rule: Vec<String> = widths
        .iter()
        .enumerate()
        .map(|(c, &w)| {
            if c == 0 {
                "-".repeat(w + 2)
            } else {
                format!("{}:", "-".repeat(w + 1))
            }
        })
        .collect();
    let _ = writeln!(table, "|{}|", rule.join("|"));
    for row in cells {
        table += &line(row.iter().map(String::as_str).collect());
    }
    table
}

/// The rows whose speedup is more than the cores can give (10% margin for noise).
pub fn beyond_the_cores(rows: &[Row], cores: usize) -> Vec<&Row> {
    rows.iter()
        .filter(|r| r.speedup > 1.1 * cores as f64)
        .collect()
}
