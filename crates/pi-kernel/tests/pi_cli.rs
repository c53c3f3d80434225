//! Lesson 1's program `pi`, run as a learner runs it.

use std::process::Command;

const PI: &str = env!("CARGO_BIN_EXE_pi");

#[test]
fn both_kernels_print_the_workshop_line_with_pi_right() {
    for kernel in ["naive", "fast"] {
        let out = Command::new(PI)
            .args(["--steps", "2000000", "--kernel", kernel])
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        let rest = text.strip_prefix("Pi with 2000000 steps is ").expect(&text);
        let (pi, time) = rest.trim_end().split_once(" in ").expect(&text);
        assert!(time.ends_with(" secs"), "{text}");
        let pi: f64 = pi.parse().unwrap();
        assert!((pi - std::f64::consts::PI).abs() <= 1e-12, "{kernel}: {pi}");
    }
}

#[test]
fn bad_arguments_give_one_line_and_status_2() {
    for args in [
        &["--steps", "0"][..],
        &["--steps", "abc"],
        &["--steps", "-5"],
        &["--kernel", "slow"],
        &["--bogus"],
    ] {
        let out = Command::new(PI).args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
    }
}
