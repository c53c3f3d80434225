// SMPI runs a program by loading it as a shared object (one private copy per
// rank) and calling its `main`: so each lesson, an ordinary Rust program with the
// `main` rustc writes for every binary, is linked with -shared instead of as an
// executable.
fn main() {
    println!("cargo::rustc-link-arg-bins=-shared");
}
