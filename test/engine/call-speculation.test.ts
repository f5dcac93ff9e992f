import assert from "node:assert/strict";
import { test } from "node:test";
import { TieredBackend } from "../../src/engine/backend.js";
import { TieredConfig } from "../../src/engine/config.js";
import { BufferSink, withStandardHost } from "../../src/engine/host.js";
import { WasmRuntime } from "../../src/engine/runtime.js";
import { Interpreter } from "../../src/ir/interpreter.js";
import { findFunction, type Module } from "../../src/ir/ir.js";
import { runPasses } from "../../src/opt/pass.js";
import { profileBranches } from "../../src/opt/passes/profile-branches.js";
import { profileCalls } from "../../src/opt/passes/profile-calls.js";
import { tjModule } from "../support/tj.js";

const tj = (source: string): Module => tjModule(source, "calls.tj");

// six handlers of one signature: too many for devirtualize, so only the profile can help
const HANDLERS = `function h0(x: i32): i32 { return x + 7; }
function h1(x: i32): i32 { return x ^ (x >>> 3); }
function h2(x: i32): i32 { return x * 3; }
function h3(x: i32): i32 { return x - 11; }
function h4(x: i32): i32 { return x | 5; }
function h5(x: i32): i32 { return x & 1023; }
function table(): ((i32) => i32)[] {
  let t = new ((i32) => i32)[6];
  t[0] = h0; t[1] = h1; t[2] = h2; t[3] = h3; t[4] = h4; t[5] = h5;
  return t;
}
`;

const DISPATCH = `${HANDLERS}
export function run(k: i32, x: i32): i32 {
  return table()[k](x);
}
`;

/** `module` run by Tier 0 code that records `profile-calls`' profile of function `id`. */
function profiledRuntime(module: Module, id: number): WasmRuntime {
  runPasses(module.functions[id]!, module, [profileCalls], { verify: true });
  let runtime: WasmRuntime | undefined;
  runtime = WasmRuntime.instantiate(module, {
    imports: withStandardHost(new BufferSink(), () => runtime!.memoryBytes()),
    baseProfileCounters: true,
  });
  return runtime;
}

test("Tier 1's call-target records: the first two table indices a site used, then 'more than two'", () => {
  const module = tj(DISPATCH);
  const run = findFunction(module, "run");
  const runtime = profiledRuntime(module, run);
  const slotOf = (name: string): number => module.table.indexOf(findFunction(module, name));
  assert.deepEqual([...runtime.targetProfile(run)!], [-1, -1], "nothing recorded before the first call");
  const records: number[][] = [];
  for (const k of [2, 2, 4, 2, 4, 1, 2]) {
    runtime.call(run, [k, 10]);
    records.push([...runtime.targetProfile(run)!]);
  }
  const [two, four] = [slotOf("h2"), slotOf("h4")];
  assert.deepEqual(records, [
    [two, -1],
    [two, -1],
    [two, four],
    [two, four],
    [two, four],
    [two, -2],
    [two, -2],
  ]);
  assert.equal(runtime.targetProfile(findFunction(module, "h0")), null, "a function without sites has none");
  // and the site counted its runs
  assert.deepEqual([...runtime.indirectCallProfile(run)!], [7]);
});

test("Tier 1's call counts: each direct call site counts its runs", () => {
  const module = tj(`function twice(x: i32): i32 { return x * 2; }
function inc(x: i32): i32 { return x + 1; }
export function run(n: i32): i32 {
  let s = inc(n);
  for (let i = 0; i < n; i += 1) s += twice(i);
  return s;
}
`);
  const run = findFunction(module, "run");
  const runtime = profiledRuntime(module, run);
  assert.deepEqual([...runtime.callProfile(run)!], [0, 0]);
  runtime.call(run, [10]);
  runtime.call(run, [5]);
  // inc once per call, twice once per iteration
  assert.deepEqual([...runtime.callProfile(run)!], [2, 15]);
  assert.equal(runtime.callProfile(findFunction(module, "inc")), null, "a function without calls has none");
});

