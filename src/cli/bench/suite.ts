/**
 * The benchmark suite: programs in `bench/programs/` (each a TJ file with a plain-JS and a C
 * twin computing the same thing with the same algorithm) and the generated start-up
 * workloads. Every program's `main` takes one size argument.
 */

import { packagePath } from "../paths.js";

export interface BenchProgram {
  name: string;
  /** What it stresses (shown in reports). */
  what: string;
  /** The size argument of `main`, for full runs and for `--quick`. */
  size: { full: number; quick: number };
  /** Generated: a start-up workload of this many functions (sources written at run time). */
  startupFunctions?: number;
  /** Part of `--quick` runs (default true). */
  inQuick?: boolean;
}

export const SUITE: readonly BenchProgram[] = [
  { name: "fib", what: "recursive calls", size: { full: 32, quick: 27 } },
  { name: "sieve", what: "byte array, strided stores", size: { full: 5_000_000, quick: 1_000_000 } },
  { name: "mandelbrot", what: "f64 loop nest", size: { full: 600, quick: 200 } },
  { name: "nbody", what: "f64 arrays in globals, sqrt", size: { full: 500_000, quick: 50_000 } },
  { name: "spectralnorm", what: "small calls in f64 loops", size: { full: 400, quick: 120 } },
  { name: "fannkuch", what: "i32 array permutations", size: { full: 10, quick: 8 } },
  { name: "matmul", what: "f64 loop nest over flat arrays", size: { full: 200, quick: 80 } },
  { name: "hash", what: "i32 multiply, rotate, popcount", size: { full: 10_000_000, quick: 1_000_000 } },
  { name: "dispatch", what: "indirect calls through a table", size: { full: 5_000_000, quick: 500_000 } },
  {
    name: "startup-1k",
    what: "1 000 functions, each called once",
    size: { full: 1, quick: 1 },
    startupFunctions: 1000,
  },
  {
    name: "startup-10k",
    what: "10 000 functions, each called once",
    size: { full: 1, quick: 1 },
    startupFunctions: 10_000,
    inQuick: false,
  },
];

export const BENCH_MODES = ["c", "js", "tier0", "tier1", "tier2", "tiered", "tiered-dev"] as const;
export type BenchMode = (typeof BENCH_MODES)[number];

/** The directory of the checked-in programs. */
export function programsDir(): string {
  return packagePath("bench/programs/");
}
