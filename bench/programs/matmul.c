// C twin of matmul.tj.
#include "harness.h"

static void run(int n) {
  double *a = calloc((size_t)n * n, sizeof(double)), *b = calloc((size_t)n * n, sizeof(double)),
         *c = calloc((size_t)n * n, sizeof(double));
  for (int i = 0; i < n; i++) {
    for (int j = 0; j < n; j++) {
      a[i * n + j] = (double)((i * 7 + j * 3) % 11) - 5.0;
      b[i * n + j] = (double)((i * 5 + j * 2) % 13) * 0.5;
    }
  }
  for (int i = 0; i < n; i++) {
    for (int k = 0; k < n; k++) {
      double aik = a[i * n + k];
      for (int j = 0; j < n; j++) c[i * n + j] += aik * b[k * n + j];
    }
  }
  double trace = 0.0, sum = 0.0;
  for (int i = 0; i < n; i++) trace += c[i * n + i];
  for (int i = 0; i < n * n; i++) sum += c[i];
  printf("%.3f\n%.3f\n", trace, sum);
  free(a);
  free(b);
  free(c);
}

BENCH_MAIN(run)
