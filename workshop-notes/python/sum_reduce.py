# sum_reduce.py: Example 4, the same sum by reduce (section 3.2).
# Run: mpiexec -n 4 python3 sum_reduce.py
from mpi4py import MPI

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
size = comm.Get_size()
val = (rank + 1) * 10
print("Rank %d has value %d" % (rank, val))
sum = comm.reduce(val, op=MPI.SUM, root=0)
if rank == 0:
    print("Rank 0 worked out the total %d" % sum)
