/* The workshop's C program (section 1.1.1): pi by the midpoint rule.
 *
 * As the workshop runs it:  gcc pi.c -O3 -o pi && ./pi   (optional argument: the steps)
 * From this repository's root, the program goes under target/, which git ignores:
 *   gcc crates/pi-kernel/c/pi.c -O3 -o target/pi-c && target/pi-c
 *
 * The benchmark (benches/, built by build.rs) uses only the loop: build.rs compiles this
 * file with PI_LOOP_ONLY, which leaves out main, twice: at -O3 as the workshop builds it,
 * and at -O3 -march=native -ffast-math (the loop then named pi_c_loop_fast_math), the
 * fastest a C programmer gets by compiler flags alone. The loop is the same sum, in the
 * same order, as pi_kernel::naive_sum. */
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

#ifndef PI_LOOP_ONLY
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* The workshop's Pi(): times the loop with the processor clock, prints the Rust lessons'
 * line ("Pi with N steps is ... in ... secs"). */
static void Pi(long num_steps)
{
    clock_t start = clock();
    double step = 1.0 / (double)num_steps;
    double pi = step * PI_LOOP(num_steps, 0, num_steps);
    clock_t end = clock();
    printf("Pi with %ld steps is %.20f in %f secs\n", num_steps, pi,
           (double)(end - start) / CLOCKS_PER_SEC);
}

int main(int argc, char **argv)
{
    long num_steps = 100000000;
    if (argc > 1) {
        char *rest;
        num_steps = strtol(argv[1], &rest, 10);
        if (*argv[1] == '\0' || *rest != '\0' || num_steps < 1) {
            fprintf(stderr, "error: %s: the number of steps must be a whole number of at least 1\n", argv[1]);
            return 2;
        }
    }
    Pi(num_steps);
    return 0;
}
#endif
