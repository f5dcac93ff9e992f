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
  const preds: number[][] = fn.blocks.map(() => []);
  fn.blocks.forEach((block, id) => {
    for (const target of block.term.targets) {
      const list = preds[target.block];
      if (list !== undefined && list[list.length - 1] !== id && !list.includes(id)) list.push(id);
    }
  });
  return preds;
}

/** Iterative DFS postorder from the entry; successors visited in target order. */
function reversePostorder(fn: IrFunction): Int32Array {
  const count = fn.blocks.length;
  const state = new Uint8Array(count); // 0 new, 1 on stack, 2 done
  const order: number[] = [];
  if (count === 0) return new Int32Array(0);
  const stack: number[] = [0];
  const nextEdge: number[] = new Array(count).fill(0);
  state[0] = 1;
  while (stack.length > 0) {
    const block = stack[stack.length - 1]!;
    const targets = fn.blocks[block]!.term.targets;
    const edge = nextEdge[block]!;
    if (edge < targets.length) {
      nextEdge[block] = edge + 1;
      const succ = targets[edge]!.block;
      if (succ < count && state[succ] === 0) {
        state[succ] = 1;
        stack.push(succ);
      }
    } else {
      stack.pop();
      state[block] = 2;
      order.push(block);
    }
  }
  order.reverse();
  return Int32Array.from(order);
}

export function computeDominators(fn: IrFunction): DomTree {
  const count = fn.blocks.length;
  const rpo = reversePostorder(fn);
  const rpoIndex = new Int32Array(count).fill(-1);
  rpo.forEach((block, index) => {
    rpoIndex[block] = index;
  });
  const preds = computePredecessors(fn);
  const idom = new Int32Array(count).fill(-1);
  if (count === 0) return { rpo, rpoIndex, idom, preds };
  idom[0] = 0;
  const intersect = (a: number, b: number): number => {
    while (a !== b) {
      while (rpoIndex[a]! > rpoIndex[b]!) a = idom[a]!;
      while (rpoIndex[b]! > rpoIndex[a]!) b = idom[b]!;
    }
    return a;
  };
  let changed = true;
  while (changed) {
    changed = false;
    for (let i = 1; i < rpo.length; i++) {
      const block = rpo[i]!;
      let newIdom = -1;
      for (const pred of preds[block]!) {
        if (idom[pred] === -1) continue;
        newIdom = newIdom === -1 ? pred : intersect(pred, newIdom);
      }
      if (newIdom !== idom[block]) {
        idom[block] = newIdom;
        changed = true;
      }
    }
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
  for (const block of tree.rpo) {
    for (const target of fn.blocks[block]!.term.targets) {
      const t = target.block;
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
    for (const target of fn.blocks[b]!.term.targets) {
      if (reached[target.block] === 0) {
        reached[target.block] = 1;
        work.push(target.block);
      }
    }
  }
  return reached;
}
