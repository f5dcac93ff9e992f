import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { makeLoc } from "../../src/ir/ir.js";
import { LineMap } from "../../src/lang/diagnostics.js";

/** Line and column of `offset` counted the slow way: newlines before it, code units since the last. */
function naive(source: string, offset: number): [number, number] {
  const before = source.slice(0, offset);
  const line = before.split("\n").length;
  return [line, offset - (before.lastIndexOf("\n") + 1) + 1];
}

test("LineMap: every offset's line and column, asked in any order, match a count of the text before it", () => {
  const text = fc.string({ unit: fc.constantFrom("a", "b", " ", "\t", "\r", "\n", "é"), maxLength: 80 });
  fc.assert(
    fc.property(text, fc.array(fc.nat(), { maxLength: 40 }), (source, picks) => {
      const lines = new LineMap(source);
      // one pass in ascending order (the lowering's), then jumps anywhere (diagnostics')
      const offsets = [...Array(source.length + 1).keys(), ...picks.map((p) => p % (source.length + 1))];
      for (const offset of offsets) {
        const [line, col] = naive(source, offset);
        assert.equal(lines.line(offset), line, `line of ${offset} in ${JSON.stringify(source)}`);
        assert.equal(lines.col(offset), col, `col of ${offset} in ${JSON.stringify(source)}`);
        assert.equal(lines.loc(offset), makeLoc(line, col));
      }
    }),
  );
});
