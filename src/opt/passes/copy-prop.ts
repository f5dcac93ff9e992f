/**
 * copy-prop: a block parameter that every incoming edge sets to the same value (or to the
 * parameter itself, around a loop) is a copy of that value: its uses read the value
 * directly and the parameter and its arguments go (the trivial φ of Braun et al., "Simple
 * and Efficient Construction of SSA Form"). Removing one can make another trivial, so it
 * runs to a fixed point. Inlining, threading and the front end's `let` lowering leave many
 * of these; fewer parameters also mean fewer locals and copies in the emitted code.
 */

import { computeDominators } from "../../ir/dominance.js";
import type { BlockCall, IrFunction, Module } from "../../ir/ir.js";
import { replaceUses } from "../../ir/uses.js";
import type { Pass } from "../pass.js";

export const copyProp: Pass = {
  name: "copy-prop",
  required: false,
  doc: "replace block parameters that always receive the same value by that value",
  run(fn: IrFunction, _module: Module): boolean {
    const reachable = computeDominators(fn).rpoIndex;
    let changed = false;
    // the edges into each block (terminators are not replaced here, only their arguments)
    const edgesInto: BlockCall[][] = fn.blocks.map(() => []);
    for (const pred of fn.blocks) for (const edge of pred.term.targets) edgesInto[edge.block]!.push(edge);
    for (let round = 0; round < 16; round++) {
      const replacement = new Map<number, number>();
      fn.blocks.forEach((block, id) => {
        if (id === 0 || reachable[id] === -1 || block.params.length === 0) return;
        const incoming: (number | undefined)[] = block.params.map(() => undefined);
        const distinct = new Uint8Array(block.params.length);
        for (const edge of edgesInto[id]!) {
          edge.args.forEach((arg, i) => {
            if (arg === block.params[i]) return;
            if (incoming[i] === undefined) incoming[i] = arg;
            else if (incoming[i] !== arg) distinct[i] = 1;
          });
        }
        const keep: number[] = [];
        block.params.forEach((param, i) => {
          const value = incoming[i];
          if (distinct[i] === 0 && value !== undefined) replacement.set(param, value);
          else keep.push(i);
        });
        if (keep.length === block.params.length) return;
        block.params = keep.map((i) => block.params[i]!);
        block.paramTypes = keep.map((i) => block.paramTypes[i]!);
        for (const edge of edgesInto[id]!) edge.args = keep.map((i) => edge.args[i]!);
      });
      if (replacement.size === 0) break;
      replaceUses(fn, replacement);
      changed = true;
    }
    return changed;
  },
};
