// C twin of fib.tj.
#include "harness.h"

static int fib(int n) {
  if (n < 2) return n;
  return fib(n - 1) + fib(n - 2);
}

static void run(int n) { printf("%d\n", fib(n)); }

BENCH_MAIN(run)
