import assert from "node:assert/strict";
import { test } from "node:test";
import type { Module } from "../../src/ir/ir.js";
import { parseModule } from "../../src/ir/parser.js";
import { Type } from "../../src/ir/types.js";
import { formatVerifierError, verify, verifyOrThrow } from "../../src/ir/verifier.js";

function errorsOf(module: Module): string[] {
  return verify(module).map(formatVerifierError);
}

function fn(body: string, header = "func @f(i32) -> i32"): string {
  return `${header} {\n${body}\n}\n`;
}

/** Each case: IR text and the exact first error it must produce (function, block, inst, message). */
const textCases: [rule: string, text: string, expected: string][] = [
  [
    "duplicate function/import name",
    `import @f() = "env" "f"\n${fn("block0(v0: i32):\n  return v0")}`,
    "duplicate name @f",
  ],
  ["duplicate global", "global $g: i32 = 1\nglobal $g: i32 = 2\n", "duplicate global $g"],
  ["memory maximum below minimum", "memory 4 2\n", "memory maximum out of range"],
  ["data without memory", 'data 0 "x"\n', "data segment without a memory"],
  [
    "data outside initial memory",
    'memory 1\ndata 65535 "xy"\n',
    "data segment at 65535 does not fit the initial memory",
  ],
  [
    "start function with parameters",
    `start @f\n${fn("block0(v0: i32):\n  return v0")}`,
    "start function must take and return nothing",
  ],
  [
    "entry block parameters",
    fn("block0:\n  v0:i32 = const 1\n  return v0"),
    "function @f, block0: entry block parameters do not match the function's parameters",
  ],
  [
    "value defined twice",
    fn("block0(v0: i32):\n  v0:i32 = const 1\n  return v0"),
    "function @f, block0, inst 0 `v0:i32 = const 1`: v0 is defined more than once",
  ],
  [
    "binary operand types differ",
    fn("block0(v0: i32):\n  v1:i64 = const 1\n  v2:i32 = add v0, v1\n  return v2"),
    "function @f, block0, inst 1 `v2:i32 = add v0, v1`: operands of add have different types (i32, i64)",
  ],
  [
    "op does not take the type",
    fn("block0(v0: i32):\n  v1:f64 = const 1\n  v2:f64 = div_s v1, v1\n  return v0"),
    "function @f, block0, inst 1 `v2:f64 = div_s v1, v1`: div_s does not take f64",
  ],
  [
    "result type of arithmetic",
    fn("block0(v0: i32):\n  v1:i64 = add v0, v0\n  return v0"),
    "function @f, block0, inst 0 `v1:i64 = add v0, v0`: result has type i64, expected i32",
  ],
  [
    "comparison result must be i32",
    fn("block0(v0: i32):\n  v1:i64 = lt_s v0, v0\n  return v0"),
    "function @f, block0, inst 0 `v1:i64 = lt_s v0, v0`: result has type i64, expected i32",
  ],
  [
    "invalid conversion",
    fn("block0(v0: i32):\n  v1:i32 = wrap v0\n  return v1"),
    "function @f, block0, inst 0 `v1:i32 = wrap v0`: wrap cannot convert i32 to i32",
  ],
  [
    "select condition",
    fn("block0(v0: i32):\n  v1:f64 = const 0\n  v2:i32 = select v1, v0, v0\n  return v2"),
    "function @f, block0, inst 1 `v2:i32 = select v1, v0, v0`: select condition has type f64, expected i32",
  ],
  [
    "memory op without memory",
    fn("block0(v0: i32):\n  v1:i32 = load v0\n  return v1"),
    "function @f, block0, inst 0 `v1:i32 = load v0`: load needs a memory, and the module has none",
  ],
  [
    "narrow load result type",
    `memory 1\n${fn("block0(v0: i32):\n  v1:f32 = load8_s v0\n  return v0")}`,
    "function @f, block0, inst 0 `v1:f32 = load8_s v0`: load8_s cannot produce f32",
  ],
  [
    "store value type",
    `memory 1\n${fn("block0(v0: i32):\n  v1:f64 = const 1\n  store32 v0, v1\n  return v0")}`,
    "function @f, block0, inst 1 `store32 v0, v1`: store32 cannot store f64",
  ],
  [
    "immutable global",
    `global $k: i32 = 1\n${fn("block0(v0: i32):\n  global_set $k, v0\n  return v0")}`,
    "function @f, block0, inst 0 `global_set $k, v0`: global $k is immutable",
  ],
  [
    "global type",
    `global $k: i64 mut = 1\n${fn("block0(v0: i32):\n  global_set $k, v0\n  return v0")}`,
    "function @f, block0, inst 0 `global_set $k, v0`: value has type i32, expected i64",
  ],
  [
    "call argument count",
    `${fn("block0(v0: i32):\n  v1:i32 = call @f()\n  return v1")}`,
    "function @f, block0, inst 0 `v1:i32 = call @f()`: call passes 0 arguments, callee takes 1",
  ],
  [
    "call argument type",
    `${fn("block0(v0: i32):\n  v1:i64 = const 1\n  v2:i32 = call @f(v1)\n  return v2")}`,
    "function @f, block0, inst 1 `v2:i32 = call @f(v1)`: argument 1 has type i64, expected i32",
  ],
  [
    "call result type",
    `${fn("block0(v0: i32):\n  v1:f64 = call @f(v0)\n  return v0")}`,
    "function @f, block0, inst 0 `v1:f64 = call @f(v0)`: call result type f64 does not match callee's i32",
  ],
  [
    "host call signature",
    `import @h(f64) = "env" "h"\n${fn("block0(v0: i32):\n  call_host @h(v0)\n  return v0")}`,
    "function @f, block0, inst 0 `call_host @h(v0)`: argument 1 has type i32, expected f64",
  ],
  [
    "call_indirect table index type",
    `type t0 = () -> i32\n${fn("block0(v0: i32):\n  v1:i64 = const 0\n  v2:i32 = call_indirect t0 v1()\n  return v2")}`,
    "function @f, block0, inst 1 `v2:i32 = call_indirect t0 v1()`: table index has type i64, expected i32",
  ],
  [
    "trap_if condition",
    fn("block0(v0: i32):\n  v1:f32 = const 0\n  trap_if v1, unreachable\n  return v0"),
    "function @f, block0, inst 1 `trap_if v1, unreachable`: condition has type f32, expected i32",
  ],
  [
    "use before definition",
    fn("block0(v0: i32):\n  v1:i32 = add v2, v0\n  v2:i32 = const 1\n  return v1"),
    "function @f, block0, inst 0 `v1:i32 = add v2, v0`: v2 is used before its definition",
  ],
  [
    "use not dominated",
    fn(
      "block0(v0: i32):\n  br_if v0, block1, block2\nblock1:\n  v1:i32 = const 1\n  jump block2\nblock2:\n  return v1",
    ),
    "function @f, block2, terminator `return v1`: v1 (defined in block1) does not dominate this use",
  ],
  [
    "use of undefined value",
    fn("block0(v0: i32):\n  return v9"),
    "function @f, block0, terminator `return v9`: v9 is used but never defined",
  ],
  [
    "branch to entry",
    fn("block0(v0: i32):\n  jump block0(v0)"),
    "function @f, block0, terminator `jump block0(v0)`: branch to the entry block",
  ],
  [
    "block argument count",
    fn("block0(v0: i32):\n  jump block1\nblock1(v1: i32):\n  return v1"),
    "function @f, block0, terminator `jump block1`: block1 takes 1 arguments, branch passes 0",
  ],
  [
    "block argument type",
    fn("block0(v0: i32):\n  v1:f64 = const 0\n  jump block1(v1)\nblock1(v2: i32):\n  return v2"),
    "function @f, block0, terminator `jump block1(v1)`: argument 1 to block1 has type f64, expected i32",
  ],
  [
    "return without value",
    fn("block0(v0: i32):\n  return"),
    "function @f, block0, terminator `return`: return must carry 1 value(s)",
  ],
  [
    "return value type",
    fn("block0(v0: i32):\n  v1:i64 = const 0\n  return v1"),
    "function @f, block0, terminator `return v1`: returned value has type i64, expected i32",
  ],
  [
    "branch condition type",
    fn("block0(v0: i32):\n  v1:i64 = const 0\n  br_if v1, block1, block1\nblock1:\n  return v0"),
    "function @f, block0, terminator `br_if v1, block1, block1`: condition has type i64, expected i32",
  ],
  [
    "br_table index type",
    fn("block0(v0: i32):\n  v1:f64 = const 0\n  br_table v1, [], block1\nblock1:\n  return v0"),
    "function @f, block0, terminator `br_table v1, [], block1`: index has type f64, expected i32",
  ],
  [
    "irreducible control flow",
    fn("block0(v0: i32):\n  br_if v0, block1, block2\nblock1:\n  jump block2\nblock2:\n  jump block1"),
    "function @f, block2, terminator `jump block1`: irreducible control flow: edge to block1 enters a loop twice",
  ],
];

