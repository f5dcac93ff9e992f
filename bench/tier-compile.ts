/**
 * Compile time per function and per IR instruction at each tier, as the engine runs a
 * compile job (runCompileJob: IR passes, then our encoder or Binaryen -O3; V8's own
 * compilation of the bytes not included), on the functions of the generated start-up
 * program (small functions) and of the benchmark kernels (larger ones); and memory per
 * function of a running engine holding the 10 000-function program. In-process after a
 * warm-up; median of repetitions.
 *
 *   npm run build && node --expose-gc dist/bench/tier-compile.js
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { programsDir, SUITE } from "../src/cli/bench/suite.js";
import { TieredBackend } from "../src/engine/backend.js";
import { TieredConfig } from "../src/engine/config.js";
import { runCompileJob } from "../src/engine/jobs.js";
import { PIPELINES } from "../src/engine/pipelines.js";
import type { Module } from "../src/ir/ir.js";
import { packDeclarations, toWire } from "../src/ir/wire.js";
import { loadBinaryen } from "../src/wasm/tier2.js";
import { startupProgram } from "./startup-program.js";
import { median, tjModule } from "./util.js";

function instructions(module: Module, id: number): number {
  let count = 0;
  for (const block of module.functions[id]!.blocks) count += block.insts.length + 1;
  return count;
}

async function measure(label: string, module: Module, ids: number[]): Promise<void> {
  const binaryen = await loadBinaryen();
  // as the engine sends them: each job carries its own function (and the module's declarations)
  const declarations = packDeclarations(module);
  const units = new Map(ids.map((id) => [id, toWire(module, [id], declarations)]));
  const total = ids.reduce((sum, id) => sum + instructions(module, id), 0);
  for (const tier of [0, 1, 2] as const) {
    const job = (id: number, n: number) => ({
      jobId: n,
      unit: units.get(id)!,
      funcId: id,
      tier,
      instrument: PIPELINES[tier].instrument,
      initialBudget: 10,
      moduleName: `b${n}`,
      fault: null,
    });
    for (const id of ids.slice(0, 20)) runCompileJob(job(id, 0), false, binaryen); // warm-up
    const runs: number[] = [];
    for (let r = 0; r < 3; r++) {
      const start = performance.now();
      for (const id of ids) runCompileJob(job(id, r), false, binaryen);
      runs.push(performance.now() - start);
    }
    const ms = median(runs);
    console.log(
      `| ${label} | T${tier} | ${ids.length} | ${(total / ids.length).toFixed(0)} | ${((ms * 1000) / ids.length).toFixed(0)} | ${((ms * 1e6) / total).toFixed(0)} |`,
    );
  }
}

function heapNow(): number {
  (globalThis as { gc?: () => void }).gc?.();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external + usage.arrayBuffers;
}

/** In a fresh process: an engine holding the start-up program of `functions` functions, each called once. */
async function residentWith(functions: number): Promise<{ rss: number; heap: number }> {
  const module = tjModule(startupProgram(functions));
  const config = TieredConfig.production();
  config.pinnedTier = 0;
  config.verbosity = 0;
  const before = heapNow();
  const backend = await TieredBackend.create(config);
  backend.compileModule(module);
  backend.getFunction("main")();
  const heap = heapNow() - before;
  return { rss: process.memoryUsage().rss, heap };
}

function inChild(functions: number): { rss: number; heap: number } {
  const child = spawnSync(
    process.execPath,
    ["--expose-gc", fileURLToPath(import.meta.url), "--resident", String(functions)],
    {
      encoding: "utf8",
    },
  );
  return JSON.parse(child.stdout) as { rss: number; heap: number };
}

if (process.argv[2] === "--resident") {
  console.log(JSON.stringify(await residentWith(Number(process.argv[3]))));
  process.exit(0);
}

// memory: the difference between processes holding 10 000 and 10 functions, so that Node's
// own footprint cancels out (RSS includes garbage the collector has not returned to the OS)
const small = inChild(10);
const large = inChild(10_000);
const perKiB = (a: number, b: number) => ((a - b) / 9990 / 1024).toFixed(2);
console.log("| engine holding the start-up program, every function called once | KiB / function |");
console.log("| --- | ---: |");
console.log(`| resident set (RSS) | ${perKiB(large.rss, small.rss)} |`);
console.log(
  `| JS heap, external and array buffers (IR, tables, Wasm memory) | ${perKiB(large.heap, small.heap)} |`,
);
console.log("");
console.log("| functions | tier | count | IR instructions each | µs / function | ns / instruction |");
console.log("| --- | --- | ---: | ---: | ---: | ---: |");
const startup = tjModule(startupProgram(1000));
await measure(
  "start-up program",
  startup,
  Array.from({ length: 1000 }, (_, i) => i),
);
const kernels: { module: Module; ids: number[] }[] = SUITE.filter(
  (p) => p.startupFunctions === undefined,
).map((p) => {
  const module = tjModule(readFileSync(join(programsDir(), `${p.name}.tj`), "utf8"), `${p.name}.tj`);
  return { module, ids: module.functions.map((_, i) => i) };
});
for (const { module, ids } of kernels) {
  if (ids.length > 0) await measure(`kernel ${module.sourceFile}`, module, ids);
}
