/**
 * Tier-up latency: from the safepoint that decides a function is warm to the install of its
 * Tier 1 code, with background workers (dev profile). "cold pool": the program starts at
 * once, so the first jobs wait for the workers to start; "warm pool": the workers have
 * started before the first call; "burst": 1 000 functions turn warm at once and queue.
 *
 *   node dist/bench/tierup-latency.js
 */
import { setTimeout as sleep } from "node:timers/promises";
import { TieredBackend } from "../src/engine/backend.js";
import { TieredConfig } from "../src/engine/config.js";
import { percentile } from "../src/engine/stats.js";
import { startupProgram } from "./startup-program.js";
import { tjModule } from "./util.js";

const FIB =
  "function fib(n: i32): i32 { if (n < 2) return n; return fib(n - 1) + fib(n - 2); }\nexport function main(n: i32): i32 { return fib(n); }\n";

async function measure(
  label: string,
  source: string,
  args: number[],
  calls: number,
  warmPool: boolean,
): Promise<void> {
  const config = TieredConfig.development();
  config.verbosity = 0;
  const backend = await TieredBackend.create(config);
  if (warmPool) await sleep(1000);
  backend.compileModule(tjModule(source));
  const main = backend.getFunction("main");
  for (let i = 0; i < calls; i++) main(...args);
  for (let waited = 0; waited < 20_000; waited += 20) {
    const stats = backend.getStatistics();
    if (stats.queueWaiting === 0 && stats.queueOptimizing === 0) break;
    await sleep(20);
  }
  const latencies = backend.getStatistics().tierUpLatencies;
  console.log(
    `| ${label} | ${latencies.length} | ${percentile(latencies, 0.5).toFixed(1)} | ${percentile(latencies, 0.95).toFixed(1)} |`,
  );
  await backend.shutdown();
}

console.log("| workload | tier-ups | median (ms) | p95 (ms) |");
console.log("| --- | ---: | ---: | ---: |");
await measure("fib(32), cold pool", FIB, [32], 1, false);
await measure("fib(32), warm pool", FIB, [32], 1, true);
await measure("1 000 functions warm at once, warm pool", startupProgram(1000), [], 12, true);
