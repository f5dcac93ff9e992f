/**
 * thread-jumps: a block that does nothing but branch on a value (`B(..): br_if c, T, F` with
 * no instructions) is bypassed on every incoming edge where the branch is decided or can
 * be moved into the predecessor:
 *
 * - the condition is a constant on that edge (`jump B(0)`), or the edge leaves a `br_if`
 *   on the same condition (`br_if c, X, B(c)`: on the else edge c is 0) → the edge goes
 *   straight to T or F;
 * - the predecessor ends in an unconditional `jump B(args)` → it ends in B's `br_if`
 *   instead, with B's parameters replaced by the arguments.
 *
 * This is what `a && b` and `a || b` lower to (a join block whose parameter is the
 * condition), and threading gives each loop a plain exit test. Loop headers are left
 * alone, and so is any block whose parameters are used outside its own terminator, so the
 * CFG stays reducible and every use stays dominated by its definition. Blocks left with
 * no predecessors are skipped by the code generators and removed by merge-blocks.
 */

import { computeDominators } from "../../ir/dominance.js";
import type { BlockCall, IrFunction, Module } from "../../ir/ir.js";
import { loopHeaders } from "../../ir/loops.js";
import { Op, TermOp } from "../../ir/ops.js";
import { Type } from "../../ir/types.js";
import type { Pass } from "../pass.js";

export const threadJumps: Pass = {
  name: "thread-jumps",
  required: false,
  doc: "bypass blocks that only branch, where the predecessor decides or can take the branch",
  run(fn: IrFunction, _module: Module): boolean {
    // a threaded edge can make its new target threadable in turn; a few rounds catch chains
    let changed = false;
    for (let round = 0; round < 4 && threadOnce(fn); round++) changed = true;
    return changed;
  },
};

function threadOnce(fn: IrFunction): boolean {
  const constants = new Map<number, number>();
  // blocks whose parameters something other than their own terminator reads
  const paramsUsedElsewhere = new Uint8Array(fn.blocks.length);
  const paramBlock = new Map<number, number>();
  fn.blocks.forEach((block, id) => {
    for (const p of block.params) paramBlock.set(p, id);
  });
  const noteUse = (v: number, user: number): void => {
    const owner = paramBlock.get(v);
    if (owner !== undefined && owner !== user) paramsUsedElsewhere[owner] = 1;
  };
  fn.blocks.forEach((block, id) => {
    for (const inst of block.insts) {
      if (inst.op === Op.Const && inst.type === Type.I32) constants.set(inst.result, inst.imm);
      for (const v of inst.args) noteUse(v, -1);
    }
    for (const v of block.term.args) noteUse(v, id);
    for (const target of block.term.targets) for (const v of target.args) noteUse(v, id);
  });
  const isThreadable = (id: number): boolean => {
    const block = fn.blocks[id]!;
    return (
      id !== 0 &&
      block.insts.length === 0 &&
      block.term.op === TermOp.BrIf &&
      paramsUsedElsewhere[id] === 0 &&
      block.term.targets.every((t) => t.block !== id)
    );
  };
  const headers = new Uint8Array(fn.blocks.length);
  for (const h of loopHeaders(fn, computeDominators(fn))) headers[h] = 1;
  let changed = false;
  fn.blocks.forEach((pred, predId) => {
    const term = pred.term;
    term.targets.forEach((edge, k) => {
      if (!isThreadable(edge.block) || headers[edge.block] === 1 || edge.block === predId) return;
      const target = fn.blocks[edge.block]!;
      const substitute = (v: number): number => {
        const i = target.params.indexOf(v);
        return i >= 0 ? edge.args[i]! : v;
      };
      const condition = substitute(target.term.args[0]!);
      const rewrite = (call: BlockCall): BlockCall => ({
        block: call.block,
        args: call.args.map(substitute),
      });
      let decided: number | undefined;
      const known = constants.get(condition);
      if (known !== undefined) decided = known !== 0 ? 0 : 1;
      else if (term.op === TermOp.BrIf && term.args[0] === condition && term.targets.length === 2) {
        // both targets may be B; the edge's own position says which way c went
        decided = k;
      }
      if (decided !== undefined) {
        term.targets[k] = rewrite(target.term.targets[decided]!);
        changed = true;
      } else if (term.op === TermOp.Jump) {
        pred.term = {
          op: TermOp.BrIf,
          args: [condition],
          targets: target.term.targets.map(rewrite),
          imm: 0,
          loc: target.term.loc,
        };
        changed = true;
      }
    });
  });
  return changed;
}
