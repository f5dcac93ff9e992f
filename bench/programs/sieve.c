// C twin of sieve.tj.
#include "harness.h"

static void run(int n) {
  unsigned char *composite = calloc((size_t)n, 1);
  int count = 0;
  for (int i = 2; i < n; i++) {
    if (composite[i]) continue;
    count++;
    if ((int64_t)i * i < n) {
      for (int j = i * i; j < n; j += i) composite[j] = 1;
    }
  }
  free(composite);
  printf("%d\n", count);
}

BENCH_MAIN(run)
