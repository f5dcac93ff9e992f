/**
 * speculate-calls: Tier 2's speculation on indirect call targets. A `call_indirect` site
 * that Tier 1 saw call through one or two table slots only (`profile-calls`) becomes tests
 * of the index against those slots, each leading to a direct call of the slot's function,
 * which `inline` then copies in; any other index takes the original `call_indirect`. Like
 * V8's speculative inlining of Wasm indirect calls, a failed guard costs a compare and the
 * generic call, not a deopt: the result stays exact and the code stays installed.
 *
 * Sites whose possible targets are statically few are left to `devirtualize`, which covers
 * every one of them (but for stress mode). Only targets small enough to inline are guarded
 * (a direct call out of the unit costs what the indirect one does): up to the larger size
 * at a site Tier 1 counted often (`inlineBudget`). Stress mode guards a
 * slot picked at random among those of the call's signature, at any site, so that both
 * sides of guards run in every program.
 */

import type { FuncId, Inst, IrFunction, Module } from "../../ir/ir.js";
import { Op } from "../../ir/ops.js";
import { signaturesEqual } from "../../ir/types.js";
import {
  functionInSlot,
  inlineBudget,
  isInlinable,
  SPECULATED_SLOTS_MAX,
  staticTargets,
} from "../inline-policy.js";
import type { Pass, PassContext, SpeculationInput } from "../pass.js";
import { MANY_TARGETS, mix } from "../profile-sites.js";
import { splitIndirectCall } from "./devirtualize.js";

export const speculateCalls: Pass = {
  name: "speculate-calls",
  required: false,
  doc: "guard indirect call sites the profile saw use one or two targets, with direct calls to inline",
  run(fn: IrFunction, module: Module, context: PassContext): boolean {
    const input = context.speculation;
    if (input === undefined || (input.targets === undefined && input.randomSeed === undefined)) return false;
    let site = 0;
    let changed = false;
    for (let b = 0; b < fn.blocks.length; b++) {
      const insts = fn.blocks[b]!.insts;
      for (let k = 0; k < insts.length; k++) {
        const call = insts[k]!;
        if (call.op !== Op.CallIndirect) continue;
        // stress mode guards even those sites, so that generated programs exercise guards
        const covered = input.randomSeed === undefined && staticTargets(module, call.imm) !== null;
        const slots = covered ? null : guardedSlots(module, call, input, site);
        site++;
        if (slots === null) continue;
        // the rest of the block, with the site's later siblings, is the continuation: scan it next
        b = splitIndirectCall(fn, b, k, slots) - 1;
        changed = true;
        break;
      }
    }
    return changed;
  },
};

/**
 * Slot → function for the targets to guard at indirect call `call`, site `site`, or null.
 * A site Tier 1 counted often may guard larger targets (`inlineBudget`): its direct calls
 * inherit its count, so `inline` copies them.
 */
function guardedSlots(
  module: Module,
  call: Inst,
  input: SpeculationInput,
  site: number,
): Map<number, FuncId> | null {
  const budget = inlineBudget(call.profileCount);
  const usable = (slot: number): FuncId | null => {
    const id = functionInSlot(module, slot);
    const callee = id < 0 ? undefined : module.functions[id];
    const signature = module.types[call.imm];
    if (callee === undefined || signature === undefined || !signaturesEqual(callee, signature)) return null;
    return isInlinable(callee, budget) ? id : null;
  };
  let recorded: number[];
  if (input.randomSeed !== undefined) {
    const candidates: number[] = [];
    for (let slot = 0; slot < Math.min(module.table.length, SPECULATED_SLOTS_MAX); slot++)
      if (usable(slot) !== null) candidates.push(slot);
    const pick = mix(input.randomSeed ^ 0x5bd1e995, site) % (candidates.length + 1);
    recorded = pick < candidates.length ? [candidates[pick]!] : [];
  } else {
    const first = input.targets?.[2 * site] ?? -1;
    const second = input.targets?.[2 * site + 1] ?? -1;
    recorded = second === MANY_TARGETS ? [] : [first, second].filter((slot) => slot >= 0);
  }
  const slots = new Map<number, FuncId>();
  for (const slot of recorded) {
    const id = usable(slot);
    if (id !== null) slots.set(slot, id);
  }
  return slots.size === 0 ? null : slots;
}
