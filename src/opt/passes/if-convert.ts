/**
 * if-convert: a branch whose two ways do a little arithmetic and meet again becomes
 * straight-line code that does both and picks the results with `select`s (which V8 turns
 * into conditional moves). A branch the processor cannot predict costs it ~15–20 cycles
 * each time it guesses wrong; computing both arms costs a few. The candidates are the arms
 * inlining leaves: `devirtualize`'s chain of tests over an indirect call's targets, whose
 * index is as unpredictable as the program's data, is the case this was built for.
 *
 * The choice is by cost, as Binaryen's and LLVM's are: both arms together at most
 * IF_CONVERT_BUDGET instructions that cannot trap, have no effects and are cheap (no
 * division or square root), and only integer values merged (V8 branches for a float select
 * anyway). An arm is either the branch's target itself (no code) or a block whose only
 * predecessor is the branch, without parameters, that jumps on to the other arm's join.
 * Converting inner branches first lets their enclosing ones convert too; the pass repeats
 * until nothing changes. Where Tier 1 counted the branch's edges, the profile decides too:
 * a branch one way of which ran at least BIASED_RATIO times as often as the other (and
 * PROFILE_EVIDENCE times in all) is one the processor predicts, and stays a branch.
 */

import { computePredecessors } from "../../ir/dominance.js";
import type { Block, BlockCall, Inst, IrFunction, Module } from "../../ir/ir.js";
import { valueCount } from "../../ir/ir.js";
import { Op, OpKind, opInfo, TermOp } from "../../ir/ops.js";
import { Type } from "../../ir/types.js";
import type { Pass } from "../pass.js";
import { removeUnreachableBlocks } from "./merge-blocks.js";

/** Instructions (constants not counted) both arms of a converted branch may run together. */
export const IF_CONVERT_BUDGET = 10;
/** A branch one way of which ran this many times as often as the other stays a branch... */
export const BIASED_RATIO = 16;
/** ...when its edges ran at least this many times in all. */
export const PROFILE_EVIDENCE = 64;

export const ifConvert: Pass = {
  name: "if-convert",
  required: false,
  doc: "turn branches over two cheap arms that meet again into selects",
  run(fn: IrFunction, _module: Module): boolean {
    let changed = false;
    for (let again = true; again; ) {
      again = false;
      const predecessors = computePredecessors(fn);
      for (let b = 0; b < fn.blocks.length && !again; b++) again = convert(fn, b, predecessors);
      changed ||= again;
    }
    if (changed) removeUnreachableBlocks(fn);
    return changed;
  },
};

/** Whether Tier 1's counts show a branch taken one way far more often than the other. */
function predictable(counts: [number, number] | undefined): boolean {
  if (counts === undefined) return false;
  const [a, b] = counts;
  return a + b >= PROFILE_EVIDENCE && Math.max(a, b) >= BIASED_RATIO * Math.min(a, b);
}

interface Arm {
  insts: Inst[];
  /** Where the arm goes on to, with which arguments. */
  join: BlockCall;
  cost: number;
}

/** Converts block b's branch if it qualifies; says whether it did. */
function convert(fn: IrFunction, b: number, predecessors: number[][]): boolean {
  const block = fn.blocks[b]!;
  const term = block.term;
  if (term.op !== TermOp.BrIf || predictable(term.profileCounts)) return false;
  const [then, otherwise] = term.targets as [BlockCall, BlockCall];
  // both edges into one block: it is the join itself, never an arm run twice
  const shared = then.block === otherwise.block;
  const thenArm = shared ? directArm(then) : armOf(fn, b, then, predecessors);
  const elseArm = shared ? directArm(otherwise) : armOf(fn, b, otherwise, predecessors);
  if (thenArm === null || elseArm === null) return false;
  const join = thenArm.join.block;
  if (elseArm.join.block !== join || join === b) return false;
  if (thenArm.cost + elseArm.cost > IF_CONVERT_BUDGET) return false;
  const joinBlock = fn.blocks[join]!;
  const condition = term.args[0]!;
  const merged: number[] = [];
  const selects: Inst[] = [];
  let next = valueCount(fn);
  for (let i = 0; i < joinBlock.params.length; i++) {
    const fromThen = thenArm.join.args[i]!;
    const fromElse = elseArm.join.args[i]!;
    if (fromThen === fromElse) {
      merged.push(fromThen);
      continue;
    }
    const type = joinBlock.paramTypes[i]!;
    if (type !== Type.I32 && type !== Type.I64) return false;
    const select: Inst = {
      op: Op.Select,
      type,
      result: next++,
      args: [condition, fromThen, fromElse],
      imm: 0,
      big: 0n,
      loc: term.loc,
    };
    if (term.site !== undefined) select.site = term.site;
    selects.push(select);
    merged.push(select.result);
  }
  block.insts = [...block.insts, ...thenArm.insts, ...elseArm.insts, ...selects];
  const jump: Block["term"] = {
    op: TermOp.Jump,
    args: [],
    targets: [{ block: join, args: merged }],
    imm: 0,
    loc: term.loc,
  };
  if (term.site !== undefined) jump.site = term.site;
  block.term = jump;
  return true;
}

/** The arm that `edge` out of block b starts, or null when it is not one that converts. */
function armOf(fn: IrFunction, b: number, edge: BlockCall, predecessors: number[][]): Arm | null {
  const target = fn.blocks[edge.block]!;
  const ownBlock =
    edge.block !== b &&
    edge.block !== 0 &&
    edge.args.length === 0 &&
    target.params.length === 0 &&
    target.term.op === TermOp.Jump &&
    predecessors[edge.block]!.length === 1;
  if (!ownBlock) return directArm(edge);
  let cost = 0;
  for (const inst of target.insts) {
    if (!speculatable(inst)) return null;
    if (inst.op !== Op.Const) cost++;
  }
  return { insts: target.insts, join: target.term.targets[0]!, cost };
}

/** An arm without code: the edge goes straight to the join. */
function directArm(edge: BlockCall): Arm {
  return { insts: [], join: edge, cost: 0 };
}

/** An instruction that may run whether or not the program would have run it. */
function speculatable(inst: Inst): boolean {
  const info = opInfo(inst.op);
  if (info.sideEffects || info.canTrap) return false;
  switch (info.kind) {
    case OpKind.Const:
    case OpKind.Compare:
    case OpKind.Convert:
    case OpKind.Select:
      return true;
    case OpKind.Binary:
      return inst.op !== Op.Div;
    case OpKind.Unary:
      return inst.op !== Op.Sqrt;
    default:
      return false;
  }
}
