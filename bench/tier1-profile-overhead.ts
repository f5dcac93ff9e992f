/**
 * Cost of what tiered mode's Tier 1 code carries beyond pinned Tier 1's: its profile
 * (`profile-branches`: one store per branch edge run; `profile-calls`: a record of the
 * table indices each indirect call site uses), then also its OSR points (`osr-points`: a
 * loop budget at every loop header). Each benchmark kernel's whole module (the suite's full
 * sizes) through Tier 1's passes, built as Tier 1 code (entry counters, settled budgets),
 * main timed in-process (median of 5 calls after a warm-up).
 *
 *   npm run build && node dist/bench/tier1-profile-overhead.js
 */

import { readFileSync } from "node:fs";
import { SUITE } from "../src/cli/bench/suite.js";
import { withStandardHost } from "../src/engine/host.js";
import { WasmRuntime } from "../src/engine/runtime.js";
import type { Module } from "../src/ir/ir.js";
import type { Pass } from "../src/opt/pass.js";
import { runPasses } from "../src/opt/pass.js";
import { osrPoints } from "../src/opt/passes/osr-points.js";
import { profileBranches } from "../src/opt/passes/profile-branches.js";
import { profileCalls } from "../src/opt/passes/profile-calls.js";
import { STANDARD_PASSES } from "../src/opt/pipelines.js";
import { Instrument } from "../src/wasm/codegen.js";
import { timeCalls, tjModule } from "./util.js";

const DIR = new URL("../../bench/programs/", import.meta.url).pathname;

function tier1(module: Module, passes: readonly Pass[]): Module {
  const copy = structuredClone(module);
  for (const fn of copy.functions) runPasses(fn, copy, passes);
  return copy;
}

function time(
  module: Module,
  args: number[],
  profileCounters: boolean,
  instrument = Instrument.Entry,
): number {
  const main = module.functions.findIndex((f) => f.name === "main");
  let runtime: WasmRuntime | undefined;
  runtime = WasmRuntime.instantiate(module, {
    imports: withStandardHost({ write: () => {} }, () => runtime!.memoryBytes()),
    baseInstrument: instrument,
    baseProfileCounters: profileCounters,
    initialBudget: 1 << 30,
    safepoint: () => 1 << 30,
  });
  return timeCalls(() => runtime!.call(main, args), 5);
}

console.log("| kernel | Tier 1 (ms) | + profile (ms) | cost | + profile + OSR points (ms) | cost |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
for (const program of SUITE) {
  if (program.startupFunctions !== undefined) continue;
  const name = `${program.name}.tj`;
  const source = readFileSync(DIR + name, "utf8");
  const args = [program.size.full];
  const module = tjModule(source, name);
  const plain = time(tier1(module, STANDARD_PASSES), args, false);
  const profiled = time(tier1(module, [profileBranches, profileCalls, ...STANDARD_PASSES]), args, true);
  const withOsr = time(
    tier1(module, [osrPoints, profileBranches, profileCalls, ...STANDARD_PASSES]),
    args,
    true,
    Instrument.EntryAndOsrPoints,
  );
  const cost = (ms: number): string => `${((ms / plain - 1) * 100).toFixed(1)}%`;
  console.log(
    `| ${name.replace(/\.tj$/, "")} | ${plain.toFixed(1)} | ${profiled.toFixed(1)} | ${cost(profiled)} | ${withOsr.toFixed(1)} | ${cost(withOsr)} |`,
  );
}
