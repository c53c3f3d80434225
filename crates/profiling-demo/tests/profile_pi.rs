//! Lesson 2's `profile-pi`, run as a learner runs it.

use std::process::Command;

#[test]
fn table_counts_every_hit_and_shows_the_real_source() {
    let out = Command::new(env!("CARGO_BIN_EXE_profile-pi"))
        .args(["--steps", "1000"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let first = text.lines().next().unwrap();
    let pi: f64 = first
        .strip_prefix("Pi with 1000 steps is ")
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((pi - std::f64::consts::PI).abs() < 1e-6, "{first}");
    assert!(
        text.contains("Line #       Hits         Time    Per Hit  % Time  Line Contents"),
        "{text}"
    );

    // (hits, contents) of every row that has hits, and the sum of % Time:
    // such a row starts with five numbers (line, hits, time, per hit, % time).
    let mut rows = Vec::new();
    let mut percent = 0.0;
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.len() > 5 && words[..5].iter().all(|w| w.parse::<f64>().is_ok()) {
            percent += words[4].parse::<f64>().unwrap();
            rows.push((words[1].parse::<u64>().unwrap(), words[5..].join(" ")));
        }
    }
    let expect = |contents: &str| rows.iter().find(|(_, c)| c == contents).map(|(h, _)| *h);
    assert_eq!(expect("for i in 0..num_steps {"), Some(1001), "{text}");
    assert_eq!(
        expect("let x = (i as f64 + 0.5) * step;"),
        Some(1000),
        "{text}"
    );
    assert_eq!(expect("sum += 4.0 / (1.0 + x * x);"), Some(1000), "{text}");
    assert_eq!(
        expect("let step = 1.0 / num_steps as f64;"),
        Some(1),
        "{text}"
    );
    assert!(
        (percent - 100.0).abs() < 1.0,
        "% Time adds up to {percent}: {text}"
    );
    assert!(
        text.contains("Without profiling the same loop takes"),
        "{text}"
    );
}
