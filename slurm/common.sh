# Sourced by every job script (slurm/*.sbatch), on the node the job starts on.
# shellcheck shell=bash
set -euo pipefail
# sbatch runs a copy of the script from its spool folder: find the clone
# through the folder the job was submitted from (submit from the clone's root).
cd "${SLURM_SUBMIT_DIR:?run this through sbatch or slurm/submit}"
if [ ! -f ci/mpi-env ]; then
    echo "error: submit from the root of the mpi-workshop-rs clone (sbatch slurm/NAME.sbatch), not from $PWD" >&2
    exit 2
fi
# The site's settings (slurm/site.env, or WORKSHOP_SITE): its MPI module is loaded
# here, on the node, before the MPI is looked for.
# shellcheck source=slurm/site.env
. "${WORKSHOP_SITE:-slurm/site.env}"
if [ -n "$WORKSHOP_MODULES" ]; then
    echo "site modules: $WORKSHOP_MODULES"
    eval "$WORKSHOP_MODULES"
fi
# shellcheck source=ci/mpi-env
. ci/mpi-env   # the MPI ci/setup-mpi recorded: its binaries are in $BIN
# srun starts the ranks itself and hands them their rank through a PMI plugin;
# without the one the MPI speaks every rank says "0 of 1".
if [ -z "${WORKSHOP_SRUN_MPI:-}" ]; then
    case "$WORKSHOP_MPI" in *openmpi) WORKSHOP_SRUN_MPI=pmix ;; *) WORKSHOP_SRUN_MPI=pmi2 ;; esac
fi
# Show each command before running it, as the notes do.
run() { echo "\$ $*"; "$@"; }
mpirun_srun() { run srun --mpi="$WORKSHOP_SRUN_MPI" "$@"; }
echo "job $SLURM_JOB_ID on $SLURM_JOB_NUM_NODES node(s) ($SLURM_JOB_NODELIST), $SLURM_NTASKS task(s), MPI $WORKSHOP_MPI"
