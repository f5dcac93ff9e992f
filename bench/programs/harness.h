// The C side of `tierjit bench`: runs a kernel `iterations` times in one process, prints
// the first iteration's output on stdout and each iteration's time in ms on stderr.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>

static double bench_now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

#define BENCH_MAIN(kernel)                                              \
  int main(int argc, char **argv) {                                     \
    int n = argc > 1 ? atoi(argv[1]) : 10;                              \
    int iterations = argc > 2 ? atoi(argv[2]) : 1;                      \
    for (int i = 0; i < iterations; i++) {                              \
      double start = bench_now_ms();                                    \
      if (i > 0 && freopen("/dev/null", "w", stdout) == NULL) return 2; \
      kernel(n);                                                        \
      fflush(stdout);                                                   \
      fprintf(stderr, "iteration %.6f\n", bench_now_ms() - start);      \
    }                                                                   \
    return 0;                                                           \
  }
