/**
 * Compile-time evaluation of constant expressions (language.md: `const` initializers are
 * literals, other consts, operators and casts, folded at compile time). Values follow the
 * IR's exact semantics (ir/numeric.ts), so a folded constant equals what the running code
 * would compute: i32 and bool as numbers, i64 as bigint, f64 as number.
 */

import { evalBinary, evalCompare, evalConvert, NumericTrap } from "../ir/numeric.js";
import { Op } from "../ir/ops.js";
import { trapMessage } from "../ir/trap.js";
import { Type } from "../ir/types.js";
import type { BinaryOp, ConstValue, Expr } from "./ast.js";
import type { TjType } from "./types.js";

/** Thrown when a constant expression traps (e.g. divides by zero); the message is the trap's. */
export class ConstTrap extends Error {}

export function irScalarType(type: TjType): Type {
  return type.tag === "i64" ? Type.I64 : type.tag === "f64" ? Type.F64 : Type.I32;
}

/** The value of an integer literal of `type` (hex literals wrap as bit patterns). */
export function intLiteralValue(value: bigint, type: TjType): ConstValue {
  if (type.tag === "f64") return Number(value);
  if (type.tag === "i64") return BigInt.asIntN(64, value);
  return Number(BigInt.asIntN(32, value));
}

const ARITH_OPS: Partial<Record<BinaryOp, [intOp: Op, floatOp: Op]>> = {
  "+": [Op.Add, Op.Add],
  "-": [Op.Sub, Op.Sub],
  "*": [Op.Mul, Op.Mul],
  "/": [Op.DivS, Op.Div],
  "%": [Op.RemS, Op.RemS],
  "&": [Op.And, Op.And],
  "|": [Op.Or, Op.Or],
  "^": [Op.Xor, Op.Xor],
  "<<": [Op.Shl, Op.Shl],
  ">>": [Op.ShrS, Op.ShrS],
  ">>>": [Op.ShrU, Op.ShrU],
};

const COMPARE_OPS: Partial<Record<BinaryOp, [intOp: Op, floatOp: Op]>> = {
  "<": [Op.LtS, Op.Lt],
  "<=": [Op.LeS, Op.Le],
  ">": [Op.GtS, Op.Gt],
  ">=": [Op.GeS, Op.Ge],
  "==": [Op.Eq, Op.Eq],
  "!=": [Op.Ne, Op.Ne],
};

export function arithmeticOp(op: BinaryOp, type: TjType): Op | undefined {
  return ARITH_OPS[op]?.[type.tag === "f64" ? 1 : 0];
}

export function compareOp(op: BinaryOp, type: TjType): Op | undefined {
  return COMPARE_OPS[op]?.[type.tag === "f64" ? 1 : 0];
}

/** JavaScript's `%` on doubles is exactly C's fmod, which TJ's f64 `%` means. */
export function floatRemainder(a: number, b: number): number {
  return a % b;
}

/**
 * Folds a checked expression, or returns undefined when it is not constant. `lookup`
 * gives the value of a const name (or undefined). Throws ConstTrap on a trapping operation.
 */
export function evaluateConstant(
  expr: Expr,
  lookup: (expr: Expr & { kind: "name" }) => ConstValue | undefined,
): ConstValue | undefined {
  const type = expr.type;
  if (type === undefined || type.tag === "error") return undefined;
  try {
    return evaluate(expr, lookup);
  } catch (error) {
    if (error instanceof NumericTrap) throw new ConstTrap(trapMessage(error.kind));
    throw error;
  }
}

function evaluate(
  expr: Expr,
  lookup: (expr: Expr & { kind: "name" }) => ConstValue | undefined,
): ConstValue | undefined {
  const type = expr.type!;
  switch (expr.kind) {
    case "int":
      return intLiteralValue(expr.value, type);
    case "float":
      return expr.value;
    case "bool":
      return expr.value ? 1 : 0;
    case "name":
      return lookup(expr);
    case "unary": {
      const value = evaluate(expr.operand, lookup);
      if (value === undefined) return undefined;
      if (expr.op === "!") return value === 0 ? 1 : 0;
      if (expr.op === "~") return type.tag === "i64" ? ~(value as bigint) : ~(value as number);
      if (type.tag === "f64") return -(value as number);
      return evalBinary(Op.Sub, irScalarType(type), type.tag === "i64" ? 0n : 0, value);
    }
    case "cast": {
      const value = evaluate(expr.operand, lookup);
      if (value === undefined) return undefined;
      return castConstant(value, expr.operand.type!, type);
    }
    case "cond": {
      const test = evaluate(expr.test, lookup);
      if (test === undefined) return undefined;
      return test !== 0 ? evaluate(expr.then, lookup) : evaluate(expr.else, lookup);
    }
    case "binary": {
      const operandType = expr.left.type!;
      if (expr.op === "&&" || expr.op === "||") {
        const left = evaluate(expr.left, lookup);
        if (left === undefined) return undefined;
        if ((expr.op === "&&") === (left === 0)) return left;
        return evaluate(expr.right, lookup);
      }
      const left = evaluate(expr.left, lookup);
      const right = evaluate(expr.right, lookup);
      if (left === undefined || right === undefined) return undefined;
      const compare = compareOp(expr.op, operandType);
      if (compare !== undefined) return evalCompare(compare, irScalarType(operandType), left, right);
      if (expr.op === "%" && operandType.tag === "f64")
        return floatRemainder(left as number, right as number);
      const op = arithmeticOp(expr.op, operandType);
      if (op === undefined) return undefined;
      return evalBinary(op, irScalarType(operandType), left, right);
    }
    default:
      return undefined;
  }
}

/** `value as to`, following language.md's cast rules. */
export function castConstant(value: ConstValue, from: TjType, to: TjType): ConstValue {
  if (from.tag === to.tag) return value;
  if (to.tag === "bool") return value === 0 || value === 0n ? 0 : 1;
  if (from.tag === "bool") return to.tag === "i64" ? BigInt(value) : to.tag === "f64" ? Number(value) : value;
  const fromIr = irScalarType(from);
  const toIr = irScalarType(to);
  if (from.tag === "i32" && to.tag === "i64") return evalConvert(Op.ExtendS, fromIr, toIr, value);
  if (from.tag === "i64" && to.tag === "i32") return evalConvert(Op.Wrap, fromIr, toIr, value);
  if (to.tag === "f64") return evalConvert(Op.ConvertS, fromIr, toIr, value);
  return evalConvert(Op.TruncSatS, fromIr, toIr, value);
}
