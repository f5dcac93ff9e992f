// C twin of dispatch.tj.
#include "harness.h"

static int32_t opAdd(int32_t x) { return (int32_t)((uint32_t)x + 7u); }
static int32_t opMix(int32_t x) { return x ^ (int32_t)((uint32_t)x >> 3); }
static int32_t opMul(int32_t x) { return (int32_t)((uint32_t)x * 3u); }
static int32_t opSub(int32_t x) { return (int32_t)((uint32_t)x - 11u); }

static void run(int n) {
  int32_t (*handlers[4])(int32_t) = {opAdd, opMix, opMul, opSub};
  int32_t acc = 1;
  uint32_t pc = 12345;
  for (int i = 0; i < n; i++) {
    pc = pc * 1103515245u + 12345u;
    acc = handlers[(pc >> 16) & 3](acc);
  }
  printf("%d\n", acc);
}

BENCH_MAIN(run)
