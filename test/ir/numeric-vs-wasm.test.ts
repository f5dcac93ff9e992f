/**
 * The interpreter's numeric semantics (numeric.ts) checked against the host's own
 * WebAssembly engine: for every pure op and type, on edge values and random values, the
 * result (or the fact of a trap, and its kind) must be identical.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Random } from "../../src/cli/fuzz/generate.js";
import {
  evalBinary,
  evalCompare,
  evalConvert,
  evalLanes,
  evalUnary,
  NumericTrap,
  type Scalar,
} from "../../src/ir/numeric.js";
import { Op, OpKind, opInfo } from "../../src/ir/ops.js";
import { TrapKind } from "../../src/ir/trap.js";
import { Type, typeName } from "../../src/ir/types.js";
import { encodeModule, type FunctionBody } from "../../src/wasm/encoder.js";
import {
  arithmeticOpcode,
  conversionOpcode,
  f64x2Opcode,
  SIMD_PREFIX,
  VALTYPE,
} from "../../src/wasm/opcodes.js";

const rng = new Random(20261126);
const I32S = [0, 1, -1, 2, 7, -7, 31, 32, 33, 0x80, 0xff, -0x80, 12345, 0x55555555, -2147483648, 2147483647];
const I64S = [
  0n,
  1n,
  -1n,
  7n,
  -7n,
  63n,
  64n,
  65n,
  1n << 32n,
  (1n << 32n) - 1n,
  -(1n << 32n),
  0x5555555555555555n,
  123456789012345n,
  -(1n << 63n),
  (1n << 63n) - 1n,
  (1n << 60n) + (1n << 36n),
  (1n << 60n) + (1n << 36n) + 1n,
  (1n << 60n) + (3n << 36n),
  (1n << 53n) + 1n,
  -((1n << 62n) + (1n << 38n) + (1n << 37n)),
];
const FLOATS = [
  0,
  -0,
  1,
  -1,
  0.5,
  -0.5,
  1.5,
  2.5,
  -2.5,
  3.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  3.4028234663852886e38,
  1.401298464324817e-45,
  2147483647,
  2147483648,
  -2147483648,
  -2147483649,
  2147483647.5,
  -2147483648.9,
  4294967295.9,
  4294967296,
  2 ** 63,
  -(2 ** 63),
  2 ** 64,
  2 ** 53 + 2,
  1e300,
  -1e300,
  5e-324,
  0.1,
  0.49999999999999994,
  16777217,
  -0.75,
];
for (let i = 0; i < 12; i++) {
  I32S.push(rng.int(2 ** 32) | 0);
  I64S.push(BigInt.asIntN(64, (BigInt(rng.int(2 ** 32)) << 32n) | BigInt(rng.int(2 ** 32))));
  FLOATS.push((rng.next() - 0.5) * 10 ** rng.range(-5, 20));
}

function valuesOf(type: Type): Scalar[] {
  switch (type) {
    case Type.I32:
      return I32S;
    case Type.I64:
      return I64S;
    case Type.F32:
      return [...new Set(FLOATS.map((x) => Math.fround(x)))];
    default:
      return FLOATS;
  }
}

interface Case {
  name: string;
  params: Type[];
  result: Type;
  code: number[];
  oracle: (args: Scalar[]) => Scalar;
  /**
   * V8 reports NaN and out-of-range in trapping truncation with one message, where the
   * spec (and the interpreter) distinguish "invalid conversion" from "integer overflow".
   */
  conversion?: boolean;
}

function trapKindOfWasm(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/divide by zero|remainder by zero/.test(message)) return "div0";
  if (/divide result unrepresentable/.test(message)) return "overflow";
  if (/float unrepresentable/.test(message)) return "conversion";
  throw error;
}

