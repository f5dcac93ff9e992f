/**
 * simplify-branches: a `br_if` on a constant condition becomes a `jump` to the side it
 * takes; a `br_table` on a constant index becomes a `jump` to its case. The blocks no longer
 * reached stay in the function (the code generators skip unreachable blocks), so block
 * numbers do not change. Runs after const-fold, which makes the conditions constant.
 */

import type { IrFunction, Module } from "../../ir/ir.js";
import { Op, TermOp } from "../../ir/ops.js";
import { Type } from "../../ir/types.js";
import type { Pass } from "../pass.js";

export const simplifyBranches: Pass = {
  name: "simplify-branches",
  required: false,
  doc: "turn branches on constants into jumps",
  run(fn: IrFunction, _module: Module): boolean {
    const constants = new Map<number, number>();
    for (const block of fn.blocks) {
      for (const inst of block.insts)
        if (inst.op === Op.Const && inst.type === Type.I32) constants.set(inst.result, inst.imm);
    }
    let changed = false;
    for (const block of fn.blocks) {
      const term = block.term;
      if (term.op !== TermOp.BrIf && term.op !== TermOp.BrTable) continue;
      const value = constants.get(term.args[0]!);
      if (value === undefined) continue;
      let taken: number;
      if (term.op === TermOp.BrIf) taken = value !== 0 ? 0 : 1;
      else taken = Math.min(value >>> 0, term.targets.length - 1);
      block.term = { op: TermOp.Jump, args: [], targets: [term.targets[taken]!], imm: 0, loc: term.loc };
      changed = true;
    }
    return changed;
  },
};
