/**
 * local-cse: within each block, an instruction that repeats an earlier one — same op,
 * same result type, same immediate, same operands (in any order for commutative ops) — is
 * replaced by the earlier result. Only pure, non-trapping ops take part (constants,
 * arithmetic that cannot trap, comparisons, unary ops, non-trapping conversions, select);
 * loads, global reads and calls do not, since memory, globals and hosts can change
 * between two of them. Keys tell -0 from 0.
 *
 * Like Go's cse, it only relinks uses: the duplicates, now unused, are left to dce.
 * Block-local and cheap, for Tier 1; Tier 2 runs gvn, which also works across blocks.
 */

import type { IrFunction, Module } from "../../ir/ir.js";
import { replaceUses } from "../../ir/uses.js";
import type { Pass } from "../pass.js";
import { pureKey } from "../value-key.js";

export const localCse: Pass = {
  name: "local-cse",
  required: false,
  doc: "reuse the result of an identical earlier pure instruction in the same block",
  run(fn: IrFunction, _module: Module): boolean {
    const replacement = new Map<number, number>();
    for (const block of fn.blocks) {
      const seen = new Map<string, number>();
      for (const inst of block.insts) {
        // operands may themselves have been replaced earlier in this block
        inst.args = inst.args.map((v) => replacement.get(v) ?? v);
        const key = pureKey(inst);
        if (key === undefined) continue;
        const earlier = seen.get(key);
        if (earlier === undefined) seen.set(key, inst.result);
        else replacement.set(inst.result, earlier);
      }
    }
    if (replacement.size === 0) return false;
    replaceUses(fn, replacement);
    return true;
  },
};
