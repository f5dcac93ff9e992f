import assert from "node:assert/strict";
import { test } from "node:test";
import { TieredBackend } from "../../src/engine/backend.js";
import { TieredConfig } from "../../src/engine/config.js";
import { Interpreter } from "../../src/ir/interpreter.js";
import { findFunction, type Module } from "../../src/ir/ir.js";
import { TrapError } from "../../src/ir/trap.js";
import { assertSameTrap, tjModule, trapOf } from "../support/tj.js";

const tj = (source: string): Module => tjModule(source, "deopt.tj");

/**
 * Dev profile, quiet, compiling at the safepoint, and no OSR: `main`'s one long call stays
 * in Tier 0 code and calls the function under test through its slot, tier after tier.
 */
function sync(): TieredConfig {
  const config = TieredConfig.development();
  config.verbosity = 0;
  config.enableBackgroundOptimization = false;
  config.osr = false;
  config.profileWindowMs = 0; // tier changes by counts only, not by the clock
  return config;
}

// step's then-edge runs only at the last call: Tier 1 never sees it, Tier 2 speculates
const LATE_BRANCH = `function step(i: i32, n: i32): i32 {
  if (i == n - 1) {
    return i * 3;
  }
  return i & 7;
}
export function main(n: i32): i32 {
  let s = 0;
  for (let i = 0; i < n; i += 1) s += step(i, n);
  return s;
}
`;

test("a branch that turns taken late deopts once, exactly, and the speculative code is dropped", async () => {
  const module = tj(LATE_BRANCH);
  const main = findFunction(module, "main");
  const step = findFunction(module, "step");
  const expected = new Interpreter(module).call(main, [5000]);
  const config = sync();
  config.trace = true;
  const backend = await TieredBackend.create(config);
  backend.compileModule(module);
  assert.equal(backend.getFunction("main")(5000), expected);
  const stats = backend.getStatistics();
  assert.equal(stats.deopts, 1);
  assert.deepEqual(stats.deoptReasons, { branch: 1 });
  assert.equal(stats.invalidations, 1);
  assert.match(stats.format(), /^Deopt: 1 \(branch: 1\), 1 code invalidated$/m);
  assert.equal(backend.getFunctionTier(step), 1, "back at Tier 1 after the deopt");
  const deopts = backend.getTrace()!.traceEvents.filter((e) => e.cat === "deopt");
  assert.deepEqual(
    deopts.map((e) => e.name),
    ["deopt step edge 0"],
  );
  // recompiled at Tier 2 without that guard: the late branch no longer deopts
  assert.equal(backend.getFunction("step")(7, 8), 21);
  for (let i = 0; i < 200; i++) backend.getFunction("step")(i, 1000);
  assert.equal(backend.getFunctionTier(step), 2);
  assert.equal(backend.getFunction("step")(7, 8), 21);
  assert.equal(backend.getStatistics().deopts, 1);
  await backend.shutdown();
});

test("with speculation off (--no-speculation) nothing deopts", async () => {
  const module = tj(LATE_BRANCH);
  const config = sync();
  config.speculation = false;
  const backend = await TieredBackend.create(config);
  backend.compileModule(module);
  assert.equal(
    backend.getFunction("main")(5000),
    new Interpreter(module).call(findFunction(module, "main"), [5000]),
  );
  assert.equal(backend.getStatistics().deopts, 0);
  assert.equal(backend.getFunctionTier(findFunction(module, "step")), 2);
  await backend.shutdown();
});

test("a trap in the code a deopt resumed reports the interpreter's guest stack", async () => {
  const source = `function get(a: i32[], i: i32, n: i32): i32 {
  if (i == n - 1) {
    return a[i + 100];
  }
  return a[i % 10];
}
export function main(n: i32): i32 {
  let a = new i32[10];
  let s = 0;
  for (let i = 0; i < n; i += 1) s += get(a, i, n);
  return s;
}
`;
  const module = tj(source);
  const expected = trapOf(() => new Interpreter(module).call(findFunction(module, "main"), [3000]));
  const backend = await TieredBackend.create(sync());
  backend.compileModule(module);
  assertSameTrap(() => backend.getFunction("main")(3000), expected);
  assert.equal(backend.getStatistics().deopts, 1, "the trap came after the deopt");
  await backend.shutdown();
});

