/**
 * speculate-branches: Tier 2's speculation on branches. An edge of a `br_if` that the
 * profile never saw run, while its sibling did, is replaced by a *deopt exit*: a block whose
 * `deopt` terminator hands the frame to the unspeculated function at the edge's target, with
 * the target's block arguments and live-ins (resume.ts). The code behind the edge drops out
 * of the optimized function, so what follows the branch no longer merges with it: later
 * passes see one path where there were two. An edge that deoptimized before is never
 * speculated on again (`disabled`); stress mode picks edges at random instead, so that
 * deopts happen in every program. It runs first, so that block numbers are the program's.
 */

import type { IrFunction, Module } from "../../ir/ir.js";
import { computeLiveness, type Liveness, liveInValues } from "../../ir/liveness.js";
import { TermOp } from "../../ir/ops.js";
import type { Pass, PassContext, SpeculationInput } from "../pass.js";
import { conditionalBranches, mix } from "../profile-sites.js";

/** Guards per function at most: each one's resume function is compiled with the function. */
export const MAX_GUARDS = 6;

export const speculateBranches: Pass = {
  name: "speculate-branches",
  required: false,
  doc: "turn branch edges the profile never saw run into deopt exits to the unspeculated code",
  run(fn: IrFunction, _module: Module, context: PassContext): boolean {
    const input = context.speculation;
    if (input === undefined) return false;
    const disabled = new Set(input.disabled);
    let liveness: Liveness | null = null;
    let guards = 0;
    for (const [k, b] of conditionalBranches(fn).entries()) {
      if (guards >= MAX_GUARDS) break;
      const term = fn.blocks[b]!.term;
      if (term.targets[0]!.block === term.targets[1]!.block) continue;
      const side = speculatedSide(input, k, disabled);
      if (side < 0) continue;
      liveness ??= computeLiveness(fn);
      const edge = term.targets[side]!;
      fn.blocks.push({
        params: [],
        paramTypes: [],
        insts: [],
        term: {
          op: TermOp.Deopt,
          args: [...edge.args, ...liveInValues(liveness, edge.block)],
          targets: [],
          imm: 2 * k + side,
          loc: term.loc,
          resume: { func: input.original, block: edge.block },
        },
      });
      term.targets[side] = { block: fn.blocks.length - 1, args: [] };
      guards++;
    }
    return guards > 0;
  },
};

/** Which edge of branch k to speculate away (0 then, 1 else), or -1 for neither. */
function speculatedSide(input: SpeculationInput, k: number, disabled: Set<number>): number {
  let side = -1;
  if (input.randomSeed !== undefined) {
    const pick = mix(input.randomSeed, k) & 3;
    if (pick < 2) side = pick;
  } else {
    const ran = [input.taken[2 * k] ?? 0, input.taken[2 * k + 1] ?? 0];
    if (ran[0] === 0 && ran[1] === 1) side = 0;
    else if (ran[0] === 1 && ran[1] === 0) side = 1;
  }
  return side >= 0 && !disabled.has(2 * k + side) ? side : -1;
}
