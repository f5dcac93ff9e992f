/**
 * Resume functions: *entry at a resume point* (architecture.md). For a function and one of
 * its blocks, `resumeFunction` builds a function that starts executing at that block: its
 * parameters are the block's parameters followed by the values live at the block's entry
 * (the live-ins); its new entry block jumps to the block. Blocks the resume point cannot
 * reach are dropped. OSR enters one at a loop header from a running baseline frame
 * (codegen.ts hands over at a back-edge); a deopt exit calls one to finish its frame
 * without the speculation that failed.
 *
 * A live-in defined before the resume point is simply the parameter. A live-in whose
 * definition is itself reachable again from the resume point — a value of an enclosing
 * loop's body, for a resume point in an inner loop — now has two definitions (the parameter
 * and the original), so its uses are rewritten to the reaching one, with new block
 * parameters at the iterated dominance frontier of the two (Cytron et al.'s placement).
 */

import { computeDominators, type DomTree, reachableFrom } from "./dominance.js";
import type { Block, IrFunction, Module, ValueId } from "./ir.js";
import { valueCount, valueTypes } from "./ir.js";
import { computeLiveness, type Liveness, liveInValues } from "./liveness.js";
import { TermOp } from "./ops.js";
import type { Type } from "./types.js";
import { replaceUses } from "./uses.js";
import { verifyFunction } from "./verifier.js";

/**
 * The values a resume function for `block` takes after the block's parameters, ascending;
 * null for the entry block. Pass `liveness` to share one analysis among a function's blocks.
 */
export function resumeLiveIns(fn: IrFunction, block: number, liveness?: Liveness): ValueId[] | null {
  if (block <= 0 || block >= fn.blocks.length) return null;
  return liveInValues(liveness ?? computeLiveness(fn), block);
}

export interface ResumeEntry {
  fn: IrFunction;
  /** Values passed after the block's parameters, in parameter order. */
  liveIns: ValueId[];
}

/**
 * The resume function for `block` of `original`, or null when there cannot be one (the
 * entry block, or a result that does not verify). `module` is the function's module, used
 * to verify the result as an extra function beside the original.
 */
export function resumeFunction(
  module: Module,
  original: IrFunction,
  block: number,
  liveIns = resumeLiveIns(original, block),
): ResumeEntry | null {
  if (liveIns === null) return null;
  const fn = structuredClone(original);
  const inside = reachableFrom(fn, block);
  const types = valueTypes(fn);
  let next = valueCount(fn);
  const resumeBlock = fn.blocks[block]!;
  const blockArgs = resumeBlock.params.map(() => next++);
  const renumber = new Int32Array(fn.blocks.length).fill(-1);
  const kept: Block[] = [];
  fn.blocks.forEach((b, id) => {
    if (inside[id] === 1) {
      renumber[id] = kept.length + 1;
      kept.push(b);
    }
  });
  // where each value defined in the kept blocks is defined (new block numbers)
  const defBlock = new Int32Array(next).fill(-1);
  kept.forEach((b, i) => {
    for (const p of b.params) defBlock[p] = i + 1;
    for (const inst of b.insts) if (inst.result >= 0) defBlock[inst.result] = i + 1;
  });
  for (const b of kept) {
    b.term.targets = b.term.targets.map((t) => ({ block: renumber[t.block]!, args: t.args }));
  }
  const renamed = new Map<ValueId, ValueId>();
  const twiceDefined: [ValueId, ValueId][] = [];
  const liveParams = liveIns.map((v) => {
    const fresh = next++;
    if (defBlock[v] === -1) renamed.set(v, fresh);
    else twiceDefined.push([v, fresh]);
    return fresh;
  });
  const entry: Block = {
    params: [...blockArgs, ...liveParams],
    paramTypes: [...resumeBlock.paramTypes, ...liveIns.map((v) => types[v] as Type)],
    insts: [],
    term: {
      op: TermOp.Jump,
      args: [],
      targets: [{ block: renumber[block]!, args: blockArgs }],
      imm: 0,
      loc: -1,
    },
  };
  fn.blocks = [entry, ...kept];
  fn.params = [...entry.paramTypes];
  fn.exported = false;
  replaceUses(fn, renamed);
  if (twiceDefined.length > 0) {
    const tree = computeDominators(fn);
    const frontier = dominanceFrontiers(fn, tree);
    for (const [value, param] of twiceDefined) {
      next = joinDefinitions(fn, tree, frontier, value, param, defBlock[value]!, types[value] as Type, next);
    }
  }
  // an extra function beside the original, as compile jobs add it: the function's own
  // calls still go to the original
  const probe = { ...module, functions: [...module.functions, fn] };
  if (verifyFunction(probe, fn).length > 0) return null;
  return { fn, liveIns };
}

function dominanceFrontiers(fn: IrFunction, tree: DomTree): Set<number>[] {
  const frontier = fn.blocks.map(() => new Set<number>());
  fn.blocks.forEach((_, b) => {
    const preds = tree.preds[b]!;
    if (preds.length < 2 || tree.idom[b] === -1) return;
    for (const pred of preds) {
      let runner = pred;
      while (runner !== tree.idom[b] && tree.idom[runner] !== -1) {
        frontier[runner]!.add(b);
        if (runner === tree.idom[runner]) break;
        runner = tree.idom[runner]!;
      }
    }
  });
  return frontier;
}

/**
 * Rewrites the uses of `value`, which `entryDef` (a parameter of the entry block) and its
 * original definition in block `defAt` now both define, to the definition that reaches
 * each use; returns the next free value id.
 */
function joinDefinitions(
  fn: IrFunction,
  tree: DomTree,
  frontier: Set<number>[],
  value: ValueId,
  entryDef: ValueId,
  defAt: number,
  type: Type,
  next: number,
): number {
  const join = new Map<number, ValueId>();
  const work = [0, defAt];
  while (work.length > 0) {
    const b = work.pop()!;
    for (const f of frontier[b]!) {
      // the defining block redefines the value before any use of it there
      if (join.has(f) || f === defAt) continue;
      join.set(f, next++);
      work.push(f);
    }
  }
  for (const [b, param] of join) {
    fn.blocks[b]!.params.push(param);
    fn.blocks[b]!.paramTypes.push(type);
  }
  const endDef = new Int32Array(fn.blocks.length).fill(-1);
  const resolve = (v: ValueId, current: ValueId): ValueId => (v === value ? current : v);
  for (const b of tree.rpo) {
    const block = fn.blocks[b]!;
    let current = b === 0 ? entryDef : (join.get(b) ?? endDef[tree.idom[b]!]!);
    if (block.params.includes(value)) current = value;
    for (const inst of block.insts) {
      const reaching = current;
      inst.args = inst.args.map((v) => resolve(v, reaching));
      if (inst.result === value) current = value;
    }
    const reaching = current;
    block.term.args = block.term.args.map((v) => resolve(v, reaching));
    for (const target of block.term.targets) target.args = target.args.map((v) => resolve(v, reaching));
    endDef[b] = current;
  }
  for (const b of tree.rpo) {
    for (const target of fn.blocks[b]!.term.targets) {
      if (join.has(target.block)) target.args.push(endDef[b]!);
    }
  }
  return next;
}
