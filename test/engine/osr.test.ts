import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { TieredBackend } from "../../src/engine/backend.js";
import { TieredConfig } from "../../src/engine/config.js";
import { computeDominators } from "../../src/ir/dominance.js";
import { Interpreter } from "../../src/ir/interpreter.js";
import type { Module } from "../../src/ir/ir.js";
import { computeLoops, loopHeaders } from "../../src/ir/loops.js";
import { parseModule } from "../../src/ir/parser.js";
import { resumeFunction, resumeLiveIns } from "../../src/ir/resume.js";
import { assertSameTrap, tjModule, trapOf } from "../support/tj.js";

const tj = (source: string): Module => tjModule(source, "osr.tj");

/** Dev profile, quiet, compiling at the safepoint: deterministic tier changes. */
function sync(): TieredConfig {
  const config = TieredConfig.development();
  config.verbosity = 0;
  config.enableBackgroundOptimization = false;
  return config;
}

const ONE_LOOP = `export function main(n: i32): i64 {
  let sum: i64 = 0;
  let k = 7;
  for (let i = 0; i < n; i += 1) sum += ((i % k) as i64) * 3;
  return sum;
}
`;

const NESTED = `export function main(n: i32): i32 {
  let count = 0;
  for (let y = 0; y < n; y += 1) {
    for (let x = 0; x < n; x += 1) {
      if ((x ^ y) % 3 == 0) count += 1;
    }
  }
  return count;
}
`;

test("one long call of main enters Tier 2 code at its loop (OSR), with the interpreter's result", async () => {
  const module = tj(ONE_LOOP);
  const expected = new Interpreter(module).call(0, [100_000]);
  const backend = await TieredBackend.create(sync());
  backend.compileModule(module);
  assert.equal(backend.getFunction("main")(100_000), expected);
  const stats = backend.getStatistics();
  assert.equal(stats.osrEntries, 1, "the running frame handed over once");
  assert.equal(stats.osrCompiles, 1);
  assert.match(stats.format(), /^OSR: 1 entries \(1 entry functions compiled\)$/m);
  // a later call that starts in Tier 0 code again reuses the entry function
  await backend.shutdown();
});

test("nested loops: the hot inner loop hands over at its own header, and the result is exact", async () => {
  const module = tj(NESTED);
  const expected = new Interpreter(module).call(0, [300]);
  const config = sync();
  config.trace = true;
  const backend = await TieredBackend.create(config);
  backend.compileModule(module);
  assert.equal(backend.getFunction("main")(300), expected);
  assert.equal(backend.getStatistics().osrEntries, 1);
  const osr = backend.getTrace()!.traceEvents.filter((e) => e.cat === "osr");
  await backend.shutdown();
  assert.equal(osr.length, 1);
  const fn = module.functions[0]!;
  const inner = computeLoops(fn, computeDominators(fn)).loops.find((loop) => loop.depth === 2)!;
  assert.equal(osr[0]!.name, `OSR main block${inner.header}`, "entered at the inner loop");
  // every block but the entry has a resume function that verifies
  for (let b = 1; b < fn.blocks.length; b++) assert.ok(resumeFunction(module, fn, b) !== null, `block${b}`);
});

