import assert from "node:assert/strict";
import { test } from "node:test";
import { randomModule } from "../../src/cli/fuzz/generate.js";
import { parseModule } from "../../src/ir/parser.js";
import { compilationHintsPayload, compileModule } from "../../src/wasm/compile-module.js";

test("every Tier 0 module of 300 generated IR modules validates", () => {
  for (let seed = 1; seed <= 300; seed++) {
    const compiled = compileModule(randomModule(seed), { moduleName: `v${seed}`, base: true });
    assert.ok(WebAssembly.validate(compiled.bytes), `seed ${seed}`);
  }
});

test("a per-function (non-base) module validates and exports only its functions", () => {
  const module = randomModule(11, { functions: 4 });
  const compiled = compileModule(module, { moduleName: "part", base: false, functions: [2] });
  assert.ok(WebAssembly.validate(compiled.bytes));
  assert.deepEqual([...compiled.exportOf.keys()], [2]);
  const exports = WebAssembly.Module.exports(new WebAssembly.Module(compiled.bytes)).map((e) => e.name);
  assert.deepEqual(exports, ["f2"]);
});

test("compilation hints: one byte per compiled function, before the code section", () => {
  assert.deepEqual([...compilationHintsPayload(3, 0x2a)], [3, 0x2a, 0x2a, 0x2a]);
  const module = randomModule(5, { functions: 3 });
  const compiled = compileModule(module, { moduleName: "hinted", base: false, compilationHint: 0x2a });
  const sections = WebAssembly.Module.customSections(
    new WebAssembly.Module(compiled.bytes),
    "compilationHints",
  );
  assert.deepEqual([...new Uint8Array(sections[0]!)], [3, 0x2a, 0x2a, 0x2a]);
  const plain = compileModule(module, { moduleName: "plain", base: false });
  assert.equal(
    WebAssembly.Module.customSections(new WebAssembly.Module(plain.bytes), "compilationHints").length,
    0,
  );
});

test("source maps point at the instruction of each IR location", () => {
  const module = parseModule(`source "s.tj"
export func @f(i32) -> i32 {
block0(v0: i32):
  v1:i32 = const 2 !3:5
  v2:i32 = div_s v0, v1 !4:7
  return v2 !5:3
}
`);
  const compiled = compileModule(module, { moduleName: "maps", base: true });
  const map = compiled.sourceMaps.get(compiled.irFunctionOf.indexOf(0))!;
  assert.deepEqual(map.locs, [3 * 65536 + 5, 4 * 65536 + 7, 5 * 65536 + 3]);
  // i32.const, local.get (the div's first operand), local.get (the return value)
  assert.deepEqual(
    map.offsets.map((o) => compiled.bytes[o]),
    [0x41, 0x20, 0x20],
  );
});
