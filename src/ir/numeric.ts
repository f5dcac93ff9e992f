/**
 * Exact WebAssembly semantics of the pure ops, on JS scalars: i32 as a signed int32
 * number, i64 as a signed 64-bit bigint, f32 as a number already rounded by
 * `Math.fround`, f64 as a number. The interpreter runs on these and constant folding
 * must agree with them bit for bit.
 *
 * Traps are signalled by throwing `NumericTrap` (the caller adds the guest stack).
 *
 * Notes on exactness:
 * - f32 add/sub/mul/div/sqrt are computed in double and rounded once to single: double
 *   has more than 2·24+2 bits of significand, so this double rounding is innocuous.
 * - i64 → f32 cannot go through double (that rounds twice), see `bigintToF32`.
 * - NaN payloads are not modelled: every NaN is "a NaN", as Wasm allows for arithmetic.
 */

import { Op, OpKind, opInfo } from "./ops.js";
import { TrapKind } from "./trap.js";
import { Type } from "./types.js";

export type Scalar = number | bigint;

/** An f64x2 in the interpreter: its two lanes, low first (as in memory). */
export interface Lanes {
  readonly lo: number;
  readonly hi: number;
}

/** A register of the interpreter: a scalar, or the lanes of an f64x2 (Tier 2's vectors). */
export type RegisterValue = Scalar | Lanes;

/** A lane-wise f64x2 op: each lane computed as the f64 op computes it. */
export function evalLanes(op: Op, a: Lanes, b?: Lanes): Lanes {
  const kind = opInfo(op).kind;
  if (kind === OpKind.Unary)
    return { lo: evalUnary(op, Type.F64, a.lo) as number, hi: evalUnary(op, Type.F64, a.hi) as number };
  if (kind !== OpKind.Binary || b === undefined) throw new Error(`evalLanes: bad op ${op}`);
  return { lo: binaryFloat(op, a.lo, b.lo), hi: binaryFloat(op, a.hi, b.hi) };
}

export class NumericTrap extends Error {
  readonly kind: TrapKind;
  constructor(kind: TrapKind) {
    super(`trap ${kind}`);
    this.kind = kind;
  }
}

const I32_MIN = -2147483648;
const I64_MIN = -(1n << 63n);
const scratch = new DataView(new ArrayBuffer(8));

export function zeroOf(type: Type): Scalar {
  return type === Type.I64 ? 0n : 0;
}

/** Normalises a host-provided value to the IR representation of `type`. */
export function coerce(type: Type, value: unknown): Scalar {
  switch (type) {
    case Type.I32:
      return typeof value === "bigint" ? Number(BigInt.asIntN(32, value)) : Number(value) | 0;
    case Type.I64:
      return typeof value === "bigint"
        ? BigInt.asIntN(64, value)
        : BigInt.asIntN(64, BigInt(Math.trunc(Number(value) || 0)));
    case Type.F32:
      return Math.fround(Number(value));
    default:
      return Number(value);
  }
}

