/**
 * bounds-checks: removes the bounds checks of counted loops. In a loop whose header has a
 * parameter `i` that enters as a constant ≥ 0 (or as `k + 1` for `k` the index of an
 * enclosing counted loop, known 0 ≤ k < its bound there: nbody's `j = i + 1`) and comes
 * around every back edge as `i + 1`, and whose header ends in `br_if (lt_s i, m), body, exit` with `m` defined
 * outside the loop, every block the body edge dominates knows 0 ≤ i < m: there `lt_u i, m`
 * is 1 (`i` cannot wrap: it only grows while below `m`). That is the check TJ emits for
 * `a[i]` in `for (let i = 0; i < n; i += 1)` once gvn has seen that `a`'s length is `n`
 * (an invariant load forwarded from the store in the inlined `tj.alloc_array`). The check
 * becomes 1, its `eqz` 0, and the `trap_if` on that goes.
 */

import { computeDominators, dominates } from "../../ir/dominance.js";
import type { Inst, IrFunction, Module } from "../../ir/ir.js";
import { computeLoops } from "../../ir/loops.js";
import { Op, TermOp } from "../../ir/ops.js";
import { definitions, i32ConstantOf } from "../../ir/uses.js";
import type { Pass } from "../pass.js";
import { becomeConstant } from "./const-fold.js";

export const boundsChecks: Pass = {
  name: "bounds-checks",
  required: false,
  doc: "remove index checks that a counted loop's condition already implies",
  run(fn: IrFunction, _module: Module): boolean {
    const tree = computeDominators(fn);
    const nest = computeLoops(fn, tree);
    if (nest.loops.length === 0) return false;
    const { def, defBlock } = definitions(fn);
    const constantOf = (v: number): number | undefined => i32ConstantOf(def, v);
    // (block, i, m): in `block` and the blocks it dominates, 0 <= i < m
    const facts: [number, number, number][] = [];
    // `v` (at the end of block `at`) is >= 0: a constant, or k + 1 where 0 <= k < m is known
    // (k + 1 cannot wrap: m is at most 2^31 - 1)
    const nonNegative = (v: number, at: number): boolean => {
      const start = constantOf(v);
      if (start !== undefined) return start >= 0;
      const sum = def[v];
      if (sum?.op !== Op.Add) return false;
      const [x, y] = sum.args as [number, number];
      const k = constantOf(y) === 1 ? x : constantOf(x) === 1 ? y : -1;
      return k >= 0 && facts.some(([block, fi]) => fi === k && dominates(tree, block, at));
    };
    // outer loops' facts first make inner loops' starts known: repeat until nothing is added
    const counted = new Set<number>();
    for (let added = true; added; ) {
      added = false;
      for (const [n, loop] of nest.loops.entries()) {
        if (counted.has(n)) continue;
        const header = fn.blocks[loop.header]!;
        const term = header.term;
        if (term.op !== TermOp.BrIf) continue;
        const test = def[term.args[0]!];
        if (test?.op !== Op.LtS || defBlock[test.result] !== loop.header) continue;
        const [i, m] = test.args as [number, number];
        const index = header.params.indexOf(i);
        if (index < 0 || defBlock[m] === -1 || loop.body[defBlock[m]!] === 1) continue;
        const body = term.targets[0]!;
        if (
          loop.body[body.block] === 0 ||
          body.block === loop.header ||
          term.targets[1]!.block === body.block
        )
          continue;
        // only the header's test edge may enter the body block (so it knows the test held)
        if (tree.preds[body.block]!.length !== 1) continue;
        if (!isCounted(fn, loop.header, index, i, loop.body, constantOf, def, nonNegative)) continue;
        facts.push([body.block, i, m]);
        counted.add(n);
        added = true;
      }
    }
    if (facts.length === 0) return false;
    const known = (block: number, i: number, m: number): boolean =>
      facts.some(([at, fi, fm]) => fi === i && fm === m && dominates(tree, at, block));
    const inBounds = new Set<number>();
    const outOfBounds = new Set<number>();
    let changed = false;
    for (const id of tree.rpo) {
      const block = fn.blocks[id]!;
      block.insts = block.insts.filter((inst) => {
        if (inst.op === Op.LtU && known(id, inst.args[0]!, inst.args[1]!)) {
          becomeConstant(inst, 1);
          inBounds.add(inst.result);
          changed = true;
        } else if (inst.op === Op.Eqz && inBounds.has(inst.args[0]!)) {
          becomeConstant(inst, 0);
          outOfBounds.add(inst.result);
        } else if (inst.op === Op.TrapIf && outOfBounds.has(inst.args[0]!)) {
          return false;
        }
        return true;
      });
    }
    return changed;
  },
};

/** Whether header parameter `index` (value i) enters the loop as a value ≥ 0 and every back edge passes i + 1. */
function isCounted(
  fn: IrFunction,
  header: number,
  index: number,
  i: number,
  body: Uint8Array,
  constantOf: (v: number) => number | undefined,
  def: (Inst | undefined)[],
  nonNegative: (v: number, at: number) => boolean,
): boolean {
  let entered = false;
  for (let b = 0; b < fn.blocks.length; b++) {
    for (const edge of fn.blocks[b]!.term.targets) {
      if (edge.block !== header) continue;
      const arg = edge.args[index]!;
      if (body[b] === 0) {
        if (!nonNegative(arg, b)) return false;
        entered = true;
      } else {
        const step = def[arg];
        if (step?.op !== Op.Add) return false;
        const [x, y] = step.args as [number, number];
        if (!((x === i && constantOf(y) === 1) || (y === i && constantOf(x) === 1))) return false;
      }
    }
  }
  return entered;
}
