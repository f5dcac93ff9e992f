/**
 * inline: replaces a direct call of a small leaf function that cannot trap by a copy of the
 * callee's body. V8 does not inline across Wasm calls, so a call we do not remove costs a
 * frame and a call_indirect through the dispatch table each time.
 *
 * Why only callees that make no calls and cannot trap: a trap reports the guest stack, and
 * a frame that was inlined away would be missing from it (the tiers must report the same
 * stack as the interpreter). Inlining callees that may trap needs inline-frame tables in
 * the source maps; not built. A division by a constant other than 0 (and -1, for signed
 * division) cannot trap, so `x / 2` does not stop a callee from being inlined.
 *
 * The call's block is split: the part before the call jumps to the copied entry block with
 * the call's arguments; each copied `return` jumps to a continuation block whose parameter
 * is the call's result (the same value id, so later uses need no rewriting) and which holds
 * the rest of the original block. The copies are placed right after the call's block.
 */

import type { Block, BlockCall, Inst, IrFunction, Module, Terminator } from "../../ir/ir.js";
import { valueCount } from "../../ir/ir.js";
import { Op, OpKind, opInfo, TermOp } from "../../ir/ops.js";
import { Type } from "../../ir/types.js";
import type { Pass } from "../pass.js";

/** Callees up to this many instructions (terminators included) are inlined. */
export const INLINE_MAX_CALLEE_SIZE = 40;
/** A caller stops growing by inlining at this many instructions. */
export const INLINE_MAX_CALLER_SIZE = 3000;

function size(fn: IrFunction): number {
  let n = 0;
  for (const block of fn.blocks) n += block.insts.length + 1;
  return n;
}

/** Whether `inst` may trap, knowing the integer constants of its function. */
function mayTrap(inst: Inst, constants: ReadonlyMap<number, number | bigint>): boolean {
  const info = opInfo(inst.op);
  if (!info.canTrap) return false;
  if (inst.op === Op.DivS || inst.op === Op.DivU || inst.op === Op.RemS || inst.op === Op.RemU) {
    const divisor = constants.get(inst.args[1]!);
    if (divisor === undefined || divisor === 0 || divisor === 0n) return true;
    // INT_MIN / -1 overflows; the remainder of that division is 0 and does not trap
    return inst.op === Op.DivS && (divisor === -1 || divisor === -1n);
  }
  return true;
}

/** A callee whose body is present, makes no calls, cannot trap, and is small. */
export function isInlinable(callee: IrFunction): boolean {
  if (callee.blocks.length === 0 || size(callee) > INLINE_MAX_CALLEE_SIZE) return false;
  const constants = new Map<number, number | bigint>();
  for (const block of callee.blocks) {
    for (const inst of block.insts) {
      if (inst.op === Op.Const && inst.type === Type.I32) constants.set(inst.result, inst.imm);
      if (inst.op === Op.Const && inst.type === Type.I64) constants.set(inst.result, inst.big);
    }
  }
  for (const block of callee.blocks) {
    const term = block.term.op;
    if (term === TermOp.Trap || term === TermOp.Unreachable) return false;
    for (const inst of block.insts) {
      const kind = opInfo(inst.op).kind;
      if (kind === OpKind.Call || kind === OpKind.CallIndirect || kind === OpKind.CallHost) return false;
      if (mayTrap(inst, constants)) return false;
    }
  }
  return true;
}

/** The direct callees of `fn` this pass could inline (their bodies must travel with a compile job). */
export function inlineCandidates(module: Module, fn: IrFunction): number[] {
  const found = new Set<number>();
  for (const block of fn.blocks) {
    for (const inst of block.insts) {
      if (inst.op !== Op.Call || found.has(inst.imm)) continue;
      const callee = module.functions[inst.imm];
      if (callee !== undefined && callee !== fn && isInlinable(callee)) found.add(inst.imm);
    }
  }
  return [...found];
}

export const inline: Pass = {
  name: "inline",
  required: false,
  doc: "inline small leaf functions that cannot trap into their callers",
  run(fn: IrFunction, module: Module): boolean {
    const inlinable = new Map<number, boolean>();
    const canInline = (id: number): boolean => {
      let known = inlinable.get(id);
      if (known === undefined) {
        const callee = module.functions[id];
        known = callee !== undefined && callee !== fn && isInlinable(callee);
        inlinable.set(id, known);
      }
      return known;
    };
    let changed = false;
    let total = size(fn);
    for (let b = 0; b < fn.blocks.length; b++) {
      const block = fn.blocks[b]!;
      const k = block.insts.findIndex((inst) => inst.op === Op.Call && canInline(inst.imm));
      if (k < 0) continue;
      const callee = module.functions[block.insts[k]!.imm]!;
      if (total + size(callee) > INLINE_MAX_CALLER_SIZE) break;
      total += size(callee) + 1;
      inlineAt(fn, b, k, callee);
      changed = true;
      // the continuation (block b + callee blocks + 1) is scanned when the loop reaches it
    }
    return changed;
  },
};

function inlineAt(fn: IrFunction, b: number, k: number, callee: IrFunction): void {
  const block = fn.blocks[b]!;
  const call = block.insts[k]!;
  const copies = callee.blocks.length;
  const continuationId = b + 1 + copies;
  // old blocks after b move down by the copies and the continuation
  const moved = (id: number): number => (id > b ? id + copies + 1 : id);
  for (const other of fn.blocks) {
    if (other === block) continue;
    other.term.targets = other.term.targets.map((t) => ({ block: moved(t.block), args: t.args }));
  }
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
    }));
    let term: Terminator;
    if (cb.term.op === TermOp.Return) {
      // a call whose result has no value id discards it
      const args = call.result < 0 ? [] : cb.term.args.map(value);
      term = {
        op: TermOp.Jump,
        args: [],
        targets: [{ block: continuationId, args }],
        imm: 0,
        loc: cb.term.loc,
      };
    } else {
      term = { ...cb.term, args: cb.term.args.map(value), targets: cb.term.targets.map(target) };
    }
    return { params: cb.params.map(value), paramTypes: [...cb.paramTypes], insts, term };
  });
  const continuation: Block = {
    params: call.result < 0 ? [] : [call.result],
    paramTypes: call.result < 0 ? [] : [call.type],
    insts: block.insts.slice(k + 1),
    term: {
      ...block.term,
      targets: block.term.targets.map((t) => ({ block: moved(t.block), args: t.args })),
    },
  };
  block.insts = block.insts.slice(0, k);
  block.term = {
    op: TermOp.Jump,
    args: [],
    targets: [{ block: b + 1, args: [...call.args] }],
    imm: 0,
    loc: call.loc,
  };
  fn.blocks.splice(b + 1, 0, ...copied, continuation);
}
