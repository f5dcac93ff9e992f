// C twin of spectralnorm.tj.
#include "harness.h"

static double a(int i, int j) { return 1.0 / (double)(((i + j) * (i + j + 1)) / 2 + i + 1); }

static void mulAv(int n, const double *v, double *av) {
  for (int i = 0; i < n; i++) {
    double sum = 0.0;
    for (int j = 0; j < n; j++) sum += a(i, j) * v[j];
    av[i] = sum;
  }
}

static void mulAtv(int n, const double *v, double *atv) {
  for (int i = 0; i < n; i++) {
    double sum = 0.0;
    for (int j = 0; j < n; j++) sum += a(j, i) * v[j];
    atv[i] = sum;
  }
}

static void mulAtAv(int n, const double *v, double *out, double *tmp) {
  mulAv(n, v, tmp);
  mulAtv(n, tmp, out);
}

static void run(int n) {
  double *u = malloc(sizeof(double) * n), *v = calloc(n, sizeof(double)), *tmp = calloc(n, sizeof(double));
  for (int i = 0; i < n; i++) u[i] = 1.0;
  for (int k = 0; k < 10; k++) {
    mulAtAv(n, u, v, tmp);
    mulAtAv(n, v, u, tmp);
  }
  double vBv = 0.0, vv = 0.0;
  for (int i = 0; i < n; i++) {
    vBv += u[i] * v[i];
    vv += v[i] * v[i];
  }
  printf("%.9f\n", sqrt(vBv / vv));
  free(u);
  free(v);
  free(tmp);
}

BENCH_MAIN(run)
