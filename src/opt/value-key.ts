/**
 * Value numbering keys: two instructions with the same key compute the same value wherever
 * both are defined. Only pure, non-trapping ops get a key (constants, arithmetic that
 * cannot trap, comparisons, unary ops, non-trapping conversions, select); operands of
 * commutative ops are sorted; keys tell -0 from 0 and carry i64 constants exactly.
 */

import type { Inst, IrFunction } from "../ir/ir.js";
import { Op, OpKind, opInfo } from "../ir/ops.js";
import { Type } from "../ir/types.js";

const NUMBERED = new Set([
  OpKind.Const,
  OpKind.Binary,
  OpKind.Compare,
  OpKind.Unary,
  OpKind.Convert,
  OpKind.Select,
]);

function immediateKey(inst: Inst): string {
  if (inst.type === Type.I64) return inst.big.toString();
  return Object.is(inst.imm, -0) ? "-0" : String(inst.imm);
}

/** The key of a pure instruction, or undefined for one that reads or changes state or may trap. */
export function pureKey(inst: Inst): string | undefined {
  const info = opInfo(inst.op);
  if (!NUMBERED.has(info.kind) || info.canTrap || info.sideEffects || inst.result < 0) return undefined;
  const args = info.commutative ? [...inst.args].sort((a, b) => a - b) : inst.args;
  return `${inst.op}:${inst.type}:${immediateKey(inst)}:${args.join(",")}`;
}

/** The key of any instruction with a result, by op, type, immediate and operands (state ignored). */
export function shapeKey(inst: Inst): string {
  return `${inst.op}:${inst.type}:${immediateKey(inst)}:${inst.args.join(",")}`;
}

/**
 * Globals whose value cannot change while the function runs: it never writes them and
 * calls nothing (a callee, or a host function calling back into the guest, could write
 * any global). A `global.get` of one of them is as pure as a constant within the function.
 */
export function stableGlobals(fn: IrFunction): Set<number> {
  const written = new Set<number>();
  for (const block of fn.blocks) {
    for (const inst of block.insts) {
      const kind = opInfo(inst.op).kind;
      if (kind === OpKind.Call || kind === OpKind.CallIndirect || kind === OpKind.CallHost) return new Set();
      if (kind === OpKind.GlobalSet) written.add(inst.imm);
    }
  }
  const stable = new Set<number>();
  for (const block of fn.blocks)
    for (const inst of block.insts)
      if (inst.op === Op.GlobalGet && !written.has(inst.imm)) stable.add(inst.imm);
  return stable;
}

/** `pureKey`, extended to reads of the function's stable globals. */
export function valueKey(inst: Inst, stable: ReadonlySet<number>): string | undefined {
  if (inst.op === Op.GlobalGet) return stable.has(inst.imm) ? `global:${inst.imm}` : undefined;
  return pureKey(inst);
}
