/**
 * profile-branches: Tier 1's branch profile. Every edge of every `br_if` gets a block of its
 * own holding `profile_edge N` (N numbered as in `branch-profile.ts`), which the code
 * generator turns into a store of 1 to that edge's counter global. Tier 2 then treats an
 * edge whose counter stayed 0, while its sibling ran, as never taken. It runs first, on the
 * function as the program has it, so that the numbers match what Tier 2 sees.
 */

import type { Block, IrFunction, Module } from "../../ir/ir.js";
import { Op, TermOp } from "../../ir/ops.js";
import { Type } from "../../ir/types.js";
import type { Pass } from "../pass.js";
import { conditionalBranches } from "../profile-sites.js";

export const profileBranches: Pass = {
  name: "profile-branches",
  required: false,
  doc: "count which edge of each conditional branch runs (Tier 1's profile for Tier 2's speculation)",
  run(fn: IrFunction, _module: Module): boolean {
    const branches = conditionalBranches(fn);
    branches.forEach((b, k) => {
      const term = fn.blocks[b]!.term;
      term.targets = term.targets.map((target, side) => {
        const counter: Block = {
          params: [],
          paramTypes: [],
          insts: [
            {
              op: Op.ProfileEdge,
              type: Type.None,
              result: -1,
              args: [],
              imm: 2 * k + side,
              big: 0n,
              loc: -1,
            },
          ],
          term: { op: TermOp.Jump, args: [], targets: [target], imm: 0, loc: -1 },
        };
        fn.blocks.push(counter);
        return { block: fn.blocks.length - 1, args: [] };
      });
    });
    return branches.length > 0;
  },
};
