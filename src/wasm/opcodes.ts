/**
 * WebAssembly opcodes for the IR's ops, by (op, operand type). The encoder and the tests
 * that check the interpreter against the host's Wasm engine both read this table.
 */

import { Op } from "../ir/ops.js";
import { Type } from "../ir/types.js";

/** Wasm value type bytes, indexed by IR `Type`. */
export const VALTYPE: Record<number, number> = {
  [Type.I32]: 0x7f,
  [Type.I64]: 0x7e,
  [Type.F32]: 0x7d,
  [Type.F64]: 0x7c,
  [Type.F64x2]: 0x7b,
};

/** The 0xFD-prefixed opcode of a lane-wise f64x2 op (its LEB128 u32 follows the prefix). */
export const SIMD_PREFIX = 0xfd;
const F64X2_OPCODE: Partial<Record<Op, number>> = {
  [Op.Abs]: 0xec,
  [Op.Neg]: 0xed,
  [Op.Sqrt]: 0xef,
  [Op.Ceil]: 0x74,
  [Op.Floor]: 0x75,
  [Op.Trunc]: 0x7a,
  [Op.Nearest]: 0x94,
  [Op.Add]: 0xf0,
  [Op.Sub]: 0xf1,
  [Op.Mul]: 0xf2,
  [Op.Div]: 0xf3,
  [Op.Min]: 0xf4,
  [Op.Max]: 0xf5,
};
export const V128_LOAD = 0x00;
export const V128_STORE = 0x0b;

export function f64x2Opcode(op: Op): number | undefined {
  return F64X2_OPCODE[op];
}

const INT_BASE: Partial<Record<Op, [number, number]>> = {
  // [i32, i64]
  [Op.Eqz]: [0x45, 0x50],
  [Op.Eq]: [0x46, 0x51],
  [Op.Ne]: [0x47, 0x52],
  [Op.LtS]: [0x48, 0x53],
  [Op.LtU]: [0x49, 0x54],
  [Op.GtS]: [0x4a, 0x55],
  [Op.GtU]: [0x4b, 0x56],
  [Op.LeS]: [0x4c, 0x57],
  [Op.LeU]: [0x4d, 0x58],
  [Op.GeS]: [0x4e, 0x59],
  [Op.GeU]: [0x4f, 0x5a],
  [Op.Clz]: [0x67, 0x79],
  [Op.Ctz]: [0x68, 0x7a],
  [Op.Popcnt]: [0x69, 0x7b],
  [Op.Add]: [0x6a, 0x7c],
  [Op.Sub]: [0x6b, 0x7d],
  [Op.Mul]: [0x6c, 0x7e],
  [Op.DivS]: [0x6d, 0x7f],
  [Op.DivU]: [0x6e, 0x80],
  [Op.RemS]: [0x6f, 0x81],
  [Op.RemU]: [0x70, 0x82],
  [Op.And]: [0x71, 0x83],
  [Op.Or]: [0x72, 0x84],
  [Op.Xor]: [0x73, 0x85],
  [Op.Shl]: [0x74, 0x86],
  [Op.ShrS]: [0x75, 0x87],
  [Op.ShrU]: [0x76, 0x88],
  [Op.Rotl]: [0x77, 0x89],
  [Op.Rotr]: [0x78, 0x8a],
  [Op.Extend8S]: [0xc0, 0xc2],
  [Op.Extend16S]: [0xc1, 0xc3],
  [Op.Extend32S]: [-1, 0xc4],
};

const FLOAT_BASE: Partial<Record<Op, [number, number]>> = {
  // [f32, f64]
  [Op.Eq]: [0x5b, 0x61],
  [Op.Ne]: [0x5c, 0x62],
  [Op.Lt]: [0x5d, 0x63],
  [Op.Gt]: [0x5e, 0x64],
  [Op.Le]: [0x5f, 0x65],
  [Op.Ge]: [0x60, 0x66],
  [Op.Abs]: [0x8b, 0x99],
  [Op.Neg]: [0x8c, 0x9a],
  [Op.Ceil]: [0x8d, 0x9b],
  [Op.Floor]: [0x8e, 0x9c],
  [Op.Trunc]: [0x8f, 0x9d],
  [Op.Nearest]: [0x90, 0x9e],
  [Op.Sqrt]: [0x91, 0x9f],
  [Op.Add]: [0x92, 0xa0],
  [Op.Sub]: [0x93, 0xa1],
  [Op.Mul]: [0x94, 0xa2],
  [Op.Div]: [0x95, 0xa3],
  [Op.Min]: [0x96, 0xa4],
  [Op.Max]: [0x97, 0xa5],
  [Op.Copysign]: [0x98, 0xa6],
};

/**
 * Single-byte opcodes of the arithmetic, comparison and unary ops, indexed by
 * `op * 4 + operandType`; -1 where the op does not exist for that type. The code
 * generator reads this on its hot path instead of allocating.
 */
export const ARITH_OPCODE: Int16Array = new Int16Array(256 * 4).fill(-1);

