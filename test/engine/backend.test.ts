import assert from "node:assert/strict";
import { test } from "node:test";
import { Worker } from "node:worker_threads";
import { TieredBackend } from "../../src/engine/backend.js";
import { ProfileConfig, TieredConfig } from "../../src/engine/config.js";
import { BufferSink } from "../../src/engine/host.js";
import { Interpreter } from "../../src/ir/interpreter.js";
import type { Module } from "../../src/ir/ir.js";
import { parseModule, parseModuleLazily } from "../../src/ir/parser.js";
import { TrapError } from "../../src/ir/trap.js";
import { formatVerifierError, VerifierFailure, verify } from "../../src/ir/verifier.js";
import { tjModule } from "../support/tj.js";

const tj = (source: string): Module => tjModule(source, "test.tj");

/** Quiet, and compiling synchronously at safepoints, so that tier changes are deterministic. */
function quiet(config: TieredConfig): TieredConfig {
  config.verbosity = 0;
  config.enableBackgroundOptimization = false;
  return config;
}

test("the presets have exactly the seed's numbers", () => {
  assert.deepEqual(
    { ...ProfileConfig.development() },
    { warmThreshold: 10, hotThreshold: 100, sampleRate: 1 },
  );
  assert.deepEqual(
    { ...ProfileConfig.production() },
    { warmThreshold: 1000, hotThreshold: 10000, sampleRate: 10 },
  );
  const dev = TieredConfig.development();
  assert.equal(dev.enableBackgroundOptimization, true);
  assert.equal(dev.optimizationCheckIntervalMs, 50);
  assert.equal(dev.maxParallelOptimizations, 2);
  assert.equal(dev.verbosity, 2);
  const prod = TieredConfig.production();
  assert.equal(prod.enableBackgroundOptimization, true);
  assert.equal(prod.optimizationCheckIntervalMs, 1000);
  assert.equal(prod.maxParallelOptimizations, 8);
  assert.equal(prod.verbosity, 0);
  assert.deepEqual(TieredConfig.default(), TieredConfig.production());
  assert.ok(prod.effectiveParallelism() >= 1 && prod.effectiveParallelism() <= 8);
  assert.throws(() => new ProfileConfig(10, 5, 1), /hotThreshold/);
  assert.throws(() => new ProfileConfig(10, 100, 0), /sampleRate/);
});

const FIB = `
function fib(n: i32): i32 { if (n < 2) return n; return fib(n - 1) + fib(n - 2); }
export function main(n: i32): i32 { return fib(n); }
`;

test("the seed's API: compile, call, tiers, statistics, shutdown", async () => {
  const config = quiet(TieredConfig.development());
  config.profileWindowMs = 0; // Tier 2 at the hot threshold, as in the seed
  const backend = await TieredBackend.create(config);
  backend.compileModule(tj(FIB));
  const main = backend.getFunction("main");
  const fibId = 0;
  assert.equal(backend.getFunctionTier(fibId), 0);
  assert.equal(main(20), 6765);
  assert.equal(backend.getFunctionTier(fibId), 2, "fib is hot after 21891 calls");
  const stats = backend.getStatistics();
  const lines = stats.format().split("\n");
  assert.equal(lines[0], "Tiered Compilation: 1 Baseline (T0), 0 Standard (T1), 1 Optimized (T2)");
  assert.equal(lines[1], "Queue: 0 waiting, 0 optimizing");
  // fib's calls are counted until it is hot (100); its Tier 2 code has no counters
  assert.equal(lines[2], "Profile: 2 functions (1 hot, 0 warm, 1 cold), 101 total calls");
  for (const line of lines.slice(3)) assert.match(line, /^[A-Z][A-Za-z]+: /);
  assert.equal(stats.installs, 2, "fib: T1 when warm, T2 when hot");
  await backend.shutdown();
  assert.throws(() => main(1), /shut down/);
  assert.throws(() => backend.getStatistics().format() && backend.getFunction("main"), /shut down/);
});

