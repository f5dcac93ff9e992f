/**
 * dce: removes instructions whose results are never used and that have no effect — no
 * side effects and no possible trap (a division by a value that may be zero stays, since it
 * must still trap). Iterates to a fixed point, since removing one use can make another
 * instruction dead. Block parameters are left alone.
 */

import type { IrFunction, Module } from "../../ir/ir.js";
import { opInfo } from "../../ir/ops.js";
import { useCounts } from "../../ir/uses.js";
import type { Pass } from "../pass.js";

export const dce: Pass = {
  name: "dce",
  required: false,
  doc: "remove unused instructions that have no effect and cannot trap",
  run(fn: IrFunction, _module: Module): boolean {
    let changed = false;
    for (;;) {
      const uses = useCounts(fn);
      let removed = false;
      for (const block of fn.blocks) {
        const kept = block.insts.filter((inst) => {
          const info = opInfo(inst.op);
          const dead = inst.result >= 0 && uses[inst.result] === 0 && !info.sideEffects && !info.canTrap;
          if (dead) removed = true;
          return !dead;
        });
        block.insts = kept;
      }
      if (!removed) return changed;
      changed = true;
    }
  },
};
