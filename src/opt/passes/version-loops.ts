/**
 * version-loops: loop versioning for index checks. An innermost counted loop — header
 * parameter `i` entering as `start`, every back edge passing `i + 1` (or `i + step`, the
 * step from outside the loop, tested > 0 and unable to carry `i` past the i32 range:
 * `m + step <= 2^31`), the header ending in
 * `br_if (lt_s i, m), body, exit` with `m` from outside the loop — whose body checks
 * `a[inv + i]` or `a[i]` (TJ's `trap_if (eqz (lt_u index, len))`, `inv` and `len` from
 * outside the loop) gets a copy without those checks. Before the loop, one test decides
 * which copy runs: `start >= 0`, and for each check `inv >= 0` and `inv + m <= len`
 * (in i64, so nothing wraps). When it holds, every index the loop can check lies in
 * [inv + start, inv + m) ⊆ [0, len): the checks could never trap. When it does not, the
 * original loop runs and traps where it always did. This is what `bounds-checks` cannot
 * prove statically when the bound is not the array's length: matmul's `c[i * n + j]` for
 * `j < n` against `n * n`.
 *
 * The loop must have one way in (a preheader ending in a jump to the header) and one way
 * out (the header's exit edge, to a block with no other predecessor); values of the loop
 * used after it become parameters of that exit block, set by either copy. Loops over
 * MAX_LOOP_SIZE instructions are left alone (the copy doubles them), and so are loops up
 * to a small constant (their test costs about what their checks do).
 */

import { computeDominators } from "../../ir/dominance.js";
import type { Block, BlockCall, Inst, IrFunction, Module, Terminator, ValueId } from "../../ir/ir.js";
import { valueCount, valueTypes } from "../../ir/ir.js";
import { computeLoops, type Loop } from "../../ir/loops.js";
import { Op, TermOp } from "../../ir/ops.js";
import { Type } from "../../ir/types.js";
import { definitions } from "../../ir/uses.js";
import type { Pass } from "../pass.js";

/** Instructions (terminators included) a loop may have to be copied. */
export const MAX_LOOP_SIZE = 300;
/** Loops whose limit is a constant up to this are left alone. */
export const MIN_CONSTANT_LIMIT = 16;

/**
 * A check the fast copy drops: instruction `inst` of block `block` (a trap_if), on index
 * `inv + i` (inv -1: none) against `len` — a value from outside the loop, or an invariant
 * load in the loop (`lenLoad`) of an address from outside it, which the test repeats.
 */
interface Check {
  block: number;
  inst: number;
  inv: ValueId;
  len: ValueId;
  lenLoad: Inst | null;
}

export const versionLoops: Pass = {
  name: "version-loops",
  required: false,
  doc: "give counted loops a copy without index checks, chosen by one test before the loop",
  run(fn: IrFunction, _module: Module): boolean {
    const tree = computeDominators(fn);
    const nest = computeLoops(fn, tree);
    if (nest.loops.length === 0) return false;
    const count = valueCount(fn);
    const { def, defBlock } = definitions(fn);
    const hasInner = new Uint8Array(nest.loops.length);
    for (const loop of nest.loops) if (loop.parent >= 0) hasInner[loop.parent] = 1;
    const state = { next: count, types: Array.from(valueTypes(fn)) };
    let changed = false;
    // innermost loops do not overlap, so each is copied from the blocks as they were
    nest.loops.forEach((loop, index) => {
      if (hasInner[index] === 1) return;
      const plan = planLoop(fn, loop, tree.preds, def, defBlock);
      if (plan === null) return;
      versionLoop(fn, loop, plan, state);
      changed = true;
    });
    return changed;
  },
};

/** A counter's step: a constant > 0, or a value from outside the loop. */
type Step = { constant: number; value?: undefined } | { value: ValueId; constant?: undefined };

interface Plan {
  preheader: number;
  /** The counter's position among the header's parameters. */
  counter: number;
  limit: ValueId;
  /** What each back edge adds to the counter. */
  step: Step;
  checks: Check[];
}

