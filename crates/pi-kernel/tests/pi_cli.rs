//! Lesson 1's program `pi`, run as a learner runs it.

use std::process::Command;

use lesson_cli::testing::assert_usage_error;
use pi_kernel::PiReport;

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
        let report = PiReport::parse(text.trim_end()).expect(&text);
        assert_eq!((report.steps, report.on), (2000000, None), "{text}");
        assert!(
            (report.pi - std::f64::consts::PI).abs() <= 1e-12,
            "{kernel}: {}",
            report.pi
        );
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
        assert_usage_error(PI, args);
    }
}
