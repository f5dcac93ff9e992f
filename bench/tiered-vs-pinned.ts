/**
 * Whole-program wall time of `tierjit run` (a fresh process each time; median of 3) in the
 * tiered modes against the pinned tiers, on the example programs with larger inputs.
 *
 *   node dist/bench/tiered-vs-pinned.js
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { median } from "./util.js";

const BIN = fileURLToPath(new URL("../../bin/tierjit.js", import.meta.url));
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PROGRAMS: [file: string, arg: string][] = [
  ["examples/fib.tj", "32"],
  ["examples/mandelbrot.tj", "400"],
  ["examples/sieve.tj", "20000000"],
  ["examples/collatz.tj", "1000000"],
  ["examples/hash.tj", "3000000"],
  ["examples/dispatch.tj", "3000000"],
];
const MODES: [label: string, args: string[]][] = [
  ["T0 pinned", ["--tier", "0"]],
  ["T1 pinned", ["--tier", "1"]],
  ["T2 pinned (ahead of time)", ["--tier", "2"]],
  ["tiered (prod)", []],
  ["tiered (dev)", ["--profile", "dev"]],
];

function time(args: string[]): number {
  const start = performance.now();
  const result = spawnSync(process.execPath, [BIN, "run", ...args], { cwd: ROOT, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${args.join(" ")}: ${result.stderr}`);
  return performance.now() - start;
}

console.log(`| program | ${MODES.map((m) => m[0]).join(" | ")} |`);
console.log(`| --- | ${MODES.map(() => "---:").join(" | ")} |`);
for (const [file, arg] of PROGRAMS) {
  const cells = MODES.map(([, modeArgs]) => {
    const times = [0, 1, 2].map(() => time([...modeArgs, file, arg]));
    return `${median(times).toFixed(0)} ms`;
  });
  console.log(`| ${file.replace("examples/", "")} ${arg} | ${cells.join(" | ")} |`);
}
