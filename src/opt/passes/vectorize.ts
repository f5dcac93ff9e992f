/**
 * vectorize: an innermost loop that walks f64 arrays element by element — a counter `i`
 * stepped by 1 up to an invariant bound (`lt_s i, n`), every other header parameter an
 * address stepped by 8, a body of f64 loads and stores at those addresses and lane-wise f64
 * arithmetic (add, sub, mul, div, min, max, neg, abs, sqrt, rounding) over them, loop
 * invariants and constants — gets a copy in front of it that does four iterations per
 * trip as two f64x2 steps: v128 loads and stores, f64x2 operations, the invariants splat
 * once before the loop. The original loop, unchanged, runs what is left (0–3 iterations),
 * and all of it when the copy may not run. This is what gcc -O3 does to matmul's inner
 * loop; V8 vectorizes nothing of its own.
 *
 * Exact, not approximately so:
 * - each lane computes what the scalar iteration computes (the same IEEE operations in
 *   the same order; a reduction, whose order vectorizing would change, is never taken:
 *   the loop may carry nothing but the counter and the addresses);
 * - a store and another access of the loop may be 8 bytes apart, where one iteration
 *   reads what the one before wrote: the copy runs only when each store's distance to
 *   every other access is 0 or at least 16 bytes (checked before the loop where the
 *   addresses are not the same parameter);
 * - a scalar loop that traps part-way has stored some of a step's lanes, and the copy
 *   would not: the copy runs only when every address it could touch is inside the memory
 *   (checked before the loop; memory cannot grow inside it), so nothing in it traps.
 *
 * One edge into the loop (from any block: what the copy's entry computes cannot trap), and
 * not for loops bounded by a small constant (a few iterations pay the checks for nothing).
 */

import type { Block, Inst, IrFunction, Module } from "../../ir/ir.js";
import { valueCount } from "../../ir/ir.js";
import { innermostLoops, type Loop, loopEntryEdge } from "../../ir/loops.js";
import { Op, OpKind, opInfo, TermOp } from "../../ir/ops.js";
import { Type } from "../../ir/types.js";
import { definitions, i32ConstantOf } from "../../ir/uses.js";
import type { Pass, PassContext } from "../pass.js";
import { MIN_CONSTANT_LIMIT } from "./version-loops.js";

/**
 * Lanes of an f64x2 step, and steps per trip of the copy (two: on a hand-written matmul
 * kernel, 1.90 -> 1.41 ms over one step a trip, though V8 unrolls both loops as well).
 */
const LANES = 2;
const STEPS_PER_TRIP = 2;
const ITERATIONS_PER_TRIP = LANES * STEPS_PER_TRIP;
const ELEMENT_BYTES = 8;
const STEP_BYTES = LANES * ELEMENT_BYTES;
const MAX_OFFSET = 0xffffffff;

export const vectorize: Pass = {
  name: "vectorize",
  required: false,
  doc: "run innermost loops over f64 arrays four elements a trip in f64x2 lanes (exact; checked for overlap and bounds before the loop)",
  run(fn: IrFunction, _module: Module, context: PassContext): boolean {
    if (context.noSimd === true) return false;
    let changed = false;
    for (const loop of innermostLoops(fn)) changed = vectorizeLoop(fn, loop) || changed;
    return changed;
  },
};

/** A memory access of the loop body: which address parameter, and its constant offset. */
interface Access {
  param: number;
  offset: number;
  store: boolean;
}

