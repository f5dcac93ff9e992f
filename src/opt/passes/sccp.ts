/**
 * sccp: sparse conditional constant propagation (Wegman and Zadeck). Values start unknown
 * and blocks unreached; walking only the edges that can execute, a value becomes a
 * constant when every reaching definition agrees — through block parameters and around
 * loops, which const-fold cannot see — and a branch on a constant makes only one edge
 * executable. Folding uses const-fold's evaluation (the interpreter's semantics), so it
 * cannot disagree with any tier, and never folds an operation that would trap.
 *
 * Then: instructions with a constant value become `const`; a block parameter with a
 * constant value is replaced by a `const` at the top of its block; branches on constants
 * become jumps. Blocks never reached are left for merge-blocks to remove.
 */

import type { IrFunction, Module } from "../../ir/ir.js";
import { valueCount } from "../../ir/ir.js";
import type { Scalar } from "../../ir/numeric.js";
import { Op, OpKind, opInfo, TermOp } from "../../ir/ops.js";
import { Type } from "../../ir/types.js";
import { replaceUses } from "../../ir/uses.js";
import type { Pass } from "../pass.js";
import { becomeConstant, fold } from "./const-fold.js";

/** Lattice: unknown (no definition reached yet) → constant → varying. */
const UNKNOWN = 0;
const CONSTANT = 1;
const VARYING = 2;

interface Constant {
  type: Type;
  value: Scalar;
}

export const sccp: Pass = {
  name: "sccp",
  required: false,
  doc: "propagate constants along the edges that can execute, through block parameters and loops",
  run(fn: IrFunction, _module: Module): boolean {
    const count = valueCount(fn);
    const state = new Uint8Array(count);
    const constants = new Map<number, Constant>();
    const reached = new Uint8Array(fn.blocks.length);
    const edgeTaken = new Set<string>();
    const users: number[][] = Array.from({ length: count }, () => []);
    fn.blocks.forEach((block, id) => {
      const seen = new Set<number>();
      const note = (v: number): void => {
        if (!seen.has(v)) {
          seen.add(v);
          users[v]!.push(id);
        }
      };
      for (const inst of block.insts) for (const v of inst.args) note(v);
      for (const v of block.term.args) note(v);
      for (const t of block.term.targets) for (const v of t.args) note(v);
    });
    const blockWork: number[] = [];
    const valueWork: number[] = [];
    const lower = (v: number, to: number, constant?: Constant): void => {
      if (state[v]! >= to) {
        if (to !== CONSTANT || state[v] !== CONSTANT) return;
        const known = constants.get(v)!;
        if (known.type === constant!.type && Object.is(known.value, constant!.value)) return;
        to = VARYING; // two different constants meet
      }
      state[v] = to;
      if (to === CONSTANT) constants.set(v, constant!);
      else constants.delete(v);
      valueWork.push(v);
    };
    const takeEdge = (from: number, k: number): void => {
      const target = fn.blocks[from]!.term.targets[k]!;
      const key = `${from}:${k}`;
      if (!edgeTaken.has(key)) {
        edgeTaken.add(key);
        if (reached[target.block] === 0) {
          reached[target.block] = 1;
          blockWork.push(target.block);
        }
      }
      // the arguments flow into the parameters (again, when an argument changed)
      const params = fn.blocks[target.block]!.params;
      target.args.forEach((arg, i) => {
        const param = params[i]!;
        if (state[arg] === VARYING) lower(param, VARYING);
        else if (state[arg] === CONSTANT) lower(param, CONSTANT, constants.get(arg)!);
      });
    };
    const visitBlock = (id: number): void => {
      const block = fn.blocks[id]!;
      for (const inst of block.insts) {
        if (inst.result < 0) continue;
        const info = opInfo(inst.op);
        if (inst.op === Op.Const) {
          lower(inst.result, CONSTANT, {
            type: inst.type,
            value: inst.type === Type.I64 ? inst.big : inst.imm,
          });
          continue;
        }
        const foldable =
          info.kind === OpKind.Binary ||
          info.kind === OpKind.Compare ||
          info.kind === OpKind.Unary ||
          info.kind === OpKind.Convert ||
          info.kind === OpKind.Select;
        if (!foldable || inst.args.some((v) => state[v] === VARYING)) {
          lower(inst.result, VARYING);
          continue;
        }
        if (inst.args.some((v) => state[v] === UNKNOWN)) continue;
        const value = fold(inst, constants);
        if (value === undefined) lower(inst.result, VARYING);
        else lower(inst.result, CONSTANT, { type: inst.type, value });
      }
      const term = block.term;
      if ((term.op === TermOp.BrIf || term.op === TermOp.BrTable) && state[term.args[0]!] !== VARYING) {
        if (state[term.args[0]!] === UNKNOWN) return;
        const value = constants.get(term.args[0]!)!.value as number;
        takeEdge(id, takenIndex(term.op, value, term.targets.length));
        return;
      }
      term.targets.forEach((_, k) => {
        takeEdge(id, k);
      });
    };
    if (fn.blocks.length === 0) return false;
    reached[0] = 1;
    for (const p of fn.blocks[0]!.params) lower(p, VARYING);
    blockWork.push(0);
    while (blockWork.length > 0 || valueWork.length > 0) {
      while (blockWork.length > 0) visitBlock(blockWork.pop()!);
      const v = valueWork.pop();
      if (v === undefined) continue;
      for (const user of users[v]!) if (reached[user] === 1) visitBlock(user);
    }
    return rewrite(fn, state, constants, reached);
  },
};

function takenIndex(op: TermOp, value: number, targets: number): number {
  if (op === TermOp.BrIf) return value !== 0 ? 0 : 1;
  return Math.min(value >>> 0, targets - 1);
}

function rewrite(
  fn: IrFunction,
  state: Uint8Array,
  constants: Map<number, Constant>,
  reached: Uint8Array,
): boolean {
  let changed = false;
  let next = state.length;
  const replacement = new Map<number, number>();
  fn.blocks.forEach((block, id) => {
    if (reached[id] === 0) return;
    const hoisted = block.params.flatMap((param) => {
      if (state[param] !== CONSTANT) return [];
      const constant = constants.get(param)!;
      const inst = { op: Op.Const, type: constant.type, result: next++, args: [], imm: 0, big: 0n, loc: -1 };
      becomeConstant(inst, constant.value);
      replacement.set(param, inst.result);
      return [inst];
    });
    for (const inst of block.insts) {
      if (inst.result < 0 || inst.op === Op.Const || state[inst.result] !== CONSTANT) continue;
      becomeConstant(inst, constants.get(inst.result)!.value);
      changed = true;
    }
    if (hoisted.length > 0) {
      block.insts = [...hoisted, ...block.insts];
      changed = true;
    }
    const term = block.term;
    if ((term.op === TermOp.BrIf || term.op === TermOp.BrTable) && state[term.args[0]!] === CONSTANT) {
      const value = constants.get(term.args[0]!)!.value as number;
      const taken = term.targets[takenIndex(term.op, value, term.targets.length)]!;
      block.term = { op: TermOp.Jump, args: [], targets: [taken], imm: 0, loc: term.loc };
      changed = true;
    }
  });
  if (replacement.size > 0) replaceUses(fn, replacement);
  return changed;
}
