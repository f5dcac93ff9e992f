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
import { computeLoops, type Loop } from "./loops.js";
import { Op, TermOp } from "./ops.js";
import type { Type } from "./types.js";
import { replaceUses } from "./uses.js";
import { verifyFunction } from "./verifier.js";

/**
 * The values a resume function for `block` takes after the block's parameters, ascending
 * (none for the entry block), or null for a block the function does not have. Pass
 * `liveness` to share one analysis among a function's blocks.
 */
export function resumeLiveIns(fn: IrFunction, block: number, liveness?: Liveness): ValueId[] | null {
  if (block < 0 || block >= fn.blocks.length) return null;
  if (block === 0) return [];
  return liveInValues(liveness ?? computeLiveness(fn), block);
}

export interface ResumeEntry {
  fn: IrFunction;
  /** Values passed after the block's parameters, in parameter order. */
  liveIns: ValueId[];
}

/**
 * The resume function for `block` of `original`, or null when there cannot be one (a
 * result that does not verify). At the entry block it is the function itself, unexported
 * (value guards at the entry resume there). `module` is the function's module, used to
 * verify the result as an extra function beside the original.
 */
export function resumeFunction(
  module: Module,
  original: IrFunction,
  block: number,
  liveIns = resumeLiveIns(original, block),
): ResumeEntry | null {
  if (liveIns === null) return null;
  if (block === 0) return { fn: { ...structuredClone(original), exported: false }, liveIns: [] };
  const nest = computeLoops(original, computeDominators(original));
  const inner = nest.loops.find((l) => l.header === block);
  if (inner === undefined || inner.parent < 0) return buildResume(module, original, block, liveIns, null);
  let outer = inner;
  while (outer.parent >= 0) outer = nest.loops[outer.parent]!;
  // an inner loop's header is entered in a copy of that loop (peelEnclosedLoop); where that
  // is irreducible (the copy's exits enter an enclosing loop at two places), in a copy of
  // the whole nest but its outermost header; failing both, at the header itself
  return (
    buildResume(module, original, block, liveIns, inner) ??
    buildResume(module, original, block, liveIns, outer) ??
    buildResume(module, original, block, liveIns, null)
  );
}

/** `peel`: the loop (of `original`'s blocks) whose copy the resume function enters, or null. */
function buildResume(
  module: Module,
  original: IrFunction,
  block: number,
  liveIns: ValueId[],
  peel: Loop | null,
): ResumeEntry | null {
  const fn = structuredClone(original);
  let next = valueCount(fn);
  const isLiveIn = new Set(liveIns);
  const peeled = peel === null ? null : peelEnclosedLoop(fn, block, peel, next, isLiveIn);
  const copyOf = new Map(peeled?.copies ?? []);
  const start = peeled?.header ?? block;
  next = peeled?.next ?? next;
  const inside = reachableFrom(fn, start);
  const types = valueTypes(fn);
  const resumeBlock = fn.blocks[start]!;
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
  // a live-in defined again further on (in the original, and in a copy of the nest) is
  // joined with the parameter where those meet
  const twiceDefined: [ValueId, ValueId, ValueId[]][] = [];
  const liveParams = liveIns.map((v) => {
    const fresh = next++;
    const defs = [v, copyOf.get(v) ?? -1].filter((d) => d >= 0 && defBlock[d] !== -1);
    if (defs.length === 0) renamed.set(v, fresh);
    else twiceDefined.push([v, fresh, defs]);
    return fresh;
  });
  const entry: Block = {
    params: [...blockArgs, ...liveParams],
    paramTypes: [...resumeBlock.paramTypes, ...liveIns.map((v) => types[v] as Type)],
    insts: [],
    term: {
      op: TermOp.Jump,
      args: [],
      targets: [{ block: renumber[start]!, args: blockArgs }],
      imm: 0,
      loc: -1,
    },
  };
  fn.blocks = [entry, ...kept];
  fn.params = [...entry.paramTypes];
  fn.exported = false;
  // a value of the inner loop defined in both copies: where only the copy runs, uses take it
  const copied: [ValueId, ValueId][] = [];
  for (const [value, copy] of peeled?.copies ?? []) {
    if (defBlock[copy] === -1 || isLiveIn.has(value)) continue;
    if (defBlock[value] === -1) renamed.set(value, copy);
    else copied.push([value, copy]);
  }
  replaceUses(fn, renamed);
  if (twiceDefined.length > 0 || copied.length > 0) {
    const tree = computeDominators(fn);
    const frontier = dominanceFrontiers(fn, tree);
    const join: Join = { fn, tree, frontier, defBlock, live: computeLiveness(fn, tree) };
    for (const [value, param, defs] of twiceDefined) {
      next = joinDefinitions(join, value, defs, param, types[value] as Type, next);
    }
    for (const [value, copy] of copied) {
      // where neither copy's definition reaches, the value is not used: a zero stands there
      const type = types[value] as Type;
      const zero = next++;
      entry.insts.push({ op: Op.Const, type, result: zero, args: [], imm: 0, big: 0n, loc: -1 });
      next = joinDefinitions(join, value, [value, copy], zero, type, next);
    }
  }
  // an extra function beside the original, as compile jobs add it: the function's own
  // calls still go to the original
  const probe = { ...module, functions: [...module.functions, fn] };
  if (verifyFunction(probe, fn).length > 0) return null;
  return { fn, liveIns };
}

