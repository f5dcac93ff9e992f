/**
 * profile-calls: Tier 1's call-target profile. Before each `call_indirect` (site k, numbered
 * as in `profile-sites.ts`) goes `profile_target k, index`, which the baseline code generator
 * turns into a record of the table indices the site used: the first two distinct ones, and
 * whether there were more. Tier 2's `speculate-calls` reads it. It runs first, on the
 * function as the program has it, so that the numbers match what Tier 2 sees.
 */

import type { Inst, IrFunction, Module } from "../../ir/ir.js";
import { Op } from "../../ir/ops.js";
import { Type } from "../../ir/types.js";
import type { Pass } from "../pass.js";

export const profileCalls: Pass = {
  name: "profile-calls",
  required: false,
  doc: "record the table indices each indirect call site uses (Tier 1's profile for Tier 2's speculation)",
  run(fn: IrFunction, _module: Module): boolean {
    let site = 0;
    for (const block of fn.blocks) {
      if (!block.insts.some((inst) => inst.op === Op.CallIndirect)) continue;
      const insts: Inst[] = [];
      for (const inst of block.insts) {
        if (inst.op === Op.CallIndirect) {
          insts.push({
            op: Op.ProfileTarget,
            type: Type.None,
            result: -1,
            args: [inst.args[0]!],
            imm: site++,
            big: 0n,
            loc: -1,
          });
        }
        insts.push(inst);
      }
      block.insts = insts;
    }
    return site > 0;
  },
};
