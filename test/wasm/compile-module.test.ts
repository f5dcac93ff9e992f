import assert from "node:assert/strict";
import { test } from "node:test";
import { randomModule } from "../../src/cli/fuzz/generate.js";
import { makeLoc } from "../../src/ir/ir.js";
import { parseModule } from "../../src/ir/parser.js";
import { Instrument } from "../../src/wasm/codegen.js";
import {
  BUDGET_GET,
  BUDGET_SET,
  compilationHintsPayload,
  compileModule,
} from "../../src/wasm/compile-module.js";
import { disassemble } from "../../src/wasm/disassemble.js";
import { Reader } from "../../src/wasm/reader.js";

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

test("a base module exports no functions: the dispatch table holds them", () => {
  const module = randomModule(11, { functions: 4 });
  const compiled = compileModule(module, { moduleName: "base", base: true });
  assert.equal(compiled.exportOf.size, 0);
  const wasm = new WebAssembly.Module(compiled.bytes);
  assert.deepEqual(
    WebAssembly.Module.exports(wasm).filter((e) => e.kind === "function"),
    [],
  );
  assert.deepEqual(
    [...compiled.irFunctionOf].filter((id) => id >= 0),
    [0, 1, 2, 3],
  );
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

/** Instantiates a non-base module with do-nothing runtime imports; its exports. */
function instantiateAlone(bytes: Uint8Array<ArrayBuffer>): Record<string, (...args: number[]) => number> {
  const rt = {
    trap: () => {
      throw new Error("trap");
    },
    safepoint: () => 1 << 30,
    dispatch: new WebAssembly.Table({ element: "anyfunc", initial: 1 }),
  };
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), { rt }).exports as never;
}

test("Tier 0 pools the locals of values used only in their own block: a long block needs few", () => {
  // v2 = v1 + v1, v3 = v0 + v2, v4 = v1 + v1, v5 = v3 * v4, ... : 600 values, each used
  // once, by the next instruction or the one after it, so two are live at a time
  const lines: string[] = [];
  let last = 0;
  for (let k = 0; k < 300; k++) {
    const doubled = 2 + 2 * k;
    lines.push(`  v${doubled}:i32 = add v1, v1`);
    lines.push(`  v${doubled + 1}:i32 = ${k % 2 === 0 ? "add" : "mul"} v${last}, v${doubled}`);
    last = doubled + 1;
  }
  const text = `export func @f(i32, i32) -> i32 {\nblock0(v0: i32, v1: i32):\n${lines.join("\n")}\n  return v${last}\n}\n`;
  const module = parseModule(text);
  const compiled = compileModule(module, { moduleName: "pooled", base: false });
  const listing = disassemble(compiled.bytes);
  const locals = /\(local ([^)]*)\)/.exec(listing)![1]!.split(" ");
  // the returned value keeps its own local; every other value takes one of two pooled ones
  assert.equal(locals.length, 3, listing.slice(0, 600));
  assert.match(listing, /local\.set \$tmp1/);
  let expected = 0;
  for (const [x, y] of [
    [5, 1],
    [-1, 3],
    [1000, -7],
    [123456, 1 << 20],
  ] as const) {
    expected = x;
    for (let k = 0; k < 300; k++)
      expected = k % 2 === 0 ? (expected + 2 * y) | 0 : Math.imul(expected, 2 * y);
    assert.equal(instantiateAlone(compiled.bytes).f0!(x, y), expected);
  }
});

test("Tier 0 keeps own locals for block parameters and values used by other blocks or terminators", () => {
  const module = parseModule(`export func @f(i32) -> i32 {
block0(v0: i32):
  v1:i32 = add v0, v0
  v2:i32 = mul v1, v1
  v3:i32 = add v2, v1
  v4:i32 = sub v3, v0
  br_if v4, block1, block2(v3)
block1:
  return v2
block2(v5: i32):
  return v5
}
`);
  const compiled = compileModule(module, { moduleName: "own", base: false });
  const listing = disassemble(compiled.bytes);
  for (const own of ["$v2", "$v3", "$v4", "$v5"]) assert.ok(listing.includes(`local.set ${own}`), own);
  assert.ok(listing.includes("local.set $tmp0") && !listing.includes("$v1"), listing);
  const f = instantiateAlone(compiled.bytes).f0!;
  // f(1): v4 = 6 - 1, so block1 returns v2 = 4; f(0): v4 = 0, so block2 returns v3 = 0
  assert.equal(f(1), 4);
  assert.equal(f(0), 0);
});

test("source maps point at the instruction of each IR location", () => {
  const module = parseModule(`source "s.tj"
export func @f(i32) -> i32 {
block0(v0: i32):
  v1:i32 = add v0, v0 !3:5
  v2:i32 = const 2 !3:9
  v3:i32 = div_s v1, v2 !4:7
  return v3 !5:3
}
`);
  const compiled = compileModule(module, { moduleName: "maps", base: true });
  const map = compiled.sourceMaps.get(compiled.irFunctionOf.indexOf(0))!;
  // the i32 constant has no code of its own: its i32.const is part of the division's
  assert.deepEqual(map.locs, [makeLoc(3, 5), makeLoc(4, 7), makeLoc(5, 3)]);
  // local.get (the add's first operand), local.get (the div's), local.get (the return value)
  assert.deepEqual(
    map.offsets.map((o) => compiled.bytes[o]),
    [0x20, 0x20, 0x20],
  );
});