test("a resume function inside a loop nest joins the outer loop's values with its parameters", () => {
  // y counts the outer loop; t = 3y is defined in the outer body; the inner loop (block3)
  // adds t y times (at least once)
  const module = parseModule(`export func @f(i32) -> i32 {
block0(v0: i32):
  v1:i32 = const 0
  jump block1(v1, v1)
block1(v2: i32, v3: i32):
  v4:i32 = lt_s v2, v0
  br_if v4, block2, block5
block2:
  v5:i32 = const 3
  v6:i32 = mul v2, v5
  jump block3(v1, v3)
block3(v7: i32, v8: i32):
  v9:i32 = add v8, v6
  v10:i32 = const 1
  v11:i32 = add v7, v10
  v12:i32 = lt_s v11, v2
  br_if v12, block3(v11, v9), block4
block4:
  v13:i32 = add v2, v10
  jump block1(v13, v9)
block5:
  return v3
}
`);
  const fn = module.functions[0]!;
  assert.equal(new Interpreter(module).call(0, [4]), 42);
  const entry = resumeFunction(module, fn, 3)!;
  assert.deepEqual(entry.liveIns, [0, 1, 2, 6], "n, the constant 0, y and t");
  const run = new Interpreter({ ...module, functions: [entry.fn] });
  // at block3 with x = 0, acc = 100, y = 2, t = 6: 100 + 2*6, then y = 3 adds 3*9
  assert.equal(run.call(0, [0, 100, 4, 0, 2, 6]), 139);
  // the inner loop is entered in a copy of it; the nest after it keeps its shape: the outer
  // loop with the original inner loop inside (were the inner header entered itself, it
  // would dominate the outer loop and head one loop with it)
  const loops = computeLoops(entry.fn, computeDominators(entry.fn)).loops;
  assert.equal(loops.length, 3, "the copy, the outer loop, the inner loop");
  assert.equal(loops.filter((loop) => loop.parent === -1).length, 2, "the copy and the outer loop");
  const inner = loops.find((loop) => loop.parent !== -1)!;
  assert.equal(loops[inner.parent]!.body[inner.header], 1, "the inner loop inside the outer one");
});

test("a trap after OSR reports the interpreter's guest stack (the hand-over is a tail call)", async () => {
  const source = `function get(a: i32[], i: i32): i32 { return a[i]; }
export function main(n: i32): i32 {
  let a = new i32[10];
  let s = 0;
  for (let i = 0; i < n; i += 1) {
    s += get(a, i % 10);
    if (i == n - 1) s += get(a, 10);
  }
  return s;
}
`;
  const module = tj(source);
  const expected = trapOf(() => new Interpreter(module).call(1, [50_000]));
  const backend = await TieredBackend.create(sync());
  backend.compileModule(module);
  assertSameTrap(() => backend.getFunction("main")(50_000), expected);
  assert.equal(backend.getStatistics().osrEntries, 1);
  await backend.shutdown();
});

test("with osr = false (--no-osr) running frames stay where they are", async () => {
  const config = sync();
  config.osr = false;
  const backend = await TieredBackend.create(config);
  backend.compileModule(tj(ONE_LOOP));
  backend.getFunction("main")(100_000);
  assert.equal(backend.getStatistics().osrEntries, 0);
  assert.equal(backend.getStatistics().osrCompiles, 0);
  await backend.shutdown();
});

test("with background workers, one long call enters its entry function once a worker has built it", async () => {
  const config = TieredConfig.development();
  config.verbosity = 0;
  const backend = await TieredBackend.create(config);
  backend.compileModule(tj(ONE_LOOP));
  // long enough for a cold worker to load Binaryen and compile the entry (about 1 s at Tier 0)
  const n = 250_000_000;
  let sum = 0n;
  for (let r = 0; r < 7; r++) sum += BigInt(r * 3) * BigInt(Math.floor(n / 7) + (r < n % 7 ? 1 : 0));
  assert.equal(backend.getFunction("main")(n), sum);
  assert.equal(backend.getStatistics().osrEntries, 1);
  await backend.shutdown();
});

test("entry functions: header arguments, then the live-ins; none for the entry block", () => {
  const module = parseModule(`export func @f(i32) -> i32 {
block0(v0: i32):
  v1:i32 = const 1
  v2:i32 = const 0
  jump block1(v2)
block1(v3: i32):
  v4:i32 = add v3, v1
  v5:i32 = lt_s v4, v0
  br_if v5, block1(v4), block2
block2:
  return v4
}
`);
  const fn = module.functions[0]!;
  assert.deepEqual(resumeLiveIns(fn, 1), [0, 1], "v0 and v1 come from before the loop");
  assert.deepEqual(resumeLiveIns(fn, 0), [], "the entry takes the parameters only");
  const entry = resumeFunction(module, fn, 1)!;
  assert.deepEqual(entry.fn.params, [0, 0, 0], "i32 header argument, then v0 and v1");
  assert.deepEqual(entry.liveIns, [0, 1]);
  const run = new Interpreter({ ...module, functions: [entry.fn] });
  assert.equal(run.call(0, [5, 100, 10]), 105, "from v3 = 5 in steps of v1 = 10 until v0 = 100 is passed");
});

