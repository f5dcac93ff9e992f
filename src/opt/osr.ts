/**
 * OSR entry functions: *entry at a resume point* (architecture.md) for loop headers. For a
 * function and one of its loop headers, `osrEntryFunction` builds a function that starts
 * executing at that header: its parameters are the header's block parameters followed by
 * every value the code from the header on uses but does not define (the live-ins); its new
 * entry block jumps to the header. Blocks the header cannot reach are dropped.
 *
 * Running code hands over at a back-edge to the header (codegen.ts): it passes the header's
 * arguments and the live-ins, which baseline code keeps in locals, and tail-calls the entry
 * function, whose result is the frame's result.
 *
 * The construction is valid when every value defined from the header on still dominates its
 * uses in the new function — true for a loop that no other loop encloses (a block before the
 * header reachable again from it would need an enclosing cycle). `osrLiveIns` returns null for
 * other headers; the result is verified anyway.
 */

import { computeDominators, dominates } from "../ir/dominance.js";
import type { Block, IrFunction, Module, ValueId } from "../ir/ir.js";
import { valueCount, valueTypes } from "../ir/ir.js";
import { TermOp } from "../ir/ops.js";
import type { Type } from "../ir/types.js";
import { verifyFunction } from "../ir/verifier.js";
import { reachableFrom } from "./passes/merge-blocks.js";
import { replaceUses } from "./uses.js";

/**
 * The values the code from `header` on uses but does not define, ascending; null when the
 * header cannot be an OSR entry (the entry block, or a loop inside another loop: the entry
 * block or a block before the header is reachable from it).
 */
export function osrLiveIns(fn: IrFunction, header: number, tree = computeDominators(fn)): ValueId[] | null {
  if (header <= 0 || header >= fn.blocks.length) return null;
  const inside = reachableFrom(fn, header);
  if (inside[0] === 1) return null;
  // an edge into the header from a block reached from it but not dominated by it closes an
  // enclosing cycle: the header's loop is inside another loop
  for (let b = 0; b < fn.blocks.length; b++) {
    if (inside[b] === 0 || dominates(tree, header, b)) continue;
    if (fn.blocks[b]!.term.targets.some((t) => t.block === header)) return null;
  }
  const definedInside = new Uint8Array(valueCount(fn));
  fn.blocks.forEach((block, b) => {
    if (inside[b] === 0) return;
    for (const p of block.params) definedInside[p] = 1;
    for (const inst of block.insts) if (inst.result >= 0) definedInside[inst.result] = 1;
  });
  const live = new Set<ValueId>();
  const use = (v: ValueId): void => {
    if (definedInside[v] === 0) live.add(v);
  };
  fn.blocks.forEach((block, b) => {
    if (inside[b] === 0) return;
    for (const inst of block.insts) for (const v of inst.args) use(v);
    for (const v of block.term.args) use(v);
    for (const t of block.term.targets) for (const v of t.args) use(v);
  });
  return [...live].sort((a, b) => a - b);
}

export interface OsrEntry {
  fn: IrFunction;
  /** Values passed after the header's parameters, in parameter order. */
  liveIns: ValueId[];
}

/** The entry function for `header` of function `fnId`, or null when there cannot be one. */
export function osrEntryFunction(module: Module, fnId: number, header: number): OsrEntry | null {
  const original = module.functions[fnId]!;
  const liveIns = osrLiveIns(original, header);
  if (liveIns === null) return null;
  const fn = structuredClone(original);
  const inside = reachableFrom(fn, header);
  const types = valueTypes(fn);
  let next = valueCount(fn);
  const headerBlock = fn.blocks[header]!;
  const headerArgs = headerBlock.params.map(() => next++);
  const renamed = new Map<ValueId, ValueId>();
  const liveParams = liveIns.map((v) => {
    const fresh = next++;
    renamed.set(v, fresh);
    return fresh;
  });
  const renumber = new Int32Array(fn.blocks.length).fill(-1);
  const kept: Block[] = [];
  fn.blocks.forEach((block, b) => {
    if (inside[b] === 1) {
      renumber[b] = kept.length + 1;
      kept.push(block);
    }
  });
  for (const block of kept) {
    block.term.targets = block.term.targets.map((t) => ({ block: renumber[t.block]!, args: t.args }));
  }
  const entry: Block = {
    params: [...headerArgs, ...liveParams],
    paramTypes: [...headerBlock.paramTypes, ...liveIns.map((v) => types[v] as Type)],
    insts: [],
    term: {
      op: TermOp.Jump,
      args: [],
      targets: [{ block: renumber[header]!, args: headerArgs }],
      imm: 0,
      loc: -1,
    },
  };
  fn.blocks = [entry, ...kept];
  fn.params = [...entry.paramTypes];
  fn.exported = false;
  replaceUses(fn, renamed);
  // an extra function beside the original, as compile jobs add it: the function's own
  // calls still go to the original
  const probe = { ...module, functions: [...module.functions, fn] };
  if (verifyFunction(probe, fn).length > 0) return null;
  return { fn, liveIns };
}
