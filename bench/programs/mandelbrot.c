// C twin of mandelbrot.tj.
#include "harness.h"

static void run(int n) {
  int inside = 0;
  for (int y = 0; y < n; y++) {
    double ci = (double)y * 2.0 / (double)n - 1.0;
    for (int x = 0; x < n; x++) {
      double cr = (double)x * 2.0 / (double)n - 1.5;
      double zr = 0.0, zi = 0.0;
      int i = 0;
      while (i < 50 && zr * zr + zi * zi <= 4.0) {
        double t = zr * zr - zi * zi + cr;
        zi = 2.0 * zr * zi + ci;
        zr = t;
        i++;
      }
      if (i == 50) inside++;
    }
  }
  printf("%d\n", inside);
}

BENCH_MAIN(run)
