# hello_p2p.py: Example 2, point to point (section 3.2). Run: mpiexec -n 4 python3 hello_p2p.py
from mpi4py import MPI

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
size = comm.Get_size()
if rank == 0:
    for i in range(1, size):
        sendMsg = "Hello, Rank %d" % i
        comm.send(sendMsg, dest=i)
else:
    recvMsg = comm.recv(source=0)
    print(recvMsg)
