import assert from "node:assert/strict";
import { test } from "node:test";
import { randomModule } from "../../src/cli/fuzz/generate.js";
import { interpreterOutcomes } from "../../src/cli/fuzz/run.js";
import { leafHostImports } from "../../src/engine/host.js";
import { speculatedCopy } from "../../src/engine/jobs.js";
import { PIPELINES } from "../../src/engine/pipelines.js";
import type { Module } from "../../src/ir/ir.js";
import { Type } from "../../src/ir/types.js";
import { globalsWrittenDuring } from "../../src/opt/global-writes.js";
import { type PassContext, runPasses } from "../../src/opt/pass.js";
import { ALL_PASSES, PASS_ORDER, STANDARD_PASSES } from "../../src/opt/pipelines.js";
import { markBranchCounts, markCallCounts } from "../../src/opt/profile-sites.js";

test("every pipeline respects PASS_ORDER, and every pass is named and documented", () => {
  for (const pass of ALL_PASSES) {
    assert.match(pass.name, /^[a-z]+(-[a-z]+)*$/);
    assert.ok(pass.doc.length > 10);
  }
  for (const passes of [STANDARD_PASSES, ...PIPELINES.map((p) => p.passes)]) {
    const names = passes.map((p) => p.name);
    for (const [before, after, why] of PASS_ORDER) {
      const i = names.indexOf(before);
      const j = names.indexOf(after);
      if (i >= 0 && j >= 0) assert.ok(i < j, `${before} must run before ${after}: ${why}`);
    }
  }
});

/**
 * Speculation on edges of function `f` picked at random from `seed`, and on the initial
 * values of the integer globals its calls cannot write (which other calls change); its
 * deopt exits resume an unspeculated copy added to `module` (of the same name, as in the
 * engine, where it is the program's function).
 */
function randomSpeculation(module: Module, f: number, seed: number): PassContext {
  const written = globalsWrittenDuring(module, f, leafHostImports(module));
  const original = module.functions.length;
  module.functions.push({ ...structuredClone(module.functions[f]!), exported: false });
  const globals = module.globals.flatMap((g, global) =>
    g.mutable && (g.type === Type.I32 || g.type === Type.I64) && written !== "all" && !written.has(global)
      ? [{ global, value: g.init, words: [] }]
      : [],
  );
  return { speculation: { taken: new Uint8Array(0), disabled: [], original, randomSeed: seed, globals } };
}

for (const [name, passes] of [
  ["Tier 1's", PIPELINES[1].passes],
  ["Tier 2's", PIPELINES[2].passes],
] as const) {
  test(`${name} passes keep the IR valid and preserve the interpreter's results on 300 generated modules`, () => {
    let changed = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const module = randomModule(seed);
      const expected = interpreterOutcomes(module, 3);
      const optimized = structuredClone(module);
      const count = optimized.functions.length;
      for (let f = 0; f < count; f++) {
        const fn = optimized.functions[f]!;
        // Tier 2 speculates at random (as in stress mode), and takes calls for hot and
        // branches for biased at random
        const context = randomSpeculation(optimized, f, seed * 13 + f);
        markCallCounts(fn, undefined, seed * 13 + f);
        markBranchCounts(fn, undefined, seed * 13 + f);
        if (runPasses(fn, optimized, passes, { verify: true, context }).length > 0) changed++;
      }
      assert.deepEqual(interpreterOutcomes(optimized, 3), expected, `seed ${seed}`);
    }
    assert.ok(changed > 100, `the passes changed only ${changed} functions`);
  });
}

test("each pass alone keeps the IR valid and the interpreter's results on 150 generated modules, and fires", () => {
  for (const pass of ALL_PASSES) {
    let fired = 0;
    for (let seed = 1000; seed < 1150; seed++) {
      const module = randomModule(seed);
      const expected = interpreterOutcomes(module, 3);
      const optimized = structuredClone(module);
      const count = optimized.functions.length;
      for (let f = 0; f < count; f++) {
        const fn = optimized.functions[f]!;
        const context = randomSpeculation(optimized, f, seed * 7 + f);
        if (runPasses(fn, optimized, [pass], { verify: true, context }).length > 0) fired++;
      }
      assert.deepEqual(interpreterOutcomes(optimized, 3), expected, `${pass.name}, seed ${seed}`);
    }
    assert.ok(fired > 0, `${pass.name} never changed a generated function`);
  }
});

test("inlining keeps results on 300 generated modules without trap-prone code, where it fires often", () => {
  let inlined = 0;
  for (let seed = 1; seed <= 300; seed++) {
    const module = randomModule(seed, { traps: false });
    const expected = interpreterOutcomes(module, 3);
    const optimized = structuredClone(module);
    for (const fn of optimized.functions) {
      if (runPasses(fn, optimized, STANDARD_PASSES, { verify: true }).includes("inline-loop-free")) inlined++;
    }
    assert.deepEqual(interpreterOutcomes(optimized, 3), expected, `seed ${seed}`);
  }
  assert.ok(inlined > 50, `inlining fired in only ${inlined} functions`);
});

test("deopt exits in inlined callees rebuild the caller's frame: the interpreter's results on 400 generated modules", () => {
  let chained = 0;
  for (let seed = 2000; seed < 2400; seed++) {
    // half without trap-prone code, where inlining fires more often
    const module = randomModule(seed, seed % 2 === 0 ? { traps: false } : {});
    const expected = interpreterOutcomes(module, 3);
    const optimized = structuredClone(module);
    const count = optimized.functions.length;
    // every function speculated at random first, as a Tier 2 job does with the callees it
    // may inline; then each goes through Tier 2's passes and inlines the others
    for (let f = 0; f < count; f++) {
      const speculation = { taken: new Uint8Array(0), disabled: [], randomSeed: seed * 17 + f };
      optimized.functions[f] = speculatedCopy(optimized, f, speculation);
    }
    for (let f = 0; f < count; f++) {
      const fn = optimized.functions[f]!;
      runPasses(fn, optimized, PIPELINES[2].passes, { verify: true });
      for (const block of fn.blocks) if (block.term.caller !== undefined) chained++;
    }
    assert.deepEqual(interpreterOutcomes(optimized, 3), expected, `seed ${seed}`);
  }
  assert.ok(chained > 20, `only ${chained} deopt exits rebuild a caller frame`);
});
