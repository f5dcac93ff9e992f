import assert from "node:assert/strict";
import { test } from "node:test";
import { computeLiveness, liveInValues } from "../../src/ir/liveness.js";
import { parseModule } from "../../src/ir/parser.js";

/** A loop whose body uses constants v1..v40 defined before it; v41 is the loop counter. */
function manyLiveValues(): string {
  const consts = Array.from({ length: 40 }, (_, i) => `  v${i + 1}:i32 = const ${i}`).join("\n");
  const sums = Array.from({ length: 40 }, (_, i) => `  v${i + 43}:i32 = add v${i + 42}, v${i + 1}`).join(
    "\n",
  );
  return `export func @f(i32) -> i32 {
block0(v0: i32):
${consts}
  jump block1(v1)
block1(v41: i32):
  v42:i32 = add v41, v0
${sums}
  v90:i32 = lt_s v82, v0
  br_if v90, block1(v82), block2
block2:
  return v41
}
`;
}

test("live-ins across a loop, with value ids beyond one 32-bit word (every bit, the sign bit too)", () => {
  const fn = parseModule(manyLiveValues()).functions[0]!;
  const liveness = computeLiveness(fn);
  const expected = Array.from({ length: 41 }, (_, i) => i);
  assert.deepEqual(liveInValues(liveness, 1), expected, "v0..v40 are live at the loop header");
  assert.deepEqual(liveInValues(liveness, 2), [41]);
  assert.deepEqual(liveInValues(liveness, 0), []);
});