// `step` turns warm on short calls (Tier 1), then one long call runs its loops in Tier 1 code
const WARM_THEN_LONG = `function step(n: i32, m: i32): i32 {
  let acc = 0;
  for (let y = 0; y < n; y += 1) {
    for (let x = 0; x < m; x += 1) acc = (acc * 31 + (x ^ y)) % 1000003;
  }
  return acc;
}
export function main(calls: i32, n: i32, m: i32): i32 {
  let s = 0;
  for (let k = 0; k < calls; k += 1) s = (s + step(1, 1)) % 1000;
  return (s + step(n, m)) % 1000003;
}
`;

for (const [label, n, m] of [
  ["its outer loop", 2000, 3],
  ["its inner loop", 2, 40_000],
] as const) {
  test(`a long call of a function already at Tier 1 leaves Tier 1 code at ${label} (OSR from Tier 1)`, async () => {
    const module = tj(WARM_THEN_LONG);
    const mainId = module.functions.findIndex((f) => f.name === "main");
    const expected = new Interpreter(module).call(mainId, [30, n, m]);
    const config = sync();
    config.trace = true;
    // no profiling window: while it lasts, Tier 1 frames keep their loops (backend.ts)
    config.profileWindowMs = 0;
    const backend = await TieredBackend.create(config);
    backend.compileModule(module);
    assert.equal(backend.getFunction("main")(30, n, m), expected);
    const stepId = module.functions.findIndex((f) => f.name === "step");
    const events = backend.getTrace()!.traceEvents;
    const tier1At = events.find((e) => e.ph === "i" && e.name === "install step T1")?.ts;
    const osr = events.filter((e) => e.ph === "i" && e.name.startsWith("OSR step"));
    assert.ok(tier1At !== undefined, "step reached Tier 1 on its short calls");
    // short calls that were running Tier 1 code when step turned hot may hand over too
    assert.ok(osr.length >= 1);
    assert.ok(
      osr.every((e) => e.ts > tier1At),
      "from Tier 1 code (step's Tier 0 frames ended with its short calls)",
    );
    assert.ok(backend.getFunctionTier(stepId) >= 1);
    await backend.shutdown();
  });
}

test("with osr = false, a long call in Tier 1 code finishes there", async () => {
  const module = tj(WARM_THEN_LONG);
  const mainId = module.functions.findIndex((f) => f.name === "main");
  const expected = new Interpreter(module).call(mainId, [30, 2000, 3]);
  const config = sync();
  config.osr = false;
  const backend = await TieredBackend.create(config);
  backend.compileModule(module);
  assert.equal(backend.getFunction("main")(30, 2000, 3), expected);
  assert.equal(backend.getStatistics().osrEntries, 0);
  await backend.shutdown();
});

test("every loop header of every program in the repo has an OSR entry function", () => {
  // fannkuch's main has an inner loop whose copy alone would enter an enclosing loop at two
  // places: its entry copies the whole nest instead (resume.ts)
  const root = new URL("../../../", import.meta.url).pathname;
  let headers = 0;
  for (const dir of ["examples", "bench/programs", "bench/tiering", "test/programs/tj"]) {
    for (const name of readdirSync(root + dir).filter((f) => f.endsWith(".tj"))) {
      let module: Module;
      try {
        module = tjModule(readFileSync(`${root}${dir}/${name}`, "utf8"), name);
      } catch {
        continue; // programs that are meant not to compile
      }
      for (const fn of module.functions) {
        for (const header of loopHeaders(fn, computeDominators(fn))) {
          if (header === 0) continue;
          headers++;
          assert.notEqual(
            resumeFunction(module, fn, header),
            null,
            `${dir}/${name} @${fn.name} block${header}`,
          );
        }
      }
    }
  }
  assert.ok(headers > 50, `${headers} loop headers`);
});

