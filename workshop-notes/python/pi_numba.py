# pi_numba.py: the bottleneck in a function of its own, compiled by Numba (section 2.3,
# step 3), in Python 3.
# Run: python3 pi_numba.py [NUM_STEPS]   (pip install numba)
import sys
import time

from numba import jit


@jit(nopython=True)
def loop(num_steps):
    step = 1.0 / num_steps
    sum = 0.0
    for i in range(num_steps):
        x = (i + 0.5) * step
        sum = sum + 4.0 / (1.0 + x * x)
    return sum


def Pi(num_steps):
    start = time.time()
    sum = loop(num_steps)
    pi = sum / num_steps
    end = time.time()
    print("Pi with %d steps is %.20f in %f secs" % (num_steps, pi, end - start))


if __name__ == '__main__':
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000000
    loop(10)  # compile first, so the time below is the loop's, not Numba's
    Pi(n)
