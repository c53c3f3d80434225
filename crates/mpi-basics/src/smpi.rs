//! The lessons on a simulated cluster (SimGrid's SMPI, `ci/build-smpi`).
//!
//! SMPI runs every rank in one process and keeps a simulated clock: a message
//! takes the time the simulated network says, and computation between MPI calls
//! takes the time it is charged. Measuring the real computation (SMPI's default)
//! makes every run differ; here the kernel's work is charged instead, from its
//! steps: one step is one "flop", and the platform's host speed is the learner's
//! own machine's measured steps per second (`workshop scaling --simulated`), so a
//! simulated rank computes as fast as a real core, and every run gives the same times.

unsafe extern "C" {
    /// SMPI: advance this rank's simulated clock by `flops` at its host's speed.
    fn smpi_execute_flops(flops: f64);
}

fn charge(steps: u64) {
    // SAFETY: called from a rank (an SMPI actor), as SMPI requires.
    unsafe { smpi_execute_flops(steps as f64) }
}

/// Called once MPI is initialised (the simulated clock exists).
pub(crate) fn charge_kernel_work() {
    pi_kernel::set_work_meter(charge);
}