// main reads the array global `cells` in its one long loop and cannot change it (fill does)
const GLOBAL_LOOP = `let cells: i32[] = new i32[4];
export function fill(n: i32) {
  cells = new i32[n];
  for (let j = 0; j < n; j += 1) cells[j] = j * 3;
}
export function main(rounds: i32): i32 {
  let s = 0;
  for (let r = 0; r < rounds; r += 1) {
    for (let j = 0; j < cells.length; j += 1) s += cells[j] ^ r;
  }
  return s;
}
`;

test("an OSR entry speculates on the globals its loop reads, and gives exact results when they change", async () => {
  const module = tj(GLOBAL_LOOP);
  const reference = new Interpreter(module);
  const config = sync();
  config.verbosity = 1;
  const log: string[] = [];
  const backend = await TieredBackend.create(config, { log: (line) => log.push(line) });
  backend.compileModule(module);
  for (const [size, rounds] of [
    [16, 3000],
    [8, 3000],
    [32, 100],
  ] as const) {
    reference.call(0, [size]);
    backend.getFunction("fill")(size);
    assert.equal(backend.getFunction("main")(rounds), reference.call(1, [rounds]), `size ${size}`);
  }
  assert.ok(
    log.some((line) => /main: OSR entry at block\d+ installed \(guards on main:\$cells\)/.test(line)),
    log.join("\n"),
  );
  assert.equal(backend.getStatistics().failures, 0);
  await backend.shutdown();
});

test("stress mode: an OSR entry's failed guard drops the entry, and the loop enters a new one", async () => {
  const module = tj(GLOBAL_LOOP);
  const reference = new Interpreter(module);
  const config = TieredConfig.stress(3);
  config.verbosity = 1;
  config.enableBackgroundOptimization = false;
  const log: string[] = [];
  const backend = await TieredBackend.create(config, { log: (line) => log.push(line) });
  backend.compileModule(module);
  for (const size of [16, 8, 16, 5]) {
    reference.call(0, [size]);
    backend.getFunction("fill")(size);
    assert.equal(backend.getFunction("main")(400), reference.call(1, [400]), `size ${size}`);
  }
  assert.ok(
    log.some((line) => /main: speculative OSR entry at block\d+ dropped/.test(line)),
    log.join("\n"),
  );
  await backend.shutdown();
});

// found by the fuzzer (seed 97027, stress): a call guard in the block before the loop
// renumbered the speculated copy's blocks, and the entry was built at the wrong block
test("an OSR entry into a function whose call sites are speculated on starts at its loop header", async () => {
  // each call of @bump counts; an entry built at the wrong block calls it again
  const module = parseModule(
    `type t0 = ()
table [@keep, @bump]
global $calls: i32 mut = 0
export func @main(i32) -> i32 {
block0(v0: i32):
  v1:i32 = const 1
  call_indirect t0 v1()
  v2:i32 = const 4
  jump block1(v2)
block1(v5: i32):
  v6:i32 = lt_s v5, v0
  br_if v6, block2, block3
block2:
  v7:i32 = const 1
  v8:i32 = add v5, v7
  jump block1(v8)
block3:
  v9:i32 = global_get $calls
  v10:i32 = add v5, v9
  return v10
}
func @keep() {
block0:
  return
}
func @bump() {
block0:
  v0:i32 = global_get $calls
  v1:i32 = const 1
  v2:i32 = add v0, v1
  global_set $calls, v2
  return
}
`,
    "osr-call-guard.tir",
  );
  let entries = 0;
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    const config = TieredConfig.stress(seed);
    config.verbosity = 0;
    const backend = await TieredBackend.create(config);
    backend.compileModule(module);
    assert.equal(backend.getFunction("main")(5000), 5001, `seed ${seed}`);
    entries += backend.getStatistics().osrEntries;
    await backend.shutdown();
  }
  assert.ok(entries > 0, "no OSR entry ran");
});