function planLoop(
  fn: IrFunction,
  loop: Loop,
  preds: number[][],
  def: (Inst | undefined)[],
  defBlock: Int32Array,
): Plan | null {
  const inLoop = (b: number): boolean => loop.body[b] === 1;
  const outside = (v: ValueId): boolean => defBlock[v]! >= 0 && !inLoop(defBlock[v]!);
  const header = fn.blocks[loop.header]!;
  const term = header.term;
  if (term.op !== TermOp.BrIf) return null;
  const test = def[term.args[0]!];
  if (test?.op !== Op.LtS || test.type !== Type.I32 || defBlock[test.result] !== loop.header) return null;
  const [i, limit] = test.args as [ValueId, ValueId];
  const counter = header.params.indexOf(i);
  if (counter < 0 || header.paramTypes[counter] !== Type.I32 || !outside(limit)) return null;
  // a loop bounded by a small constant is not worth its test (nbody's five bodies: 43 -> 57 ms)
  const bound = def[limit];
  if (bound?.op === Op.Const && bound.imm <= MIN_CONSTANT_LIMIT) return null;
  const [body, exit] = term.targets as [BlockCall, BlockCall];
  if (!inLoop(body.block) || body.block === loop.header || inLoop(exit.block)) return null;
  if (preds[body.block]!.length !== 1 || preds[exit.block]!.length !== 1) return null;
  let size = 0;
  let preheader = -1;
  for (let b = 0; b < fn.blocks.length; b++) {
    const block = fn.blocks[b]!;
    if (inLoop(b)) {
      size += block.insts.length + 1;
      // one way out: the header's exit edge
      if (b !== loop.header && block.term.targets.some((t) => !inLoop(t.block))) return null;
      continue;
    }
    for (const target of block.term.targets) {
      if (target.block !== loop.header) continue;
      if (preheader >= 0 || block.term.op !== TermOp.Jump) return null;
      preheader = b;
    }
  }
  if (preheader < 0 || size > MAX_LOOP_SIZE) return null;
  // every back edge passes i + step: one constant > 0, or one value from outside the loop
  let step: Step | null = null;
  for (const latch of loop.latches) {
    for (const target of fn.blocks[latch]!.term.targets) {
      if (target.block !== loop.header) continue;
      const by = addendOf(def[target.args[counter]!], i);
      const constant = def[by]?.op === Op.Const ? def[by]!.imm : null;
      let thisStep: Step | null = null;
      if (constant !== null && constant > 0) thisStep = { constant };
      else if (constant === null && by >= 0 && outside(by)) thisStep = { value: by };
      if (
        thisStep === null ||
        (step !== null && (step.constant !== thisStep.constant || step.value !== thisStep.value))
      )
        return null;
      step = thisStep;
    }
  }
  if (step === null) return null;
  const checks: Check[] = [];
  fn.blocks.forEach((block, b) => {
    if (!inLoop(b) || b === loop.header) return;
    block.insts.forEach((inst, k) => {
      if (inst.op !== Op.TrapIf) return;
      const negated = def[inst.args[0]!];
      if (negated?.op !== Op.Eqz) return;
      const inBounds = def[negated.args[0]!];
      if (inBounds?.op !== Op.LtU || inBounds.type !== Type.I32) return;
      const [index, len] = inBounds.args as [ValueId, ValueId];
      const load = def[len];
      const lenLoad =
        load?.op === Op.Load && load.type === Type.I32 && load.invariant === true && outside(load.args[0]!)
          ? load
          : null;
      if (!outside(len) && lenLoad === null) return;
      if (index === i) {
        checks.push({ block: b, inst: k, inv: -1, len, lenLoad });
        return;
      }
      const inv = addendOf(def[index], i);
      if (inv >= 0 && outside(inv)) checks.push({ block: b, inst: k, inv, len, lenLoad });
    });
  });
  return checks.length === 0 ? null : { preheader, counter, limit, step, checks };
}

/** What `sum` adds to `i` when it is an i32 `add` with `i` as an operand, else -1. */
function addendOf(sum: Inst | undefined, i: ValueId): ValueId {
  if (sum?.op !== Op.Add || sum.type !== Type.I32) return -1;
  const [x, y] = sum.args as [ValueId, ValueId];
  return x === i ? y : y === i ? x : -1;
}

