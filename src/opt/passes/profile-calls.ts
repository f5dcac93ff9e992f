/**
 * profile-calls: Tier 1's call profile. Before each `call_indirect` (indirect site k,
 * numbered as in `profile-sites.ts`) goes `profile_target k, index`, which the baseline code
 * generator turns into a record of the table indices the site used: the first two distinct
 * ones, and whether there were more; before each direct `call` (direct site j) goes
 * `profile_call j`, a counter of the call's runs. Tier 2's `speculate-calls` reads the
 * records, its `inline` the counts. It runs first, on the function as the program has it,
 * so that the numbers match what Tier 2 sees.
 */

import type { Inst, IrFunction, Module } from "../../ir/ir.js";
import { Op } from "../../ir/ops.js";
import { Type } from "../../ir/types.js";
import type { Pass } from "../pass.js";

export const profileCalls: Pass = {
  name: "profile-calls",
  required: false,
  doc: "record the table indices each indirect call site uses and count each direct call site's runs (Tier 1's profile for Tier 2)",
  run(fn: IrFunction, _module: Module): boolean {
    let indirect = 0;
    let direct = 0;
    const record = (op: Op, args: number[], imm: number): Inst => ({
      op,
      type: Type.None,
      result: -1,
      args,
      imm,
      big: 0n,
      loc: -1,
    });
    for (const block of fn.blocks) {
      if (!block.insts.some((inst) => inst.op === Op.CallIndirect || inst.op === Op.Call)) continue;
      const insts: Inst[] = [];
      for (const inst of block.insts) {
        if (inst.op === Op.CallIndirect) insts.push(record(Op.ProfileTarget, [inst.args[0]!], indirect++));
        else if (inst.op === Op.Call) insts.push(record(Op.ProfileCall, [], direct++));
        insts.push(inst);
      }
      block.insts = insts;
    }
    return indirect + direct > 0;
  },
};
