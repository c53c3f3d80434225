// Builds the workshop's C loop (c/pi.c, without its main: PI_LOOP_ONLY) so the
// benchmark can put C beside the Rust kernels in one run: once at -O3 as the
// workshop does, and once with -march=native -ffast-math (the fastest C by
// compiler flags alone).
fn main() {
    println!("cargo::rerun-if-changed=c/pi.c");
    cc::Build::new()
        .file("c/pi.c")
        .opt_level(3)
        .define("PI_LOOP_ONLY", None)
        .compile("pi_c");
    cc::Build::new()
        .file("c/pi.c")
        .opt_level(3)
        .flag("-march=native")
        .flag("-ffast-math")
        .define("PI_LOOP_ONLY", None)
        .define("PI_LOOP", "pi_c_loop_fast_math")
        .compile("pi_c_fast_math");
}
