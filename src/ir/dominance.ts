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

/** A dominator tree without predecessor lists (what the verifier and Tier 0 need). */
export interface DominatorTables {
  /** Reachable blocks in reverse postorder (entry first): the first `rpoCount` entries. */
  rpo: Int32Array;
  rpoCount: number;
  /** Position of each block in `rpo`, or -1 if unreachable. */
  rpoIndex: Int32Array;
  /** Immediate dominator of each block; the entry's is itself; -1 if unreachable. */
  idom: Int32Array;
}

export interface DomTree extends DominatorTables {
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

/**
 * Dominator tables reused from one function to the next (the verifier and Tier 0 walk a
 * module's functions in a row): once they are large enough, a function's tree allocates
 * nothing — typed arrays are costly to make in code V8 has not optimized yet, and these
 * would be a tenth of what Tier 0 allocates. Each computation overwrites the last.
 */
export class DominatorScratch implements DominatorTables {
  rpo = new Int32Array(0);
  rpoCount = 0;
  rpoIndex = new Int32Array(0);
  idom = new Int32Array(0);
  /** Per block the next edge the depth-first search visits (-1: not reached yet). */
  nextEdge = new Int32Array(0);
  /** The search's stack of blocks. */
  stack = new Int32Array(0);
  /** Predecessors, compressed: those of block b are predList[predStart[b] .. predStart[b + 1]). */
  predStart = new Int32Array(0);
  predList = new Int32Array(0);

  /** Room for `blocks` blocks and `edges` edges. */
  reserve(blocks: number, edges: number): void {
    if (this.rpo.length < blocks) {
      const size = Math.max(blocks, 2 * this.rpo.length, 16);
      this.rpo = new Int32Array(size);
      this.rpoIndex = new Int32Array(size);
      this.idom = new Int32Array(size);
      this.nextEdge = new Int32Array(size);
      this.stack = new Int32Array(size);
      this.predStart = new Int32Array(size + 1);
    }
    if (this.predList.length < edges)
      this.predList = new Int32Array(Math.max(edges, 2 * this.predList.length, 32));
  }
}

/** The dominator tables of `fn`, in `scratch` (valid until its next use). */
export function computeDominatorTables(fn: IrFunction, scratch: DominatorScratch): DominatorTables {
  const blocks = fn.blocks;
  const count = blocks.length;
  let edges = 0;
  for (let b = 0; b < count; b++) edges += blocks[b]!.term.targets.length;
  scratch.reserve(count, edges);
  scratch.rpoCount = reversePostorder(fn, scratch);
  const { rpo, rpoCount, rpoIndex, idom } = scratch;
  rpoIndex.fill(-1, 0, count);
  for (let index = 0; index < rpoCount; index++) rpoIndex[rpo[index]!] = index;
  idom.fill(-1, 0, count);
  if (count > 0) findImmediateDominators(fn, scratch);
  return scratch;
}

/** The dominator tree of `fn`, in tables of its own. */
export function computeDominators(fn: IrFunction): DomTree {
  const scratch = new DominatorScratch();
  computeDominatorTables(fn, scratch);
  const count = fn.blocks.length;
  const rpo = scratch.rpo.slice(0, scratch.rpoCount);
  return {
    rpo,
    rpoCount: rpo.length,
    rpoIndex: scratch.rpoIndex.slice(0, count),
    idom: scratch.idom.slice(0, count),
    preds: computePredecessors(fn),
  };
}

/**
 * Iterative DFS postorder from the entry, successors visited in target order, written to
 * `scratch.rpo` from the back (reverse postorder without a reverse) and then moved to its
 * front when blocks are unreachable; returns how many blocks were reached.
 */
function reversePostorder(fn: IrFunction, scratch: DominatorScratch): number {
  const blocks = fn.blocks;
  const count = blocks.length;
  if (count === 0) return 0;
  const { nextEdge, stack, rpo } = scratch;
  nextEdge.fill(-1, 0, count);
  let depth = 1;
  stack[0] = 0;
  let first = count;
  nextEdge[0] = 0;
  while (depth > 0) {
    const block = stack[depth - 1]!;
    const targets = blocks[block]!.term.targets;
    const edge = nextEdge[block]!;
    if (edge < targets.length) {
      nextEdge[block] = edge + 1;
      const succ = targets[edge]!.block;
      if (succ >= 0 && succ < count && nextEdge[succ] === -1) {
        nextEdge[succ] = 0;
        stack[depth++] = succ;
      }
    } else {
      depth--;
      rpo[--first] = block;
    }
  }
  if (first > 0) rpo.copyWithin(0, first, count);
  return count - first;
}

/** Cooper–Harvey–Kennedy over `scratch`'s reverse postorder; fills `scratch.idom`. */
function findImmediateDominators(fn: IrFunction, scratch: DominatorScratch): void {
  const blocks = fn.blocks;
  const count = blocks.length;
  const { rpo, rpoCount, rpoIndex, idom, predStart, predList } = scratch;
  // predecessors by counting sort: count each target's edges, then place them
  predStart.fill(0, 0, count + 1);
  for (let b = 0; b < count; b++) {
    const targets = blocks[b]!.term.targets;
    for (let k = 0; k < targets.length; k++) {
      const t = targets[k]!.block;
      if (t >= 0 && t < count) predStart[t + 1]!++;
    }
  }
  for (let b = 0; b < count; b++) predStart[b + 1]! += predStart[b]!;
  // placing advances each block's start to its end; the starts are restored below
  for (let b = 0; b < count; b++) {
    const targets = blocks[b]!.term.targets;
    for (let k = 0; k < targets.length; k++) {
      const t = targets[k]!.block;
      if (t >= 0 && t < count) predList[predStart[t]!++] = b;
    }
  }
  for (let b = count; b > 0; b--) predStart[b] = predStart[b - 1]!;
  predStart[0] = 0;
  idom[0] = 0;
  let changed = true;
  while (changed) {
    changed = false;
    // without a back edge every block's predecessors come before it in reverse postorder,
    // so one pass finds the final dominators and a second would change nothing
    let backEdge = false;
    for (let i = 1; i < rpoCount; i++) {
      const block = rpo[i]!;
      let newIdom = -1;
      const end = predStart[block + 1]!;
      for (let k = predStart[block]!; k < end; k++) {
        let pred = predList[k]!;
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
}

/** Whether block `a` dominates block `b` (both reachable). */
export function dominates(tree: DominatorTables, a: number, b: number): boolean {
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
export function irreducibleEdges(fn: IrFunction, tree: DominatorTables): [number, number][] {
  const bad: [number, number][] = [];
  const rpo = tree.rpo;
  const blocks = fn.blocks;
  for (let i = 0; i < tree.rpoCount; i++) {
    const block = rpo[i]!;
    const targets = blocks[block]!.term.targets;
    for (let k = 0; k < targets.length; k++) {
      const t = targets[k]!.block;
      if (tree.rpoIndex[t]! <= tree.rpoIndex[block]! && !dominates(tree, t, block)) bad.push([block, t]);
    }
  }
  return bad;
}

/** 1 for each block reachable from `start` (start included). */
export function reachableFrom(fn: IrFunction, start: number): Uint8Array {
  const blocks = fn.blocks;
  const reached = new Uint8Array(blocks.length);
  const work = [start];
  reached[start] = 1;
  while (work.length > 0) {
    const b = work.pop()!;
    const targets = blocks[b]!.term.targets;
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