/**
 * The opcode bytes of a pure arithmetic, comparison or unary op whose (first) operand has
 * type `operand`; undefined when the op does not exist for that type.
 */
export function arithmeticOpcode(op: Op, operand: Type): number[] | undefined {
  const isInt = operand === Type.I32 || operand === Type.I64;
  const pair = isInt ? INT_BASE[op] : FLOAT_BASE[op];
  if (pair === undefined) return undefined;
  const code = pair[operand === Type.I32 || operand === Type.F32 ? 0 : 1];
  return code < 0 ? undefined : [code];
}

for (let op = 0; op < 256; op++) {
  for (const type of [Type.I32, Type.I64, Type.F32, Type.F64]) {
    const code = arithmeticOpcode(op as Op, type);
    if (code !== undefined) ARITH_OPCODE[op * 4 + type] = code[0]!;
  }
}

/** The opcode bytes of a conversion from `from` to `to`. */
export function conversionOpcode(op: Op, from: Type, to: Type): number[] | undefined {
  const key = `${op}:${from}:${to}`;
  return CONVERSIONS.get(key);
}

const CONVERSIONS = new Map<string, number[]>();
function conv(op: Op, from: Type, to: Type, ...bytes: number[]): void {
  CONVERSIONS.set(`${op}:${from}:${to}`, bytes);
}
const { I32, I64, F32, F64 } = Type;
conv(Op.Wrap, I64, I32, 0xa7);
conv(Op.TruncS, F32, I32, 0xa8);
conv(Op.TruncU, F32, I32, 0xa9);
conv(Op.TruncS, F64, I32, 0xaa);
conv(Op.TruncU, F64, I32, 0xab);
conv(Op.ExtendS, I32, I64, 0xac);
conv(Op.ExtendU, I32, I64, 0xad);
conv(Op.TruncS, F32, I64, 0xae);
conv(Op.TruncU, F32, I64, 0xaf);
conv(Op.TruncS, F64, I64, 0xb0);
conv(Op.TruncU, F64, I64, 0xb1);
conv(Op.ConvertS, I32, F32, 0xb2);
conv(Op.ConvertU, I32, F32, 0xb3);
conv(Op.ConvertS, I64, F32, 0xb4);
conv(Op.ConvertU, I64, F32, 0xb5);
conv(Op.Demote, F64, F32, 0xb6);
conv(Op.ConvertS, I32, F64, 0xb7);
conv(Op.ConvertU, I32, F64, 0xb8);
conv(Op.ConvertS, I64, F64, 0xb9);
conv(Op.ConvertU, I64, F64, 0xba);
conv(Op.Promote, F32, F64, 0xbb);
conv(Op.Reinterpret, F32, I32, 0xbc);
conv(Op.Reinterpret, F64, I64, 0xbd);
conv(Op.Reinterpret, I32, F32, 0xbe);
conv(Op.Reinterpret, I64, F64, 0xbf);
conv(Op.TruncSatS, F32, I32, 0xfc, 0);
conv(Op.TruncSatU, F32, I32, 0xfc, 1);
conv(Op.TruncSatS, F64, I32, 0xfc, 2);
conv(Op.TruncSatU, F64, I32, 0xfc, 3);
conv(Op.TruncSatS, F32, I64, 0xfc, 4);
conv(Op.TruncSatU, F32, I64, 0xfc, 5);
conv(Op.TruncSatS, F64, I64, 0xfc, 6);
conv(Op.TruncSatU, F64, I64, 0xfc, 7);
conv(Op.Splat, F64, Type.F64x2, SIMD_PREFIX, 0x14);

/** Load opcodes by (op, result type). */
export function loadOpcode(op: Op, type: Type): number | undefined {
  switch (op) {
    case Op.Load:
      return [0x28, 0x29, 0x2a, 0x2b][type];
    case Op.Load8S:
      return type === I32 ? 0x2c : 0x30;
    case Op.Load8U:
      return type === I32 ? 0x2d : 0x31;
    case Op.Load16S:
      return type === I32 ? 0x2e : 0x32;
    case Op.Load16U:
      return type === I32 ? 0x2f : 0x33;
    case Op.Load32S:
      return 0x34;
    case Op.Load32U:
      return 0x35;
    default:
      return undefined;
  }
}

/** Store opcodes by (op, stored value type). */
export function storeOpcode(op: Op, type: Type): number | undefined {
  switch (op) {
    case Op.Store:
      return [0x36, 0x37, 0x38, 0x39][type];
    case Op.Store8:
      return type === I32 ? 0x3a : 0x3c;
    case Op.Store16:
      return type === I32 ? 0x3b : 0x3d;
    case Op.Store32:
      return 0x3e;
    default:
      return undefined;
  }
}

/** log2 of the natural alignment of an access of `bytes` (0 = full width of `type`). */
export function naturalAlign(bytes: number, type: Type): number {
  const size = bytes !== 0 ? bytes : type === Type.F64x2 ? 16 : type === I64 || type === F64 ? 8 : 4;
  return Math.log2(size);
}
