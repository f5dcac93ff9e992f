/**
 * TJ arithmetic on the reference interpreter, checked against small TypeScript reference
 * implementations written from language.md (independently of src/ir/numeric.ts), on edge
 * values and seeded random values.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Random } from "../../src/cli/fuzz/generate.js";
import { BufferSink, withStandardHost } from "../../src/engine/host.js";
import { Interpreter } from "../../src/ir/interpreter.js";
import type { Scalar } from "../../src/ir/numeric.js";
import { TrapError } from "../../src/ir/trap.js";
import { compileTj } from "../../src/lang/compile.js";

type Ref = (a: Scalar, b: Scalar) => Scalar | string;

const I32_MIN = -2147483648;
const I64_MIN = -(2n ** 63n);
const wrap64 = (x: bigint): bigint => BigInt.asIntN(64, x);
const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);
const bool = (x: boolean): number => (x ? 1 : 0);

function truncTo(x: number, lo: number, hi: number): number {
  if (Number.isNaN(x)) return 0;
  if (x <= lo) return lo;
  if (x >= hi) return hi;
  return Math.trunc(x);
}

const I32_REFS: Record<string, Ref> = {
  "+": (a, b) => ((a as number) + (b as number)) | 0,
  "-": (a, b) => ((a as number) - (b as number)) | 0,
  "*": (a, b) => Math.imul(a as number, b as number),
  "/": (a, b) =>
    b === 0
      ? "integer divide by zero"
      : a === I32_MIN && b === -1
        ? "integer overflow"
        : Math.trunc((a as number) / (b as number)) | 0,
  "%": (a, b) => (b === 0 ? "integer divide by zero" : ((a as number) % (b as number)) | 0),
  "<<": (a, b) => (a as number) << (b as number),
  ">>": (a, b) => (a as number) >> (b as number),
  ">>>": (a, b) => ((a as number) >>> (b as number)) | 0,
  "&": (a, b) => (a as number) & (b as number),
  "|": (a, b) => (a as number) | (b as number),
  "^": (a, b) => (a as number) ^ (b as number),
  "<": (a, b) => bool(a < b),
  "<=": (a, b) => bool(a <= b),
  "==": (a, b) => bool(a === b),
  "!=": (a, b) => bool(a !== b),
  divu: (a, b) =>
    b === 0 ? "integer divide by zero" : Math.floor(((a as number) >>> 0) / ((b as number) >>> 0)) | 0,
  remu: (a, b) => (b === 0 ? "integer divide by zero" : (((a as number) >>> 0) % ((b as number) >>> 0)) | 0),
  ltu: (a, b) => bool((a as number) >>> 0 < (b as number) >>> 0),
  geu: (a, b) => bool((a as number) >>> 0 >= (b as number) >>> 0),
  rotl: (a, b) => {
    const s = (b as number) & 31;
    return s === 0 ? (a as number) : ((a as number) << s) | ((a as number) >>> (32 - s));
  },
};

const I64_REFS: Record<string, Ref> = {
  "+": (a, b) => wrap64((a as bigint) + (b as bigint)),
  "-": (a, b) => wrap64((a as bigint) - (b as bigint)),
  "*": (a, b) => wrap64((a as bigint) * (b as bigint)),
  "/": (a, b) =>
    b === 0n
      ? "integer divide by zero"
      : a === I64_MIN && b === -1n
        ? "integer overflow"
        : (a as bigint) / (b as bigint),
  "%": (a, b) => (b === 0n ? "integer divide by zero" : (a as bigint) % (b as bigint)),
  "<<": (a, b) => wrap64((a as bigint) << ((b as bigint) & 63n)),
  ">>": (a, b) => (a as bigint) >> ((b as bigint) & 63n),
  ">>>": (a, b) => wrap64(u64(a as bigint) >> ((b as bigint) & 63n)),
  "&": (a, b) => (a as bigint) & (b as bigint),
  "|": (a, b) => (a as bigint) | (b as bigint),
  "^": (a, b) => (a as bigint) ^ (b as bigint),
  "<": (a, b) => bool(a < b),
  ">=": (a, b) => bool(a >= b),
  "==": (a, b) => bool(a === b),
  divu: (a, b) => (b === 0n ? "integer divide by zero" : wrap64(u64(a as bigint) / u64(b as bigint))),
  gtu: (a, b) => bool(u64(a as bigint) > u64(b as bigint)),
};

const F64_REFS: Record<string, Ref> = {
  "+": (a, b) => (a as number) + (b as number),
  "-": (a, b) => (a as number) - (b as number),
  "*": (a, b) => (a as number) * (b as number),
  "/": (a, b) => (a as number) / (b as number),
  "%": (a, b) => (a as number) % (b as number),
  "<": (a, b) => bool(a < b),
  ">=": (a, b) => bool(a >= b),
  "==": (a, b) => bool(a === b),
  "!=": (a, b) => bool(a !== b),
  min: (a, b) => Math.min(a as number, b as number),
  max: (a, b) => Math.max(a as number, b as number),
};

/** Unary conversions: [name, TJ param type, TJ expression of x, reference]. */
const CASTS: [string, string, string, (x: Scalar) => Scalar][] = [
  ["i32 as i64", "i32", "x as i64", (x) => BigInt(x)],
  ["i32 as f64", "i32", "x as f64", (x) => Number(x)],
  ["i32 as bool", "i32", "x as bool", (x) => bool(x !== 0)],
  ["i64 as i32", "i64", "x as i32", (x) => Number(BigInt.asIntN(32, x as bigint))],
  ["i64 as f64", "i64", "x as f64", (x) => Number(x)],
  ["f64 as i32", "f64", "x as i32", (x) => truncTo(x as number, -(2 ** 31), 2 ** 31 - 1) | 0],
  [
    "f64 as i64",
    "f64",
    "x as i64",
    (x) =>
      Number.isNaN(x)
        ? 0n
        : (x as number) >= 2 ** 63
          ? 2n ** 63n - 1n
          : (x as number) <= -(2 ** 63)
            ? I64_MIN
            : BigInt(Math.trunc(x as number)),
  ],
  ["-i32", "i32", "-x", (x) => -(x as number) | 0],
  ["~i64", "i64", "~x", (x) => ~(x as bigint)],
  [
    "nearest",
    "f64",
    "nearest(x)",
    (x) => {
      const v = x as number;
      if (!Number.isFinite(v) || Number.isInteger(v)) return v;
      const f = Math.floor(v);
      const r = v - f === 0.5 ? (f % 2 === 0 ? f : f + 1) : Math.round(v);
      return r === 0 ? (v < 0 ? -0 : 0) : r;
    },
  ],
  [
    "popcnt i64",
    "i64",
    "popcnt(x)",
    (x) => BigInt([...u64(x as bigint).toString(2)].filter((c) => c === "1").length),
  ],
  ["clz i32", "i32", "clz(x)", (x) => Math.clz32(x as number)],
];

