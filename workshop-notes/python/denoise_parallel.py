# denoise_parallel.py: Exercise 1 across MPI ranks (section 3.2), completed, in Python 3.
# Run from the repository root: mpiexec -n 4 python3 workshop-notes/python/denoise_parallel.py
#   (pip install mpi4py scikit-image; same folders and arguments as denoise_serial.py)
import os
import sys
import time

import skimage.io
from mpi4py import MPI
from skimage import img_as_float, img_as_ubyte
from skimage.restoration import denoise_bilateral

noisyDir = sys.argv[1] if len(sys.argv) > 1 else os.path.join('data', 'noisy')
denoisedDir = sys.argv[2] if len(sys.argv) > 2 else os.path.join('target', 'denoised-python')


def loop(imgFiles, rank):
    for f in imgFiles:
        img = img_as_float(skimage.io.imread(os.path.join(noisyDir, f)))
        startTime = time.time()
        img = denoise_bilateral(img, sigma_color=0.1, sigma_spatial=3, channel_axis=-1)
        skimage.io.imsave(os.path.join(denoisedDir, f), img_as_ubyte(img))
        print("Process %d: Took %f seconds for %s" % (rank, time.time() - startTime, f))


def parallel():
    comm = MPI.COMM_WORLD
    rank = comm.Get_rank()
    size = comm.Get_size()

    totalStartTime = time.time()
    os.makedirs(denoisedDir, exist_ok=True)
    imgFiles = sorted(x for x in os.listdir(noisyDir) if x.endswith('.jpg'))
    # The workshop's numFiles = len(imgFiles)/size drops the remainder (photo 99 at 3
    # ranks): the first len % size ranks take one file more.
    base, extra = divmod(len(imgFiles), size)
    begin = rank * base + min(rank, extra)
    end = begin + base + (1 if rank < extra else 0)
    loop(imgFiles[begin:end], rank)

    print("Total time %f seconds" % (time.time() - totalStartTime))


if __name__ == '__main__':
    parallel()
