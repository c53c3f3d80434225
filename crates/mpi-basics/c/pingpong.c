/* The C baseline of pingpong-bench: the ping-pong a C program would write,
 * MPI_Send and MPI_Recv of `n` doubles from one reused buffer, `reps` round
 * trips with `partner` on MPI_COMM_WORLD (`first`: this rank sends first).
 * Built by build.rs with the MPI's own compiler wrapper ($MPICC), so it
 * calls the same MPI library as the Rust code beside it. */
#include <mpi.h>

void pingpong_c(int partner, int first, double *buf, int n, long reps)
{
    for (long i = 0; i < reps; i++) {
        if (first) {
            MPI_Send(buf, n, MPI_DOUBLE, partner, 0, MPI_COMM_WORLD);
            MPI_Recv(buf, n, MPI_DOUBLE, partner, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        } else {
            MPI_Recv(buf, n, MPI_DOUBLE, partner, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            MPI_Send(buf, n, MPI_DOUBLE, partner, 0, MPI_COMM_WORLD);
        }
    }
}
