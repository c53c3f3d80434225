// Builds pingpong-bench's C baseline (c/pingpong.c) with the MPI's compiler
// wrapper, the one rsmpi's build asks too ($MPICC, set by ci/mpi-env; else
// `mpicc`): the C and the Rust ping-pongs then call the same MPI library.
fn main() {
    println!("cargo::rerun-if-changed=c/pingpong.c");
    println!("cargo::rerun-if-env-changed=MPICC");
    let mpicc = std::env::var("MPICC").unwrap_or_else(|_| "mpicc".into());
    cc::Build::new()
        .compiler(mpicc)
        .file("c/pingpong.c")
        .opt_level(3)
        .compile("pingpong_c");
}
