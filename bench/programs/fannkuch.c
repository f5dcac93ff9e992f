// C twin of fannkuch.tj.
#include "harness.h"

static void run(int n) {
  int *perm = calloc(n + 1, sizeof(int)), *perm1 = calloc(n + 1, sizeof(int)), *count = calloc(n + 1, sizeof(int));
  for (int i = 0; i < n; i++) perm1[i] = i;
  int maxFlips = 0, checksum = 0, permCount = 0, r = n;
  for (;;) {
    while (r != 1) {
      count[r - 1] = r;
      r--;
    }
    for (int i = 0; i < n; i++) perm[i] = perm1[i];
    int flips = 0, k = perm[0];
    while (k != 0) {
      int k2 = (k + 1) >> 1;
      for (int i = 0; i < k2; i++) {
        int t = perm[i];
        perm[i] = perm[k - i];
        perm[k - i] = t;
      }
      flips++;
      k = perm[0];
    }
    if (flips > maxFlips) maxFlips = flips;
    checksum += permCount % 2 == 0 ? flips : -flips;
    for (;;) {
      if (r == n) {
        printf("%d\n%d\n", checksum, maxFlips);
        free(perm);
        free(perm1);
        free(count);
        return;
      }
      int perm0 = perm1[0];
      for (int i = 0; i < r; i++) perm1[i] = perm1[i + 1];
      perm1[r] = perm0;
      count[r]--;
      if (count[r] > 0) break;
      r++;
    }
    permCount++;
  }
}

BENCH_MAIN(run)
