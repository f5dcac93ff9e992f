// C twin of hash.tj.
#include "harness.h"

static uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

static void run(int n) {
  uint32_t h = 0x9747b28cu;
  int32_t bits = 0;
  for (int i = 0; i < n; i++) {
    uint32_t k = (uint32_t)i * 0xcc9e2d51u;
    k = rotl32(k, 15);
    k *= 0x1b873593u;
    h ^= k;
    h = rotl32(h, 13);
    h = h * 5 + 0xe6546b64u;
    bits += __builtin_popcount(h);
  }
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  printf("%d\n%d\n", bits, (int32_t)h);
}

BENCH_MAIN(run)
