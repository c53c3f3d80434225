# scatter_gather.py: scatter and gather (section 6, Appendix).
# Run: mpiexec -n 4 python3 scatter_gather.py
from mpi4py import MPI

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
size = comm.Get_size()

# scatter assumes a list at root to have EXACTLY "size" elements.
l = []
if rank == 0:
    l = list(range(size))  # l is [0,1,2,3] at rank 0 if size = 4
x = comm.scatter(l, root=0)  # each process gets one element of l
print("Rank %d received a scattered int " % rank + str(x))

x = x * 10  # each process updates the value

l2 = comm.gather(x, root=0)  # rank 0 collects x from all processes into a new list l2
if rank == 0:
    print("Rank %d collected a list " % rank + str(l2))  # l2 is None at other ranks