function versionLoop(fn: IrFunction, loop: Loop, plan: Plan, state: { next: number; types: number[] }): void {
  const inLoop = (b: number): boolean => b < loop.body.length && loop.body[b] === 1;
  const original = fn.blocks.length;
  const fresh = (type: number): ValueId => {
    const v = state.next++;
    state.types[v] = type;
    return v;
  };
  const preheader = fn.blocks[plan.preheader]!;
  const entry = preheader.term.targets[0]!;
  const loc = preheader.term.loc;
  const site = preheader.term.site === undefined ? {} : { site: preheader.term.site };
  const emitIn =
    (block: Block) =>
    (op: Op, type: Type, args: ValueId[], imm = 0, big = 0n): ValueId => {
      const result = fresh(type);
      block.insts.push({ op, type, result, args, imm, big, loc, ...site });
      return result;
    };

  const emit = emitIn(preheader);
  const zero = emit(Op.Const, Type.I32, [], 0);
  let holds = emit(Op.GeS, Type.I32, [entry.args[plan.counter]!, zero]);
  const limit = emit(Op.ExtendS, Type.I64, [plan.limit]);
  if (plan.step.constant !== 1) {
    // a step of at least 1 that cannot carry the counter past the i32 range: m + step <= 2^31
    // (with a step of 1, i < m <= 2^31 - 1 already)
    const step = plan.step.value ?? emit(Op.Const, Type.I32, [], plan.step.constant);
    if (plan.step.value !== undefined)
      holds = emit(Op.And, Type.I32, [holds, emit(Op.GtS, Type.I32, [step, zero])]);
    const end = emit(Op.Add, Type.I64, [limit, emit(Op.ExtendS, Type.I64, [step])]);
    holds = emit(Op.And, Type.I32, [
      holds,
      emit(Op.LeS, Type.I32, [end, emit(Op.Const, Type.I64, [], 0, 2n ** 31n)]),
    ]);
  }
  // the lengths the loop loads: the test loads them once, in a block of its own entered
  // only when every such load is in bounds (a zero-trip loop may never have loaded them)
  const loads = new Map<string, Inst>();
  for (const { lenLoad } of plan.checks)
    if (lenLoad !== null) loads.set(`${lenLoad.args[0]}:${lenLoad.imm}`, lenLoad);
  let test = preheader;
  let testEmit = emit;
  let enterTest = holds;
  const hoisted = new Map<ValueId, ValueId>();
  if (loads.size > 0) {
    const memoryBytes = emit(Op.Shl, Type.I64, [
      emit(Op.ExtendU, Type.I64, [emit(Op.MemorySize, Type.I32, [])]),
      emit(Op.Const, Type.I64, [], 0, 16n),
    ]);
    for (const load of loads.values()) {
      const address = emit(Op.ExtendU, Type.I64, [load.args[0]!]);
      const end = emit(Op.Add, Type.I64, [address, emit(Op.Const, Type.I64, [], 0, BigInt(load.imm + 4))]);
      holds = emit(Op.And, Type.I32, [holds, emit(Op.LeU, Type.I32, [end, memoryBytes])]);
    }
    test = { params: [], paramTypes: [], insts: [], term: preheader.term };
    enterTest = holds;
    testEmit = emitIn(test);
    const byKey = new Map<string, ValueId>();
    for (const [key, load] of loads) {
      const value = fresh(Type.I32);
      const { op, type, imm, big } = load;
      test.insts.push({
        op,
        type,
        result: value,
        args: [...load.args],
        imm,
        big,
        loc,
        invariant: true,
        ...site,
      });
      byKey.set(key, value);
    }
    for (const { len, lenLoad } of plan.checks)
      if (lenLoad !== null) hoisted.set(len, byKey.get(`${lenLoad.args[0]}:${lenLoad.imm}`)!);
  }
  const seen = new Set<string>();
  for (const { inv, len } of plan.checks) {
    const length = hoisted.get(len) ?? len;
    if (seen.has(`${inv}:${length}`)) continue;
    seen.add(`${inv}:${length}`);
    let end = limit;
    if (inv >= 0) {
      holds = testEmit(Op.And, Type.I32, [holds, testEmit(Op.GeS, Type.I32, [inv, zero])]);
      end = testEmit(Op.Add, Type.I64, [testEmit(Op.ExtendS, Type.I64, [inv]), limit]);
    }
    const fits = testEmit(Op.LeS, Type.I32, [end, testEmit(Op.ExtendU, Type.I64, [length])]);
    holds = testEmit(Op.And, Type.I32, [holds, fits]);
  }

  // the copy: every block of the loop, without the checks (and the loads the test repeated)
  const blockCopy = new Map<number, number>();
  const valueCopy = new Map<ValueId, ValueId>(hoisted);
  const firstCopy = fn.blocks.length + (test === preheader ? 0 : 1);
  for (let b = 0; b < original; b++) {
    if (!inLoop(b)) continue;
    blockCopy.set(b, firstCopy + blockCopy.size);
    const block = fn.blocks[b]!;
    for (const v of block.params) valueCopy.set(v, fresh(state.types[v]!));
    for (const inst of block.insts)
      if (inst.result >= 0 && !valueCopy.has(inst.result))
        valueCopy.set(inst.result, fresh(state.types[inst.result]!));
  }
  const mapValue = (v: ValueId): ValueId => valueCopy.get(v) ?? v;
  const dropped = new Set(plan.checks.map((c) => `${c.block}:${c.inst}`));
  const copies: Block[] = [];
  for (const [b] of blockCopy) {
    const block = fn.blocks[b]!;
    copies.push({
      params: block.params.map(mapValue),
      paramTypes: [...block.paramTypes],
      insts: block.insts
        .filter((inst, k) => !dropped.has(`${b}:${k}`) && !hoisted.has(inst.result))
        .map((inst) => ({
          ...inst,
          args: inst.args.map(mapValue),
          result: inst.result < 0 ? -1 : mapValue(inst.result),
        })),
      term: {
        ...structuredClone(block.term),
        args: block.term.args.map(mapValue),
        targets: block.term.targets.map((t) => ({
          block: blockCopy.get(t.block) ?? t.block,
          args: t.args.map(mapValue),
        })),
      },
    });
  }
  const copyHeader = blockCopy.get(loop.header)!;
  // a test that fails enters the original loop
  const orElseOriginal = (condition: ValueId, then: BlockCall): Terminator => ({
    op: TermOp.BrIf,
    args: [condition],
    targets: [then, { block: loop.header, args: [...entry.args] }],
    imm: 0,
    loc,
    ...site,
  });
  test.term = orElseOriginal(holds, { block: copyHeader, args: [...entry.args] });
  if (test !== preheader) {
    // the preheader enters the test block when the loads are in bounds
    preheader.term = orElseOriginal(enterTest, { block: fn.blocks.length, args: [] });
    fn.blocks.push(test);
  }
  fn.blocks.push(...copies);

  // values of the loop used after it: parameters of the exit block, set by either copy.
  // Only the header's values reach the exit edge; a use of another loop value outside the
  // loop can only be in a block nothing reaches, where it needs just a definition.
  const header = fn.blocks[loop.header]!;
  const ofHeader = new Set<ValueId>([...header.params, ...header.insts.map((inst) => inst.result)]);
  const exitEdge = header.term.targets[1]!;
  const exitCopy = fn.blocks[copyHeader]!.term.targets[1]!;
  const exit = fn.blocks[exitEdge.block]!;
  const escaping = new Map<ValueId, ValueId>();
  for (let b = 0; b < original; b++) {
    if (inLoop(b)) continue;
    const block = fn.blocks[b]!;
    const uses = [
      ...block.insts.flatMap((inst) => inst.args),
      ...block.term.args,
      ...block.term.targets.flatMap((t) => t.args),
    ];
    for (const v of uses) {
      if (ofHeader.has(v) && v >= 0 && !escaping.has(v)) escaping.set(v, fresh(state.types[v]!));
    }
  }
  for (const [v, param] of escaping) {
    exit.params.push(param);
    exit.paramTypes.push(state.types[v]!);
    exitEdge.args.push(v);
    exitCopy.args.push(mapValue(v));
  }
  if (escaping.size > 0) {
    const rename = (v: ValueId): ValueId => escaping.get(v) ?? v;
    for (let b = 0; b < original; b++) {
      if (inLoop(b)) continue;
      const block = fn.blocks[b]!;
      for (const inst of block.insts) inst.args = inst.args.map(rename);
      block.term.args = block.term.args.map(rename);
      for (const t of block.term.targets) t.args = t.args.map(rename);
    }
  }
}