function popcnt32(a: number): number {
  a -= (a >>> 1) & 0x55555555;
  a = (a & 0x33333333) + ((a >>> 2) & 0x33333333);
  return (Math.imul((a + (a >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) | 0;
}

function u64(a: bigint): bigint {
  return BigInt.asUintN(64, a);
}

function clz64(a: bigint): number {
  const u = u64(a);
  return u === 0n ? 64 : 64 - u.toString(2).length;
}

function ctz64(a: bigint): number {
  const u = u64(a);
  if (u === 0n) return 64;
  return (u & -u).toString(2).length - 1;
}

function popcnt64(a: bigint): number {
  let count = 0;
  for (const ch of u64(a).toString(2)) if (ch === "1") count++;
  return count;
}

/** Round half to even, keeping the sign of zero (Wasm `nearest`). */
export function nearest(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const floor = Math.floor(x);
  const diff = x - floor;
  let r: number;
  if (diff < 0.5) r = floor;
  else if (diff > 0.5) r = floor + 1;
  else r = floor % 2 === 0 ? floor : floor + 1;
  return r === 0 && x < 0 ? -0 : r;
}

function signBit64(x: number): boolean {
  scratch.setFloat64(0, x);
  return (scratch.getUint8(0) & 0x80) !== 0;
}

export function copysign(magnitude: number, sign: number): number {
  const abs = Math.abs(magnitude);
  return signBit64(sign) ? -abs : abs;
}

/** Correctly rounded (ties to even) conversion of an integer bigint to f32. */
export function bigintToF32(x: bigint): number {
  const negative = x < 0n;
  const u = negative ? -x : x;
  if (u <= 1n << 53n) return Math.fround(Number(x));
  const bits = u.toString(2).length;
  const shift = BigInt(bits - 25); // keep 24 bits plus one rounding bit
  const top = u >> shift;
  const sticky = (u & ((1n << shift) - 1n)) !== 0n;
  let mantissa = top >> 1n;
  const roundBit = (top & 1n) === 1n;
  if (roundBit && (sticky || (mantissa & 1n) === 1n)) mantissa += 1n;
  const value = Number(mantissa) * 2 ** (Number(shift) + 1);
  return negative ? -value : value;
}

export function evalBinary(op: Op, type: Type, a: Scalar, b: Scalar): Scalar {
  switch (type) {
    case Type.I32:
      return binaryI32(op, a as number, b as number);
    case Type.I64:
      return binaryI64(op, a as bigint, b as bigint);
    case Type.F32:
      return Math.fround(binaryFloat(op, a as number, b as number));
    default:
      return binaryFloat(op, a as number, b as number);
  }
}

function binaryI32(op: Op, a: number, b: number): number {
  switch (op) {
    case Op.Add:
      return (a + b) | 0;
    case Op.Sub:
      return (a - b) | 0;
    case Op.Mul:
      return Math.imul(a, b);
    case Op.DivS:
      if (b === 0) throw new NumericTrap(TrapKind.IntegerDivideByZero);
      if (a === I32_MIN && b === -1) throw new NumericTrap(TrapKind.IntegerOverflow);
      return Math.trunc(a / b) | 0;
    case Op.DivU:
      if (b === 0) throw new NumericTrap(TrapKind.IntegerDivideByZero);
      return Math.trunc((a >>> 0) / (b >>> 0)) | 0;
    case Op.RemS:
      if (b === 0) throw new NumericTrap(TrapKind.IntegerDivideByZero);
      return (a % b) | 0;
    case Op.RemU:
      if (b === 0) throw new NumericTrap(TrapKind.IntegerDivideByZero);
      return ((a >>> 0) % (b >>> 0)) | 0;
    case Op.And:
      return a & b;
    case Op.Or:
      return a | b;
    case Op.Xor:
      return a ^ b;
    case Op.Shl:
      return a << b;
    case Op.ShrS:
      return a >> b;
    case Op.ShrU:
      return (a >>> b) | 0;
    case Op.Rotl: {
      const k = b & 31;
      return (a << k) | (a >>> ((32 - k) & 31));
    }
    case Op.Rotr: {
      const k = b & 31;
      return (a >>> k) | (a << ((32 - k) & 31));
    }
    default:
      throw new Error(`binaryI32: bad op ${op}`);
  }
}

function binaryI64(op: Op, a: bigint, b: bigint): bigint {
  switch (op) {
    case Op.Add:
      return BigInt.asIntN(64, a + b);
    case Op.Sub:
      return BigInt.asIntN(64, a - b);
    case Op.Mul:
      return BigInt.asIntN(64, a * b);
    case Op.DivS:
      if (b === 0n) throw new NumericTrap(TrapKind.IntegerDivideByZero);
      if (a === I64_MIN && b === -1n) throw new NumericTrap(TrapKind.IntegerOverflow);
      return a / b;
    case Op.DivU:
      if (b === 0n) throw new NumericTrap(TrapKind.IntegerDivideByZero);
      return BigInt.asIntN(64, u64(a) / u64(b));
    case Op.RemS:
      if (b === 0n) throw new NumericTrap(TrapKind.IntegerDivideByZero);
      return a % b;
    case Op.RemU:
      if (b === 0n) throw new NumericTrap(TrapKind.IntegerDivideByZero);
      return BigInt.asIntN(64, u64(a) % u64(b));
    case Op.And:
      return a & b;
    case Op.Or:
      return a | b;
    case Op.Xor:
      return a ^ b;
    case Op.Shl:
      return BigInt.asIntN(64, a << (b & 63n));
    case Op.ShrS:
      return a >> (b & 63n);
    case Op.ShrU:
      return BigInt.asIntN(64, u64(a) >> (b & 63n));
    case Op.Rotl: {
      const k = b & 63n;
      const u = u64(a);
      return BigInt.asIntN(64, (u << k) | (u >> ((64n - k) & 63n)));
    }
    case Op.Rotr: {
      const k = b & 63n;
      const u = u64(a);
      return BigInt.asIntN(64, (u >> k) | (u << ((64n - k) & 63n)));
    }
    default:
      throw new Error(`binaryI64: bad op ${op}`);
  }
}

function binaryFloat(op: Op, a: number, b: number): number {
  switch (op) {
    case Op.Add:
      return a + b;
    case Op.Sub:
      return a - b;
    case Op.Mul:
      return a * b;
    case Op.Div:
      return a / b;
    case Op.Min:
      return Math.min(a, b);
    case Op.Max:
      return Math.max(a, b);
    case Op.Copysign:
      return copysign(a, b);
    default:
      throw new Error(`binaryFloat: bad op ${op}`);
  }
}

export function evalUnary(op: Op, type: Type, a: Scalar): Scalar {
  if (type === Type.I32) {
    const x = a as number;
    switch (op) {
      case Op.Clz:
        return Math.clz32(x);
      case Op.Ctz:
        return x === 0 ? 32 : 31 - Math.clz32(x & -x);
      case Op.Popcnt:
        return popcnt32(x);
      case Op.Eqz:
        return x === 0 ? 1 : 0;
      case Op.Extend8S:
        return (x << 24) >> 24;
      case Op.Extend16S:
        return (x << 16) >> 16;
      default:
        throw new Error(`evalUnary i32: bad op ${op}`);
    }
  }
  if (type === Type.I64) {
    const x = a as bigint;
    switch (op) {
      case Op.Clz:
        return BigInt(clz64(x));
      case Op.Ctz:
        return BigInt(ctz64(x));
      case Op.Popcnt:
        return BigInt(popcnt64(x));
      case Op.Eqz:
        return x === 0n ? 1 : 0;
      case Op.Extend8S:
        return BigInt.asIntN(8, x);
      case Op.Extend16S:
        return BigInt.asIntN(16, x);
      case Op.Extend32S:
        return BigInt.asIntN(32, x);
      default:
        throw new Error(`evalUnary i64: bad op ${op}`);
    }
  }
  const x = a as number;
  let r: number;
  switch (op) {
    case Op.Neg:
      r = -x;
      break;
    case Op.Abs:
      r = Math.abs(x);
      break;
    case Op.Sqrt:
      r = Math.sqrt(x);
      break;
    case Op.Ceil:
      r = Math.ceil(x);
      break;
    case Op.Floor:
      r = Math.floor(x);
      break;
    case Op.Trunc:
      r = Math.trunc(x);
      break;
    case Op.Nearest:
      r = nearest(x);
      break;
    default:
      throw new Error(`evalUnary float: bad op ${op}`);
  }
  return type === Type.F32 ? Math.fround(r) : r;
}

/** Comparisons return i32 0 or 1. */
export function evalCompare(op: Op, type: Type, a: Scalar, b: Scalar): number {
  let r: boolean;
  if (type === Type.I32 || type === Type.I64) {
    const x = a;
    const y = b;
    const ux = type === Type.I32 ? (a as number) >>> 0 : u64(a as bigint);
    const uy = type === Type.I32 ? (b as number) >>> 0 : u64(b as bigint);
    switch (op) {
      case Op.Eq:
        r = x === y;
        break;
      case Op.Ne:
        r = x !== y;
        break;
      case Op.LtS:
        r = x < y;
        break;
      case Op.LtU:
        r = ux < uy;
        break;
      case Op.GtS:
        r = x > y;
        break;
      case Op.GtU:
        r = ux > uy;
        break;
      case Op.LeS:
        r = x <= y;
        break;
      case Op.LeU:
        r = ux <= uy;
        break;
      case Op.GeS:
        r = x >= y;
        break;
      case Op.GeU:
        r = ux >= uy;
        break;
      default:
        throw new Error(`evalCompare int: bad op ${op}`);
    }
  } else {
    const x = a as number;
    const y = b as number;
    switch (op) {
      case Op.Eq:
        r = x === y;
        break;
      case Op.Ne:
        r = x !== y;
        break;
      case Op.Lt:
        r = x < y;
        break;
      case Op.Gt:
        r = x > y;
        break;
      case Op.Le:
        r = x <= y;
        break;
      case Op.Ge:
        r = x >= y;
        break;
      default:
        throw new Error(`evalCompare float: bad op ${op}`);
    }
  }
  return r ? 1 : 0;
}

const TWO_31 = 2147483648;
const TWO_32 = 4294967296;
const TWO_63 = 2 ** 63;
const TWO_64 = 2 ** 64;

function truncToInt(x: number, to: Type, signed: boolean, saturate: boolean): Scalar {
  if (Number.isNaN(x)) {
    if (saturate) return zeroOf(to);
    throw new NumericTrap(TrapKind.InvalidConversion);
  }
  const t = Math.trunc(x);
  const lo = signed ? (to === Type.I32 ? -TWO_31 : -TWO_63) : 0;
  const hiExclusive = signed ? (to === Type.I32 ? TWO_31 : TWO_63) : to === Type.I32 ? TWO_32 : TWO_64;
  if (t < lo || t >= hiExclusive) {
    if (!saturate) throw new NumericTrap(TrapKind.IntegerOverflow);
    if (to === Type.I32) return t < lo ? lo | 0 : signed ? 2147483647 : -1;
    if (t < lo) return signed ? I64_MIN : 0n;
    return signed ? (1n << 63n) - 1n : -1n;
  }
  if (to === Type.I32) return t | 0;
  return BigInt.asIntN(64, BigInt(t));
}

export function evalConvert(op: Op, from: Type, to: Type, a: Scalar): Scalar {
  switch (op) {
    case Op.Wrap:
      return Number(BigInt.asIntN(32, a as bigint));
    case Op.ExtendS:
      return BigInt(a as number);
    case Op.ExtendU:
      return BigInt((a as number) >>> 0);
    case Op.TruncS:
      return truncToInt(a as number, to, true, false);
    case Op.TruncU:
      return truncToInt(a as number, to, false, false);
    case Op.TruncSatS:
      return truncToInt(a as number, to, true, true);
    case Op.TruncSatU:
      return truncToInt(a as number, to, false, true);
    case Op.ConvertS:
    case Op.ConvertU: {
      if (from === Type.I32) {
        const n = op === Op.ConvertS ? (a as number) : (a as number) >>> 0;
        return to === Type.F32 ? Math.fround(n) : n;
      }
      const big = op === Op.ConvertS ? (a as bigint) : u64(a as bigint);
      return to === Type.F32 ? bigintToF32(big) : Number(big);
    }
    case Op.Demote:
      return Math.fround(a as number);
    case Op.Promote:
      return a as number;
    case Op.Reinterpret:
      switch (from) {
        case Type.I32:
          scratch.setInt32(0, a as number, true);
          return scratch.getFloat32(0, true);
        case Type.F32:
          scratch.setFloat32(0, a as number, true);
          return scratch.getInt32(0, true);
        case Type.I64:
          scratch.setBigInt64(0, a as bigint, true);
          return scratch.getFloat64(0, true);
        default:
          scratch.setFloat64(0, a as number, true);
          return scratch.getBigInt64(0, true);
      }
    default:
      throw new Error(`evalConvert: bad op ${op}`);
  }
}
