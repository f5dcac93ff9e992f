/**
 * Shrinking a failing program: greedy reduction, in the spirit of delta debugging and
 * C-Reduce. Each candidate is a smaller variant of the module — a function body replaced
 * by `return 0`, a conditional branch turned into a jump, an instruction replaced by a zero
 * constant or deleted (and an unused zero constant deleted), data segments dropped — and it is kept when it still verifies and
 * the caller's predicate says it still fails. Clean-ups are reductions of their own, tried
 * first: deleting unused pure instructions (the dce pass), removing unreachable blocks, and
 * merging a block reached only by a jump into its predecessor. Fewer calls of `main` are tried first, since a mismatch that needs fewer
 * calls is easier to read.
 *
 * The predicate decides what "still fails" means (the fuzzer: some engine mode still
 * disagrees with the interpreter, which must itself finish within its fuel).
 */

import type { Block, Inst, IrFunction, Module } from "../../ir/ir.js";
import { Op, TermOp } from "../../ir/ops.js";
import type { Type } from "../../ir/types.js";
import { verify } from "../../ir/verifier.js";
import { dce } from "../../opt/passes/dce.js";
import { mergeStraightLines, removeUnreachableBlocks } from "../../opt/passes/merge-blocks.js";

export type StillFails = (module: Module, calls: number) => Promise<boolean>;

export interface ShrinkResult {
  module: Module;
  /** Calls of `main` the mismatch needs. */
  calls: number;
  /** Candidates tried, and how many were kept. */
  attempts: number;
  kept: number;
}

/** A reduction of the module, applied in place to a copy; false when it does not apply. */
type Reduction = (module: Module) => boolean;

export async function shrink(
  original: Module,
  maxCalls: number,
  stillFails: StillFails,
  maxAttempts = 500,
): Promise<ShrinkResult> {
  let attempts = 0;
  let kept = 0;
  let calls = maxCalls;
  for (let n = 1; n < maxCalls && attempts < maxAttempts; n++) {
    attempts++;
    if (await stillFails(original, n)) {
      calls = n;
      break;
    }
  }
  let current = original;
  let progress = true;
  while (progress && attempts < maxAttempts) {
    progress = false;
    let list = reductions(current);
    for (let index = 0; index < list.length && attempts < maxAttempts; index++) {
      const candidate = structuredClone(current);
      if (!list[index]!(candidate)) continue;
      if (verify(candidate).length > 0) continue;
      attempts++;
      if (await stillFails(candidate, calls)) {
        current = candidate;
        kept++;
        progress = true;
        // go on from about the same place in the smaller module's list, rather than
        // retrying every coarse reduction after each small step; another pass follows
        list = reductions(current);
        index--;
      }
    }
  }
  return { module: current, calls, attempts, kept };
}

/** Every reduction that applies to `module`, coarsest first. */
function reductions(module: Module): Reduction[] {
  const list: Reduction[] = [
    (m) => m.functions.map((fn) => dce.run(fn, m, {})).some((changed) => changed),
    // cleanups are candidates too, not steps taken for granted: a compiler bug may need an
    // unreachable block or a jump chain to show
    (m) => m.functions.map(removeUnreachableBlocks).some((changed) => changed),
    (m) => m.functions.map(mergeStraightLines).some((changed) => changed),
  ];
  module.functions.forEach((fn, f) => {
    if (fn.blocks.length > 1 || fn.blocks[0]!.insts.length > 1)
      list.push((m) => replaceBody(m.functions[f]!));
  });
  if (module.data.length > 0) list.push(dropData);
  module.functions.forEach((fn, f) => {
    fn.blocks.forEach((block, b) => {
      if (block.term.op !== TermOp.BrIf && block.term.op !== TermOp.BrTable) return;
      for (let t = 0; t < block.term.targets.length; t++)
        list.push((m) => branchToJump(m.functions[f]!.blocks[b]!, t));
    });
  });
  module.functions.forEach((fn, f) => {
    fn.blocks.forEach((block, b) => {
      // later instructions first: removing a use before its definition leaves less to undo
      for (let i = block.insts.length - 1; i >= 0; i--) {
        // a zero constant can only go (the verifier rejects the copy if it is still used)
        if (isZeroConst(block.insts[i]!))
          list.push((m) => m.functions[f]!.blocks[b]!.insts.splice(i, 1).length > 0);
        else list.push((m) => simplifyInst(m.functions[f]!.blocks[b]!, i));
      }
    });
  });
  return list;
}

function zeroConst(type: Type, result: number, loc: number): Inst {
  return { op: Op.Const, type, result, args: [], imm: 0, big: 0n, loc };
}

function isZeroConst(inst: Inst): boolean {
  return inst.op === Op.Const && inst.imm === 0 && inst.big === 0n && !Object.is(inst.imm, -0);
}

/** The body becomes one block that returns zero (or nothing). */
function replaceBody(fn: IrFunction): boolean {
  const entry = fn.blocks[0]!;
  const insts: Inst[] = [];
  const args: number[] = [];
  const resultType = fn.results[0];
  if (resultType !== undefined) {
    const value = Math.max(-1, ...entry.params) + 1;
    insts.push(zeroConst(resultType, value, -1));
    args.push(value);
  }
  const term = { op: TermOp.Return, args, targets: [], imm: 0, loc: -1 };
  fn.blocks = [{ params: entry.params, paramTypes: entry.paramTypes, insts, term }];
  return true;
}

function dropData(module: Module): boolean {
  module.data = [];
  return true;
}

function branchToJump(block: Block, target: number): boolean {
  const chosen = block.term.targets[target]!;
  block.term = { op: TermOp.Jump, args: [], targets: [chosen], imm: 0, loc: block.term.loc };
  return true;
}

/** An instruction with a result becomes a zero constant; one without is deleted. */
function simplifyInst(block: Block, index: number): boolean {
  const inst = block.insts[index]!;
  if (inst.result < 0) {
    block.insts.splice(index, 1);
    return true;
  }
  block.insts[index] = zeroConst(inst.type, inst.result, inst.loc);
  return true;
}