const rng = new Random(424242);
const I32S: number[] = [0, 1, -1, 2, -2, 3, 31, 32, 33, 63, 64, 255, I32_MIN, 2147483647, 65536, -65537];
const I64S: bigint[] = [
  0n,
  1n,
  -1n,
  2n,
  63n,
  64n,
  65n,
  I64_MIN,
  2n ** 63n - 1n,
  2n ** 32n,
  -(2n ** 32n) + 1n,
  2n ** 53n + 1n,
];
const F64S: number[] = [
  0,
  -0,
  1,
  -1,
  0.5,
  -0.5,
  1.5,
  2.5,
  -2.5,
  3.7,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  1e300,
  5e-324,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 63,
  -(2 ** 63),
];
for (let i = 0; i < 8; i++) {
  I32S.push(rng.int(2 ** 32) | 0);
  I64S.push(BigInt.asIntN(64, (BigInt(rng.int(2 ** 32)) << 32n) | BigInt(rng.int(2 ** 32))));
  F64S.push((rng.next() - 0.5) * 10 ** rng.range(-3, 12));
}

function sameScalar(a: Scalar | string, b: Scalar | string): boolean {
  if (typeof a === "number" && typeof b === "number" && Number.isNaN(a) && Number.isNaN(b)) return true;
  return Object.is(a, b);
}

