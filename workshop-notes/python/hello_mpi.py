# hello_mpi.py: Example 1 (section 3.2). Run: mpiexec -n 4 python3 hello_mpi.py
from mpi4py import MPI

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
size = comm.Get_size()
print("hello world from process %d/%d" % (rank, size))
