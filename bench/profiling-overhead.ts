/**
 * Cost of Tier 0's profiling counters: the same Tier 0 code without counters, with
 * counters that never reach the runtime (settled code: the pure cost of the decrements),
 * and with counters reaching the runtime every 10 and every event (sample rates 10 and 1,
 * as Tier 0 runs before a function tiers up). In-process, median of 7 calls after warm-up.
 *
 *   node dist/bench/profiling-overhead.js
 */

import { withStandardHost } from "../src/engine/host.js";
import { WasmRuntime } from "../src/engine/runtime.js";
import { Instrument } from "../src/wasm/codegen.js";
import { timeCalls, tjModule } from "./util.js";

const KERNELS: [name: string, source: string, arg: number][] = [
  [
    "fib(30) — calls",
    "function fib(n: i32): i32 { if (n < 2) return n; return fib(n - 1) + fib(n - 2); }\nexport function main(n: i32): i32 { return fib(n); }\n",
    30,
  ],
  [
    "loop sum, 50M iterations — back-edges",
    "export function main(n: i32): i64 { let s: i64 = 0; for (let i = 0; i < n; i += 1) { s += (i ^ (i >> 3)) as i64; } return s; }\n",
    50_000_000,
  ],
];

const VARIANTS: [label: string, instrument: Instrument, budget: number][] = [
  ["no counters", Instrument.None, 1],
  ["counters, settled", Instrument.EntryAndLoops, 1 << 30],
  ["counters, rate 10", Instrument.EntryAndLoops, 10],
  ["counters, rate 1", Instrument.EntryAndLoops, 1],
];

console.log(`| kernel | ${VARIANTS.map((v) => v[0]).join(" | ")} |`);
console.log(`| --- | ${VARIANTS.map(() => "---:").join(" | ")} |`);
for (const [name, source, arg] of KERNELS) {
  const module = tjModule(source);
  const main = module.functions.findIndex((f) => f.name === "main");
  const cells: string[] = [];
  let baseline = 0;
  for (const [, instrument, budget] of VARIANTS) {
    let runtime: WasmRuntime | undefined;
    runtime = WasmRuntime.instantiate(module, {
      imports: withStandardHost({ write: () => {} }, () => runtime!.memoryBytes()),
      baseInstrument: instrument,
      initialBudget: budget,
      safepoint: () => budget,
    });
    const ms = timeCalls(() => runtime!.call(main, [arg]), 7);
    if (baseline === 0) baseline = ms;
    cells.push(`${ms.toFixed(1)} ms (${((ms / baseline - 1) * 100).toFixed(1)}%)`);
  }
  console.log(`| ${name} | ${cells.join(" | ")} |`);
}
