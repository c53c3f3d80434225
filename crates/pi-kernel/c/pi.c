/* The workshop's C program (section 1.1.1), reduced to its loop so that the
 * benchmark can call it: the same sum, in the same order, as pi_kernel::naive_sum.
 * Built by build.rs twice: at -O3, as the workshop builds it (gcc pi.c -o pi -O3),
 * and at -O3 -march=native -ffast-math (named pi_c_loop_fast_math), the fastest
 * a C programmer gets by compiler flags alone. */
#ifndef PI_LOOP
#define PI_LOOP pi_c_loop
#endif
double PI_LOOP(long num_steps, long begin, long end)
{
    double step = 1.0 / (double)num_steps;
    double x, sum = 0.0;
    long i;
    for (i = begin; i < end; i++) {
        x = (i + 0.5) * step;
        sum = sum + 4.0 / (1.0 + x * x);
    }
    return sum;
}
