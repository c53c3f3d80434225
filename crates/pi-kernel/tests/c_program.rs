//! The workshop's C program, `c/pi.c`, built and run as the workshop does
//! (`gcc pi.c -O3 -o pi && ./pi`): it prints the same line as `pi --kernel naive`,
//! to the last digit, since it runs the same sum in the same order.

use std::path::Path;
use std::process::Command;

use pi_kernel::PiReport;

const PI: &str = env!("CARGO_BIN_EXE_pi");

fn pi_line(program: &str, args: &[&str]) -> PiReport {
    let out = Command::new(program).args(args).output().unwrap();
    assert!(out.status.success(), "{program} {args:?}: {out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    PiReport::parse(text.trim_end()).unwrap_or_else(|| panic!("not a pi line: {text}"))
}

#[test]
fn the_c_program_builds_alone_and_agrees_with_the_naive_loop() {
    let dir = std::env::temp_dir().join(format!("pi-c-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let exe = dir.join("pi");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("c/pi.c");
    let compiler = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let status = Command::new(&compiler)
        .arg(&source)
        .args(["-O3", "-Wall", "-Werror", "-o"])
        .arg(&exe)
        .status()
        .unwrap_or_else(|e| panic!("{compiler}: {e}"));
    assert!(status.success(), "{compiler} {} failed", source.display());
    let exe = exe.to_str().unwrap();

    for steps in ["1000000", "1000003"] {
        let c = pi_line(exe, &[steps]);
        let rust = pi_line(PI, &["--kernel", "naive", "--steps", steps]);
        assert_eq!(c.steps, rust.steps);
        assert_eq!(
            c.pi.to_bits(),
            rust.pi.to_bits(),
            "{steps} steps: C {} Rust {}",
            c.pi,
            rust.pi
        );
    }
    // Without an argument: the workshop's 10^8 steps.
    assert_eq!(pi_line(exe, &[]).steps, 100_000_000);
    let bad = Command::new(exe).arg("ten").output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).starts_with("error: ten: "));
    std::fs::remove_dir_all(&dir).unwrap();
}
