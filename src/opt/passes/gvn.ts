/**
 * gvn: dominator-based global value numbering (the scoped hash table of Briggs, Cooper and
 * Simpson). Walking the dominator tree in preorder, an instruction whose value key
 * (value-key.ts) matches one computed in a dominating position is replaced by that
 * earlier value. On top of pure ops:
 *
 * - reads of the function's stable globals (never written, no calls) take part everywhere;
 * - within a block, a `global.get` or a load repeats an earlier one when nothing that could
 *   change the global or memory (a store, `global.set` of it, a call, `memory.grow`) comes
 *   between them; the repeated load is deleted (it cannot trap where the first did not);
 * - an *invariant* load (ir.ts: bytes stored once, such as TJ array lengths) repeats an
 *   earlier one of the same address in any dominating position, whatever lies between,
 *   and takes the value of a dominating full-width store to the same address (the one
 *   store those bytes get: the length `tj.alloc_array` writes, once it is inlined);
 * - a `trap_if` on a condition that a dominating `trap_if` already tested goes (the first
 *   one did not trap, so the condition is zero), whatever the two trap kinds.
 *
 * Like local-cse it only relinks uses; the duplicates, now unused, are left to dce.
 */

import { computeDominators } from "../../ir/dominance.js";
import { type IrFunction, type Module, valueTypes } from "../../ir/ir.js";
import { Op, OpKind, opInfo } from "../../ir/ops.js";
import type { Pass } from "../pass.js";
import { shapeKey, stableGlobals, valueKey } from "../value-key.js";

/** An op after which memory or any global may have changed. */
function clobbersState(op: Op): boolean {
  const kind = opInfo(op).kind;
  return (
    kind === OpKind.Store ||
    kind === OpKind.Call ||
    kind === OpKind.CallIndirect ||
    kind === OpKind.CallHost ||
    kind === OpKind.MemoryGrow
  );
}

export const gvn: Pass = {
  name: "gvn",
  required: false,
  doc: "reuse values computed in a dominating block; drop trap checks a dominating check made",
  run(fn: IrFunction, _module: Module): boolean {
    const tree = computeDominators(fn);
    const children: number[][] = fn.blocks.map(() => []);
    for (const b of tree.rpo) if (b !== 0) children[tree.idom[b]!]!.push(b);
    const stable = stableGlobals(fn);
    const types = valueTypes(fn);
    const replacement = new Map<number, number>();
    const resolve = (v: number): number => replacement.get(v) ?? v;
    // scoped tables: entries added in a block are undone when the walk leaves its subtree
    const available = new Map<string, number>();
    const checked = new Set<number>();
    const undoKeys: string[] = [];
    const undoChecks: number[] = [];
    let changed = false;

    const visit = (id: number): void => {
      const block = fn.blocks[id]!;
      const recent = new Map<string, number>(); // loads and global reads since the last clobber
      block.insts = block.insts.filter((inst) => {
        inst.args = inst.args.map(resolve);
        if (inst.op === Op.TrapIf) {
          const condition = inst.args[0]!;
          if (checked.has(condition)) {
            changed = true;
            return false;
          }
          checked.add(condition);
          undoChecks.push(condition);
          return true;
        }
        const key = valueKey(inst, stable);
        if (key !== undefined) {
          const earlier = available.get(key);
          if (earlier === undefined) {
            available.set(key, inst.result);
            undoKeys.push(key);
          } else {
            replacement.set(inst.result, earlier);
            changed = true;
          }
          return true;
        }
        const kind = opInfo(inst.op).kind;
        if (inst.invariant === true && kind === OpKind.Load) {
          // the same bytes wherever it dominates, stores or calls between notwithstanding
          const shared = `invariant:${shapeKey(inst)}`;
          const earlier = available.get(shared);
          if (earlier === undefined) {
            available.set(shared, inst.result);
            undoKeys.push(shared);
            return true;
          }
          // the earlier load of the same address did not trap, and memory never shrinks
          replacement.set(inst.result, earlier);
          changed = true;
          return false;
        }
        if (kind === OpKind.Load || kind === OpKind.GlobalGet) {
          const local = shapeKey(inst);
          const earlier = recent.get(local);
          if (earlier === undefined) recent.set(local, inst.result);
          else {
            replacement.set(inst.result, earlier);
            changed = true;
            // a repeated load cannot trap where the first did not: it goes
            return false;
          }
        } else if (kind === OpKind.GlobalSet) {
          for (const k of [...recent.keys()]) if (k.startsWith(`${Op.GlobalGet}:`)) recent.delete(k);
        } else if (clobbersState(inst.op)) {
          recent.clear();
          if (inst.op === Op.Store) {
            // an invariant load of these bytes can only see this value (they are stored once)
            const forwarded = `invariant:${Op.Load}:${types[inst.args[1]!]}:${inst.imm}:${inst.args[0]}`;
            if (!available.has(forwarded)) {
              available.set(forwarded, inst.args[1]!);
              undoKeys.push(forwarded);
            }
          }
        }
        return true;
      });
      block.term.args = block.term.args.map(resolve);
      for (const target of block.term.targets) target.args = target.args.map(resolve);
    };

    // iterative preorder walk; each frame remembers how much to undo when it is left
    const stack: { id: number; keys: number; checks: number; entered: boolean }[] = [
      { id: 0, keys: 0, checks: 0, entered: false },
    ];
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      if (!frame.entered) {
        frame.entered = true;
        frame.keys = undoKeys.length;
        frame.checks = undoChecks.length;
        visit(frame.id);
        for (let i = children[frame.id]!.length - 1; i >= 0; i--)
          stack.push({ id: children[frame.id]![i]!, keys: 0, checks: 0, entered: false });
        continue;
      }
      stack.pop();
      while (undoKeys.length > frame.keys) available.delete(undoKeys.pop()!);
      while (undoChecks.length > frame.checks) checked.delete(undoChecks.pop()!);
    }
    // unreachable blocks are not in the tree, but may use a deleted load's value (a
    // definition anywhere is all that unreachable code needs)
    for (let id = 0; id < fn.blocks.length; id++) {
      if (tree.rpoIndex[id] !== -1) continue;
      const block = fn.blocks[id]!;
      for (const inst of block.insts) inst.args = inst.args.map(resolve);
      block.term.args = block.term.args.map(resolve);
      for (const target of block.term.targets) target.args = target.args.map(resolve);
    }
    return changed;
  },
};
