import assert from "node:assert/strict";
import { test } from "node:test";
import { PIPELINES } from "../../src/engine/pipelines.js";
import { Instrument } from "../../src/wasm/codegen.js";

test("one pipeline per tier, in order, with the seed's names and what each tier carries", () => {
  assert.deepEqual(
    PIPELINES.map((p) => [p.tier, p.name, p.emitter, p.instrument]),
    [
      [0, "Baseline", "baseline", Instrument.EntryAndLoops],
      [1, "Standard", "baseline", Instrument.EntryAndOsrPoints],
      [2, "Optimized", "binaryen-O3", Instrument.None],
    ],
  );
  for (const pipeline of PIPELINES)
    for (const pass of pipeline.passes) assert.equal(typeof pass.run, "function");
});
