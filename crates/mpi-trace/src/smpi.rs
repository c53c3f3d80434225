//! The tracer built into a program for SimGrid's SMPI (feature `smpi`).
//!
//! SMPI runs every rank of a job in one process, each rank a private copy of
//! the program loaded with `dlopen`, and it resolves a copy's MPI calls inside
//! that copy first: a preloaded library is never asked. So the simulated
//! lessons link these wrappers into the program (smpi/Cargo.toml), and each
//! rank's copy has its own trace, as each process has for real.
//!
//! Only the clock changes. A simulated job's time is the simulator's: a
//! message takes what the simulated network says, whatever the real machine
//! took to compute it. Every rank reads the same clock, so there is nothing to
//! align, and two runs give the same times to the nanosecond.

unsafe extern "C" {
    /// SimGrid: the simulated time, in seconds. Unlike `MPI_Wtime`, reading it
    /// costs no simulated time (SMPI charges each `MPI_Wtime` 10 ns by default).
    fn simgrid_get_clock() -> f64;
    /// rsmpi's C shim (patched for SMPI): SMPI's `MPI_COMM_WORLD` is a variable
    /// set by `MPI_Init`, which the shim copies here. rsmpi calls it after
    /// `MPI_Init_thread` returns, but the tracer needs the world sooner.
    fn RSMPI_Init_comms();
}

/// Nanoseconds of simulated time.
pub(crate) fn clock_ns() -> u64 {
    // SAFETY: called from a rank (an SMPI actor), inside the simulation.
    (unsafe { simgrid_get_clock() } * 1e9).round() as u64
}

/// Makes `RSMPI_COMM_WORLD` the world communicator (MPI is initialised).
pub(crate) fn init_comms() {
    // SAFETY: MPI is initialised; the shim only copies two handles.
    unsafe { RSMPI_Init_comms() }
}

/// The program's name: this process is SMPI's, and the rank's copy of the
/// program is a temporary file, but SMPI passes the program's own path as
/// `argv[0]` to each copy's `main`.
pub(crate) fn program_name() -> String {
    std::env::args_os()
        .next()
        .and_then(|p| {
            std::path::Path::new(&p)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_default()
}