function trapKindOfOracle(kind: TrapKind, conversion: boolean): string {
  if (conversion && kind === TrapKind.IntegerOverflow) return "conversion";
  switch (kind) {
    case TrapKind.IntegerDivideByZero:
      return "div0";
    case TrapKind.IntegerOverflow:
      return "overflow";
    case TrapKind.InvalidConversion:
      return "conversion";
    default:
      return `other ${kind}`;
  }
}

function same(a: Scalar, b: Scalar): boolean {
  if (typeof a === "number" && typeof b === "number" && Number.isNaN(a) && Number.isNaN(b)) return true;
  return Object.is(a, b);
}

function runCases(cases: Case[]): void {
  const bodies: FunctionBody[] = cases.map((c) => ({ locals: [], code: Uint8Array.from([...c.code, 0x0b]) }));
  const types = cases.map((c) => ({
    params: c.params.map((t) => VALTYPE[t]!),
    results: [VALTYPE[c.result]!],
  }));
  const bytes = encodeModule({
    types,
    functions: cases.map((_, i) => i),
    exports: cases.map((_, i) => ({ name: `c${i}`, kind: "func" as const, index: i })),
    bodies,
  });
  const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as Record<
    string,
    (...a: Scalar[]) => Scalar
  >;
  let checked = 0;
  cases.forEach((c, i) => {
    const wasm = exports[`c${i}`]!;
    const argLists: Scalar[][] = [[]];
    for (const type of c.params) {
      const next: Scalar[][] = [];
      for (const prefix of argLists) for (const v of valuesOf(type)) next.push([...prefix, v]);
      argLists.splice(0, argLists.length, ...next);
    }
    for (const args of argLists) {
      let expected: Scalar | string;
      let actual: Scalar | string;
      try {
        expected = wasm(...args);
      } catch (error) {
        expected = `trap ${trapKindOfWasm(error)}`;
      }
      try {
        actual = c.oracle(args);
      } catch (error) {
        if (!(error instanceof NumericTrap)) throw error;
        actual = `trap ${trapKindOfOracle(error.kind, c.conversion === true)}`;
      }
      const ok =
        typeof expected === "string" || typeof actual === "string"
          ? expected === actual
          : same(expected, actual);
      assert.ok(ok, `${c.name}(${args.join(", ")}): wasm ${String(expected)}, interpreter ${String(actual)}`);
      checked++;
    }
  });
  assert.ok(checked > cases.length);
}

const ALL_OPS = Object.values(Op).filter((v): v is Op => typeof v === "number");

test("binary ops and comparisons match the host's WebAssembly", () => {
  const cases: Case[] = [];
  for (const type of [Type.I32, Type.I64, Type.F32, Type.F64]) {
    for (const op of ALL_OPS) {
      const kind = opInfo(op).kind;
      if (kind !== OpKind.Binary && kind !== OpKind.Compare) continue;
      const opcode = arithmeticOpcode(op, type);
      if (opcode === undefined) continue;
      cases.push({
        name: `${typeName(type)}.${opInfo(op).name}`,
        params: [type, type],
        result: kind === OpKind.Compare ? Type.I32 : type,
        code: [0x20, 0, 0x20, 1, ...opcode],
        oracle: ([a, b]) =>
          kind === OpKind.Compare ? evalCompare(op, type, a!, b!) : evalBinary(op, type, a!, b!),
      });
    }
  }
  assert.equal(cases.length, 2 * 25 + 2 * 13);
  runCases(cases);
});

test("unary ops match the host's WebAssembly", () => {
  const cases: Case[] = [];
  for (const type of [Type.I32, Type.I64, Type.F32, Type.F64]) {
    for (const op of ALL_OPS) {
      if (opInfo(op).kind !== OpKind.Unary) continue;
      const opcode = arithmeticOpcode(op, type);
      if (opcode === undefined) continue;
      cases.push({
        name: `${typeName(type)}.${opInfo(op).name}`,
        params: [type],
        result: op === Op.Eqz ? Type.I32 : type,
        code: [0x20, 0, ...opcode],
        oracle: ([a]) => evalUnary(op, type, a!),
      });
    }
  }
  assert.equal(cases.length, 6 + 7 + 7 + 7);
  runCases(cases);
});

