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
 * Sets `profileCount` on `fn`'s calls from a call-count profile (direct site k: `counts[k]`,
 * indirect site k: `indirectCounts[k]`), before any pass moves them; `fn` must be the
 * function as the program has it (a copy the job owns). With `randomSeed` (stress mode) a
 * site counts as never or as often run, at random, so that both ways are exercised.
 */
export function markCallCounts(
  fn: IrFunction,
  counts: Uint32Array | undefined,
  randomSeed?: number,
  indirectCounts?: Uint32Array,
): void {
  let direct = 0;
  let indirect = 0;
  const countOf = (profile: Uint32Array | undefined, site: number, salt: number): number | undefined =>
    randomSeed === undefined ? profile?.[site] : (mix(randomSeed ^ salt, site) & 1) * STRESS_HOT_COUNT;
  for (const block of fn.blocks) {
    for (const inst of block.insts) {
      let count: number | undefined;
      if (inst.op === Op.Call) count = countOf(counts, direct++, 0);
      else if (inst.op === Op.CallIndirect) count = countOf(indirectCounts, indirect++, 0x2545f491);
      else continue;
      if (count !== undefined) inst.profileCount = count;
    }
  }
}

/**
 * Sets `profileCounts` on `fn`'s `br_if`s from an edge-count profile (the k-th `br_if`:
 * edges 2k and 2k + 1), before any pass moves them; as `markCallCounts`, on a copy the job
 * owns, and at random (one way far more often, or both alike) with `randomSeed`.
 */
export function markBranchCounts(fn: IrFunction, counts: Uint32Array | undefined, randomSeed?: number): void {
  conditionalBranches(fn).forEach((b, k) => {
    const term = fn.blocks[b]!.term;
    if (randomSeed !== undefined) {
      const pick = mix(randomSeed ^ 0x68e31da4, k) % 3;
      term.profileCounts =
        pick === 0 ? [STRESS_HOT_COUNT, 1] : pick === 1 ? [1, STRESS_HOT_COUNT] : [1000, 1000];
    } else if (counts !== undefined && 2 * k + 1 < counts.length) {
      term.profileCounts = [counts[2 * k]!, counts[2 * k + 1]!];
    }
  });
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
