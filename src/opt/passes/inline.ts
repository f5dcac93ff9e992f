/**
 * inline: replaces a direct call of a small function (≤ INLINE_MAX_CALLEE_SIZE
 * instructions; ≤ INLINE_MAX_HOT_CALLEE_SIZE where Tier 1's profile counted the call
 * often, `Inst.profileCount`) by a copy of its body. V8 does not inline across Wasm calls,
 * so a call we do not remove costs a frame and a call_indirect through the dispatch table
 * each time.
 *
 * The callee's frame does not disappear from guest stacks: the call becomes an *inline
 * site* of the function (`IrFunction.inlineSites`: callee, the call's position, the
 * enclosing site), and every copied instruction names its site. The code generators carry
 * sites into their source maps, and a trap or a call in the copied code reports the
 * callee's frame and its caller's, exactly as the interpreter does.
 *
 * One level per run: calls inside a copied body stay calls, which also bounds recursion (a
 * recursive function inlines itself once, from its body as it was before the pass).
 *
 * The call's block is split: the part before the call jumps to the copied entry block with
 * the call's arguments; each copied `return` jumps to a continuation block whose parameter
 * is the call's result (the same value id, so later uses need no rewriting) and which holds
 * the rest of the original block. The copies are placed right after the call's block.
 */

import { computeDominators } from "../../ir/dominance.js";
import type { Block, BlockCall, DeoptCaller, Inst, IrFunction, Module, Terminator } from "../../ir/ir.js";
import { valueCount } from "../../ir/ir.js";
import { loopHeaders } from "../../ir/loops.js";
import { Op, TermOp } from "../../ir/ops.js";
import { resumeLiveIns } from "../../ir/resume.js";
import {
  INLINE_MAX_CALLEE_SIZE,
  INLINE_MAX_CALLER_SIZE,
  inlineBudget,
  isInlinable,
  size,
} from "../inline-policy.js";
import type { Pass } from "../pass.js";
import { continuationAfterCall } from "../split-call.js";

export const inline: Pass = {
  name: "inline",
  required: false,
  doc: "inline small functions into their callers, keeping their frames for guest stacks",
  run: (fn, module) => inlineCalls(fn, module, Level.First),
};

/**
 * Tier 1's inlining: as `inline`, but a callee with a loop stays a call. Without OSR points
 * (`--no-osr`) Tier 1 code counts calls only, so a loop copied into a caller that is called
 * rarely (a `main`) would run at Tier 1 for good; and left in its callee, it tiers up with
 * the callee's calls, to code that speculates on the callee's own profile.
 */
export const inlineLoopFree: Pass = {
  name: "inline-loop-free",
  required: false,
  doc: "inline small loop-free functions (Tier 1: a callee's loop tiers up with the callee)",
  run: (fn, module) => inlineCalls(fn, module, Level.LoopFree),
};

/**
 * A second level for Tier 2: only callees that make no calls themselves, and the function
 * itself (a recursive function, inlined once by `inline`, unrolls once more while it is
 * small). Callees with calls of their own are not copied at this level: a caller would
 * otherwise receive their loops with the calls in them still calls (spectralnorm: main took
 * in mulAv's loops around calls of `a`, which mulAv's own Tier 2 code inlines: 9 -> 30 ms).
 */
export const inlineLeaves: Pass = {
  name: "inline-leaves",
  required: false,
  doc: "a second level of inlining: call-free callees, and a small recursive function into itself",
  run: (fn, module) => inlineCalls(fn, module, Level.Leaves),
};

enum Level {
  First,
  LoopFree,
  Leaves,
}

function hasLoop(fn: IrFunction): boolean {
  return loopHeaders(fn, computeDominators(fn)).length > 0;
}

function makesCalls(fn: IrFunction): boolean {
  return fn.blocks.some((block) =>
    block.insts.some((i) => i.op === Op.Call || i.op === Op.CallIndirect || i.op === Op.CallHost),
  );
}

function inlineCalls(fn: IrFunction, module: Module, level: Level): boolean {
  // a recursive call copies the function as it was before this pass (one level deep)
  const self = module.functions.indexOf(fn);
  const recursive = fn.blocks.some((block) => block.insts.some((i) => i.op === Op.Call && i.imm === self));
  const original = recursive ? structuredClone(fn) : fn;
  const bodyOf = (id: number): IrFunction | undefined => (id === self ? original : module.functions[id]);
  const inlinable = new Map<string, boolean>();
  // the first level copies larger callees into the calls Tier 1 saw run often (not into
  // the function itself: recursion unrolls by the small size only)
  const budgetOf = (call: Inst): number =>
    level === Level.First && call.imm !== self ? inlineBudget(call.profileCount) : INLINE_MAX_CALLEE_SIZE;
  const canInline = (call: Inst): boolean => {
    const id = call.imm;
    const budget = budgetOf(call);
    const key = `${id}:${budget}`;
    let known = inlinable.get(key);
    if (known === undefined) {
      const callee = module.functions[id];
      known =
        callee !== undefined &&
        isInlinable(callee, budget) &&
        (level !== Level.Leaves || id === self || !makesCalls(callee)) &&
        (level !== Level.LoopFree || !hasLoop(callee));
      inlinable.set(key, known);
    }
    return known;
  };
  let changed = false;
  let total = size(fn);
  for (let b = 0; b < fn.blocks.length; b++) {
    const block = fn.blocks[b]!;
    const k = block.insts.findIndex((inst) => inst.op === Op.Call && canInline(inst));
    if (k < 0) continue;
    const calleeId = block.insts[k]!.imm;
    const callee = bodyOf(calleeId)!;
    if (total + size(callee) > INLINE_MAX_CALLER_SIZE) break;
    total += size(callee) + 1;
    inlineAt(fn, b, k, callee, calleeId, module);
    changed = true;
    // the copies' own calls stay calls (one level per run); the continuation, at
    // b + copies + 1, is scanned next
    b += callee.blocks.length;
  }
  return changed;
}

