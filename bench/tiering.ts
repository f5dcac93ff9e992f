/**
 * OSR and speculation (issue #8's benchmarks): programs in bench/tiering/ — one long loop in
 * main, a branch that turns taken late, a call site that turns polymorphic late — run
 * tiered (production profile) against Tier 2 ahead of time, with OSR or speculation off as
 * controls. Two measures, each the median of three:
 *
 * - "process": the wall time of `tierjit run` in a fresh process (start-up, compiler
 *   loading and compiles included: what a user waits for);
 * - "warm": in one process, after the engine was created and its compiler threads had a
 *   second to load Binaryen, the time of compileModule + the one call of main.
 *
 * Every mode must print the same result; the script stops otherwise.
 *
 *   npm run build && node dist/bench/tiering.js [PROGRAM...]
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { TieredBackend } from "../src/engine/backend.js";
import { TieredConfig } from "../src/engine/config.js";
import { median, tjModule } from "./util.js";

const ROOT = new URL("../../", import.meta.url).pathname;
const DIR = `${ROOT}bench/tiering/`;
const RUNS = 3;

interface Mode {
  name: string;
  flags: string[];
  configure(config: TieredConfig): void;
}

const MODES: Mode[] = [
  {
    name: "--tier 2",
    flags: ["--tier", "2"],
    configure: (c) => {
      c.pinnedTier = 2;
    },
  },
  { name: "tiered", flags: [], configure: () => undefined },
  {
    name: "--no-speculation",
    flags: ["--no-speculation"],
    configure: (c) => {
      c.speculation = false;
    },
  },
  {
    name: "--no-osr",
    flags: ["--no-osr"],
    configure: (c) => {
      c.osr = false;
    },
  },
];

function processRun(file: string, args: string[], mode: Mode): { ms: number; output: string } {
  const start = performance.now();
  const run = spawnSync(process.execPath, [`${ROOT}bin/tierjit.js`, "run", ...mode.flags, file, ...args], {
    encoding: "utf8",
  });
  const ms = performance.now() - start;
  if (run.status !== 0) throw new Error(`${file} ${mode.name}: exit ${run.status}\n${run.stderr}`);
  return { ms, output: run.stdout.trim() };
}

async function warmRun(
  source: string,
  args: number[],
  mode: Mode,
): Promise<{ ms: number; output: string; deopts: number; osr: number }> {
  const config = TieredConfig.production();
  config.verbosity = 0;
  mode.configure(config);
  const backend = await TieredBackend.create(config);
  await sleep(1000);
  const start = performance.now();
  backend.compileModule(tjModule(source));
  const result = backend.getFunction("main")(...args);
  const ms = performance.now() - start;
  const stats = backend.getStatistics();
  await backend.shutdown();
  return { ms, output: String(result), deopts: stats.deopts, osr: stats.osrEntries };
}

console.log(
  "| program | mode | process (ms) | ratio to --tier 2 | warm (ms) | ratio to --tier 2 | OSR entries | deopts |",
);
console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
const only = process.argv.slice(2);
for (const name of readdirSync(DIR)
  .filter((f) => f.endsWith(".tj"))
  .sort()) {
  if (only.length > 0 && !only.includes(name.replace(/\.tj$/, ""))) continue;
  const file = DIR + name;
  const source = readFileSync(file, "utf8");
  const args = (/^\/\/ args: (.*)$/m.exec(source)?.[1] ?? "").split(/\s+/).filter((a) => a !== "");
  let expected: string | null = null;
  let baseProcess = 0;
  let baseWarm = 0;
  for (const mode of MODES) {
    const processTimes: number[] = [];
    const warmTimes: number[] = [];
    let last = { deopts: 0, osr: 0 };
    for (let r = 0; r < RUNS; r++) {
      const p = processRun(file, args, mode);
      const w = await warmRun(source, args.map(Number), mode);
      for (const output of [p.output, w.output]) {
        expected ??= output;
        if (output !== expected) throw new Error(`${name} ${mode.name}: ${output}, expected ${expected}`);
      }
      processTimes.push(p.ms);
      warmTimes.push(w.ms);
      last = w;
    }
    const processMs = median(processTimes);
    const warmMs = median(warmTimes);
    if (mode.name === "--tier 2") {
      baseProcess = processMs;
      baseWarm = warmMs;
    }
    console.log(
      `| ${name.replace(/\.tj$/, "")} | ${mode.name} | ${processMs.toFixed(0)} | ${(processMs / baseProcess).toFixed(2)} | ${warmMs.toFixed(0)} | ${(warmMs / baseWarm).toFixed(2)} | ${last.osr} | ${last.deopts} |`,
    );
  }
}