for (const [rule, text, expected] of textCases) {
  test(`verifier rejects: ${rule}`, () => {
    const errors = errorsOf(parseModule(text));
    assert.ok(errors.length > 0, "no error reported");
    assert.equal(errors[0], expected);
  });
}

function base(): Module {
  return parseModule(fn("block0(v0: i32):\n  v1:i32 = const 5\n  return v1"));
}

const objectCases: [rule: string, mutate: (m: Module) => void, expected: string][] = [
  [
    "name is not an identifier",
    (m) => {
      m.functions[0]!.name = "1bad";
    },
    "function name '1bad' is not an identifier",
  ],
  [
    "more than one result",
    (m) => void m.functions[0]!.results.push(Type.I32),
    "function @f returns more than one value",
  ],
  [
    "global initialiser type",
    (m) => void m.globals.push({ name: "g", type: Type.I64, mutable: true, init: 1 }),
    "global $g has an initialiser of the wrong type",
  ],
  ["table entry", (m) => void m.table.push(7), "table slot 0 names no function"],
  [
    "start names no function",
    (m) => {
      m.start = 3;
    },
    "start names no function",
  ],
  [
    "function without blocks",
    (m) => {
      m.functions[0]!.blocks = [];
    },
    "function @f: function has no blocks",
  ],
  [
    "result and type disagree",
    (m) => {
      m.functions[0]!.blocks[0]!.insts[0]!.type = Type.None;
    },
    "function @f, block0, inst 0 `v1:none = const 5`: result and result type disagree",
  ],
  [
    "i32 constant range",
    (m) => {
      m.functions[0]!.blocks[0]!.insts[0]!.imm = 2 ** 40;
    },
    "function @f, block0, inst 0 `v1:i32 = const 1099511627776`: i32 constant out of range",
  ],
  [
    "unknown trap kind",
    (m) => void Object.assign(m.functions[0]!.blocks[0]!.term, { op: 4, args: [], imm: 99 }),
    "function @f, block0, terminator `trap trap#99`: unknown trap kind 99",
  ],
  [
    "branch to unknown block",
    (m) =>
      void Object.assign(m.functions[0]!.blocks[0]!.term, {
        op: 0,
        args: [],
        targets: [{ block: 9, args: [] }],
      }),
    "function @f, block0, terminator `jump block9`: branch to unknown block9",
  ],
];

