/** The tiered engine with background compile workers: hot swap during a call, idle installs, faults. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { TieredBackend } from "../../src/engine/backend.js";
import { TieredConfig } from "../../src/engine/config.js";
import { BufferSink } from "../../src/engine/host.js";
import type { FaultKind } from "../../src/engine/jobs.js";
import type { Module } from "../../src/ir/ir.js";
import { tjModule } from "../support/tj.js";

const tj = (source: string): Module => tjModule(source, "test.tj");

function background(fault: FaultKind | null = null): TieredConfig {
  const config = TieredConfig.development();
  config.verbosity = 0;
  config.fault = fault;
  config.compileJobTimeoutMs = 300;
  return config;
}

// main runs one long loop until the probe sees `step` at Tier 1 (or gives up after many iterations)
const LONG_CALL = `extern function tier_of_step(): i32;
function step(x: i64): i64 { return (x * 3 + 1) % 1000003; }
export function main(limit: i32): i32 {
  let acc: i64 = 0;
  let i = 0;
  while (i < limit && tier_of_step() == 0) {
    for (let k = 0; k < 1000; k += 1) acc = step(acc);
    i += 1;
  }
  return i;
}
`;

test("a background compile is installed while one long call is still running", async () => {
  let backend: TieredBackend | undefined;
  // without OSR main's loop stays in Tier 0 code, which polls: with it, main would soon run
  // an entry function with step inlined (no safepoints, no calls of step to install at)
  const config = background();
  config.osr = false;
  backend = await TieredBackend.create(config, {
    imports: { env: { tier_of_step: () => backend!.getFunctionTier(0) } },
  });
  await backend.workersReady();
  backend.compileModule(tj(LONG_CALL));
  const rounds = backend.getFunction("main")(1_000_000) as number;
  assert.ok(rounds < 1_000_000, "the loop saw step's new tier before running out");
  // Tier 1 from a worker; by now perhaps Tier 2 too (interim code, compiled here)
  assert.ok(backend.getFunctionTier(0) >= 1);
  const stats = backend.getStatistics();
  assert.ok(stats.installs >= 1);
  assert.equal(stats.failures, 0);
  assert.equal(stats.workers, TieredConfig.development().effectiveParallelism());
  await backend.shutdown();
});

test("when the program is idle, finished jobs are installed from the event loop", async () => {
  const backend = await TieredBackend.create(background());
  await backend.workersReady();
  backend.compileModule(
    tj(
      "function f(x: i32): i32 { return x + 1; }\nexport function main(): i32 { let s = 0; for (let i = 0; i < 20; i += 1) s = f(s); return s; }\n",
    ),
  );
  assert.equal(backend.getFunction("main")(), 20);
  assert.equal(backend.getFunctionTier(0), 0, "compiling in the background");
  for (let waited = 0; backend.getFunctionTier(0) === 0 && waited < 5000; waited += 25) await sleep(25);
  assert.equal(backend.getFunctionTier(0), 1, "installed without any further guest call");
  await backend.shutdown();
});

test("while no worker is ready yet, a Tier 1 decision compiles on the main thread at once", async () => {
  const config = background();
  config.trace = true;
  const backend = await TieredBackend.create(config);
  backend.compileModule(
    tj(
      "function f(x: i32): i32 { return x + 1; }\nexport function main(): i32 { let s = 0; for (let i = 0; i < 20; i += 1) s = f(s); return s; }\n",
    ),
  );
  // the workers are still starting: nothing has reached them yet
  assert.equal(backend.getFunction("main")(), 20);
  assert.equal(backend.getFunctionTier(0), 1, "installed before main returned");
  const compiles = backend.getTrace()!.traceEvents.filter((e) => e.ph === "X" && e.name === "compile f T1");
  assert.equal(compiles.length, 1);
  assert.equal(compiles[0]!.tid, 0, "on the main thread's track");
  await backend.workersReady();
  await backend.shutdown();
});

for (const fault of ["compile-error", "worker-crash", "compile-hang"] as const) {
  test(`--fault ${fault}: jobs fail, nothing changes, failures are counted, no retries`, async () => {
    const out = new BufferSink();
    const log: string[] = [];
    const backend = await TieredBackend.create(background(fault), {
      output: out,
      log: (line) => log.push(line),
    });
    backend.compileModule(
      tj(
        "function f(x: i32): i32 { return x * 2 + 1; }\nexport function main(n: i32): i32 {\n  let s = 0;\n  for (let i = 0; i < n; i += 1) s = (s + f(i)) % 1000;\n  print(s);\n  return s;\n}\n",
      ),
    );
    const main = backend.getFunction("main");
    let expected = 0;
    for (let i = 0; i < 200000; i++) expected = (expected + i * 2 + 1) % 1000;
    // keep running until every queued job has finished or failed (a hang takes its deadline)
    for (let round = 0; round < 200; round++) {
      assert.equal(main(200000), expected);
      const stats = backend.getStatistics();
      if (stats.queueWaiting === 0 && stats.queueOptimizing === 0 && stats.failures >= 3) break;
      await sleep(20);
    }
    const stats = backend.getStatistics();
    assert.equal(stats.failures, 3, "f, main and main's OSR entry each failed once, and were not retried");
    assert.equal(stats.installs, 0);
    assert.equal(stats.osrEntries, 0);
    assert.equal(stats.tierCounts[0], 2, "both stayed at Tier 0");
    if (fault !== "compile-error") assert.ok(stats.workersStarted >= 4, "the lost workers were replaced");
    assert.equal(log.filter((line) => /failed/.test(line)).length, 3, "each failure is logged once");
    assert.equal(
      out
        .text()
        .split("\n")
        .filter((l) => l !== "")
        .every((l) => l === String(expected)),
      true,
    );
    await backend.shutdown();
  });
}

test("the trace shows compile jobs on worker tracks, installs and tier counts", async () => {
  const config = background();
  config.trace = true;
  config.osr = false; // as above: main's loop keeps polling in Tier 0 code
  let backend: TieredBackend | undefined;
  backend = await TieredBackend.create(config, {
    imports: { env: { tier_of_step: () => backend!.getFunctionTier(0) } },
  });
  await backend.workersReady(); // else the first Tier 1 job compiles on the main thread
  backend.compileModule(tj(LONG_CALL));
  backend.getFunction("main")(1_000_000);
  const trace = backend.getTrace()!;
  const events = trace.traceEvents;
  const compiles = events.filter((e) => e.ph === "X" && e.name === "compile step T1");
  assert.equal(compiles.length, 1);
  assert.ok(compiles[0]!.tid >= 1, "on a worker's track");
  assert.ok(
    events.some(
      (e) =>
        e.ph === "M" &&
        e.tid === compiles[0]!.tid &&
        (e.args as { name: string }).name.startsWith("compile worker"),
    ),
  );
  const install = events.find((e) => e.ph === "i" && e.name === "install step T1");
  assert.ok(install !== undefined && install.tid === 0);
  assert.ok(install.ts >= compiles[0]!.ts + compiles[0]!.dur!, "installed after it was compiled");
  const counters = events.filter((e) => e.ph === "C");
  assert.deepEqual(counters[0]!.args, { T0: 2, T1: 0, T2: 0 });
  assert.ok(counters.some((c) => (c.args as { T1: number }).T1 >= 1));
  assert.equal(JSON.parse(JSON.stringify(trace)).displayTimeUnit, "ms");
  await backend.shutdown();
});

test("until Binaryen has loaded, a Tier 2 decision installs interim code at once; Binaryen's replaces it", async () => {
  const config = background();
  const log: string[] = [];
  config.verbosity = 2;
  config.compileJobTimeoutMs = 10_000; // the first Tier 2 job waits for Binaryen to load
  const backend = await TieredBackend.create(config, { log: (line) => log.push(line) });
  const module = tj(
    "function fib(n: i32): i32 { if (n < 2) return n; return fib(n - 1) + fib(n - 2); }\nexport function main(n: i32): i32 { return fib(n); }\n",
  );
  backend.compileModule(module);
  const main = backend.getFunction("main");
  for (let i = 0; i < 3; i++) assert.equal(main(25), 75025);
  const installs = (): string[] => log.filter((line) => /fib: T2( \(interim\))? installed/.test(line));
  for (let waited = 0; waited < 10_000 && installs().length < 2; waited += 20) {
    await sleep(20);
    main(15); // safepoints, where decisions are made and finished jobs installed
  }
  assert.deepEqual(
    installs().map((line) => line.includes("(interim)")),
    [true, false],
    "interim code first, then Binaryen's",
  );
  assert.equal(backend.getFunctionTier(0), 2);
  assert.equal(main(25), 75025);
  await backend.shutdown();
});

test("until Binaryen has loaded, a hot loop gets an interim OSR entry compiled on the main thread", async () => {
  const config = background();
  config.trace = true;
  const backend = await TieredBackend.create(config);
  backend.compileModule(
    tj(
      "export function main(n: i32): i32 {\n  let s = 0;\n  for (let i = 0; i < n; i += 1) s = (s * 31 + i) % 1000003;\n  return s;\n}\n",
    ),
  );
  let expected = 0;
  for (let i = 0; i < 3_000_000; i++) expected = (expected * 31 + i) % 1000003;
  // the workers are still loading: the entry cannot come from them
  assert.equal(backend.getFunction("main")(3_000_000), expected);
  const stats = backend.getStatistics();
  assert.equal(stats.osrEntries, 1);
  const compiles = backend
    .getTrace()!
    .traceEvents.filter((e) => e.ph === "X" && e.name === "compile main T2");
  assert.ok(compiles.length >= 1 && compiles[0]!.tid === 0, "compiled on the main thread's track");
  await backend.workersReady();
  await backend.shutdown();
});

test("the worker pool starts after the task that created the backend, or at the end of a compileModule in it", async () => {
  const compiledAtOnce = await TieredBackend.create(background());
  assert.equal(compiledAtOnce.getStatistics().workersStarted, 0, "no workers during the Tier 0 compile");
  compiledAtOnce.compileModule(tj("export function main(): i32 { return 7; }\n"));
  assert.equal(compiledAtOnce.getStatistics().workersStarted, background().effectiveParallelism());
  assert.equal(compiledAtOnce.getFunction("main")(), 7);
  await compiledAtOnce.shutdown();

  const compiledLater = await TieredBackend.create(background());
  await sleep(20);
  assert.equal(compiledLater.getStatistics().workersStarted, background().effectiveParallelism());
  await compiledLater.shutdown();
});