test("recordCall counts on the host side and tiers up at the thresholds", async () => {
  const backend = await TieredBackend.create(quiet(TieredConfig.development()));
  backend.compileModule(tj(FIB));
  for (let i = 0; i < 9; i++) backend.recordCall(0);
  assert.equal(backend.getFunctionTier(0), 0);
  backend.recordCall(0);
  assert.equal(backend.getFunctionTier(0), 1, "warm at 10 calls");
  assert.equal(backend.getStatistics().totalCalls, 10);
  assert.throws(() => backend.recordCall(99), /no function #99/);
  await backend.shutdown();
});

test("a function is replaced while one long call into the guest is still running", async () => {
  const tiersSeen: number[] = [];
  let backend: TieredBackend | undefined;
  // without OSR: main's hot loop would move into Tier 2 code with step inlined, and step,
  // no longer called, would stop at Tier 1 (osr.test.ts covers that path)
  const config = quiet(TieredConfig.development());
  config.osr = false;
  backend = await TieredBackend.create(config, {
    imports: {
      env: {
        probe: () => {
          tiersSeen.push(backend!.getFunctionTier(0));
        },
      },
    },
  });
  backend.compileModule(
    tj(`extern function probe(): void;
function step(x: i64): i64 { return x * 3 + 1; }
export function main(n: i32): i64 {
  let acc: i64 = 0;
  probe();
  for (let i = 0; i < n; i += 1) acc = step(acc) % 1000003;
  probe();
  return acc;
}`),
  );
  const result = backend.getFunction("main")(5000);
  assert.deepEqual(tiersSeen, [0, 2], "step was at T0 when main began and at T2 (hot) before main returned");
  let expected = 0n;
  for (let i = 0; i < 5000; i++) expected = (expected * 3n + 1n) % 1000003n;
  assert.equal(result, expected);
  assert.ok(
    backend.getStatistics().installs >= 2,
    "step (and main, with its hot loop): T1 when warm, then T2 when hot",
  );
  await backend.shutdown();
});

test("frames already running old code finish in it, and recursion stays exact across the switch", async () => {
  const backend = await TieredBackend.create(quiet(TieredConfig.development()));
  backend.compileModule(tj(FIB));
  // the first call runs deep T0 frames when fib's T1 code is installed
  assert.equal(backend.getFunction("main")(25), 75025);
  assert.equal(backend.getFunction("fib")(24), 46368);
  await backend.shutdown();
});

test("bad input gets a clear error and changes nothing; the backend stays usable", async () => {
  const backend = await TieredBackend.create(quiet(TieredConfig.development()));
  const bad = parseModule("export func @main() -> i32 {\nblock0:\n  v0:i64 = const 1\n  return v0\n}\n");
  assert.throws(() => backend.compileModule(bad), VerifierFailure);
  assert.throws(() => backend.getFunction("main"), /no module compiled yet/);
  backend.compileModule(tj(FIB));
  assert.throws(() => backend.getFunction("nope"), /no function named 'nope'/);
  assert.throws(() => backend.compileModule(tj(FIB)), /already holds a module/);
  assert.equal(backend.getFunction("main")(10), 55);
  await backend.shutdown();
});

/** Four functions; `@two` and `@four` have type errors, `@main` calls every other. */
const TWO_BAD_BODIES = `func @one(i32) -> i32 {
block0(v0: i32):
  return v0
}

func @two(i32) -> i32 {
block0(v0: i32):
  v1:i64 = const 1
  return v1
}

export func @main(i32) -> i32 {
block0(v0: i32):
  v1:i32 = call @one(v0)
  v2:i32 = call @two(v1)
  v3:i32 = call @four(v2)
  return v3
}

func @four(i32) -> i32 {
block0(v0: i32):
  v1:f64 = add v0, v0
  return v0
}
`;

test("verifying each function as Tier 0 compiles it fails exactly as verifying the module first", async () => {
  const expected = verify(parseModule(TWO_BAD_BODIES), true).map(formatVerifierError);
  assert.equal(expected.length, 2);
  // and with a module-level error (a data segment past the memory), reported first
  for (const text of [TWO_BAD_BODIES, `memory 1\ndata 65530 "toolong"\n${TWO_BAD_BODIES}`]) {
    const want = verify(parseModule(text), true).map(formatVerifierError);
    for (const tier of [null, 0, 1, 2] as const) {
      for (const parse of [parseModule, parseModuleLazily]) {
        const config = quiet(TieredConfig.development());
        config.pinnedTier = tier;
        const backend = await TieredBackend.create(config);
        assert.throws(
          () => backend.compileModule(parse(text)),
          (error: unknown) => {
            assert.ok(error instanceof VerifierFailure);
            assert.deepEqual(error.errors.map(formatVerifierError), want, `tier ${tier}, ${parse.name}`);
            return true;
          },
        );
        backend.compileModule(tj(FIB));
        assert.equal(backend.getFunction("main")(10), 55);
        await backend.shutdown();
      }
    }
  }
});

test("Tier 0 lets go of lazily parsed bodies once compiled; tiering up reads them again", async () => {
  const text = TWO_BAD_BODIES.replace(
    "v1:i64 = const 1\n  return v1",
    "v1:i32 = mul v0, v0\n  return v1",
  ).replace("v1:f64 = add v0, v0\n  return v0", "v1:i32 = add v0, v0\n  return v1");
  const expected = new Interpreter(parseModule(text)).call(2, [7]);
  assert.equal(expected, 98);
  for (const [config, tiersUp] of [
    [TieredConfig.production(), false],
    [TieredConfig.stress(3), true],
  ] as const) {
    const module = parseModuleLazily(text);
    const before = module.functions.map((fn) => fn.blocks);
    const backend = await TieredBackend.create(quiet(config));
    backend.compileModule(module);
    assert.ok(
      module.functions.every((fn, f) => fn.blocks !== before[f]),
      "every body was released after its Tier 0 compile, and is read again",
    );
    const main = backend.getFunction("main");
    for (let i = 0; i < 50; i++) assert.equal(main(7), expected);
    assert.equal(backend.getStatistics().installs > 0, tiersUp);
    await backend.shutdown();
  }
});

test("traps propagate as TrapErrors with the guest stack, and the engine stays usable", async () => {
  const out = new BufferSink();
  const backend = await TieredBackend.create(quiet(TieredConfig.development()), { output: out });
  backend.compileModule(
    tj(
      `function get(a: i32[], i: i32): i32 {\n  return a[i];\n}\nexport function main(i: i32): i32 {\n  let a = new i32[4];\n  print(i);\n  return get(a, i);\n}\n`,
    ),
  );
  const main = backend.getFunction("main");
  for (let i = 0; i < 30; i++) assert.equal(main(i % 4), 0);
  assert.throws(
    () => main(7),
    (error: unknown) => {
      assert.ok(error instanceof TrapError);
      assert.equal(error.message, "index out of bounds");
      assert.deepEqual(
        error.guestStack.map((f) => `${f.functionName}:${f.line}`),
        ["get:2", "main:7"],
      );
      return true;
    },
  );
  assert.equal(backend.getFunctionTier(0), 1, "get is at T1: the trap came from T1 code");
  assert.equal(main(3), 0);
  assert.match(out.text(), /^0\n1\n2\n3\n/);
  await backend.shutdown();
});

test("a timeout interrupts a single long loop, at every tier", async () => {
  for (const pinned of [0, 1, null] as const) {
    const config = quiet(TieredConfig.development());
    config.pinnedTier = pinned;
    config.timeoutMs = 150;
    const backend = await TieredBackend.create(config);
    backend.compileModule(tj("export function main(): i32 {\n  let x = 0;\n  while (true) { x += 1; }\n}\n"));
    const started = Date.now();
    assert.throws(
      () => backend.getFunction("main")(),
      (error: unknown) => error instanceof TrapError && error.message === "timeout",
    );
    assert.ok(Date.now() - started < 5000);
    await backend.shutdown();
  }
});

const SPIN =
  "extern function poke(i: i32): void;\nexport function main(): i32 {\n  let x = 0;\n  while (true) { x += 1; if (x % 1000 == 0) { poke(x); } }\n}\nexport function one(): i32 { return 1; }\n";

test("interrupt() from a host function stops one long loop at every tier, and the engine stays usable", async () => {
  for (const pinned of [0, 1, null] as const) {
    const config = quiet(TieredConfig.development());
    config.pinnedTier = pinned;
    config.interruptible = true;
    let backend: TieredBackend | null = null;
    let pokes = 0;
    backend = await TieredBackend.create(config, {
      imports: { env: { poke: () => (++pokes === 50 ? backend!.interrupt() : undefined) } },
    });
    backend.compileModule(tj(SPIN));
    assert.throws(
      () => backend.getFunction("main")(),
      (error: unknown) =>
        error instanceof TrapError &&
        error.message === "interrupted" &&
        error.guestStack[0]?.functionName === "main",
    );
    assert.ok(
      pokes >= 50 && pokes <= 60,
      `stopped at the next safepoint (within 10 000 iterations), after ${pokes}`,
    );
    assert.equal(backend.getFunction("one")(), 1);
    await backend.shutdown();
  }
});

test("another thread interrupts through interruptSignal; a stale request is dropped at the next call", async () => {
  const config = quiet(TieredConfig.production());
  config.interruptible = true;
  const backend = await TieredBackend.create(config, { imports: { env: { poke: () => undefined } } });
  backend.compileModule(tj(SPIN));
  const signal = backend.interruptSignal!;
  backend.interrupt();
  assert.equal(
    backend.getFunction("one")(),
    1,
    "a request made while nothing ran does not hit the next call",
  );
  const watchdog = new Worker(
    "const { workerData } = require('node:worker_threads'); setTimeout(() => Atomics.store(workerData, 0, 1), 100);",
    { eval: true, workerData: signal },
  );
  const started = Date.now();
  assert.throws(() => backend.getFunction("main")(), /interrupted/);
  assert.ok(Date.now() - started < 5000);
  await watchdog.terminate();
  await backend.shutdown();
});

test("interrupt() needs an interruptible config, and pinned Tier 2 cannot be interruptible", async () => {
  const backend = await TieredBackend.create(quiet(TieredConfig.development()));
  assert.throws(() => backend.interrupt(), /TieredConfig.interruptible/);
  await backend.shutdown();
  const config = quiet(TieredConfig.production());
  config.pinnedTier = 2;
  config.interruptible = true;
  await assert.rejects(TieredBackend.create(config), /Tier 2 code has none/);
});

test("pinned Tier 2 compiles every function ahead of time with Binaryen", async () => {
  const config = quiet(TieredConfig.production());
  config.pinnedTier = 2;
  const backend = await TieredBackend.create(config);
  backend.compileModule(tj(FIB));
  assert.equal(backend.getFunctionTier(0), 2);
  assert.equal(backend.getFunctionTier(1), 2);
  assert.equal(backend.getFunction("main")(25), 75025);
  const stats = backend.getStatistics();
  assert.deepEqual(stats.tierCounts, [0, 0, 2]);
  assert.equal(stats.compiles[2].functions, 2);
  assert.equal(stats.tierUpLatencies.length, 0, "ahead-of-time compiles are not tier-ups");
  await backend.shutdown();
});

test("tiered mode reaches Tier 2 for hot functions (synchronous compiles)", async () => {
  const backend = await TieredBackend.create(quiet(TieredConfig.development()));
  backend.compileModule(tj(FIB));
  assert.equal(backend.getFunction("main")(22), 17711);
  assert.equal(backend.getFunctionTier(0), 2, "fib is hot");
  assert.equal(backend.getFunction("main")(23), 28657);
  await backend.shutdown();
});

test("with a timeout, tiering stops at Tier 1 (Tier 2 code has no safepoints)", async () => {
  const config = quiet(TieredConfig.development());
  config.timeoutMs = 60_000;
  const backend = await TieredBackend.create(config);
  backend.compileModule(tj(FIB));
  assert.equal(backend.getFunction("main")(22), 17711);
  assert.equal(backend.getFunctionTier(0), 1);
  await backend.shutdown();
});

test("pinned Tier 2 with a timeout is refused: its code could not be interrupted", async () => {
  const config = quiet(TieredConfig.production());
  config.pinnedTier = 2;
  config.timeoutMs = 1000;
  await assert.rejects(TieredBackend.create(config), /Tier 2 code has none/);
});

test("wrong arguments from the host are clear TypeErrors at every tier, and change nothing", async () => {
  const source = "export function main(a: i32, b: i64, c: f64): f64 { return c + (a as f64) + (b as f64); }";
  const module = tj(source);
  const interp = new Interpreter(module);
  const backend = await TieredBackend.create(quiet(TieredConfig.development()));
  backend.compileModule(tj(source));
  const callers: [string, (...args: unknown[]) => unknown][] = [
    ["interpreter", (...args) => interp.call("main", args)],
    ["engine", backend.getFunction("main")],
  ];
  for (const [where, call] of callers) {
    const bad: [unknown[], RegExp][] = [
      [["abc", 1n, 1], /@main argument 1 \(i32\): expected an integer number, got string "abc"/],
      [[1.5, 1n, 1], /argument 1 \(i32\): expected an integer number, got number 1.5/],
      [[1, 1.5, 1], /argument 2 \(i64\): expected a bigint, got number 1.5/],
      [[1, 1n, null], /argument 3 \(f64\): expected a number, got null/],
      [[1], /@main takes 3 argument\(s\), got 1/],
    ];
    for (const [args, message] of bad)
      assert.throws(
        () => call(...args),
        (e: Error) => e instanceof TypeError && message.test(e.message),
        where,
      );
    // hex-style i32 bit patterns wrap; a safe-integer number is accepted for i64
    assert.equal(call(0xffffffff, 5, 0.5), 4.5, where);
  }
  await backend.shutdown();
});
