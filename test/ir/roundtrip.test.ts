import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { randomModule } from "../../src/cli/fuzz/generate.js";
import { locCol, locLine, MAX_LOC_COLUMN, makeLoc } from "../../src/ir/ir.js";
import { parseModule } from "../../src/ir/parser.js";
import { printModule } from "../../src/ir/printer.js";
import { formatVerifierError, verify } from "../../src/ir/verifier.js";

test("random well-formed modules verify and round-trip through text exactly", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
      const module = randomModule(seed);
      const errors = verify(module);
      assert.deepEqual(errors.map(formatVerifierError), [], `seed ${seed}`);
      const text = printModule(module);
      const parsed = parseModule(text);
      assert.deepEqual(parsed, module, `parse(print(m)) differs for seed ${seed}`);
      assert.equal(printModule(parsed), text, `print(parse(t)) differs for seed ${seed}`);
    }),
    { numRuns: 300 },
  );
});

test("hand-written text prints back identically", () => {
  const text = `source "prog.tj"
memory 1 4
data 16 "hi\\0a\\00"
type t0 = (i32) -> i32
import @print_i32(i32) = "env" "print_i32"
global $count: i64 mut = -9223372036854775808
global $scale: f64 = -0
global $half: f32 = 0.5
global $k: i32 = 7
table [@sq, null]
start @init

func @init() {
block0:
  v0:i64 = const 1
  global_set $count, v0
  return
}

func @sq(i32) -> i32 !3:1 {
block0(v0: i32):
  v1:i32 = mul v0, v0 !4:10
  return v1 !4:3
}

export func @main(i32) -> i32 {
block0(v0: i32):
  v1:i32 = const 0
  v2:i32 = call_indirect t0 v1(v0)
  call_host @print_i32(v2)
  v3:f64 = const nan
  v4:f64 = const -inf
  v5:f64 = const 1e+300
  v6:i32 = load8_u v1 offset=16
  store16 v1, v6 offset=2
  trap_if v6, index_out_of_bounds
  br_table v6, [block1(v2), block2], block2
block1(v7: i32):
  v8:i32 = global_get $k
  jump block2
block2:
  br_if v0, block3, block4
block3:
  trap integer_overflow
block4:
  return v0
}
`;
  const module = parseModule(text, "t.tir");
  assert.deepEqual(verify(module).map(formatVerifierError), []);
  assert.equal(printModule(module), text);
});

test("positions stay below 2^31 (small integers to V8) up to line 524 287, and round-trip", () => {
  for (const [line, col] of [
    [1, 1],
    [70_004, 13],
    [524_287, MAX_LOC_COLUMN],
  ] as const) {
    const loc = makeLoc(line, col);
    assert.ok(loc < 2 ** 31, `${line}:${col}`);
    assert.deepEqual([locLine(loc), locCol(loc)], [line, col]);
  }
  // longer lines keep their line, the column clamped
  assert.deepEqual([locLine(makeLoc(9, 5000)), locCol(makeLoc(9, 5000))], [9, MAX_LOC_COLUMN]);
  const text = "func @f() {\nblock0:\n  return !70004:4095\n}\n";
  assert.equal(printModule(parseModule(text)), text);
});

test("parse errors carry file:line:col", () => {
  const cases: [string, string][] = [
    ["func @f() {\nblock0:\n  v0:i32 = frob v1\n  return\n}\n", "t.tir:3:12: error: unknown op 'frob'"],
    [
      "func @f() {\nblock0:\n  return\n",
      "t.tir:4:1: error: expected a block label (blockN:), found 'end of input'",
    ],
    ["global $g: i32 = 1.5\n", "t.tir:1:18: error: expected an integer constant, found '1.5'"],
    ["func @f() {\nblock0:\n  call @nope()\n  return\n}\n", "t.tir:3:8: error: unknown function @nope"],
    ["func @f() {\nblock0:\n  jump block7\n}\n", "t.tir:3:8: error: unknown block block7"],
    ["func @f() {\nblock1:\n  return\n}\n", "t.tir:2:1: error: block1 out of order: expected block0"],
    ['data 0 "\\zz"\n', "t.tir:1:9: error: a string escape is '\\' and two hex digits"],
    ["global $g: i32 = 4294967296\n", "t.tir:1:18: error: i32 constant out of range"],
    ["%\n", 't.tir:1:1: error: unexpected character "%"'],
    // a position keeps 12 bits of column (ir.ts MAX_LOC_COLUMN)
    ["func @f() {\nblock0:\n  return !3:4096\n}\n", "t.tir:3:13: error: column out of range"],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseModule(text, "t.tir"), { message }, text);
  }
});