function vectorizeLoop(fn: IrFunction, loop: Loop): boolean {
  const shape = matchLoop(fn, loop);
  if (shape === null) return false;
  const { header, body, preheader, entryEdge, counter, bound, accesses, invariants } = shape;
  // a store 1..15 bytes from an access through the same address: one iteration reads what
  // the one before wrote, whatever the addresses are
  // (the others are checked before the loop: one check per pair of addresses and distance)
  const pairs = new Map<string, [Access, Access]>();
  for (const store of accesses) {
    if (!store.store) continue;
    for (const other of accesses) {
      if (other === store) continue;
      if (other.param === store.param) {
        const distance = Math.abs(store.offset - other.offset);
        if (distance !== 0 && distance < STEP_BYTES) return false;
        continue;
      }
      // d and -d are the same test; so are (store, other) and (other, store)
      const [low, high] = store.param < other.param ? [store, other] : [other, store];
      pairs.set(`${low.param}:${high.param}:${low.offset - high.offset}`, [low, high]);
    }
  }
  let next = valueCount(fn);
  const make = (block: Inst[], op: Op, type: Type, args: number[], imm = 0, loc = -1, big = 0n): number => {
    const result = type === Type.None ? -1 : next++;
    block.push({ op, type, result, args, imm, big, loc });
    return result;
  };
  const loc = header.term.loc;
  const entryIndex = fn.blocks.length;
  const loopHeaderIndex = entryIndex + 1;
  const loopBodyIndex = entryIndex + 2;

  // the copy's entry: the header's parameters, its checks, the splat invariants
  const entryParams = header.params.map(() => next++);
  const param = (v: number): number => entryParams[header.params.indexOf(v)]!;
  const checks: Inst[] = [];
  const i32 = (value: number): number => make(checks, Op.Const, Type.I32, [], value, loc);
  const i64 = (value: bigint): number => make(checks, Op.Const, Type.I64, [], 0, loc, value);
  const start = param(counter);
  // four iterations left while i < n - 3; n - 3 must not wrap (then n - 3 < n)
  const limit = make(checks, Op.Sub, Type.I32, [bound, i32(ITERATIONS_PER_TRIP - 1)], 0, loc);
  let ok = make(checks, Op.LtS, Type.I32, [start, limit], 0, loc);
  ok = make(checks, Op.And, Type.I32, [ok, make(checks, Op.LtS, Type.I32, [limit, bound], 0, loc)], 0, loc);
  // every address the loop would touch lies in the memory: u32(p) + 8 * (n - i) + max offset
  const iterations = make(
    checks,
    Op.Sub,
    Type.I64,
    [
      make(checks, Op.ExtendS, Type.I64, [bound], 0, loc),
      make(checks, Op.ExtendS, Type.I64, [start], 0, loc),
    ],
    0,
    loc,
  );
  const span = make(checks, Op.Shl, Type.I64, [iterations, i64(3n)], 0, loc);
  const pages = make(
    checks,
    Op.ExtendU,
    Type.I64,
    [make(checks, Op.MemorySize, Type.I32, [], 0, loc)],
    0,
    loc,
  );
  const memoryBytes = make(checks, Op.Shl, Type.I64, [pages, i64(16n)], 0, loc);
  for (const address of new Set(accesses.map((a) => a.param))) {
    const maxOffset = Math.max(...accesses.filter((a) => a.param === address).map((a) => a.offset));
    const first = make(checks, Op.ExtendU, Type.I64, [param(address)], 0, loc);
    const end = make(
      checks,
      Op.Add,
      Type.I64,
      [make(checks, Op.Add, Type.I64, [first, span], 0, loc), i64(BigInt(maxOffset))],
      0,
      loc,
    );
    ok = make(
      checks,
      Op.And,
      Type.I32,
      [ok, make(checks, Op.LeU, Type.I32, [end, memoryBytes], 0, loc)],
      0,
      loc,
    );
  }
  // a store and an access through different addresses: 0 or at least 16 bytes apart
  for (const [first, second] of pairs.values()) {
    const apart = make(checks, Op.Sub, Type.I32, [param(first.param), param(second.param)], 0, loc);
    const distance = make(checks, Op.Add, Type.I32, [apart, i32((first.offset - second.offset) | 0)], 0, loc);
    const same = make(checks, Op.Eqz, Type.I32, [distance], 0, loc);
    const far = make(
      checks,
      Op.GtU,
      Type.I32,
      [make(checks, Op.Add, Type.I32, [distance, i32(STEP_BYTES - 1)], 0, loc), i32(2 * (STEP_BYTES - 1))],
      0,
      loc,
    );
    ok = make(checks, Op.And, Type.I32, [ok, make(checks, Op.Or, Type.I32, [same, far], 0, loc)], 0, loc);
  }
  const splats = new Map<number, number>();
  for (const value of invariants) {
    const source = shape.def[value];
    // a constant of the body is copied here; anything else is defined before the loop
    const scalar =
      source !== undefined && source.op === Op.Const && shape.inLoop(value)
        ? make(checks, Op.Const, Type.F64, [], source.imm, source.loc)
        : value;
    splats.set(value, make(checks, Op.Splat, Type.F64x2, [scalar], 0, loc));
  }

  // the copy's loop: header and one body of two f64x2 steps
  const loopParams = header.params.map(() => next++);
  const loopParam = (v: number): number => loopParams[header.params.indexOf(v)]!;
  const headerInsts: Inst[] = [];
  const more = make(headerInsts, Op.LtS, Type.I32, [loopParam(counter), limit], 0, loc);
  const bodyInsts: Inst[] = [];
  for (let step = 0; step < STEPS_PER_TRIP; step++) {
    const lanes = new Map<number, number>();
    const lane = (v: number): number => lanes.get(v) ?? splats.get(v)!;
    for (const inst of body.insts) {
      if (shape.skipped.has(inst)) continue;
      const info = opInfo(inst.op);
      const copy = (op: Op, type: Type, args: number[], imm: number): number => {
        const result = make(bodyInsts, op, type, args, imm, inst.loc);
        if (inst.site !== undefined) bodyInsts[bodyInsts.length - 1]!.site = inst.site;
        return result;
      };
      const offset = inst.imm + step * STEP_BYTES;
      if (info.kind === OpKind.Load) {
        lanes.set(inst.result, copy(Op.Load, Type.F64x2, [loopParam(inst.args[0]!)], offset));
      } else if (info.kind === OpKind.Store) {
        copy(Op.Store, Type.None, [loopParam(inst.args[0]!), lane(inst.args[1]!)], offset);
      } else if (info.kind === OpKind.Binary || info.kind === OpKind.Unary) {
        lanes.set(inst.result, copy(inst.op, Type.F64x2, inst.args.map(lane), 0));
      }
    }
  }
  const stepOf = (v: number): number => (v === counter ? ITERATIONS_PER_TRIP : STEPS_PER_TRIP * STEP_BYTES);
  const advanced = header.params.map((v) =>
    make(
      bodyInsts,
      Op.Add,
      Type.I32,
      [loopParam(v), make(bodyInsts, Op.Const, Type.I32, [], stepOf(v), loc)],
      0,
      loc,
    ),
  );

  const entryBlock: Block = {
    params: entryParams,
    paramTypes: [...header.paramTypes],
    insts: checks,
    term: {
      op: TermOp.BrIf,
      args: [ok],
      targets: [
        { block: loopHeaderIndex, args: [...entryParams] },
        { block: loop.header, args: [...entryParams] },
      ],
      imm: 0,
      loc,
    },
  };
  const loopHeader: Block = {
    params: loopParams,
    paramTypes: [...header.paramTypes],
    insts: headerInsts,
    term: {
      op: TermOp.BrIf,
      args: [more],
      targets: [
        { block: loopBodyIndex, args: [] },
        { block: loop.header, args: [...loopParams] },
      ],
      imm: 0,
      loc,
    },
  };
  const loopBody: Block = {
    params: [],
    paramTypes: [],
    insts: bodyInsts,
    term: { op: TermOp.Jump, args: [], targets: [{ block: loopHeaderIndex, args: advanced }], imm: 0, loc },
  };
  fn.blocks.push(entryBlock, loopHeader, loopBody);
  const edge = preheader.term.targets[entryEdge]!;
  preheader.term.targets[entryEdge] = { block: entryIndex, args: edge.args };
  return true;
}

