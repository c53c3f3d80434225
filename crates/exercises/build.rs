//! Writes the known wrong answers of tests/mutants.toml: each is a solution
//! with a few lines replaced, so that what is wrong is all a reader has to see
//! (and the solution is not copied by hand). The binaries `mutant-NAME`
//! include them (tests/mutants/NAME.rs).

use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it"));
    println!("cargo::rerun-if-changed=tests/mutants.toml");
    println!("cargo::rerun-if-changed=solutions");
    let text = std::fs::read_to_string(dir.join("tests/mutants.toml"))
        .unwrap_or_else(|e| panic!("tests/mutants.toml: {e}"));
    let table: toml::Table =
        toml::from_str(&text).unwrap_or_else(|e| panic!("tests/mutants.toml: {e}"));
    let mutants = table["mutant"].as_array().expect("[[mutant]] entries");
    for mutant in mutants {
        let field = |key: &str| {
            mutant[key]
                .as_str()
                .unwrap_or_else(|| panic!("tests/mutants.toml: a mutant without {key}"))
        };
        let (name, solution, why) = (field("name"), field("solution"), field("why"));
        let source = std::fs::read_to_string(dir.join("solutions").join(solution))
            .unwrap_or_else(|e| panic!("tests/mutants.toml: {name}: solutions/{solution}: {e}"));
        // The solution's inner doc comment cannot stand inside include!().
        let mut code: String = source
            .lines()
            .skip_while(|l| l.starts_with("//!"))
            .map(|l| format!("{l}\n"))
            .collect();
        for pair in mutant["replace"]
            .as_array()
            .expect("replace = [[find, with], ...]")
        {
            let pair = pair.as_array().expect("[find, with]");
            let (find, with) = (pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
            assert!(
                code.contains(find),
                "tests/mutants.toml: {name}: `{find}` is not in solutions/{solution}"
            );
            code = code.replacen(find, with, 1);
        }
        let file = format!("mutant_{}.rs", name.replace('-', "_"));
        // A program that reads its own source (profile) reads this one.
        code = code.replace(
            &format!("include_str!(\"{solution}\")"),
            &format!("include_str!(\"{file}\")"),
        );
        let header = format!("// Written by build.rs from solutions/{solution}: {why}.\n");
        std::fs::write(out.join(&file), header + &code)
            .unwrap_or_else(|e| panic!("{}: {e}", out.join(&file).display()));
    }
}
