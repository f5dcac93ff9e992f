/**
 * The benchmark suite's twins compute what the TJ programs compute (the TJ programs
 * themselves run in every mode in test/golden/), and `tierjit bench` runs end to end.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { runChild } from "../../src/cli/bench/child.js";
import { startupC, startupJs, startupTj } from "../../src/cli/bench/startup.js";
import { programsDir, SUITE } from "../../src/cli/bench/suite.js";
import { runCli } from "../support/cli.js";

const scratch = mkdtempSync(join(tmpdir(), "tierjit-bench-"));
const hasGcc = spawnSync("gcc", ["--version"], { stdio: "ignore" }).status === 0;

async function runJs(file: string, n: number): Promise<string> {
  const twin = (await import(pathToFileURL(file).href)) as {
    main: (n: number, print: (s: string) => void) => unknown;
  };
  const lines: string[] = [];
  const result = twin.main(n, (s) => lines.push(s));
  if (result !== undefined) lines.push(String(result));
  return lines.map((l) => `${l}\n`).join("");
}

function runC(file: string, n: number): string {
  const binary = join(scratch, file.replace(/[^a-z0-9]/gi, "_"));
  const built = spawnSync(
    "gcc",
    ["-O3", "-ffp-contract=off", `-I${programsDir()}`, "-o", binary, file, "-lm"],
    {
      encoding: "utf8",
    },
  );
  assert.equal(built.status, 0, built.stderr);
  const run = spawnSync(binary, [String(n), "1"], { encoding: "utf8" });
  assert.equal(run.status, 0);
  return run.stdout;
}

for (const program of SUITE.filter((p) => p.startupFunctions === undefined)) {
  test(`${program.name}: the JS${hasGcc ? " and C twins print" : " twin prints"} what the TJ program prints`, async () => {
    const base = join(programsDir(), program.name);
    const n = Number(/^\/\/ args: (\d+)$/m.exec(readFileSync(`${base}.tj`, "utf8"))![1]);
    const expected = readFileSync(`${base}.out`, "utf8");
    assert.equal(await runJs(`${base}.js`, n), expected, "js");
    if (hasGcc) assert.equal(runC(`${base}.c`, n), expected, "c");
  });
}

test("the generated start-up workload is the same program in TJ, JS and C", async () => {
  const base = join(scratch, "startup");
  writeFileSync(`${base}.tj`, startupTj(40));
  writeFileSync(`${base}.js`, startupJs(40));
  writeFileSync(`${base}.c`, startupC(40));
  const tj = await runChild("tier0", `${base}.tj`, 7, 2);
  assert.equal(tj.iterationMs.length, 2);
  assert.ok(tj.firstResultMs >= tj.compileMs);
  assert.match(tj.output, /^\d+\n$/);
  assert.equal(await runJs(`${base}.js`, 7), tj.output);
  if (hasGcc) assert.equal(runC(`${base}.c`, 7), tj.output);
});

test("tierjit bench runs programs in several modes and writes tables, JSON and plots", () => {
  const out = join(scratch, "out");
  const modes = hasGcc ? "c,js,tier0" : "js,tier0";
  const result = runCli(
    ["bench", "fib", "hash", "--modes", modes, "--processes", "1", "--iterations", "3", "--out", out],
    {
      timeoutMs: 120_000,
    },
  );
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^\| fib \| [\d.]+ \(1\.00×\) \|/m);
  assert.match(result.stdout, /geomean of kernels/);
  const summary = readFileSync(join(out, "summary.md"), "utf8");
  assert.match(summary, /Ratios are to `(c|js)`/);
  const json = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as {
    results: { outputsAgree: boolean; modes: Record<string, { executions: { iterationMs: number[] }[] }> }[];
  };
  assert.equal(json.results.length, 2);
  for (const r of json.results) {
    assert.equal(r.outputsAgree, true);
    assert.equal(r.modes.tier0!.executions[0]!.iterationMs.length, 3);
  }
  for (const file of ["warmup-fib.svg", "warmup-hash.svg", "ratios.svg"]) {
    const svg = readFileSync(join(out, file), "utf8");
    assert.match(svg, /^<svg [^>]*>[\s\S]*<\/svg>\n$/);
    assert.match(svg, /^<svg [^>]*role="img"[^>]*>\n<title>[^<]+<\/title>/, "titled, for screen readers");
  }
  assert.ok(!existsSync(join(out, "warmup-sieve.svg")));
});

test("tierjit bench: unknown benchmarks and modes, and a baseline not run, are usage errors", () => {
  const unknown = runCli(["bench", "nosuch"]);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown benchmark 'nosuch'/);
  assert.equal(runCli(["bench", "fib", "--modes", "tier7"]).status, 2);
  const baseline = runCli(["bench", "fib", "--modes", "js", "--baseline", "c"]);
  assert.equal(baseline.status, 2);
  assert.match(baseline.stderr, /baseline 'c' is not among --modes/);
});