test("stress mode: random guards deopt until the function's deopt limit, then it runs unspeculated", async () => {
  // every edge runs within a few calls, so whatever stress speculates on fails soon
  const source = `function mix(x: i32): i32 {
  let r = 0;
  if ((x & 1) == 0) r += 1; else r += 2;
  if ((x & 2) == 0) r += 3; else r += 5;
  if ((x & 4) == 0) r += 7; else r += 11;
  if ((x & 8) == 0) r += 13; else r += 17;
  return r;
}
export function main(n: i32): i32 {
  let s = 0;
  for (let i = 0; i < n; i += 1) s += mix(i);
  return s;
}
`;
  const module = tj(source);
  const expected = new Interpreter(module).call(findFunction(module, "main"), [1000]);
  for (const limit of [1, 3]) {
    const config = TieredConfig.stress();
    config.verbosity = 0;
    config.osr = false;
    config.deoptLimit = limit;
    const backend = await TieredBackend.create(config);
    backend.compileModule(module);
    assert.equal(backend.getFunction("main")(1000), expected);
    const stats = backend.getStatistics();
    assert.equal(stats.deopts, limit, `limit ${limit}`);
    assert.deepEqual(stats.deoptReasons, { stress: limit });
    assert.equal(backend.getFunctionTier(findFunction(module, "mix")), 2, "recompiled without speculation");
    await backend.shutdown();
  }
});

// leaf's first edge never runs in its own calls (main calls it first, so Tier 1 profiles
// it) nor in the first 90% of the rounds; round inlines mid, and mid's copy inlines leaf
const TWO_DEEP = `function leaf(a: i32[], x: i32, limit: i32): i32 {
  if (x >= limit) {
    return a[x % 16];
  }
  return (x ^ (x >>> 3)) & 1023;
}
function mid(a: i32[], x: i32, limit: i32): i32 {
  return leaf(a, x, limit) + 1;
}
function round(a: i32[], r: i32, limit: i32): i32 {
  let s = 0;
  let t = r;
  for (let i = 0; i < 200; i += 1) {
    s += mid(a, i + r, limit);
    t = t ^ (s << 3);
  }
  let u = t;
  for (let k = 0; k < 3; k += 1) {
    u = u * 1103515245 + 12345;
    s += (u >>> 16) & 7;
  }
  return s;
}
export function main(rounds: i32): i32 {
  let a = new i32[16];
  let total = 0;
  // leaf's own calls first: its Tier 1 code profiles the else-edge only
  for (let w = 0; w < 50; w += 1) total += leaf(a, w, 1 << 30);
  let late = (rounds / 10) * 9;
  for (let r = 0; r < rounds; r += 1) {
    let limit = 1 << 30;
    if (r >= late) limit = 150;
    total = total + round(a, r, limit);
  }
  return total;
}
`;

test("a guard in a callee inlined two deep: the deopt finishes the callee's frame, then the caller's", async () => {
  for (const length of [16, 10]) {
    // with 10 elements, a[x % 16] traps in leaf's frame after the deopt
    const module = tj(TWO_DEEP.replace("new i32[16]", `new i32[${length}]`));
    let expected: unknown;
    try {
      expected = new Interpreter(module).call(findFunction(module, "main"), [400]);
    } catch (error) {
      expected = error;
    }
    const config = sync();
    config.verbosity = 2;
    const log: string[] = [];
    const backend = await TieredBackend.create(config, { log: (line) => log.push(line) });
    backend.compileModule(module);
    let actual: unknown;
    try {
      actual = backend.getFunction("main")(400);
    } catch (error) {
      actual = error;
    }
    if (expected instanceof TrapError) {
      assert.ok(actual instanceof TrapError, `length ${length}: traps`);
      assert.equal(actual.message, expected.message);
      assert.deepEqual(actual.guestStack, expected.guestStack);
      assert.deepEqual(
        actual.guestStack.map((frame) => frame.functionName),
        ["leaf", "mid", "round", "main"],
      );
    } else {
      assert.equal(actual, expected, `length ${length}`);
    }
    assert.ok(
      log.some((line) => /round: T2 installed .*guards on leaf:0/.test(line)),
      "round's code holds leaf's guard",
    );
    assert.equal(backend.getStatistics().deopts, 1);
    assert.ok(log.includes("tierjit: round: speculative code dropped, back to T1"));
    await backend.shutdown();
  }
});

test("a Tier 0 frame looping in a function whose Tier 1 code has not run yet enters the runtime rarely", async () => {
  // main goes to Tier 1 during its one call and waits there for a profile before Tier 2;
  // its Tier 0 frame must not pay a safepoint per sampleRate iterations meanwhile
  const module = tj(`export function main(n: i32): i32 {
  let s = 0;
  for (let i = 0; i < n; i += 1) {
    if ((i & 7) == 3) s += i; else s ^= i;
  }
  return s;
}
`);
  const backend = await TieredBackend.create(sync());
  backend.compileModule(module);
  assert.equal(backend.getFunction("main")(1_000_000), new Interpreter(module).call(0, [1_000_000]));
  assert.equal(backend.getFunctionTier(0), 1);
  assert.ok(backend.getStatistics().safepoints < 5_000, `${backend.getStatistics().safepoints} safepoints`);
  await backend.shutdown();
});

