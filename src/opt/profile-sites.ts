/**
 * How Tier 1's profile numbers what it records, in the function as the program has it
 * (before any pass), so that Tier 1, Tier 2 and a deopt agree on the numbers:
 * - branch edges: the k-th `br_if` in block order has edge 2k (its then-target) and
 *   2k + 1 (its else-target);
 * - indirect call sites: the k-th `call_indirect` in block order, and in instruction order
 *   within a block, is site k.
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

/** A call site's second target record once the site has called through more than two slots. */
export const MANY_TARGETS = -2;
