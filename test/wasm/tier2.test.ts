import assert from "node:assert/strict";
import { test } from "node:test";
import { randomModule } from "../../src/cli/fuzz/generate.js";
import { makeLoc } from "../../src/ir/ir.js";
import { parseModule } from "../../src/ir/parser.js";
import { compileTier2, decodeSourceMap, loadBinaryen } from "../../src/wasm/tier2.js";

const binaryen = await loadBinaryen();

test("every function of 300 generated modules compiles at Tier 2 into a valid module", () => {
  // a failed Tier 2 compile only leaves a function at its tier, so differential tests
  // would not notice one: check the compiler directly. (Found by `tierjit fuzz`: a
  // Relooper body ending in a block of type none, in a function with a result.)
  let functions = 0;
  for (let seed = 1; seed <= 300; seed++) {
    const module = randomModule(seed);
    module.functions.forEach((_, id) => {
      const compiled = compileTier2(binaryen, module, id, `v${seed}_${id}`);
      assert.ok(WebAssembly.validate(compiled.bytes), `seed ${seed}, function ${id}`);
      functions++;
    });
  }
  assert.ok(functions > 500);
});

test("a switch whose every case returns, in a function with a result", () => {
  const module = parseModule(`export func @f(i32) -> i32 {
block0(v0: i32):
  br_table v0, [block1, block2], block2
block1:
  return v0
block2:
  v1:i32 = const 7
  return v1
}
`);
  const compiled = compileTier2(binaryen, module, 0, "switch");
  assert.ok(WebAssembly.validate(compiled.bytes));
});

test("Tier 2 keeps source lines: the source map points the division at its line", () => {
  const module = parseModule(`source "d.tj"
export func @f(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
  v2:i32 = div_s v0, v1 !7:12
  return v2 !7:3
}
`);
  const compiled = compileTier2(binaryen, module, 0, "lines");
  const map = [...compiled.sourceMaps.values()][0]!;
  assert.ok(map.locs.includes(makeLoc(7, 12)), "the div's location survives -O3");
});

test("source map VLQ decoding", () => {
  // one segment: offset 37, source 0, line 6 (0-based), column 3
  assert.deepEqual(decodeSourceMap('{"version":3,"sources":["x"],"names":[],"mappings":"qCAMG"}'), {
    offsets: [37],
    locs: [makeLoc(7, 3)],
    sites: [-1],
  });
  // a second segment in source 1, an inline site's file: offset +2, source +1, line +1, column -1
  assert.deepEqual(
    decodeSourceMap(
      '{"version":3,"sources":["x","<tierjit inline site>4"],"names":[],"mappings":"qCAMG,ECCD"}',
    ),
    { offsets: [37, 39], locs: [makeLoc(7, 3), makeLoc(8, 2)], sites: [-1, 4] },
  );
  assert.deepEqual(decodeSourceMap(null), { offsets: [], locs: [], sites: [] });
});