// weigh reads two globals it cannot change: Tier 2 speculates on both (the array's address
// and length, and scale); main replaces them after `swapAt` calls
const GLOBAL_SWAP = `let cells: i32[] = new i32[8];
let scale = 2;
function weigh(k: i32): i32 {
  let s = 0;
  for (let j = 0; j < cells.length; j += 1) s += cells[j] * scale;
  return s + cells[k];
}
export function main(n: i32, swapAt: i32, last: i32): i32 {
  for (let j = 0; j < cells.length; j += 1) cells[j] = j + 1;
  let total = 0;
  for (let i = 0; i < n; i += 1) {
    if (i == swapAt) {
      cells = new i32[5];
      for (let j = 0; j < cells.length; j += 1) cells[j] = 10 * j;
      scale = 3;
    }
    total += weigh(i < n - 1 ? i & 3 : last);
  }
  return total;
}
`;

test("a global that changes after Tier 2 speculated on its value deopts once, by value, exactly", async () => {
  const module = tj(GLOBAL_SWAP);
  const main = findFunction(module, "main");
  const weigh = findFunction(module, "weigh");
  const expected = new Interpreter(module).call(main, [3000, 2000, 4]);
  const config = sync();
  config.trace = true;
  config.verbosity = 2;
  const log: string[] = [];
  const backend = await TieredBackend.create(config, { log: (line) => log.push(line) });
  backend.compileModule(module);
  assert.equal(backend.getFunction("main")(3000, 2000, 4), expected);
  assert.ok(
    log.some((line) => /weigh: T2 installed .*guards on weigh:\$cells, weigh:\$scale/.test(line)),
    log.join("\n"),
  );
  const stats = backend.getStatistics();
  assert.deepEqual(stats.deoptReasons, { value: 1 });
  assert.deepEqual(
    backend
      .getTrace()!
      .traceEvents.filter((e) => e.cat === "deopt")
      .map((e) => e.name),
    ["deopt weigh global $cells"],
  );
  // recompiled without the guard on cells, with scale's new value: no more deopts
  for (let i = 0; i < 300; i++) backend.getFunction("weigh")(1);
  assert.equal(backend.getFunctionTier(weigh), 2);
  assert.equal(backend.getStatistics().deopts, 1);
  await backend.shutdown();
});

test("an index past the end of a replaced global array traps in speculated code as in the interpreter", async () => {
  const module = tj(GLOBAL_SWAP);
  const main = findFunction(module, "main");
  // the swap comes after weigh is at Tier 2; the last call reads cells[6] of the new 5-cell array
  const expected = trapOf(() => new Interpreter(module).call(main, [3000, 2000, 6]));
  const backend = await TieredBackend.create(sync());
  backend.compileModule(module);
  assertSameTrap(() => backend.getFunction("main")(3000, 2000, 6), expected);
  assert.deepEqual(backend.getStatistics().deoptReasons, { value: 1 });
  await backend.shutdown();
});

test("a host function that calls back into the guest may change a global mid-call: no value speculation there", async () => {
  // each call of weigh starts with scale = 1 (main resets it), and poke, the embedder's,
  // calls setScale(3) halfway: code that read scale as the constant 1 would be wrong
  const module = tj(`extern function poke(i: i32);
let scale = 1;
export function setScale(s: i32) { scale = s; }
function weigh(n: i32): i32 {
  let s = 0;
  for (let i = 0; i < n; i += 1) {
    if (i == 5) poke(i);
    s += scale;
  }
  return s;
}
export function main(calls: i32): i32 {
  let total = 0;
  for (let k = 0; k < calls; k += 1) {
    total += weigh(10);
    scale = 1;
  }
  return total;
}
`);
  let backend: TieredBackend | null = null;
  backend = await TieredBackend.create(sync(), {
    imports: { env: { poke: () => backend!.getFunction("setScale")(3) } },
  });
  backend.compileModule(module);
  assert.equal(backend.getFunction("main")(400), 400 * (5 * 1 + 5 * 3));
  assert.equal(backend.getFunctionTier(findFunction(module, "weigh")), 2);
  assert.equal(backend.getStatistics().deopts, 0);
  await backend.shutdown();
});