test("Tier 1's branch counts: each edge counts its runs (speculation reads whether it ran)", () => {
  const module = tj(`export function run(n: i32): i32 {
  let s = 0;
  for (let i = 0; i < n; i += 1) {
    if (i % 3 == 0) s += i;
  }
  return s;
}
`);
  const run = findFunction(module, "run");
  runPasses(module.functions[run]!, module, [profileBranches], { verify: true });
  let runtime: WasmRuntime | undefined;
  runtime = WasmRuntime.instantiate(module, {
    imports: withStandardHost(new BufferSink(), () => runtime!.memoryBytes()),
    baseProfileCounters: true,
  });
  runtime.call(run, [9]);
  runtime.call(run, [3]);
  // the loop test: 12 times in, twice out; the if: 4 times then (0, 3, 6; 0), 8 times else
  assert.deepEqual([...runtime.edgeCounts(run)!], [12, 2, 4, 8]);
  assert.deepEqual([...runtime.edgeProfile(run)!], [1, 1, 1, 1]);
});

/** Dev profile, quiet, compiling at the safepoint, no OSR, tier changes by counts only. */
function sync(): TieredConfig {
  const config = TieredConfig.development();
  config.verbosity = 0;
  config.enableBackgroundOptimization = false;
  config.osr = false;
  config.profileWindowMs = 0;
  return config;
}

// `step` calls one handler for a long time, then all six: Tier 2 guards the one it saw
const LATE_POLYMORPHIC = `${HANDLERS}
function step(t: ((i32) => i32)[], k: i32, x: i32): i32 {
  return t[k](x) + 1;
}
export function main(n: i32, late: i32): i32 {
  let t = table();
  let acc = 1;
  for (let i = 0; i < n; i += 1) {
    let k = 3;
    if (i >= late) k = (i * 7) % 6;
    acc = step(t, k, acc);
  }
  return acc;
}
`;

for (const speculation of [true, false]) {
  test(`a monomorphic site turning polymorphic late gives the interpreter's result (speculation ${speculation ? "on" : "off"})`, async () => {
    const module = tj(LATE_POLYMORPHIC);
    const main = findFunction(module, "main");
    const config = sync();
    config.speculation = speculation;
    const backend = await TieredBackend.create(config);
    backend.compileModule(module);
    for (const [n, late] of [
      [3000, 2000],
      [500, 0],
      [3000, 3000],
    ] as const) {
      assert.equal(
        backend.getFunction("main")(n, late),
        new Interpreter(module).call(main, [n, late]),
        `${n} ${late}`,
      );
    }
    assert.equal(backend.getFunctionTier(findFunction(module, "step")), 2);
    assert.equal(
      backend.getStatistics().deopts,
      0,
      "a failed target guard takes the generic call, not a deopt",
    );
    await backend.shutdown();
  });
}

test("with OSR on, a looping function's Tier 1 code runs its loops while it profiles: its call site is recorded", async () => {
  // run's Tier 0 frames enter an OSR entry before run reaches Tier 1; its Tier 1 code used
  // to hand over at the first back-edge too, before the call ran, and recorded nothing
  const module = tj(`${HANDLERS}
function run(t: ((i32) => i32)[], k: i32, steps: i32): i32 {
  let acc = 0;
  for (let i = 0; i < steps; i += 1) acc = t[k](acc) + i;
  return acc;
}
export function main(n: i32): i32 {
  let t = table();
  let total = 0;
  for (let r = 0; r < n; r += 1) total = total * 31 + run(t, 2, 3000);
  return total;
}
`);
  const config = TieredConfig.production();
  config.verbosity = 0;
  const backend = await TieredBackend.create(config);
  await backend.workersReady();
  backend.compileModule(module);
  const main = findFunction(module, "main");
  assert.equal(backend.getFunction("main")(1000), new Interpreter(module).call(main, [1000]));
  const runtime = (backend as unknown as { runtime: WasmRuntime }).runtime;
  const run = findFunction(module, "run");
  // on a loaded machine run's Tier 1 code may arrive after that call: keep running (each
  // call installs what the worker has finished) until some Tier 1 code has recorded
  for (let round = 0; round < 50 && runtime.targetProfile(run) === null; round++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(backend.getFunction("main")(10), new Interpreter(module).call(main, [10]));
  }
  assert.equal(runtime.targetProfile(run)?.[0], module.table.indexOf(findFunction(module, "h2")));
  await backend.shutdown();
});
