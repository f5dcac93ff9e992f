/**
 * What value speculation (`speculate-globals`) buys: programs whose hot functions read
 * module-level globals, run tiered in one process with it on and off (two engines,
 * synchronous compiles, the dev profile, so both reach Tier 2 within their warm-up calls),
 * then timed call by call in alternation (median of 15 calls of main each).
 *
 *   npm run build && node dist/bench/value-speculation.js
 */

import { readFileSync } from "node:fs";
import { TieredBackend } from "../src/engine/backend.js";
import { TieredConfig } from "../src/engine/config.js";
import { BufferSink } from "../src/engine/host.js";
import { median, tjModule } from "./util.js";

const ROOT = new URL("../../", import.meta.url).pathname;
const PROGRAMS: [file: string, args: number[]][] = [
  ["bench/programs/nbody.tj", [200_000]],
  ["examples/dispatch.tj", [300_000]],
];

async function engine(file: string, speculateGlobals: boolean): Promise<(...args: number[]) => unknown> {
  const config = TieredConfig.development();
  config.verbosity = 0;
  config.enableBackgroundOptimization = false;
  config.profileWindowMs = 0;
  config.speculateGlobals = speculateGlobals;
  const backend = await TieredBackend.create(config, { output: new BufferSink() });
  backend.compileModule(tjModule(readFileSync(ROOT + file, "utf8"), file));
  return backend.getFunction("main");
}

console.log("| program | globals speculated (ms) | not (ms) | ratio |");
console.log("| --- | ---: | ---: | ---: |");
for (const [file, args] of PROGRAMS) {
  const on = await engine(file, true);
  const off = await engine(file, false);
  for (let i = 0; i < 4; i++) {
    on(...args);
    off(...args);
  }
  const times: [number[], number[]] = [[], []];
  for (let round = 0; round < 15; round++) {
    for (const [k, main] of [on, off].entries()) {
      const start = performance.now();
      main(...args);
      times[k]!.push(performance.now() - start);
    }
  }
  const [a, b] = [median(times[0]), median(times[1])];
  console.log(`| ${file} | ${a.toFixed(2)} | ${b.toFixed(2)} | ${(a / b).toFixed(2)} |`);
}
process.exit(0);
