/** Small helpers shared by the benchmark scripts. */

import type { Module } from "../src/ir/ir.js";
import { compileTj } from "../src/lang/compile.js";

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export function tjModule(source: string, file = "bench.tj"): Module {
  const compiled = compileTj(source, file);
  if (!compiled.ok) throw new Error(`${file} does not compile`);
  return compiled.module;
}

/** Median wall time (ms) of `runs` calls of `fn` after one warm-up call. */
export function timeCalls(fn: () => unknown, runs: number): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  return median(times);
}