for (const [rule, mutate, expected] of objectCases) {
  test(`verifier rejects: ${rule}`, () => {
    const module = base();
    assert.deepEqual(errorsOf(module), []);
    mutate(module);
    assert.equal(errorsOf(module)[0], expected);
  });
}

test("verifyOrThrow lists every error", () => {
  const module = parseModule(fn("block0(v0: i32):\n  v1:i64 = add v0, v0\n  return v9"));
  assert.throws(
    () => verifyOrThrow(module),
    (error: Error) => {
      assert.match(error.message, /inst 0 .*result has type i64/);
      assert.match(error.message, /terminator .*v9 is used but never defined/);
      return true;
    },
  );
});

test("uses in unreachable blocks need only a definition", () => {
  const text = fn(
    "block0(v0: i32):\n  return v0\nblock1:\n  v1:i32 = add v2, v2\n  jump block2\nblock2:\n  v2:i32 = const 1\n  return v2",
  );
  assert.deepEqual(errorsOf(parseModule(text)), []);
});

test("deopt exits, profile records and OSR points: valid in compiled IR, rejected in a program; resume points checked", () => {
  const text = `func @g(i32) -> i32 {
block0(v0: i32):
  br_if v0, block1, block2
block1:
  profile_edge 0
  profile_target 0, v0
  profile_call 0
  osr_point block1, v0
  return v0
block2:
  deopt @f block1(v0), guard 1
}

${fn("block0(v0: i32):\n  jump block1\nblock1:\n  return v0")}`;
  const module = parseModule(text);
  assert.deepEqual(verify(module).map(formatVerifierError), []);
  assert.deepEqual(
    verify(module, true).map((e) => e.message),
    [
      "profile_edge is Tier 1's profiling; a program cannot contain it",
      "profile_target is Tier 1's profiling; a program cannot contain it",
      "profile_call is Tier 1's profiling; a program cannot contain it",
      "osr_point is Tier 1's OSR exit; a program cannot contain it",
      "deopt exits are made by Tier 2's speculation; a program cannot contain them",
    ],
  );
  assert.throws(() => verifyOrThrow(module), /a program cannot contain/);
  const wrongBlock = parseModule(text.replace("deopt @f block1(v0)", "deopt @f block7(v0)"));
  assert.match(errorsOf(wrongBlock)[0]!, /deopt resumes @f at a block it does not have \(block7\)/);
  const wrongIndex = parseModule(
    text.replace(
      "block0(v0: i32):\n  br_if",
      "block0(v0: i32):\n  v9:f64 = const 1\n  profile_target 1, v9\n  br_if",
    ),
  );
  assert.ok(
    errorsOf(wrongIndex).some((e) => e.includes("table index")),
    errorsOf(wrongIndex).join("\n"),
  );
  const undefinedValue = parseModule(text.replace("osr_point block1, v0", "osr_point block1, v0, v8"));
  assert.ok(errorsOf(undefinedValue).some((e) => e.includes("v8 is used but never defined")));
  const entryHeader = parseModule(text.replace("osr_point block1, v0", "osr_point block0, v0"));
  assert.ok(errorsOf(entryHeader).some((e) => e.includes("invalid loop header block0")));
  const wrongResult = parseModule(text.replace("func @f(i32) -> i32", "func @f(i32) -> i64"));
  assert.ok(errorsOf(wrongResult).some((e) => e.includes("whose results differ")));
});