test("conversions match the host's WebAssembly", () => {
  const cases: Case[] = [];
  const types = [Type.I32, Type.I64, Type.F32, Type.F64];
  for (const op of ALL_OPS) {
    if (opInfo(op).kind !== OpKind.Convert) continue;
    for (const from of types) {
      for (const to of types) {
        const opcode = conversionOpcode(op, from, to);
        if (opcode === undefined) continue;
        cases.push({
          name: `${opInfo(op).name} ${typeName(from)}->${typeName(to)}`,
          params: [from],
          result: to,
          code: [0x20, 0, ...opcode],
          oracle: ([a]) => evalConvert(op, from, to, a!),
          conversion: true,
        });
      }
    }
  }
  assert.equal(cases.length, 33);
  runCases(cases);
});

/** The u32 LEB128 bytes of a SIMD opcode (those above 127 take two). */
function simdOp(code: number): number[] {
  return code < 0x80 ? [SIMD_PREFIX, code] : [SIMD_PREFIX, (code & 0x7f) | 0x80, code >> 7];
}

test("f64x2 lane ops (with the encoder's opcodes) match the host's WebAssembly, lane by lane", () => {
  const F64X2_SPLAT = 0x14;
  const F64X2_EXTRACT_LANE = 0x21;
  const F64X2_REPLACE_LANE = 0x22;
  // (a0, a1, b0, b1) -> lane `lane` of op([a0, a1], [b0, b1])
  const vector = (first: number, second: number): number[] => [
    0x20,
    first,
    ...simdOp(F64X2_SPLAT),
    0x20,
    second,
    ...simdOp(F64X2_REPLACE_LANE),
    1,
  ];
  const ops = ALL_OPS.filter((op) => {
    const info = opInfo(op);
    return info.lanes && (info.kind === OpKind.Binary || info.kind === OpKind.Unary);
  });
  assert.equal(ops.length, 13);
  const bodies: FunctionBody[] = [];
  for (const op of ops) {
    const binary = opInfo(op).kind === OpKind.Binary;
    for (const lane of [0, 1]) {
      const code = [
        ...vector(0, 1),
        ...(binary ? vector(2, 3) : []),
        ...simdOp(f64x2Opcode(op)!),
        ...simdOp(F64X2_EXTRACT_LANE),
        lane,
        0x0b,
      ];
      bodies.push({ locals: [], code: Uint8Array.from(code) });
    }
  }
  const f64 = VALTYPE[Type.F64]!;
  const bytes = encodeModule({
    types: [{ params: [f64, f64, f64, f64], results: [f64] }],
    functions: bodies.map(() => 0),
    exports: bodies.map((_, i) => ({ name: `c${i}`, kind: "func" as const, index: i })),
    bodies,
  });
  const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as Record<
    string,
    (...a: number[]) => number
  >;
  let checked = 0;
  ops.forEach((op, k) => {
    for (const x of FLOATS) {
      for (const y of FLOATS) {
        const lanes = evalLanes(op, { lo: x, hi: y }, { lo: y, hi: x });
        for (const [lane, actual] of [lanes.lo, lanes.hi].entries()) {
          const expected = exports[`c${2 * k + lane}`]!(x, y, y, x);
          assert.ok(
            same(expected, actual),
            `f64x2.${opInfo(op).name} lane ${lane} of (${x}, ${y}), (${y}, ${x})`,
          );
          // and each lane is what the scalar op computes
          const scalar =
            opInfo(op).kind === OpKind.Binary
              ? evalBinary(op, Type.F64, lane === 0 ? x : y, lane === 0 ? y : x)
              : evalUnary(op, Type.F64, lane === 0 ? x : y);
          assert.ok(same(scalar, actual));
          checked++;
        }
      }
    }
  });
  assert.ok(checked > 13 * 2 * 1000);
});
