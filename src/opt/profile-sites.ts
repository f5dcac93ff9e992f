/**
 * How Tier 1's profile numbers what it records, in the function as the program has it
 * (before any pass), so that Tier 1, Tier 2 and a deopt agree on the numbers:
 * - branch edges: the k-th `br_if` in block order has edge 2k (its then-target) and
 *   2k + 1 (its else-target);
 * - indirect call sites: the k-th `call_indirect` in block order, and in instruction order
 *   within a block, is site k;
 * - direct call sites: the k-th `call` in that order is direct call site k.
 */

import type { IrFunction } from "../ir/ir.js";
import { Op, TermOp } from "../ir/ops.js";

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

/**
 * Sets `profileCount` on `fn`'s direct calls from a call-count profile (site k: `counts[k]`),
 * before any pass moves them; `fn` must be the function as the program has it (a copy the
 * job owns). With `randomSeed` (stress mode) a site counts as never or as often run, at
 * random, so that both ways of inlining it are exercised.
 */
export function markCallCounts(fn: IrFunction, counts: Uint32Array | undefined, randomSeed?: number): void {
  let site = 0;
  for (const block of fn.blocks) {
    for (const inst of block.insts) {
      if (inst.op !== Op.Call) continue;
      const count =
        randomSeed === undefined ? counts?.[site] : (mix(randomSeed, site) & 1) * STRESS_HOT_COUNT;
      if (count !== undefined) inst.profileCount = count;
      site++;
    }
  }
}

/** A 32-bit hash of (seed, k): stress mode's choices are a pure function of the job. */
export function mix(seed: number, k: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(k + 1, 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return (h ^ (h >>> 13)) >>> 0;
}

/** What stress mode takes for a call site that ran often. */
const STRESS_HOT_COUNT = 1 << 20;
