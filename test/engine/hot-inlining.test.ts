import assert from "node:assert/strict";
import { test } from "node:test";
import { type CompileJob, runCompileJob } from "../../src/engine/jobs.js";
import { findFunction } from "../../src/ir/ir.js";
import { toWire } from "../../src/ir/wire.js";
import { INLINE_MAX_CALLEE_SIZE, size } from "../../src/opt/inline-policy.js";
import { Instrument } from "../../src/wasm/codegen.js";
import { loadBinaryen } from "../../src/wasm/tier2.js";
import { tjModule } from "../support/tj.js";

const binaryen = await loadBinaryen();

// a callee above the size every call inlines, below the size a hot call inlines
const STEPS = Array.from({ length: 12 }, (_, k) => `  x = (x * ${31 + 2 * k}) ^ (x >>> ${k + 3});`).join(
  "\n",
);
const module = tjModule(
  `function mix(x: i32): i32 {
${STEPS}
  return x;
}
export function main(n: i32): i32 {
  let s = 0;
  for (let i = 0; i < n; i += 1) s += mix(i);
  return s;
}
`,
  "hot.tj",
);
const main = findFunction(module, "main");
const mix = findFunction(module, "mix");

/** The functions Tier 2 code of main inlined, given Tier 1's count of its call of mix. */
function inlinedWith(count: number): number[] {
  const job: CompileJob = {
    jobId: 1,
    unit: toWire(module, [main, mix]),
    funcId: main,
    tier: 2,
    instrument: Instrument.None,
    initialBudget: 0,
    moduleName: `hot${count}`,
    fault: null,
    // every edge ran (nothing to speculate away), the call ran `count` times
    speculation: { taken: new Uint8Array(16).fill(1), disabled: [], calls: Uint32Array.of(count) },
  };
  const { compiled } = runCompileJob(job, false, binaryen);
  return [...compiled.sourceMaps.values()].flatMap((map) =>
    (map.inlineSites ?? []).map((site) => site.callee),
  );
}

test("Tier 2 inlines a larger callee into a call Tier 1 counted often, not into one it rarely ran", () => {
  assert.ok(size(module.functions[mix]!) > INLINE_MAX_CALLEE_SIZE, `mix has ${size(module.functions[mix]!)}`);
  assert.deepEqual(inlinedWith(5000), [mix]);
  assert.deepEqual(inlinedWith(3), []);
});