test("sparse value ids: defined ones verify, an undefined one and a duplicate are reported", () => {
  const ok = parseModule(
    fn("block0(v9000000: i32):\n  v2000000000:i32 = add v9000000, v9000000\n  return v2000000000"),
  );
  assert.deepEqual(errorsOf(ok), []);
  const undefinedUse = parseModule(
    fn("block0(v9000000: i32):\n  v2000000000:i32 = add v9000000, v8999999\n  return v2000000000"),
  );
  assert.deepEqual(errorsOf(undefinedUse), [
    "function @f, block0, inst 0 `v2000000000:i32 = add v9000000, v8999999`: v8999999 is used but never defined",
  ]);
  const twice = parseModule(fn("block0(v9000000: i32):\n  v9000000:i32 = const 1\n  return v9000000"));
  assert.match(errorsOf(twice)[0]!, /v9000000 is defined more than once/);
});

test("a malformed value id (not a whole number) is reported, not thrown", () => {
  const module = parseModule(fn("block0(v0: i32):\n  v1:i32 = add v0, v0\n  return v1"));
  module.functions[0]!.blocks[0]!.insts[0]!.result = 1.5;
  module.functions[0]!.blocks[0]!.term.args = [1.5];
  assert.deepEqual(
    errorsOf(module).map((e) => e.replace(/^.*: /, "")),
    ["invalid value id 1.5", "v1.5 is used but never defined"],
  );
});

test("f64x2: valid where the vectorizer makes it, rejected in a program; only lane ops take it", () => {
  const text = `memory 1

func @v(i32, f64) {
block0(v0: i32, v1: f64):
  v2:f64x2 = splat v1
  v3:f64x2 = load v0 offset=8
  v4:f64x2 = mul v2, v3
  v5:f64x2 = sqrt v4
  store v0, v5 offset=8
  jump block1(v5)
block1(v6: f64x2):
  return
}`;
  const module = parseModule(text);
  assert.deepEqual(errorsOf(module), []);
  const inProgram = verify(module, true).map((e) => e.message);
  assert.equal(inProgram.length, 5);
  for (const message of inProgram)
    assert.equal(message, "f64x2 values are made by Tier 2's vectorize; a program cannot contain them");
  const misuse = (from: string, to: string): string[] => errorsOf(parseModule(text.replace(from, to)));
  assert.ok(
    misuse("v4:f64x2 = mul v2, v3", "v4:i32 = eq v2, v3").some((e) => e.includes("eq does not take f64x2")),
  );
  assert.ok(
    misuse("v2:f64x2 = splat v1", "v2:f64x2 = splat v0").some((e) =>
      e.includes("splat cannot convert i32 to f64x2"),
    ),
  );
  assert.ok(
    misuse("v2:f64x2 = splat v1", "v2:f64x2 = const 1").some((e) => e.includes("a const cannot be f64x2")),
  );
  assert.ok(
    misuse("v5:f64x2 = sqrt v4", "v5:f64x2 = copysign v4, v4").some((e) =>
      e.includes("copysign does not take f64x2"),
    ),
  );
  assert.ok(
    misuse("v3:f64x2 = load v0", "v3:f64x2 = load8_u v0").some((e) =>
      e.includes("load8_u cannot produce f64x2"),
    ),
  );
});
