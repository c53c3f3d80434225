# hello_bcast.py: Example 3, broadcast (section 3.2). Run: mpiexec -n 4 python3 hello_bcast.py
from mpi4py import MPI

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
size = comm.Get_size()
if rank == 0:
    comm.bcast("Hello from Rank 0", root=0)
else:
    msg = comm.bcast(None, root=0)
    print("Rank %d received: %s" % (rank, msg))