function inlineAt(
  fn: IrFunction,
  b: number,
  k: number,
  callee: IrFunction,
  calleeId: number,
  module: Module,
): void {
  const block = fn.blocks[b]!;
  const call = block.insts[k]!;
  // a speculated callee's deopt exits must also rebuild this frame after the call
  const deoptCaller = hasDeoptExits(callee) ? snapshotAfterCall(fn, b, k, module) : null;
  // the call becomes an inline site; the callee's own sites nest under it
  const sites = fn.inlineSites ?? [];
  fn.inlineSites = sites;
  const site = sites.length;
  sites.push({ callee: calleeId, loc: call.loc, parent: call.site ?? -1 });
  const siteBase = sites.length;
  for (const inner of callee.inlineSites ?? []) {
    sites.push({ ...inner, parent: inner.parent < 0 ? site : siteBase + inner.parent });
  }
  const siteOf = (inner: number | undefined): number => (inner === undefined ? site : siteBase + inner);
  const copies = callee.blocks.length;
  const continuationId = b + 1 + copies;
  // old blocks after b move down by the copies and the continuation
  const continuation = continuationAfterCall(fn, b, k, copies + 1);
  let next = valueCount(fn);
  const values = new Map<number, number>();
  const value = (v: number): number => {
    let mapped = values.get(v);
    if (mapped === undefined) {
      mapped = next++;
      values.set(v, mapped);
    }
    return mapped;
  };
  const target = (t: BlockCall): BlockCall => ({ block: b + 1 + t.block, args: t.args.map(value) });
  const copied: Block[] = callee.blocks.map((cb) => {
    const insts = cb.insts.map((inst) => ({
      ...inst,
      args: inst.args.map(value),
      result: inst.result < 0 ? -1 : value(inst.result),
      site: siteOf(inst.site),
    }));
    let term: Terminator;
    if (cb.term.op === TermOp.Deopt && deoptCaller !== null) {
      term = {
        ...cb.term,
        args: [...cb.term.args.map(value), ...deoptCaller.liveIns],
        caller: deoptCaller.caller,
        site: siteOf(cb.term.site),
      };
    } else if (cb.term.op === TermOp.Return) {
      // a call whose result has no value id discards it
      const args = call.result < 0 ? [] : cb.term.args.map(value);
      term = {
        op: TermOp.Jump,
        args: [],
        targets: [{ block: continuationId, args }],
        imm: 0,
        loc: cb.term.loc,
        site: siteOf(cb.term.site),
      };
    } else {
      term = {
        ...cb.term,
        args: cb.term.args.map(value),
        targets: cb.term.targets.map(target),
        site: siteOf(cb.term.site),
      };
    }
    return { params: cb.params.map(value), paramTypes: [...cb.paramTypes], insts, term };
  });
  block.insts = block.insts.slice(0, k);
  block.term = {
    op: TermOp.Jump,
    args: [],
    targets: [{ block: b + 1, args: [...call.args] }],
    imm: 0,
    loc: call.loc,
    ...(call.site === undefined ? {} : { site: call.site }),
  };
  fn.blocks.splice(b + 1, 0, ...copied, continuation);
}

function hasDeoptExits(fn: IrFunction): boolean {
  return fn.blocks.some((block) => block.term.op === TermOp.Deopt);
}

/**
 * The caller frame for the deopt exits of a callee inlined at block `b`'s call `k`: a copy
 * of `fn` as it is now (the call still a call, its block split after it, so the rest
 * starts a block whose parameter is the call's result), added to `module` under the same
 * name; its resume function at that block finishes the frame, guest stacks unchanged.
 * Returns the resume point and the values it takes after the call's result.
 */
function snapshotAfterCall(
  fn: IrFunction,
  b: number,
  k: number,
  module: Module,
): { caller: DeoptCaller; liveIns: number[] } {
  const snapshot = structuredClone(fn);
  snapshot.exported = false;
  const call = snapshot.blocks[b]!.insts[k]!;
  const continuation = continuationAfterCall(snapshot, b, k, 1);
  // the call keeps a result of its own; the continuation's parameter takes over its id
  const renamed: Inst = { ...call, result: call.result < 0 ? -1 : valueCount(snapshot) };
  const block = snapshot.blocks[b]!;
  block.insts = [...block.insts.slice(0, k), renamed];
  block.term = {
    op: TermOp.Jump,
    args: [],
    targets: [{ block: b + 1, args: renamed.result < 0 ? [] : [renamed.result] }],
    imm: 0,
    loc: call.loc,
    ...(call.site === undefined ? {} : { site: call.site }),
  };
  snapshot.blocks.splice(b + 1, 0, continuation);
  const func = module.functions.length;
  module.functions.push(snapshot);
  const liveIns = resumeLiveIns(snapshot, b + 1) ?? [];
  return {
    caller: {
      func,
      block: b + 1,
      args: liveIns.length,
      loc: call.loc,
      ...(call.site === undefined ? {} : { site: call.site }),
    },
    liveIns,
  };
}
