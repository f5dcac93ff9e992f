/**
 * How branch edges are numbered for profiling and speculation: the k-th `br_if` of a
 * function, in block order, has edge 2k (its then-target) and 2k + 1 (its else-target).
 * Tier 1 counts edges of the function as the program has it (before any pass), Tier 2
 * speculates on the same numbers, and a deopt reports one, so the three agree.
 */

import type { IrFunction } from "../ir/ir.js";
import { TermOp } from "../ir/ops.js";

/** Per `br_if` in block order: the block it ends. */
export function conditionalBranches(fn: IrFunction): number[] {
  const blocks: number[] = [];
  fn.blocks.forEach((block, b) => {
    if (block.term.op === TermOp.BrIf) blocks.push(b);
  });
  return blocks;
}
