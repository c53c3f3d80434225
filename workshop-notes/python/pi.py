# pi.py: the workshop's pure Python pi (section 1.1.1), in Python 3.
# Run: python3 pi.py [NUM_STEPS]   (default 100000000; 10000000 takes about a second)
# Profile it line by line as section 2.2 does (pip install line_profiler):
#   kernprof -l -v pi.py 1000000
import sys
import time

try:
    profile  # kernprof -l defines it
except NameError:
    def profile(function):
        return function


@profile
def Pi(num_steps):
    start = time.time()
    step = 1.0 / num_steps
    sum = 0
    for i in range(num_steps):
        x = (i + 0.5) * step
        sum = sum + 4.0 / (1.0 + x * x)
    pi = step * sum
    end = time.time()
    print("Pi with %d steps is %.20f in %f secs" % (num_steps, pi, end - start))


if __name__ == '__main__':
    Pi(int(sys.argv[1]) if len(sys.argv) > 1 else 100000000)
