/**
 * devirtualize: a `call_indirect` whose possible targets are few and small becomes a
 * test that the table index is one of the candidates' slots, then a chain of tests of the
 * index, each leading to a direct call of one target, which `inline` then copies in (a
 * chain measured faster than a `br_table` on dispatch.tj). No speculation: the module's
 * function table never changes, and a call through it can only reach a slot holding a
 * function of the call's signature, so the candidates are known statically. Every other
 * index (another signature, a null slot, out of range) goes to a block that keeps the
 * original `call_indirect`, which traps exactly as before. Testing for the candidates
 * first leaves the last candidate untested and the chain free of calls but the
 * candidates', which `if-convert` can turn into selects once they are inlined.
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
  // new blocks right after b: one per distinct function, the default, the continuation,
  // the test of the index against every slot, then one test per function but the last
  const defaultId = b + 1 + caseCount;
  const continuationId = defaultId + 1;
  const knownId = continuationId + 1;
  const continuation = continuationAfterCall(fn, b, k, caseCount * 2 + 2);
  let next = valueCount(fn);
  const site = call.site === undefined ? {} : { site: call.site };
  const jumpTo = (block: number, args: number[]): Block["term"] => ({
    op: TermOp.Jump,
    args: [],
    targets: [{ block, args }],
    imm: 0,
    loc: call.loc,
    ...site,
  });
  const branch = (condition: number, then: number, otherwise: number): Block["term"] => ({
    op: TermOp.BrIf,
    args: [condition],
    targets: [
      { block: then, args: [] },
      { block: otherwise, args: [] },
    ],
    imm: 0,
    loc: call.loc,
    ...site,
  });
  const callBlock = (inst: Inst): Block => {
    const result = call.result < 0 ? -1 : next++;
    return {
      params: [],
      paramTypes: [],
      insts: [{ ...inst, result }],
      term: jumpTo(continuationId, result < 0 ? [] : [result]),
    };
  };
  const cases = functions.map((id) => callBlock({ ...call, op: Op.Call, imm: id, args: [...args] }));
  const fallback = callBlock({ ...call, args: [...call.args] });
  const make = (op: Op, operands: number[], imm = 0): Inst => ({
    op,
    type: Type.I32,
    result: next++,
    args: operands,
    imm,
    big: 0n,
    loc: call.loc,
    ...site,
  });
  /** Instructions testing whether the index is one of `tested`; the last one's result is the answer. */
  const slotTest = (tested: number[]): Inst[] => {
    const low = Math.min(...tested);
    const count = Math.max(...tested) - low + 1;
    if (tested.length > 1 && count === tested.length) {
      // a run of slots: one unsigned comparison of the index's offset into it
      const insts: Inst[] = [];
      let offset = index;
      if (low !== 0) {
        const base = make(Op.Const, [], low);
        const difference = make(Op.Sub, [index, base.result]);
        insts.push(base, difference);
        offset = difference.result;
      }
      const limit = make(Op.Const, [], count);
      insts.push(limit, make(Op.LtU, [offset, limit.result]));
      return insts;
    }
    const insts: Inst[] = [];
    let hit = -1;
    for (const slot of tested) {
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
    return insts;
  };
  const slotsOf = (id: FuncId): number[] => [...slots].filter(([, f]) => f === id).map(([slot]) => slot);
  const caseId = (i: number): number => b + 1 + i;
  // test i (after the known-slot test) picks function i or goes on; the last function needs no test
  const testId = (i: number): number => (i + 1 < caseCount ? knownId + 1 + i : caseId(i));
  const knownTest = slotTest([...slots.keys()]);
  const known: Block = {
    params: [],
    paramTypes: [],
    insts: knownTest,
    term: branch(knownTest[knownTest.length - 1]!.result, testId(0), defaultId),
  };
  const tests: Block[] = functions.slice(0, -1).map((id, i) => {
    const insts = slotTest(slotsOf(id));
    return {
      params: [],
      paramTypes: [],
      insts,
      term: branch(insts[insts.length - 1]!.result, caseId(i), testId(i + 1)),
    };
  });
  block.insts = block.insts.slice(0, k);
  block.term = jumpTo(knownId, []);
  fn.blocks.splice(b + 1, 0, ...cases, fallback, continuation, known, ...tests);
  return continuationId;
}
