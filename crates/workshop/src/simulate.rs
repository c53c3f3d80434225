//! `workshop simulate -n N PROGRAM [ARGS…]`: one MPI lesson on a simulated cluster
//! (SimGrid's SMPI, `smpi/README.md`), at rank counts this machine does not have.
//!
//! It prints what the program prints, then how long the run took on the
//! simulated clock. The platform's cores are calibrated first to this
//! machine's speed (pi's fast kernel), so a simulated rank computes as fast as
//! a real one: only the network and the number of cores are the cluster's.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use mpi_basics::simulate::{self, Platform};

/// `workshop simulate`
#[derive(Args, Debug)]
pub struct SimulateArgs {
    /// Rank count: 1 to the platform's cores (1152 on infiniband; about 1000 at most)
    #[arg(short = 'n', long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub ranks: u32,
    /// The simulated cluster: a kept platform (infiniband, ethernet; smpi/platforms/) or a SimGrid XML file
    #[arg(long, value_name = "P", default_value = "infiniband")]
    pub platform: String,
    /// A core's speed in pi steps a second [default: measured on this machine]
    #[arg(long, value_name = "STEPS")]
    pub speed: Option<f64>,
    /// The lesson built for SMPI (hello-mpi, sum-p2p, sum-reduce, pi-mpi, scatter-gather, denoise-parallel), or its path
    pub program: String,
    /// The program's own arguments
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

pub fn run(args: &SimulateArgs) -> Result<(), String> {
    simulate::check_installed()?;
    let platform = Platform::find(&args.platform)?;
    platform.hostfile(args.ranks as usize)?;
    let program = if args.program.contains('/') {
        PathBuf::from(&args.program)
    } else {
        simulate::bin_dir().join(&args.program)
    };
    if !program.is_file() && !args.program.contains('/') {
        return Err(format!(
            "no lesson `{}` built for SMPI in {} (built: {}; run ci/build-smpi)",
            args.program,
            simulate::bin_dir().display(),
            simulate::programs_in(&simulate::bin_dir()).join(", ")
        ));
    }
    let (speed, measured) = match args.speed {
        Some(speed) => (speed, ""),
        None => (simulate::measure_steps_per_sec(), ", measured here"),
    };
    let words: Vec<&str> = args.args.iter().map(String::as_str).collect();
    // The calibrated platform lives in a folder of this run's own, removed
    // whatever happens.
    let dir = tempfile_dir()?;
    let result = platform.calibrated(speed, &dir).and_then(|platform| {
        let run = simulate::run(&platform, args.ranks as usize, &program, &words)?;
        Ok((platform, run))
    });
    let _ = std::fs::remove_dir_all(&dir);
    let (platform, run) = result?;
    std::io::stdout()
        .write_all(&run.output.stdout)
        .map_err(|e| format!("cannot print: {e}"))?;
    eprint!("{}", run.stderr);
    eprintln!(
        "simulated on {} ({} nodes x {} cores, a core at {:.3e} pi steps/s{measured}): {} ranks took {:.6} s",
        platform.name,
        platform.nodes.len(),
        platform.cores_per_node,
        speed,
        args.ranks,
        run.simulated_secs
    );
    Ok(())
}

/// A folder of this process's own for the calibrated platform.
fn tempfile_dir() -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("workshop-simulate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(dir)
}
