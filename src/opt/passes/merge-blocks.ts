/**
 * merge-blocks: CFG clean-up. Removes the blocks the entry no longer reaches (after
 * simplify-branches, say), and merges a block into its predecessor when that predecessor
 * ends in a jump to it and is its only predecessor (the chains inlining and branch
 * simplification leave), passing the jump's arguments for the block's parameters. Block
 * numbers change; layout order is kept.
 */

import { reachableFrom } from "../../ir/dominance.js";
import type { Block, IrFunction, Module } from "../../ir/ir.js";
import { TermOp } from "../../ir/ops.js";
import { replaceUses } from "../../ir/uses.js";
import type { Pass } from "../pass.js";

export const mergeBlocks: Pass = {
  name: "merge-blocks",
  required: false,
  doc: "remove unreachable blocks and merge jump chains",
  run(fn: IrFunction, _module: Module): boolean {
    const removed = removeUnreachableBlocks(fn);
    const merged = mergeStraightLines(fn);
    return removed || merged;
  },
};

/** Removes blocks the entry cannot reach, renumbering the rest in order; says whether any went. */
export function removeUnreachableBlocks(fn: IrFunction): boolean {
  const reached = reachableFrom(fn, 0);
  if (reached.every((r) => r === 1)) return false;
  const renumber = new Int32Array(fn.blocks.length).fill(-1);
  const blocks: Block[] = [];
  fn.blocks.forEach((block, b) => {
    if (reached[b] === 1) {
      renumber[b] = blocks.length;
      blocks.push(block);
    }
  });
  // new target objects: a terminator may share one between several of its targets
  for (const block of blocks) {
    block.term.targets = block.term.targets.map((t) => ({ block: renumber[t.block]!, args: t.args }));
  }
  fn.blocks = blocks;
  return true;
}

/** Merges each block whose only predecessor jumps to it into that predecessor; says whether any was. */
export function mergeStraightLines(fn: IrFunction): boolean {
  // counts stay right while merging: the merged block's only edge in disappears with it,
  // and its edges out move to the block that absorbs it
  const predecessors = new Int32Array(fn.blocks.length);
  for (const block of fn.blocks) for (const target of block.term.targets) predecessors[target.block]!++;
  const passed = new Map<number, number>();
  let merged = false;
  fn.blocks.forEach((block) => {
    for (;;) {
      if (block.term.op !== TermOp.Jump) return;
      const jump = block.term.targets[0]!;
      const next = fn.blocks[jump.block]!;
      if (jump.block === 0 || next === block || predecessors[jump.block] !== 1) return;
      next.params.forEach((param, k) => {
        passed.set(param, jump.args[k]!);
      });
      block.insts.push(...next.insts);
      block.term = next.term;
      next.insts = [];
      next.params = [];
      next.paramTypes = [];
      next.term = { op: TermOp.Unreachable, args: [], targets: [], imm: 0, loc: -1 };
      merged = true;
    }
  });
  if (!merged) return false;
  replaceUses(fn, passed);
  removeUnreachableBlocks(fn);
  return true;
}
