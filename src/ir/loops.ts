/**
 * Natural loops of a reducible CFG: a back edge is an edge whose target dominates its
 * source; the loop of a header is the header plus every block that reaches one of its
 * back edges' sources without passing through the header. Loops that share a header are
 * one loop. Used by OSR (which loops can be entered), LICM (what is invariant where) and
 * anything else that asks "is this block in that loop".
 */

import type { DomTree } from "./dominance.js";
import { computeDominators, dominates } from "./dominance.js";
import type { IrFunction } from "./ir.js";

export interface Loop {
  header: number;
  /** Every block of the loop, the header included (Uint8Array indexed by block id: 1 = in). */
  body: Uint8Array;
  /** Sources of the back edges (the latches). */
  latches: number[];
  /** The innermost loop enclosing this one, or -1 (an index into `LoopNest.loops`). */
  parent: number;
  /** 1 for an outermost loop. */
  depth: number;
}

export interface LoopNest {
  /** Outer loops before the loops they enclose. */
  loops: Loop[];
  /** The innermost loop of each block (an index into `loops`), or -1. */
  innermost: Int32Array;
}

/** Loop headers in ascending block order: the targets of back edges (source dominated by target). */
export function loopHeaders(fn: IrFunction, tree: DomTree): number[] {
  const headers = new Set<number>();
  for (const b of tree.rpo) {
    for (const t of fn.blocks[b]!.term.targets) if (dominates(tree, t.block, b)) headers.add(t.block);
  }
  return [...headers].sort((a, b) => a - b);
}

export function computeLoops(fn: IrFunction, tree: DomTree): LoopNest {
  const count = fn.blocks.length;
  const found: Loop[] = [];
  for (const header of loopHeaders(fn, tree)) {
    const body = new Uint8Array(count);
    body[header] = 1;
    const latches: number[] = [];
    const work: number[] = [];
    for (const pred of tree.preds[header]!) {
      if (tree.idom[pred] === -1 || !dominates(tree, header, pred)) continue;
      latches.push(pred);
      if (body[pred] === 0) {
        body[pred] = 1;
        work.push(pred);
      }
    }
    while (work.length > 0) {
      const block = work.pop()!;
      for (const pred of tree.preds[block]!) {
        if (tree.idom[pred] === -1 || body[pred] === 1) continue;
        body[pred] = 1;
        work.push(pred);
      }
    }
    found.push({ header, body, latches, parent: -1, depth: 1 });
  }
  // a loop encloses another when it contains the other's header; outer loops are bigger
  const size = (loop: Loop): number => loop.body.reduce((n, x) => n + x, 0);
  const sizes = found.map(size);
  const order = found.map((_, i) => i).sort((a, b) => sizes[b]! - sizes[a]! || a - b);
  const loops = order.map((i) => found[i]!);
  const innermost = new Int32Array(count).fill(-1);
  loops.forEach((loop, index) => {
    for (let outer = index - 1; outer >= 0; outer--) {
      if (loops[outer]!.body[loop.header] === 1) {
        loop.parent = outer;
        loop.depth = loops[outer]!.depth + 1;
        break;
      }
    }
    // visited outermost first, so the last loop to claim a block is its innermost
    for (let b = 0; b < count; b++) if (loop.body[b] === 1) innermost[b] = index;
  });
  return { loops, innermost };
}

/** The loops of `fn` that hold no other loop. */
export function innermostLoops(fn: IrFunction): Loop[] {
  const { loops } = computeLoops(fn, computeDominators(fn));
  return loops.filter((loop) => !loops.some((other) => other !== loop && loop.body[other.header] === 1));
}

/**
 * The one edge entering `loop` from outside it — its block, and the index of the target in
 * that block's terminator — or null when there are several (or none).
 */
export function loopEntryEdge(fn: IrFunction, loop: Loop): { block: number; edge: number } | null {
  let entry: { block: number; edge: number } | null = null;
  for (let b = 0; b < fn.blocks.length; b++) {
    if (loop.body[b] === 1) continue;
    const targets = fn.blocks[b]!.term.targets;
    for (let t = 0; t < targets.length; t++) {
      if (targets[t]!.block !== loop.header) continue;
      if (entry !== null) return null;
      entry = { block: b, edge: t };
    }
  }
  return entry;
}
