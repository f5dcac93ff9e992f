import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  computeDominators,
  computeDominatorTables,
  DominatorScratch,
  dominates,
  irreducibleEdges,
} from "../../src/ir/dominance.js";
import type { Block, IrFunction } from "../../src/ir/ir.js";
import { NO_LOC } from "../../src/ir/ir.js";
import { TermOp } from "../../src/ir/ops.js";

/** A function whose only content is its CFG: block b branches to `successors[b]`. */
function cfg(successors: number[][]): IrFunction {
  const blocks: Block[] = successors.map((targets) => ({
    params: [],
    paramTypes: [],
    insts: [],
    term: {
      op: targets.length === 0 ? TermOp.Return : targets.length === 1 ? TermOp.Jump : TermOp.BrTable,
      args: [],
      targets: targets.map((block) => ({ block, args: [] })),
      imm: 0,
      loc: NO_LOC,
    },
  }));
  return { name: "f", params: [], results: [], exported: false, blocks, loc: NO_LOC };
}

/**
 * Dominator sets by the textbook data-flow equations (dom(entry) = {entry}; dom(b) = {b} ∪
 * the intersection of its reachable predecessors' sets), iterated to a fixed point: slow
 * and obviously right. null for an unreachable block.
 */
function naiveDominators(successors: number[][]): (Set<number> | null)[] {
  const count = successors.length;
  const reachable = new Set<number>([0]);
  const work = [0];
  while (work.length > 0) {
    for (const next of successors[work.pop()!]!) {
      if (!reachable.has(next)) {
        reachable.add(next);
        work.push(next);
      }
    }
  }
  const all = new Set(reachable);
  const dom: (Set<number> | null)[] = successors.map((_, b) =>
    !reachable.has(b) ? null : b === 0 ? new Set([0]) : new Set(all),
  );
  let changed = true;
  while (changed) {
    changed = false;
    for (let b = 1; b < count; b++) {
      if (dom[b] === null) continue;
      const predSets: Set<number>[] = [];
      for (let p = 0; p < count; p++) {
        const set = dom[p];
        if (set !== null && set !== undefined && successors[p]!.includes(b)) predSets.push(set);
      }
      const next = new Set([...all].filter((x) => predSets.every((set) => set.has(x))));
      next.add(b);
      if (next.size !== dom[b]!.size) {
        dom[b] = next;
        changed = true;
      }
    }
  }
  return dom;
}

/** Random CFGs of 1–`maxBlocks` blocks; no edge into the entry (the IR forbids it). */
const randomCfgUpTo = (maxBlocks: number): fc.Arbitrary<number[][]> =>
  fc.integer({ min: 1, max: maxBlocks }).chain((count) =>
    fc
      .array(fc.array(fc.integer({ min: 1, max: Math.max(1, count - 1) }), { maxLength: 3 }), {
        minLength: count,
        maxLength: count,
      })
      .map((lists) => lists.map((targets) => (count === 1 ? [] : targets))),
  );
const randomCfg = randomCfgUpTo(9);

test("dominator tree matches the data-flow definition on random CFGs (acyclic, loops, irreducible)", () => {
  fc.assert(
    fc.property(randomCfg, (successors) => {
      const tree = computeDominators(cfg(successors));
      const expected = naiveDominators(successors);
      for (let b = 0; b < successors.length; b++) {
        const dom = expected[b]!;
        if (dom === null) {
          assert.equal(tree.idom[b], -1, `block ${b} is unreachable`);
          continue;
        }
        for (let a = 0; a < successors.length; a++) {
          assert.equal(
            dominates(tree, a, b),
            dom.has(a),
            `does ${a} dominate ${b} in ${JSON.stringify(successors)}`,
          );
        }
      }
      // reverse postorder: every reachable block once, the entry first
      assert.equal(tree.rpo[0], 0);
      assert.equal(tree.rpo.length, expected.filter((d) => d !== null).length);
    }),
    { numRuns: 2000, seed: 20261127 },
  );
});

test("a loop entered twice is irreducible; a natural loop is not", () => {
  // 0 → 1, 0 → 2, 1 ⇄ 2: the cycle has two entries
  assert.deepEqual(
    irreducibleEdges(cfg([[1, 2], [2], [1]]), computeDominators(cfg([[1, 2], [2], [1]]))).length,
    1,
  );
  // 0 → 1 → 2 → 1, 2 → 3: one entry
  const natural = cfg([[1], [2], [1, 3], []]);
  assert.deepEqual(irreducibleEdges(natural, computeDominators(natural)), []);
});

test("tables reused from CFG to CFG, larger and smaller, give each CFG's own tree", () => {
  const scratch = new DominatorScratch();
  fc.assert(
    // beyond the tables' first size (16 blocks), so that they grow along the way
    fc.property(randomCfgUpTo(60), (successors) => {
      const fn = cfg(successors);
      const own = computeDominators(fn);
      const reused = computeDominatorTables(fn, scratch);
      assert.equal(reused.rpoCount, own.rpoCount);
      assert.deepEqual([...reused.rpo.subarray(0, reused.rpoCount)], [...own.rpo]);
      assert.deepEqual([...reused.idom.subarray(0, successors.length)], [...own.idom]);
      assert.deepEqual([...reused.rpoIndex.subarray(0, successors.length)], [...own.rpoIndex]);
      assert.deepEqual(irreducibleEdges(fn, reused), irreducibleEdges(fn, own));
    }),
    { numRuns: 1000, seed: 20261128 },
  );
});
