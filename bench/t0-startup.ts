/**
 * Compile-to-first-result at Tier 0: wall time of `tierjit run --tier 0` (a fresh
 * process each time) on the generated 1 000- and 10 000-function programs, minus the
 * same for a trivial program, so that Node's own start-up cancels out. Both the TJ source
 * and the IR text of each program are measured: the difference is the TJ front end.
 * Median of several runs, interleaved so that machine noise hits all alike.
 *
 * Beside the time, each run's minor page faults (first touches of fresh memory, which
 * cost ~12 µs apiece on the virtual machines this was measured on): the child process
 * reports them as it exits, through a script loaded with `--require`.
 *
 *   node dist/bench/t0-startup.js [runs]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TIERJIT_BIN, writeStartupPrograms } from "./startup-program.js";
import { median } from "./util.js";

const FAULTS_LINE = "t0-startup minor page faults: ";

function timeRun(file: string, faultReport: string): { ms: number; faults: number } {
  const start = performance.now();
  const result = spawnSync(
    process.execPath,
    ["--require", faultReport, TIERJIT_BIN, "run", "--tier", "0", file],
    {
      encoding: "utf8",
    },
  );
  const elapsed = performance.now() - start;
  if (result.status !== 0) throw new Error(`${file}: ${result.stderr}`);
  const line = result.stderr.split("\n").find((text) => text.startsWith(FAULTS_LINE));
  if (line === undefined) throw new Error(`${file}: no page-fault report`);
  return { ms: elapsed, faults: Number(line.slice(FAULTS_LINE.length)) };
}

const runs = Number(process.argv[2] ?? 7);
const dir = mkdtempSync(join(tmpdir(), "tierjit-startup-"));
const faultReport = join(dir, "fault-report.cjs");
writeFileSync(
  faultReport,
  `process.on("exit", () => process.stderr.write("${FAULTS_LINE}" + process.resourceUsage().minorPageFault + "\\n"));\n`,
);
const files = writeStartupPrograms(dir, [1000, 10000]);
const times: Record<string, number[]> = {};
const faults: Record<string, number[]> = {};
for (const key of Object.keys(files)) {
  times[key] = [];
  faults[key] = [];
}
for (let i = 0; i < runs; i++) {
  for (const [key, file] of Object.entries(files)) {
    const run = timeRun(file, faultReport);
    times[key]!.push(run.ms);
    faults[key]!.push(run.faults);
  }
}
console.log("| program | input | median wall time (ms) | minus trivial (ms) | page faults | minus trivial |");
console.log("| --- | --- | ---: | ---: | ---: | ---: |");
for (const ext of ["tir", "tj"]) {
  const baseTime = median(times[`trivial.${ext}`]!);
  const baseFaults = median(faults[`trivial.${ext}`]!);
  for (const name of ["trivial", "1k", "10k"]) {
    const t = median(times[`${name}.${ext}`]!);
    const f = median(faults[`${name}.${ext}`]!);
    const overTime = name === "trivial" ? "—" : (t - baseTime).toFixed(0);
    const overFaults = name === "trivial" ? "—" : String(f - baseFaults);
    console.log(`| ${name} | .${ext} | ${t.toFixed(0)} | ${overTime} | ${f} | ${overFaults} |`);
  }
}