interface LoopShape {
  header: Block;
  body: Block;
  preheader: Block;
  entryEdge: number;
  /** The header parameter counted up by 1; every other one is an address stepped by 8. */
  counter: number;
  /** The invariant bound of `lt_s counter, bound`. */
  bound: number;
  accesses: Access[];
  /** f64 values from outside the loop, and f64 constants, that the body's arithmetic uses. */
  invariants: number[];
  /** The body's instructions the copy does not copy: the steps and their constants. */
  skipped: Set<Inst>;
  def: (Inst | undefined)[];
  inLoop: (v: number) => boolean;
}

/** The loop's parts if it has the one shape `vectorize` takes (see the file's comment), else null. */
function matchLoop(fn: IrFunction, loop: Loop): LoopShape | null {
  if (loop.latches.length !== 1 || loop.latches[0] === loop.header) return null;
  let blocks = 0;
  for (let b = 0; b < loop.body.length; b++) blocks += loop.body[b]!;
  if (blocks !== 2) return null;
  const header = fn.blocks[loop.header]!;
  const bodyId = loop.latches[0]!;
  const body = fn.blocks[bodyId]!;
  if (body.term.op !== TermOp.Jump || body.params.length > 0) return null;
  const term = header.term;
  if (term.op !== TermOp.BrIf || term.targets[0]!.block !== bodyId || term.targets[0]!.args.length > 0)
    return null;
  if (term.targets[1]!.block === bodyId) return null;
  const entry = loopEntryEdge(fn, loop);
  if (entry === null) return null;
  const { def, defBlock } = definitions(fn);
  const inLoop = (v: number): boolean => defBlock[v]! >= 0 && loop.body[defBlock[v]!] === 1;
  // the header computes the test and nothing else
  if (header.insts.length !== 1) return null;
  const test = header.insts[0]!;
  if (test.op !== Op.LtS || test.result !== term.args[0]) return null;
  const [counter, bound] = test.args as [number, number];
  const constantBound = i32ConstantOf(def, bound);
  if (inLoop(bound) && constantBound === undefined) return null;
  if (constantBound !== undefined && constantBound <= MIN_CONSTANT_LIMIT) return null;
  if (!header.params.includes(counter)) return null;
  // the back edge steps every parameter: the counter by 1, the addresses by 8
  const skipped = new Set<Inst>();
  const backArgs = body.term.targets[0]!.args;
  for (let k = 0; k < header.params.length; k++) {
    const v = header.params[k]!;
    if (header.paramTypes[k] !== Type.I32) return null;
    const next = def[backArgs[k]!];
    if (next?.op !== Op.Add || defBlock[backArgs[k]!] !== bodyId || next.args[0] !== v) return null;
    const stepInst = def[next.args[1]!];
    if (stepInst === undefined || i32ConstantOf(def, next.args[1]!) !== (v === counter ? 1 : ELEMENT_BYTES))
      return null;
    skipped.add(next);
    if (defBlock[next.args[1]!] === bodyId) skipped.add(stepInst);
  }
  // the body: f64 accesses at the addresses, lane-wise f64 arithmetic, f64 constants
  const accesses: Access[] = [];
  const invariants: number[] = [];
  const laneValues = new Set<number>();
  // an operand of the copy: a lane value the body computed, or one splat before the loop
  // (an f64 from outside the loop, or an f64 constant of the body)
  const operand = (v: number): boolean => {
    if (laneValues.has(v)) return true;
    const source = def[v];
    const bodyConstant = source?.op === Op.Const && source.type === Type.F64 && defBlock[v] === bodyId;
    if (inLoop(v) ? !bodyConstant : source?.type !== Type.F64 && !isF64Param(fn, defBlock[v]!, v))
      return false;
    if (!invariants.includes(v)) invariants.push(v);
    return true;
  };
  const isAddress = (v: number): boolean => v !== counter && header.params.includes(v);
  // the copy's second step reads 16 bytes further: its offset must still be a u32
  const offsetFits = (inst: Inst): boolean => inst.imm <= MAX_OFFSET - (STEPS_PER_TRIP - 1) * STEP_BYTES;
  for (const inst of body.insts) {
    if (skipped.has(inst)) continue;
    const info = opInfo(inst.op);
    if (inst.op === Op.Const && inst.type === Type.F64) {
      skipped.add(inst);
      continue;
    }
    if (inst.op === Op.Load && inst.type === Type.F64 && isAddress(inst.args[0]!) && offsetFits(inst)) {
      accesses.push({ param: inst.args[0]!, offset: inst.imm, store: false });
      laneValues.add(inst.result);
      continue;
    }
    if (inst.op === Op.Store && isAddress(inst.args[0]!) && offsetFits(inst) && operand(inst.args[1]!)) {
      accesses.push({ param: inst.args[0]!, offset: inst.imm, store: true });
      continue;
    }
    const arithmetic = info.kind === OpKind.Binary || info.kind === OpKind.Unary;
    if (arithmetic && info.lanes && inst.type === Type.F64 && inst.args.every(operand)) {
      laneValues.add(inst.result);
      continue;
    }
    return null;
  }
  // (so nothing in the loop reads the counter but the test and its step, or an address but
  // the accesses and its step: every other use would have been an operand refused above)
  if (!accesses.some((a) => a.store)) return null;
  return {
    header,
    body,
    preheader: fn.blocks[entry.block]!,
    entryEdge: entry.edge,
    counter,
    bound,
    accesses,
    invariants,
    skipped,
    def,
    inLoop,
  };
}

function isF64Param(fn: IrFunction, block: number, v: number): boolean {
  if (block < 0) return false;
  const b = fn.blocks[block]!;
  const k = b.params.indexOf(v);
  return k >= 0 && b.paramTypes[k] === Type.F64;
}