function isBuiltin(op: string): boolean {
  return /^[a-z]/.test(op);
}

function expression(op: string): string {
  return isBuiltin(op) ? `${op}(a, b)` : `a ${op} b`;
}

function resultType(op: string, type: string): string {
  if (["<", "<=", ">", ">=", "==", "!=", "ltu", "geu", "gtu"].includes(op)) return "bool";
  return type;
}

function checkBinaryOps(type: "i32" | "i64" | "f64", refs: Record<string, Ref>, values: Scalar[]): number {
  const ops = Object.keys(refs);
  const source = `${ops
    .map(
      (op, i) =>
        `export function op${i}(a: ${type}, b: ${type}): ${resultType(op, type)} { return ${expression(op)}; }`,
    )
    .join("\n")}\nexport function main() {}\n`;
  const compiled = compileTj(source, "arith.tj");
  assert.ok(compiled.ok, "the arithmetic program compiles");
  const interp = new Interpreter(compiled.module, {
    imports: withStandardHost(new BufferSink(), () => new Uint8Array(0)),
  });
  let checked = 0;
  ops.forEach((op, i) => {
    const id = compiled.functions.get(`op${i}`)!.funcId;
    for (const a of values) {
      for (const b of values) {
        let actual: Scalar | string;
        try {
          actual = interp.call(id, [a, b])!;
        } catch (error) {
          if (!(error instanceof TrapError)) throw error;
          actual = error.message;
        }
        const expected = refs[op]!(a, b);
        assert.ok(
          sameScalar(actual, expected),
          `${type} ${op}: ${String(a)}, ${String(b)} → ${String(actual)}, reference ${String(expected)}`,
        );
        checked++;
      }
    }
  });
  return checked;
}

test("i32 operators and builtins agree with the TypeScript reference", () => {
  assert.ok(checkBinaryOps("i32", I32_REFS, I32S) > 10_000);
});

test("i64 operators and builtins agree with the TypeScript reference", () => {
  assert.ok(checkBinaryOps("i64", I64_REFS, I64S) > 5_000);
});

test("f64 operators and builtins agree with the TypeScript reference", () => {
  assert.ok(checkBinaryOps("f64", F64_REFS, F64S) > 5_000);
});

test("casts and unary operators agree with the TypeScript reference", () => {
  const source = `${CASTS.map(([_, type, expr], i) => {
    const result = expr.includes(" as ") ? expr.split(" as ")[1]! : type.replace("bool", "i32");
    return `export function c${i}(x: ${type}): ${result} { return ${expr}; }`;
  }).join("\n")}\nexport function main() {}\n`;
  const compiled = compileTj(source, "casts.tj");
  assert.ok(compiled.ok, "the cast program compiles");
  const interp = new Interpreter(compiled.module, {
    imports: withStandardHost(new BufferSink(), () => new Uint8Array(0)),
  });
  CASTS.forEach(([name, type, , ref], i) => {
    const values: Scalar[] = type === "i32" ? I32S : type === "i64" ? I64S : F64S;
    for (const x of values) {
      const actual = interp.call(compiled.functions.get(`c${i}`)!.funcId, [x])!;
      assert.ok(
        sameScalar(actual, ref(x)),
        `${name}(${String(x)}) → ${String(actual)}, reference ${String(ref(x))}`,
      );
    }
  });
});