test("Tier 0 rematerializes i32 constants at each use instead of giving them locals", () => {
  const module = parseModule(`export func @f(i32) -> i32 {
block0(v0: i32):
  v1:i32 = const -8193
  v2:i64 = const 5
  v3:i32 = add v0, v1
  br_if v3, block1, block2(v1)
block1:
  v4:i32 = mul v3, v1
  v5:i64 = extend_s v4
  v6:i64 = add v5, v2
  v7:i32 = wrap v6
  return v7
block2(v8: i32):
  return v8
}
`);
  const compiled = compileModule(module, { moduleName: "remat", base: false });
  const listing = disassemble(compiled.bytes);
  // v1 at its three uses; the i64 constant keeps its local
  assert.equal(listing.match(/i32\.const -8193/g)?.length, 3, listing);
  assert.ok(!listing.includes("$v1"), listing);
  assert.ok(listing.includes("local.set $v2"), listing);
  const f = instantiateAlone(compiled.bytes).f0!;
  assert.equal(f(8193), -8193);
  assert.equal(f(1), Math.imul(1 - 8193, -8193) + 5);
});

test("branch hints mark every budget check's and trap check's `if` unlikely, at that `if`", () => {
  const module = parseModule(`memory 1
export func @main(i32) -> i32 {
block0(v0: i32):
  v1:i32 = const 0
  jump block1(v1)
block1(v2: i32):
  v3:i32 = lt_s v2, v0
  br_if v3, block2, block3
block2:
  v4:i32 = div_s v0, v2
  trap_if v4, unreachable
  v5:i32 = const 1
  v6:i32 = add v2, v5
  jump block1(v6)
block3:
  return v2
}
`);
  const { bytes } = compileModule(module, {
    moduleName: "m",
    base: true,
    instrument: Instrument.EntryAndLoops,
  });
  // the code section's bodies, and the hints section's (function index, offset) pairs
  const reader = new Reader(bytes);
  reader.pos = 8;
  let imports = 0;
  const bodyStarts: number[] = [];
  const hints: [number, number][] = [];
  while (reader.pos < bytes.length) {
    const id = reader.u8();
    const end = reader.u32() + reader.pos;
    if (id === 2) {
      // the runtime's and the host's functions come first, then memory, tables and globals
      for (let n = reader.u32(); n > 0; n--) {
        reader.name();
        reader.name();
        if (reader.u8() !== 0) break;
        imports++;
        reader.u32();
      }
    } else if (id === 0 && reader.name() === "metadata.code.branch_hint") {
      for (let functions = reader.u32(); functions > 0; functions--) {
        const func = reader.u32();
        for (let n = reader.u32(); n > 0; n--) {
          hints.push([func, reader.u32()]);
          assert.equal(reader.u32(), 1);
          assert.equal(reader.u8(), 0, "unlikely");
        }
      }
    } else if (id === 10) {
      for (let n = reader.u32(); n > 0; n--) {
        const size = reader.u32();
        bodyStarts.push(reader.pos);
        reader.pos += size;
      }
    }
    reader.pos = end;
  }
  // at least the entry budget check, the back-edge budget check and the trap_if
  assert.ok(hints.length >= 3, `${hints.length} hints`);
  for (const [func, offset] of hints)
    assert.equal(bytes[bodyStarts[func - imports]! + offset], 0x04, "an if");
});

test("an instrumented module reads and writes each function's two budgets by slot, and exports no globals for them", () => {
  // seven functions: fourteen slots, so the accessors' binary search splits unevenly
  const functions = Array.from(
    { length: 7 },
    (_, f) => `func @f${f}(i32) -> i32 {\nblock0(v0: i32):\n  return v0\n}\n`,
  ).join("");
  const compiled = compileModule(parseModule(functions), {
    moduleName: "budgets",
    base: true,
    instrument: Instrument.EntryAndLoops,
    initialBudget: 50,
  });
  assert.deepEqual([...compiled.budgetOwners!], [0, 1, 2, 3, 4, 5, 6]);
  const wasm = new WebAssembly.Module(compiled.bytes);
  assert.deepEqual(
    WebAssembly.Module.exports(wasm).map((e) => `${e.kind} ${e.name}`),
    [`function ${BUDGET_GET}`, `function ${BUDGET_SET}`],
  );
  const dispatch = new WebAssembly.Table({ element: "anyfunc", initial: 7 });
  const rt = { trap: () => {}, safepoint: () => 50, dispatch };
  const exports = new WebAssembly.Instance(wasm, { rt }).exports;
  const get = exports[BUDGET_GET] as (slot: number) => number;
  const set = exports[BUDGET_SET] as (slot: number, value: number) => void;
  assert.deepEqual(
    Array.from({ length: 14 }, (_, slot) => get(slot)),
    Array(14).fill(50),
  );
  // a call counts down its own function's entry budget (slot 2k) and nothing else
  (dispatch.get(3) as (x: number) => number)(1);
  (dispatch.get(3) as (x: number) => number)(1);
  assert.equal(get(6), 48);
  assert.deepEqual(
    Array.from({ length: 14 }, (_, slot) => get(slot)).filter((_, slot) => slot !== 6),
    Array(13).fill(50),
  );
  for (let slot = 0; slot < 14; slot++) set(slot, 100 + slot);
  assert.deepEqual(
    Array.from({ length: 14 }, (_, slot) => get(slot)),
    Array.from({ length: 14 }, (_, slot) => 100 + slot),
  );
});
