/**
 * devirtualize: a `call_indirect` whose possible targets are few and small becomes a
 * chain of tests of the table index, each leading to a direct call of one target, which
 * `inline` then copies in (a chain measured faster than a `br_table` on dispatch.tj). No speculation: the module's function table never changes, and a call through
 * it can only reach a slot holding a function of the call's signature, so the candidates
 * are known statically. Every other index (another signature, a null slot, out of range)
 * goes to a block that keeps the original `call_indirect`, which traps exactly as before.
 *
 * Applies when the call's signature has at most DEVIRTUALIZE_MAX_TARGETS distinct
 * functions in the table, in at most DEVIRTUALIZE_MAX_SLOTS slots, every one small
 * enough to inline: `staticTargets` in inline-policy.ts.
 */

import type { Block, FuncId, Inst, IrFunction, Module } from "../../ir/ir.js";
import { valueCount } from "../../ir/ir.js";
import { Op, TermOp } from "../../ir/ops.js";
import { Type } from "../../ir/types.js";
import { staticTargets } from "../inline-policy.js";
import type { Pass } from "../pass.js";
import { continuationAfterCall } from "../split-call.js";

export const devirtualize: Pass = {
  name: "devirtualize",
  required: false,
  doc: "turn indirect calls with few small possible targets into a switch of direct calls",
  run(fn: IrFunction, module: Module): boolean {
    const targets = new Map<number, Map<number, FuncId> | null>();
    const targetsOf = (type: number): Map<number, FuncId> | null => {
      if (!targets.has(type)) targets.set(type, staticTargets(module, type));
      return targets.get(type)!;
    };
    let changed = false;
    for (let b = 0; b < fn.blocks.length; b++) {
      const block = fn.blocks[b]!;
      const k = block.insts.findIndex((inst) => inst.op === Op.CallIndirect && targetsOf(inst.imm) !== null);
      if (k < 0) continue;
      const continuation = splitIndirectCall(fn, b, k, targetsOf(block.insts[k]!.imm)!);
      changed = true;
      // the new blocks before the continuation hold only calls; it is scanned next
      b = continuation - 1;
    }
    return changed;
  },
};

/**
 * Splits block b at its call_indirect k into tests of the index against `slots` and direct
 * calls of their functions, any other index keeping the call_indirect; returns the
 * continuation's id. The blocks before the continuation hold only the calls.
 */
export function splitIndirectCall(fn: IrFunction, b: number, k: number, slots: Map<number, FuncId>): number {
  const block = fn.blocks[b]!;
  const call = block.insts[k]!;
  const [index, ...args] = call.args as [number, ...number[]];
  const functions = [...new Set(slots.values())];
  const caseCount = functions.length;
  // new blocks right after b: one per distinct function, the default, the continuation
  const defaultId = b + 1 + caseCount;
  const continuationId = defaultId + 1;
  const continuation = continuationAfterCall(fn, b, k, caseCount * 2 + 2);
  let next = valueCount(fn);
  const site = call.site === undefined ? {} : { site: call.site };
  const callBlock = (inst: Inst): Block => {
    const result = call.result < 0 ? -1 : next++;
    return {
      params: [],
      paramTypes: [],
      insts: [{ ...inst, result }],
      term: {
        op: TermOp.Jump,
        args: [],
        targets: [{ block: continuationId, args: result < 0 ? [] : [result] }],
        imm: 0,
        loc: call.loc,
        ...site,
      },
    };
  };
  const cases = functions.map((id) => callBlock({ ...call, op: Op.Call, imm: id, args: [...args] }));
  const fallback = callBlock({ ...call, args: [...call.args] });
  // a chain of tests, one block per function, placed after the continuation: test i
  // compares the index with the slots of function i and calls it, or goes on to test i+1
  const testId = (i: number): number => continuationId + 1 + i;
  const make = (op: Op, args: number[], imm = 0): Inst => ({
    op,
    type: Type.I32,
    result: next++,
    args,
    imm,
    big: 0n,
    loc: call.loc,
    ...site,
  });
  const tests: Block[] = functions.map((id, i) => {
    const insts: Inst[] = [];
    let hit = -1;
    for (const [slot, f] of slots) {
      if (f !== id) continue;
      const constant = make(Op.Const, [], slot);
      const equal = make(Op.Eq, [index, constant.result]);
      insts.push(constant, equal);
      if (hit < 0) hit = equal.result;
      else {
        const either = make(Op.Or, [hit, equal.result]);
        insts.push(either);
        hit = either.result;
      }
    }
    const miss = i + 1 < functions.length ? testId(i + 1) : defaultId;
    const targets = [
      { block: b + 1 + i, args: [] },
      { block: miss, args: [] },
    ];
    return {
      params: [],
      paramTypes: [],
      insts,
      term: { op: TermOp.BrIf, args: [hit], targets, imm: 0, loc: call.loc, ...site },
    };
  });
  block.insts = block.insts.slice(0, k);
  block.term = {
    op: TermOp.Jump,
    args: [],
    targets: [{ block: testId(0), args: [] }],
    imm: 0,
    loc: call.loc,
    ...site,
  };
  fn.blocks.splice(b + 1, 0, ...cases, fallback, continuation, ...tests);
  return continuationId;
}
