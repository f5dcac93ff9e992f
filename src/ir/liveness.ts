/**
 * Live values at block entries: backward dataflow over bit sets, one word per 32 values.
 * A block's parameters are defined at its start; a branch's arguments are uses in the
 * block that branches. Resume points (OSR entries, deopt exits) take a block's live-ins as
 * parameters, so they are computed once per function and read per block.
 */

import type { DominatorTables } from "./dominance.js";
import { computeDominators } from "./dominance.js";
import type { IrFunction, ValueId } from "./ir.js";
import { valueCount } from "./ir.js";

export interface Liveness {
  /** Words per block set. */
  words: number;
  /** Live-in sets, `words` words per block, block-major. */
  liveIn: Uint32Array;
}

export function computeLiveness(fn: IrFunction, tree: DominatorTables = computeDominators(fn)): Liveness {
  const words = (valueCount(fn) + 31) >>> 5;
  const count = fn.blocks.length;
  const uses = new Uint32Array(words * count); // upward-exposed uses
  const defs = new Uint32Array(words * count);
  fn.blocks.forEach((block, b) => {
    const base = b * words;
    const def = (v: ValueId): void => {
      defs[base + (v >>> 5)]! |= 1 << (v & 31);
    };
    const use = (v: ValueId): void => {
      const bit = 1 << (v & 31);
      if ((defs[base + (v >>> 5)]! & bit) === 0) uses[base + (v >>> 5)]! |= bit;
    };
    for (const p of block.params) def(p);
    for (const inst of block.insts) {
      for (const v of inst.args) use(v);
      if (inst.result >= 0) def(inst.result);
    }
    for (const v of block.term.args) use(v);
    for (const target of block.term.targets) for (const v of target.args) use(v);
  });
  const liveIn = new Uint32Array(words * count);
  const liveOut = new Uint32Array(words);
  let changed = true;
  while (changed) {
    changed = false;
    // postorder: successors first, so most sets settle in one sweep
    for (let i = tree.rpoCount - 1; i >= 0; i--) {
      const b = tree.rpo[i]!;
      liveOut.fill(0);
      for (const target of fn.blocks[b]!.term.targets) {
        const t = target.block * words;
        for (let w = 0; w < words; w++) liveOut[w]! |= liveIn[t + w]!;
      }
      const base = b * words;
      for (let w = 0; w < words; w++) {
        const next = (uses[base + w]! | (liveOut[w]! & ~defs[base + w]!)) >>> 0;
        if (next !== liveIn[base + w]) {
          liveIn[base + w] = next;
          changed = true;
        }
      }
    }
  }
  return { words, liveIn };
}

/** The values live at the entry of `block`, ascending (its own parameters are not among them). */
export function liveInValues(liveness: Liveness, block: number): ValueId[] {
  const out: ValueId[] = [];
  const base = block * liveness.words;
  for (let w = 0; w < liveness.words; w++) {
    let bits = liveness.liveIn[base + w]!;
    while (bits !== 0) {
      const low = bits & -bits;
      out.push(w * 32 + 31 - Math.clz32(low));
      bits ^= low;
    }
  }
  return out;
}
