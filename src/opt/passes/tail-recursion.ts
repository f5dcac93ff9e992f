/**
 * tail-recursion: a function's calls of itself in tail position become jumps back to its
 * start — `return f(args)`, and `return x op f(args)` for an integer `op` that is
 * associative and commutative (add, mul, and, or, xor), whose `x`s then gather in an
 * accumulator that every other return combines with its value (LLVM's tail recursion
 * elimination does the same). Recursive Fibonacci keeps one of its two calls per level.
 *
 * A call removed is a frame gone, so the pass applies only where no frame can be missed:
 * the function has no instruction that can trap or has effects besides its calls of
 * itself (a trap's guest stack would lack the removed frames), and no deopt exit (which
 * resumes the unoptimized function without the accumulator). Infinite recursion must
 * still end in `stack overflow`: unless the loop provably ends (below), it counts the
 * frames it saves and traps past SAVED_FRAMES_LIMIT, more than any real stack holds, so a
 * recursion that fits a stack still completes (and one that only just overflowed the
 * stack may now complete too: where a stack overflows already depends on each tier's
 * frame sizes). The count cost recursive Fibonacci a fifth of its time, so it is left out
 * when the entry tests an i32 parameter against a constant lower bound (`n < 2` returns)
 * and every tail call, reached only past that test, passes the parameter less a positive
 * constant that cannot wrap below the bound: then the parameter falls each time round
 * and the loop ends.
 *
 * The entry block's code moves to a new block, the loop header, with two more
 * parameters (the accumulator, the saved-frame count); the entry block jumps to it.
 */

import { computeDominators, dominates } from "../../ir/dominance.js";
import type { Block, Inst, IrFunction, Module } from "../../ir/ir.js";
import { valueCount } from "../../ir/ir.js";
import { Op, opInfo, TermOp } from "../../ir/ops.js";
import { TrapKind } from "../../ir/trap.js";
import { Type } from "../../ir/types.js";
import { definitions, i32ConstantOf, useCounts } from "../../ir/uses.js";
import type { Pass } from "../pass.js";

/** Frames a tail-recursive loop may save before it traps `stack overflow` (2^20). */
export const SAVED_FRAMES_LIMIT = 1 << 20;

/** The operations an accumulator may gather, with their identity. */
const ACCUMULATING: ReadonlyMap<Op, bigint> = new Map([
  [Op.Add, 0n],
  [Op.Or, 0n],
  [Op.Xor, 0n],
  [Op.Mul, 1n],
  [Op.And, -1n],
]);

/** A block ending in `return` of a call of the function itself, possibly combined by `op`. */
interface TailSite {
  block: number;
  call: Inst;
  /** The combining instruction, absent for a plain tail call. */
  combine?: Inst;
  /** The operand combined with the call's result. */
  other?: number;
}

export const tailRecursion: Pass = {
  name: "tail-recursion",
  required: false,
  doc: "turn tail calls of the function itself, and x + self(...) returns, into a loop",
  run(fn: IrFunction, module: Module): boolean {
    const self = module.functions.indexOf(fn);
    if (self < 0 || !framesUnobservable(fn, self)) return false;
    const sites = tailSites(fn, self);
    if (sites.length === 0) return false;
    const op = sites.find((site) => site.combine !== undefined)?.combine?.op;
    const chosen = sites.filter((site) => site.combine === undefined || site.combine.op === op);
    rewrite(fn, chosen, op, !endsSurely(fn, chosen));
    return true;
  },
};

/** Whether removing frames of `fn` cannot show: no traps, effects or deopts but its self-calls. */
function framesUnobservable(fn: IrFunction, self: number): boolean {
  for (const block of fn.blocks) {
    const term = block.term.op;
    if (term === TermOp.Trap || term === TermOp.Unreachable || term === TermOp.Deopt) return false;
    for (const inst of block.insts) {
      if (inst.op === Op.Call && inst.imm === self) continue;
      const info = opInfo(inst.op);
      if (info.canTrap || info.sideEffects) return false;
    }
  }
  return true;
}

function tailSites(fn: IrFunction, self: number): TailSite[] {
  const uses = useCounts(fn);
  const sites: TailSite[] = [];
  const results = fn.results.length;
  fn.blocks.forEach((block, b) => {
    if (block.term.op !== TermOp.Return) return;
    const insts = block.insts;
    const last = insts[insts.length - 1];
    if (last === undefined) return;
    if (last.op === Op.Call && last.imm === self) {
      const returned = results === 0 || (block.term.args[0] === last.result && uses[last.result] === 1);
      if (returned) sites.push({ block: b, call: last });
      return;
    }
    // `w = op(x, f(...))`: the call is the last one of the operands' definitions in the block
    if (results === 0 || !ACCUMULATING.has(last.op) || block.term.args[0] !== last.result) return;
    if ((last.type !== Type.I32 && last.type !== Type.I64) || uses[last.result] !== 1) return;
    for (let k = insts.length - 2; k >= 0; k--) {
      const inst = insts[k]!;
      if (inst.op !== Op.Call || inst.imm !== self) continue;
      const [left, right] = last.args as [number, number];
      if (inst.result !== left && inst.result !== right) return;
      if (left === right || uses[inst.result] !== 1) return;
      sites.push({ block: b, call: inst, combine: last, other: inst.result === left ? right : left });
      return;
    }
  });
  return sites;
}

/**
 * Whether the loop the sites make must end: the entry's branch leaves on `p < C` or
 * `p <= C` (or `C > p`, `C >= p`) for an i32 parameter p and constant C, its else edge
 * continuing; every site lies past that edge (its target's only predecessor is the entry,
 * and it dominates the site); every site passes `p - K` for a constant K > 0, with the
 * lowest continuing p minus K no lower than -2^31.
 */
