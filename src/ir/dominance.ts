/**
 * Reverse postorder, dominator tree and reducibility of a function's CFG.
 *
 * The verifier needs dominance to check SSA, so it lives in `ir/`; the optimizer's
 * analyses build on it. Immediate dominators use the Cooper–Harvey–Kennedy iterative
 * algorithm ("A Simple, Fast Dominance Algorithm"): on the small CFGs a JIT sees it beats
 * Lengauer–Tarjan in practice and is a few lines. Side tables are Int32Arrays indexed
 * by block id.
 */

import type { IrFunction } from "./ir.js";

export interface DomTree {
  /** Reachable blocks in reverse postorder (entry first). */
  rpo: Int32Array;
  /** Position of each block in `rpo`, or -1 if unreachable. */
  rpoIndex: Int32Array;
  /** Immediate dominator of each block; the entry's is itself; -1 if unreachable. */
  idom: Int32Array;
  /** Predecessors of each block (each edge once per target occurrence, deduplicated). */
  preds: number[][];
}

export function computePredecessors(fn: IrFunction): number[][] {
  const blocks = fn.blocks;
  const preds: number[][] = new Array(blocks.length);
  for (let id = 0; id < blocks.length; id++) preds[id] = [];
  for (let id = 0; id < blocks.length; id++) {
    const targets = blocks[id]!.term.targets;
    for (let k = 0; k < targets.length; k++) {
      const list = preds[targets[k]!.block];
      if (list !== undefined && list[list.length - 1] !== id && !list.includes(id)) list.push(id);
    }
  }
  return preds;
}

/** Iterative DFS postorder from the entry; successors visited in target order. */
function reversePostorder(fn: IrFunction): Int32Array {
  const blocks = fn.blocks;
  const count = blocks.length;
  if (count === 0) return new Int32Array(0);
  // per block the next edge to visit (-1: not yet reached); the order is written from the
  // back (reverse postorder without a reverse). Tables of `count`, not one of 3 * count:
  // V8 keeps a typed array of up to 64 bytes in its heap, a larger one outside at a cost.
  const nextEdge = new Int32Array(count).fill(-1);
  const order = new Int32Array(count);
  const stack: number[] = [0];
  let first = count;
  nextEdge[0] = 0;
  while (stack.length > 0) {
    const block = stack[stack.length - 1]!;
    const targets = blocks[block]!.term.targets;
    const edge = nextEdge[block]!;
    if (edge < targets.length) {
      nextEdge[block] = edge + 1;
      const succ = targets[edge]!.block;
      if (succ < count && nextEdge[succ] === -1) {
        nextEdge[succ] = 0;
        stack.push(succ);
      }
    } else {
      stack.pop();
      order[--first] = block;
    }
  }
  return first === 0 ? order : order.slice(first);
}

export function computeDominators(fn: IrFunction): DomTree {
  const count = fn.blocks.length;
  const rpo = reversePostorder(fn);
  const rpoIndex = new Int32Array(count).fill(-1);
  for (let index = 0; index < rpo.length; index++) rpoIndex[rpo[index]!] = index;
  const preds = computePredecessors(fn);
  const idom = new Int32Array(count).fill(-1);
  if (count === 0) return { rpo, rpoIndex, idom, preds };
  idom[0] = 0;
  let changed = true;
  while (changed) {
    changed = false;
    // without a back edge every block's predecessors come before it in reverse postorder,
    // so one pass finds the final dominators and a second would change nothing
    let backEdge = false;
    for (let i = 1; i < rpo.length; i++) {
      const block = rpo[i]!;
      let newIdom = -1;
      const blockPreds = preds[block]!;
      for (let k = 0; k < blockPreds.length; k++) {
        let pred = blockPreds[k]!;
        if (rpoIndex[pred]! >= i) backEdge = true;
        if (idom[pred] === -1) continue;
        if (newIdom !== -1) {
          // intersect: walk both up the tree until they meet
          let other = newIdom;
          while (pred !== other) {
            while (rpoIndex[pred]! > rpoIndex[other]!) pred = idom[pred]!;
            while (rpoIndex[other]! > rpoIndex[pred]!) other = idom[other]!;
          }
        }
        newIdom = pred;
      }
      if (newIdom !== idom[block]) {
        idom[block] = newIdom;
        changed = true;
      }
    }
    if (!backEdge) break;
  }
  return { rpo, rpoIndex, idom, preds };
}

/** Whether block `a` dominates block `b` (both reachable). */
export function dominates(tree: DomTree, a: number, b: number): boolean {
  if (tree.idom[a] === -1 || tree.idom[b] === -1) return false;
  for (;;) {
    if (a === b) return true;
    const up = tree.idom[b]!;
    if (up === b) return false;
    b = up;
  }
}

/**
 * Edges (source → target) that go backwards in reverse postorder but whose target does
 * not dominate the source: each one is a second entry into a loop, so the CFG is
 * irreducible. Empty for a reducible CFG.
 */
export function irreducibleEdges(fn: IrFunction, tree: DomTree): [number, number][] {
  const bad: [number, number][] = [];
  const rpo = tree.rpo;
  for (let i = 0; i < rpo.length; i++) {
    const block = rpo[i]!;
    const targets = fn.blocks[block]!.term.targets;
    for (let k = 0; k < targets.length; k++) {
      const t = targets[k]!.block;
      if (tree.rpoIndex[t]! <= tree.rpoIndex[block]! && !dominates(tree, t, block)) bad.push([block, t]);
    }
  }
  return bad;
}

/** 1 for each block reachable from `start` (start included). */
export function reachableFrom(fn: IrFunction, start: number): Uint8Array {
  const reached = new Uint8Array(fn.blocks.length);
  const work = [start];
  reached[start] = 1;
  while (work.length > 0) {
    const b = work.pop()!;
    const targets = fn.blocks[b]!.term.targets;
    for (let k = 0; k < targets.length; k++) {
      const t = targets[k]!.block;
      if (reached[t] === 0) {
        reached[t] = 1;
        work.push(t);
      }
    }
  }
  return reached;
}