/**
 * For `header`, which heads a loop inside another loop: appends a copy of `loop` — the
 * header's own loop, or the whole nest around it but the nest's header — with fresh value
 * ids (a live-in of `header` keeps its id in uses); edges within it go to the copies, back
 * edges to the nest's header to the original one, exits to the original blocks through a
 * block of their own, as the original's exits now do. Returns the copy of `header`, each
 * value with its copy, and the next free value id. A resume function entered at the copy
 * runs the rest of the inner loop (or of the outermost loop's iteration) there, then the
 * original loop nest in its own shape: entered at the original inner header, that header
 * would dominate the enclosing loops, all one loop with it, and the optimizer would no
 * longer see the inner loop as a counted loop (an OSR entry into matmul's inner loop ran
 * 2x slower than Tier 2 code; the same loop nest then runs as fast). A copy of the inner
 * loop alone enters an enclosing loop at two places where the inner loop exits to two
 * points of it (irreducible; fannkuch's `main`): the whole nest is copied then.
 */
function peelEnclosedLoop(
  fn: IrFunction,
  header: number,
  loop: Loop,
  next: number,
  liveIns: ReadonlySet<ValueId>,
): { header: number; copies: [ValueId, ValueId][]; next: number } {
  // a nest is copied but its header: the copy's back edges go to the original header
  const outermost = loop.header === header ? -1 : loop.header;
  const count = fn.blocks.length;
  const copyOf = new Int32Array(count).fill(-1);
  const members: number[] = [];
  for (let b = 0; b < count; b++) {
    if (loop.body[b] === 1 && b !== outermost) {
      copyOf[b] = count + members.length;
      members.push(b);
    }
  }
  const rename = new Map<ValueId, ValueId>();
  for (const b of members) {
    const block = fn.blocks[b]!;
    for (const p of block.params) rename.set(p, next++);
    for (const inst of block.insts) if (inst.result >= 0) rename.set(inst.result, next++);
  }
  const define = (v: ValueId): ValueId => rename.get(v) ?? v;
  // a use of a live-in keeps its id in the copy: it is joined with the entry parameter and
  // its definitions (original and copy) by that id
  const use = (v: ValueId): ValueId => (liveIns.has(v) ? v : define(v));
  for (const b of members) {
    const copy = structuredClone(fn.blocks[b]!);
    copy.params = copy.params.map(define);
    for (const inst of copy.insts) {
      inst.args = inst.args.map(use);
      if (inst.result >= 0) inst.result = define(inst.result);
    }
    copy.term.args = copy.term.args.map(use);
    copy.term.targets = copy.term.targets.map((t) => ({
      block: copyOf[t.block] !== -1 ? copyOf[t.block]! : t.block,
      args: t.args.map(use),
    }));
    fn.blocks.push(copy);
  }
  // each exit edge of either copy gets a block of its own, so that an exit block both
  // copies share does not stop the optimizer's loop passes (which want a loop's exit block
  // to have no other predecessor)
  const inEither = (b: number): boolean => loop.body[b] === 1 || (b >= count && b < count + members.length);
  for (const b of [...members, ...members.map((m) => copyOf[m]!)]) {
    const term = fn.blocks[b]!.term;
    term.targets = term.targets.map((target) => {
      if (inEither(target.block) || target.block === outermost) return target;
      fn.blocks.push({
        params: [],
        paramTypes: [],
        insts: [],
        term: { op: TermOp.Jump, args: [], targets: [target], imm: 0, loc: -1 },
      });
      return { block: fn.blocks.length - 1, args: [] };
    });
  }
  return { header: copyOf[header]!, copies: [...rename], next };
}

/** What joining a value's definitions needs: the function's CFG facts before any join. */
interface Join {
  fn: IrFunction;
  tree: DomTree;
  frontier: Set<number>[];
  /** Block of each value's definition (-1: none). */
  defBlock: Int32Array;
  live: Liveness;
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
 * Rewrites the uses of `value`, which the values `defs` (`value` among them, each defined in
 * its block) and `entryDef` (in the entry block) now all define, to the definition
 * that reaches each use, with new block parameters where they meet; returns the next free
 * value id.
 */
function joinDefinitions(
  { fn, tree, frontier, defBlock, live }: Join,
  value: ValueId,
  defs: readonly ValueId[],
  entryDef: ValueId,
  type: Type,
  next: number,
): number {
  const defBlocks = defs.map((d) => defBlock[d]!);
  const join = new Map<number, ValueId>();
  const work = [0, ...defBlocks];
  const word = value >>> 5;
  const bit = 1 << (value & 31);
  while (work.length > 0) {
    const b = work.pop()!;
    for (const f of frontier[b]!) {
      // a defining block redefines the value before any use of it there; where the value
      // is dead, no join (pruned SSA: a loop's every value joined at its exits would ride
      // along as block parameters)
      if (join.has(f) || defBlocks.includes(f) || (live.liveIn[f * live.words + word]! & bit) === 0) continue;
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
    for (const param of block.params) if (defs.includes(param)) current = param;
    for (const inst of block.insts) {
      const reaching = current;
      inst.args = inst.args.map((v) => resolve(v, reaching));
      if (defs.includes(inst.result)) current = inst.result;
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
