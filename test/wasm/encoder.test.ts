/** The Wasm encoder against bytes checked by hand (and by the engine's validator). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ByteBuffer, encodeModule, type ModuleLayout, ValType } from "../../src/wasm/encoder.js";
import { Reader } from "../../src/wasm/reader.js";

function bytesOf(write: (b: ByteBuffer) => void): number[] {
  const b = new ByteBuffer(1);
  write(b);
  return [...b.toBytes()];
}

test("unsigned LEB128", () => {
  assert.deepEqual(
    bytesOf((b) => b.u32(0)),
    [0x00],
  );
  assert.deepEqual(
    bytesOf((b) => b.u32(127)),
    [0x7f],
  );
  assert.deepEqual(
    bytesOf((b) => b.u32(128)),
    [0x80, 0x01],
  );
  assert.deepEqual(
    bytesOf((b) => b.u32(624485)),
    [0xe5, 0x8e, 0x26],
  );
  assert.deepEqual(
    bytesOf((b) => b.u32(0xffffffff)),
    [0xff, 0xff, 0xff, 0xff, 0x0f],
  );
});

test("signed LEB128, 32 and 64 bits", () => {
  assert.deepEqual(
    bytesOf((b) => b.s32(0)),
    [0x00],
  );
  assert.deepEqual(
    bytesOf((b) => b.s32(-1)),
    [0x7f],
  );
  assert.deepEqual(
    bytesOf((b) => b.s32(63)),
    [0x3f],
  );
  assert.deepEqual(
    bytesOf((b) => b.s32(64)),
    [0xc0, 0x00],
  );
  assert.deepEqual(
    bytesOf((b) => b.s32(-64)),
    [0x40],
  );
  assert.deepEqual(
    bytesOf((b) => b.s32(-65)),
    [0xbf, 0x7f],
  );
  assert.deepEqual(
    bytesOf((b) => b.s32(-123456)),
    [0xc0, 0xbb, 0x78],
  );
  assert.deepEqual(
    bytesOf((b) => b.s32(-2147483648)),
    [0x80, 0x80, 0x80, 0x80, 0x78],
  );
  assert.deepEqual(
    bytesOf((b) => b.s32(2147483647)),
    [0xff, 0xff, 0xff, 0xff, 0x07],
  );
  assert.deepEqual(
    bytesOf((b) => b.s64(-1n)),
    [0x7f],
  );
  assert.deepEqual(
    bytesOf((b) => b.s64(-(1n << 63n))),
    [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f],
  );
  assert.deepEqual(
    bytesOf((b) => b.s64((1n << 63n) - 1n)),
    [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00],
  );
});

test("IEEE floats little-endian, names, growth past the initial capacity", () => {
  assert.deepEqual(
    bytesOf((b) => b.f32(1.5)),
    [0x00, 0x00, 0xc0, 0x3f],
  );
  assert.deepEqual(
    bytesOf((b) => b.f64(-2)),
    [0, 0, 0, 0, 0, 0, 0, 0xc0],
  );
  assert.deepEqual(
    bytesOf((b) => b.name("hé")),
    [3, 0x68, 0xc3, 0xa9],
  );
  const big = bytesOf((b) => {
    for (let i = 0; i < 1000; i++) b.u8(i & 0xff);
  });
  assert.equal(big.length, 1000);
  assert.equal(big[999], 999 & 0xff);
});

test("a minimal module: header, type, function, export and code sections", () => {
  const bytes = encodeModule({
    types: [{ params: [ValType.I32], results: [ValType.I32] }],
    functions: [0],
    exports: [{ name: "id", kind: "func", index: 0 }],
    bodies: [{ locals: [], code: Uint8Array.of(0x20, 0x00, 0x0b) }],
  });
  // biome-ignore format: one line per section, checked by hand
  const expected = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
    0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f, // type section: 1 type (i32) -> i32
    0x03, 0x02, 0x01, 0x00, // function section: 1 function of type 0
    0x07, 0x06, 0x01, 0x02, 0x69, 0x64, 0x00, 0x00, // export "id" = func 0
    0x0a, 0x06, 0x01, 0x04, 0x00, 0x20, 0x00, 0x0b, // code: 1 body of 4 bytes, no locals, local.get 0, end
  ];
  assert.deepEqual([...bytes], expected);
  assert.ok(WebAssembly.validate(bytes));
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
  assert.equal((instance.exports.id as (x: number) => number)(42), 42);
});

test("imports of every kind, element segments in table 0 and another table, data, names, code offsets", () => {
  const layout: ModuleLayout = { codeStarts: [] };
  const bytes = encodeModule(
    {
      types: [{ params: [], results: [ValType.I32] }],
      imports: [
        { kind: "func", module: "m", field: "f", typeIndex: 0 },
        { kind: "memory", module: "m", field: "mem", min: 1 },
        { kind: "table", module: "m", field: "t0", min: 2 },
        { kind: "table", module: "m", field: "t1", min: 1, max: 4 },
        { kind: "global", module: "m", field: "g", valtype: ValType.I64, mutable: true },
      ],
      functions: [0, 0],
      elements: [
        { offset: 0, functions: [1, 2] },
        { table: 1, offset: 0, functions: [2] },
      ],
      bodies: [
        { locals: [[2, ValType.I32]], code: Uint8Array.of(0x41, 0x07, 0x0b) },
        { locals: [], code: Uint8Array.of(0x41, 0x09, 0x0b) },
      ],
      data: [{ offset: 16, bytes: Uint8Array.of(1, 2, 3) }],
      names: {
        module: "mod",
        functions: [
          [1, "seven"],
          [2, "nine"],
        ],
        locals: [[1, ["v0"]]],
      },
    },
    layout,
  );
  assert.ok(WebAssembly.validate(bytes));
  // code starts point at the first instruction (i32.const) of each body
  assert.equal(bytes[layout.codeStarts[0]!], 0x41);
  assert.equal(bytes[layout.codeStarts[0]! + 1], 0x07);
  assert.equal(bytes[layout.codeStarts[1]!], 0x41);
  assert.equal(bytes[layout.codeStarts[1]! + 1], 0x09);
  const memory = new WebAssembly.Memory({ initial: 1 });
  const t0 = new WebAssembly.Table({ element: "anyfunc", initial: 2 });
  const t1 = new WebAssembly.Table({ element: "anyfunc", initial: 1, maximum: 4 });
  const g = new WebAssembly.Global({ value: "i64", mutable: true }, 0n);
  new WebAssembly.Instance(new WebAssembly.Module(bytes), { m: { f: () => 1, mem: memory, t0, t1, g } });
  assert.equal((t0.get(0) as () => number)(), 7);
  assert.equal((t0.get(1) as () => number)(), 9);
  assert.equal((t1.get(0) as () => number)(), 9);
  assert.deepEqual([...new Uint8Array(memory.buffer, 16, 3)], [1, 2, 3]);
  // the name section names the functions in V8's stack traces
  const names = WebAssembly.Module.customSections(new WebAssembly.Module(bytes), "name");
  assert.equal(names.length, 1);
});

test("a custom section before the code section (compilation hints) keeps the module valid", () => {
  const bytes = encodeModule({
    types: [{ params: [], results: [] }],
    functions: [0],
    customBeforeCode: [{ name: "compilationHints", payload: Uint8Array.of(1, 0x2a) }],
    bodies: [{ locals: [], code: Uint8Array.of(0x0b) }],
  });
  assert.ok(WebAssembly.validate(bytes));
  const sections = WebAssembly.Module.customSections(new WebAssembly.Module(bytes), "compilationHints");
  assert.deepEqual([...new Uint8Array(sections[0]!)], [1, 0x2a]);
});

test("branch hints: one entry per function with unlikely ifs, offsets from the body's start, before the code", () => {
  // function 1 (after one import): local.get 0, if, end, end — the `if` is at code offset 2
  const bytes = encodeModule({
    types: [{ params: [ValType.I32], results: [] }],
    imports: [{ kind: "func", module: "m", field: "f", typeIndex: 0 }],
    functions: [0, 0],
    bodies: [
      { locals: [], code: Uint8Array.of(0x0b), unlikely: [] },
      { locals: [[1, ValType.I32]], code: Uint8Array.of(0x20, 0x00, 0x04, 0x40, 0x0b, 0x0b), unlikely: [2] },
    ],
  });
  assert.ok(WebAssembly.validate(bytes));
  const module = new WebAssembly.Module(bytes);
  const [payload] = WebAssembly.Module.customSections(module, "metadata.code.branch_hint");
  // biome-ignore format: checked by hand
  const expected = [
    0x01, // one function
    0x02, 0x01, // function index 2 (the import is 0), one hint
    0x05, 0x01, 0x00, // offset 2 + 3 bytes of local declarations, size 1, unlikely
  ];
  assert.deepEqual([...new Uint8Array(payload!)], expected);
  // the sections in order: custom ones by name, the others by id
  const order: string[] = [];
  const reader = new Reader(bytes);
  reader.pos = 8;
  while (reader.pos < bytes.length) {
    const id = reader.u8();
    const end = reader.u32() + reader.pos;
    order.push(id === 0 ? reader.name() : String(id));
    reader.pos = end;
  }
  assert.deepEqual(order, ["1", "2", "3", "metadata.code.branch_hint", "10"]);
  new WebAssembly.Instance(module, { m: { f: () => {} } });
});
