# pi_numba_mpi_reduce.py: Exercise 2, parallel pi with reduce (section 3.2), completed, in
# Python 3. Each rank sums its block of the steps; reduce adds the blocks up on rank 0.
# Run: mpiexec -n 4 python3 pi_numba_mpi_reduce.py [NUM_STEPS]   (pip install mpi4py numba)
import sys
import time

from mpi4py import MPI
from numba import jit


@jit(nopython=True)
def loop(num_steps, begin, end):
    step = 1.0 / num_steps
    sum = 0.0
    for i in range(begin, end):
        x = (i + 0.5) * step
        sum = sum + 4.0 / (1.0 + x * x)
    return sum


def Pi(num_steps):
    comm = MPI.COMM_WORLD
    rank = comm.Get_rank()
    size = comm.Get_size()
    loop(10, 0, 10)  # compile before the clock starts
    comm.Barrier()  # start every rank's clock together
    start = time.time()
    # The workshop gives every rank num_steps/size steps, which drops the remainder when
    # size does not divide num_steps; here the first num_steps % size ranks take one more.
    base, extra = divmod(num_steps, size)
    begin = rank * base + min(rank, extra)
    end = begin + base + (1 if rank < extra else 0)
    local_sum = loop(num_steps, begin, end)
    sum = comm.reduce(local_sum, op=MPI.SUM, root=0)
    end_time = time.time()
    if rank == 0:
        pi = sum / num_steps
        print("Pi with %d steps is %.20f in %f secs" % (num_steps, pi, end_time - start))


if __name__ == '__main__':
    Pi(int(sys.argv[1]) if len(sys.argv) > 1 else 100000000)