function endsSurely(fn: IrFunction, sites: TailSite[]): boolean {
  const entry = fn.blocks[0]!;
  if (entry.term.op !== TermOp.BrIf) return false;
  const { def } = definitions(fn);
  const constantOf = (v: number): number | undefined => i32ConstantOf(def, v);
  const test = def[entry.term.args[0]!];
  if (test === undefined) return false;
  const [left, right] = test.args as [number, number];
  let param: number;
  let bound: number | undefined;
  if (test.op === Op.LtS || test.op === Op.LeS) [param, bound] = [left, constantOf(right)];
  else if (test.op === Op.GtS || test.op === Op.GeS) [param, bound] = [right, constantOf(left)];
  else return false;
  const position = entry.params.indexOf(param);
  if (bound === undefined || position < 0 || entry.paramTypes[position] !== Type.I32) return false;
  // past the test p >= low
  const low = test.op === Op.LtS || test.op === Op.GtS ? bound : bound + 1;
  const continueBlock = entry.term.targets[1]!.block;
  const tree = computeDominators(fn);
  if (continueBlock === 0 || tree.preds[continueBlock]!.length !== 1) return false;
  return sites.every((site) => {
    if (!dominates(tree, continueBlock, site.block)) return false;
    const passed = def[site.call.args[position]!];
    if (passed?.op !== Op.Sub || passed.args[0] !== param) return false;
    const step = constantOf(passed.args[1]!);
    return step !== undefined && step > 0 && low - step >= -(2 ** 31);
  });
}

function rewrite(fn: IrFunction, sites: TailSite[], op: Op | undefined, countFrames: boolean): void {
  let next = valueCount(fn);
  const resultType = fn.results[0] ?? Type.None;
  const constant = (type: Type, value: bigint, loc: number): Inst => ({
    op: Op.Const,
    type,
    result: next++,
    args: [],
    imm: type === Type.I64 ? 0 : Number(BigInt.asIntN(32, value)),
    big: type === Type.I64 ? BigInt.asIntN(64, value) : 0n,
    loc,
  });
  const make = (instOp: Op, type: Type, args: number[], loc: number, imm = 0): Inst => ({
    op: instOp,
    type,
    result: next++,
    args,
    imm,
    big: 0n,
    loc,
  });
  // the entry's code becomes the loop header, with the accumulator and the frame count
  const entry = fn.blocks[0]!;
  const headerId = fn.blocks.length;
  const accumulator = op === undefined ? -1 : next++;
  const savedFrames = countFrames ? next++ : -1;
  const header: Block = {
    params: [
      ...entry.params,
      ...(op === undefined ? [] : [accumulator]),
      ...(countFrames ? [savedFrames] : []),
    ],
    paramTypes: [
      ...entry.paramTypes,
      ...(op === undefined ? [] : [resultType]),
      ...(countFrames ? [Type.I32] : []),
    ],
    insts: entry.insts,
    term: entry.term,
  };
  fn.blocks.push(header);
  const params = entry.params.map(() => next++);
  const start: Inst[] = [];
  const startArgs = [...params];
  if (op !== undefined) {
    const identity = constant(resultType, ACCUMULATING.get(op)!, fn.loc);
    start.push(identity);
    startArgs.push(identity.result);
  }
  if (countFrames) {
    const none = constant(Type.I32, 0n, fn.loc);
    start.push(none);
    startArgs.push(none.result);
  }
  fn.blocks[0] = {
    params,
    paramTypes: [...entry.paramTypes],
    insts: start,
    term: { op: TermOp.Jump, args: [], targets: [{ block: headerId, args: startArgs }], imm: 0, loc: fn.loc },
  };
  const rewritten = new Set<number>();
  for (const site of sites) {
    const b = site.block === 0 ? headerId : site.block;
    rewritten.add(b);
    const block = fn.blocks[b]!;
    const loc = site.call.loc;
    block.insts = block.insts.filter((inst) => inst !== site.call && inst !== site.combine);
    const carried: number[] = [];
    if (op !== undefined) {
      if (site.combine === undefined) carried.push(accumulator);
      else {
        const gathered = make(op, resultType, [accumulator, site.other!], site.combine.loc);
        block.insts.push(gathered);
        carried.push(gathered.result);
      }
    }
    if (!countFrames) {
      block.term = {
        op: TermOp.Jump,
        args: [],
        targets: [{ block: headerId, args: [...site.call.args, ...carried] }],
        imm: 0,
        loc,
      };
      continue;
    }
    const one = constant(Type.I32, 1n, loc);
    const counted = make(Op.Add, Type.I32, [savedFrames, one.result], loc);
    const limit = constant(Type.I32, BigInt(SAVED_FRAMES_LIMIT), loc);
    const over = make(Op.GtU, Type.I32, [counted.result, limit.result], loc);
    const check = make(Op.TrapIf, Type.None, [over.result], loc, TrapKind.StackOverflow);
    check.result = -1;
    block.insts.push(one, counted, limit, over, check);
    block.term = {
      op: TermOp.Jump,
      args: [],
      targets: [{ block: headerId, args: [...site.call.args, ...carried, counted.result] }],
      imm: 0,
      loc,
    };
  }
  if (op === undefined) return;
  // every other return gives the accumulator combined with its value
  fn.blocks.forEach((block, b) => {
    if (block.term.op !== TermOp.Return || rewritten.has(b)) return;
    const combined = make(op, resultType, [accumulator, block.term.args[0]!], block.term.loc);
    block.insts.push(combined);
    block.term = { ...block.term, args: [combined.result] };
  });
}
