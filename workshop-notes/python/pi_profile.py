# pi_profile.py: pi.py with line_profiler's @profile (section 2.2), in Python 3.
# Run: kernprof -l -v pi_profile.py   (pip install line_profiler; 1000000 steps, as the workshop)
import time


@profile  # noqa: F821 -- kernprof defines it
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
    Pi(1000000)
