/**
 * const-fold: an arithmetic, comparison, unary or conversion instruction whose operands are
 * all constants becomes a constant, computed with the interpreter's own semantics
 * (ir/numeric.ts), so folding can never disagree with any tier. An operation that would
 * trap is left alone (it must still trap at run time). Also folds `select` on a constant
 * condition into a copy... of a constant only: copies of other values are left to later
 * passes. Deletes `trap_if` on a constant zero. Knows one thing about non-constants: `lt_u
 * (and x, C1), C2` with C1 < C2 is 1 (an index masked below an array's length). Runs to a fixed point within each block order (one sweep in layout order sees
 * definitions before uses in straight-line code; loops may need more sweeps).
 *
 * Leaves dead instructions to dce.
 */

import type { Inst, IrFunction, Module } from "../../ir/ir.js";
import {
  evalBinary,
  evalCompare,
  evalConvert,
  evalUnary,
  NumericTrap,
  type Scalar,
} from "../../ir/numeric.js";
import { Op, OpKind, opInfo } from "../../ir/ops.js";
import { isVectorType, Type } from "../../ir/types.js";
import type { Pass } from "../pass.js";

/** The constants of `fn` by value id, with their types. */
export function constantsOf(fn: IrFunction): Map<number, { type: Type; value: Scalar }> {
  const constants = new Map<number, { type: Type; value: Scalar }>();
  for (const block of fn.blocks) {
    for (const inst of block.insts) {
      if (inst.op === Op.Const)
        constants.set(inst.result, { type: inst.type, value: inst.type === Type.I64 ? inst.big : inst.imm });
    }
  }
  return constants;
}

export function becomeConstant(inst: Inst, value: Scalar): void {
  inst.op = Op.Const;
  inst.args = [];
  if (inst.type === Type.I64) {
    inst.big = value as bigint;
    inst.imm = 0;
  } else {
    inst.imm = value as number;
    inst.big = 0n;
  }
}

export function fold(
  inst: Inst,
  constants: ReadonlyMap<number, { type: Type; value: Scalar }>,
): Scalar | undefined {
  // no constant is a vector (a `splat` of one stays a splat)
  if (isVectorType(inst.type)) return undefined;
  const info = opInfo(inst.op);
  const operands = inst.args.map((v) => constants.get(v));
  if (operands.some((c) => c === undefined)) return undefined;
  const [a, b] = operands as { type: Type; value: Scalar }[];
  try {
    switch (info.kind) {
      case OpKind.Binary:
        return evalBinary(inst.op, inst.type, a!.value, b!.value);
      case OpKind.Compare:
        return evalCompare(inst.op, a!.type, a!.value, b!.value);
      case OpKind.Unary:
        return evalUnary(inst.op, a!.type, a!.value);
      case OpKind.Convert:
        // reinterpret would expose NaN bits that the interpreter does not model
        if (inst.op === Op.Reinterpret) return undefined;
        return evalConvert(inst.op, a!.type, inst.type, a!.value);
      case OpKind.Select:
        return a!.value !== 0 ? operands[1]!.value : operands[2]!.value;
      default:
        return undefined;
    }
  } catch (error) {
    if (error instanceof NumericTrap) return undefined;
    throw error;
  }
}

/** For each `and x, C` (i32, C a constant): C as unsigned, the most the result can be. */
function masksOf(fn: IrFunction, constants: Map<number, { type: Type; value: Scalar }>): Map<number, number> {
  const masks = new Map<number, number>();
  for (const block of fn.blocks) {
    for (const inst of block.insts) {
      if (inst.op !== Op.And || inst.type !== Type.I32) continue;
      for (const arg of inst.args) {
        const c = constants.get(arg);
        if (c !== undefined) masks.set(inst.result, (c.value as number) >>> 0);
      }
    }
  }
  return masks;
}

/** `lt_u (and x, C1), C2` with C1 < C2 (unsigned) is 1 whatever x is: an index masked to the table's size. */
function foldMaskedCompare(
  inst: Inst,
  constants: Map<number, { type: Type; value: Scalar }>,
  masks: Map<number, number>,
): Scalar | undefined {
  if (inst.op !== Op.LtU) return undefined;
  const mask = masks.get(inst.args[0]!);
  const bound = constants.get(inst.args[1]!);
  if (mask === undefined || bound === undefined || bound.type !== Type.I32) return undefined;
  return mask < (bound.value as number) >>> 0 ? 1 : undefined;
}

export const constFold: Pass = {
  name: "const-fold",
  required: false,
  doc: "fold operations on constants with the interpreter's exact semantics (never a trapping one)",
  run(fn: IrFunction, _module: Module): boolean {
    let changed = false;
    for (let sweep = 0; sweep < 8; sweep++) {
      const constants = constantsOf(fn);
      const masks = masksOf(fn, constants);
      let progress = false;
      for (const block of fn.blocks) {
        // a trap_if on a constant zero never traps: it goes (one on a non-zero constant stays)
        const before = block.insts.length;
        block.insts = block.insts.filter(
          (inst) => inst.op !== Op.TrapIf || constants.get(inst.args[0]!)?.value !== 0,
        );
        if (block.insts.length !== before) progress = true;
        for (const inst of block.insts) {
          if (inst.op === Op.Const || inst.result < 0) continue;
          const value = fold(inst, constants) ?? foldMaskedCompare(inst, constants, masks);
          if (value === undefined) continue;
          becomeConstant(inst, value);
          constants.set(inst.result, { type: inst.type, value });
          progress = true;
        }
      }
      if (!progress) break;
      changed = true;
    }
    return changed;
  },
};
