/** Use counts, use rewriting and definitions over a function's instruction operands, branch arguments and terminator operands. */

import type { Inst, IrFunction } from "./ir.js";
import { valueCount } from "./ir.js";
import { Op } from "./ops.js";
import { Type } from "./types.js";

export function useCounts(fn: IrFunction): Int32Array {
  const uses = new Int32Array(valueCount(fn));
  for (const block of fn.blocks) {
    for (const inst of block.insts) for (const v of inst.args) uses[v]!++;
    for (const v of block.term.args) uses[v]!++;
    for (const target of block.term.targets) for (const v of target.args) uses[v]!++;
  }
  return uses;
}

/** Rewrites every use of a value in `replacement` to its replacement (chains are followed). */
export function replaceUses(fn: IrFunction, replacement: ReadonlyMap<number, number>): void {
  const resolve = (v: number): number => {
    let seen = 0;
    let r = v;
    while (replacement.has(r) && seen++ < replacement.size) r = replacement.get(r)!;
    return r;
  };
  for (const block of fn.blocks) {
    for (const inst of block.insts) inst.args = inst.args.map(resolve);
    block.term.args = block.term.args.map(resolve);
    for (const target of block.term.targets) target.args = target.args.map(resolve);
  }
}

/** Where each value is defined: its instruction (none for block parameters) and its block (-1: nowhere). */
export function definitions(fn: IrFunction): { def: (Inst | undefined)[]; defBlock: Int32Array } {
  const count = valueCount(fn);
  const def = new Array<Inst | undefined>(count);
  const defBlock = new Int32Array(count).fill(-1);
  fn.blocks.forEach((block, id) => {
    for (const v of block.params) defBlock[v] = id;
    for (const inst of block.insts) {
      if (inst.result < 0) continue;
      def[inst.result] = inst;
      defBlock[inst.result] = id;
    }
  });
  return { def, defBlock };
}

/** The value of `v` when an i32 `const` defines it (`def` from `definitions`), else undefined. */
export function i32ConstantOf(def: readonly (Inst | undefined)[], v: number): number | undefined {
  const inst = def[v];
  return inst?.op === Op.Const && inst.type === Type.I32 ? inst.imm : undefined;
}
