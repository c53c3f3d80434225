//! The lessons on a simulated cluster (SimGrid's SMPI, `ci/build-smpi`).
//!
//! SMPI runs every rank in one process and keeps a simulated clock: a message
//! takes the time the simulated network says, and computation between MPI calls
//! takes the time it is charged. Measuring the real computation (SMPI's default)
//! makes every run differ; here the kernel's work is charged instead, from its
//! steps: one step is one "flop", and the platform's host speed is the learner's
//! own machine's measured steps per second (`workshop scaling --simulated`), so a
//! simulated rank computes as fast as a real core, and every run gives the same times.

use std::ffi::c_void;

unsafe extern "C" {
    /// SMPI: advance this rank's simulated clock by `flops` at its host's speed.
    fn smpi_execute_flops(flops: f64);
    /// SimGrid: the host this actor (rank) runs on, and its speed in flops a second.
    fn sg_host_self() -> *const c_void;
    fn sg_host_get_speed(host: *const c_void) -> f64;
}

fn charge(steps: u64) {
    // SAFETY: called from a rank (an SMPI actor), as SMPI requires.
    unsafe { smpi_execute_flops(steps as f64) }
}

/// Called once MPI is initialised (the simulated clock exists).
pub(crate) fn charge_kernel_work() {
    pi_kernel::set_work_meter(charge);
}

/// Advances this rank's simulated clock by `secs` of computing on its host, for
/// work whose cost was measured on a real core rather than counted in steps (a
/// photo's filter time). Call it from the rank's own thread.
pub fn compute_for(secs: f64) {
    // SAFETY: both calls are made from a rank, whose host SimGrid knows.
    unsafe {
        let speed = sg_host_get_speed(sg_host_self());
        smpi_execute_flops(secs * speed);
    }
}
