/**
 * licm: loop-invariant code motion. An instruction in a loop that is pure and cannot trap
 * (value-key.ts: arithmetic, comparisons, conversions, select, constants, reads of the
 * function's stable globals) and whose operands are all defined outside the loop moves to
 * the end of the loop header's immediate dominator, which runs before the loop is entered.
 * Loops are done innermost first, so an instruction can climb out of a whole nest.
 *
 * Moving is speculative (the instruction may have sat on a path the loop rarely takes),
 * which is why only ops that cannot trap or change anything move: loads, trapping division
 * and bounds checks stay where they are.
 */

import { computeDominators } from "../../ir/dominance.js";
import type { IrFunction, Module } from "../../ir/ir.js";
import { valueCount } from "../../ir/ir.js";
import { computeLoops } from "../../ir/loops.js";
import type { Pass } from "../pass.js";
import { stableGlobals, valueKey } from "../value-key.js";

export const licm: Pass = {
  name: "licm",
  required: false,
  doc: "move pure, non-trapping loop-invariant instructions in front of their loop",
  run(fn: IrFunction, _module: Module): boolean {
    const tree = computeDominators(fn);
    const nest = computeLoops(fn, tree);
    if (nest.loops.length === 0) return false;
    const stable = stableGlobals(fn);
    const defBlock = new Int32Array(valueCount(fn)).fill(-1);
    fn.blocks.forEach((block, id) => {
      for (const v of block.params) defBlock[v] = id;
      for (const inst of block.insts) if (inst.result >= 0) defBlock[inst.result] = id;
    });
    let changed = false;
    for (let index = nest.loops.length - 1; index >= 0; index--) {
      const loop = nest.loops[index]!;
      const landing = tree.idom[loop.header]!;
      if (landing < 0 || landing === loop.header) continue;
      const outside = (v: number): boolean => {
        const def = defBlock[v]!;
        return def >= 0 && loop.body[def] === 0;
      };
      const moved = fn.blocks[landing]!.insts;
      // reverse postorder: an operand defined in the loop is seen (and moved) before its users
      for (const id of tree.rpo) {
        if (loop.body[id] === 0) continue;
        const block = fn.blocks[id]!;
        block.insts = block.insts.filter((inst) => {
          if (valueKey(inst, stable) === undefined || !inst.args.every(outside)) return true;
          moved.push(inst);
          defBlock[inst.result] = landing;
          changed = true;
          return false;
        });
      }
    }
    return changed;
  },
};
