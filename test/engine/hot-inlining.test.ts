import assert from "node:assert/strict";
import { test } from "node:test";
import { type CompileJob, runCompileJob } from "../../src/engine/jobs.js";
import { findFunction, type Module } from "../../src/ir/ir.js";
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

/** The functions a Tier 2 job of `id` in `of` inlined, given its speculation input. */
function inlined(of: Module, id: number, bodies: number[], speculation: SpeculationJob): number[] {
  const job: CompileJob = {
    jobId: 1,
    unit: toWire(of, [id, ...bodies]),
    funcId: id,
    tier: 2,
    instrument: Instrument.None,
    initialBudget: 0,
    moduleName: "hot",
    fault: null,
    // every edge ran: nothing to speculate away
    speculation: { taken: new Uint8Array(16).fill(1), disabled: [], ...speculation },
  };
  const { compiled } = runCompileJob(job, false, binaryen);
  return [...compiled.sourceMaps.values()].flatMap((map) =>
    (map.inlineSites ?? []).map((site) => site.callee),
  );
}
type SpeculationJob = Omit<NonNullable<CompileJob["speculation"]>, "taken" | "disabled">;

/** The functions Tier 2 code of main inlined, given Tier 1's count of its call of mix. */
function inlinedWith(count: number): number[] {
  return inlined(module, main, [mix], { calls: Uint32Array.of(count) });
}

test("Tier 2 inlines a larger callee into a call Tier 1 counted often, not into one it rarely ran", () => {
  assert.ok(size(module.functions[mix]!) > INLINE_MAX_CALLEE_SIZE, `mix has ${size(module.functions[mix]!)}`);
  assert.deepEqual(inlinedWith(5000), [mix]);
  assert.deepEqual(inlinedWith(3), []);
});

test("an indirect call site Tier 1 counted often guards and inlines a larger target; a rare one does not", () => {
  // six handlers of one signature: too many for devirtualize, so only the profile guards one
  const handlers = ["mix", "h1", "h2", "h3", "h4", "h5"];
  const dispatch = tjModule(
    `function mix(x: i32): i32 {
${STEPS}
  return x;
}
function h1(x: i32): i32 { return x + 1; }
function h2(x: i32): i32 { return x + 2; }
function h3(x: i32): i32 { return x + 3; }
function h4(x: i32): i32 { return x + 4; }
function h5(x: i32): i32 { return x + 5; }
function table(): ((i32) => i32)[] {
  let t = new ((i32) => i32)[6];
${handlers.map((h, i) => `  t[${i}] = ${h};`).join("\n")}
  return t;
}
export function main(k: i32, n: i32): i32 {
  let t = table();
  let s = 0;
  for (let i = 0; i < n; i += 1) s += t[k](i);
  return s;
}
`,
    "dispatch.tj",
  );
  const id = findFunction(dispatch, "main");
  const target = findFunction(dispatch, "mix");
  const slot = dispatch.table.indexOf(target);
  const bodies = dispatch.functions.map((_, f) => f).filter((f) => f !== id);
  const guarded = (count: number): number[] =>
    inlined(dispatch, id, bodies, { targets: Int32Array.of(slot, -1), indirectCalls: Uint32Array.of(count) });
  assert.ok(guarded(5000).includes(target));
  assert.ok(!guarded(3).includes(target));
});
