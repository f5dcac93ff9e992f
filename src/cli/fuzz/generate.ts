/**
 * A generator of random, well-formed, always-terminating IR modules, deterministic from a
 * seed. Control flow is built from structured regions (straight code, if/else diamonds,
 * switches, counted loops, early returns), so every CFG is reducible and every value use
 * is dominated by its definition. Functions call only functions with a higher index
 * (directly, or through table slots — some of which change after a few calls of `main`,
 * counted in the global `epoch`), except for recursive calls (of any function but main),
 * which are guarded by a global `fuel` that main resets; so every run
 * ends — with a result or a trap (division by zero, bad conversions, memory bounds, null
 * or mismatched table entries, explicit traps). Programs never observe the bits of an
 * arithmetic NaN (unspecified in WebAssembly), so every tier must agree on them exactly.
 */

import { type FunctionBuilder, ModuleBuilder } from "../../ir/builder.js";
import type { Module } from "../../ir/ir.js";
import { Op } from "../../ir/ops.js";
import { TrapKind } from "../../ir/trap.js";
import { signaturesEqual, Type } from "../../ir/types.js";

export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }
  /** mulberry32 */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

const TYPES = [Type.I32, Type.I64, Type.F32, Type.F64];
const I32_EDGES = [0, 1, -1, 2, 7, 31, 32, 255, -2147483648, 2147483647, 65535, -65536, 12345];
const I64_EDGES = [
  0n,
  1n,
  -1n,
  63n,
  64n,
  -(1n << 63n),
  (1n << 63n) - 1n,
  1n << 32n,
  0xffffffffn,
  -1234567890123n,
];
const F_EDGES = [
  0,
  -0,
  1,
  -1,
  0.5,
  -2.5,
  3.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  2147483648,
  -2147483649,
  2 ** 63,
  1e300,
  1e-300,
  4294967296.5,
];

const BIN_INT = [Op.Add, Op.Sub, Op.Mul, Op.DivS, Op.DivU, Op.RemS, Op.RemU, Op.And, Op.Or, Op.Xor];
const BIN_INT_MORE = [Op.Shl, Op.ShrS, Op.ShrU, Op.Rotl, Op.Rotr];
// copysign is left out: its result depends on the sign bit of arithmetic NaNs, which
// WebAssembly leaves unspecified (numeric-vs-wasm.test.ts checks it op by op instead)
const BIN_FLOAT = [Op.Add, Op.Sub, Op.Mul, Op.Div, Op.Min, Op.Max];
const UN_INT = [Op.Clz, Op.Ctz, Op.Popcnt, Op.Eqz, Op.Extend8S, Op.Extend16S];
const UN_FLOAT = [Op.Neg, Op.Abs, Op.Sqrt, Op.Ceil, Op.Floor, Op.Trunc, Op.Nearest];
const CMP_INT = [Op.Eq, Op.Ne, Op.LtS, Op.LtU, Op.GtS, Op.GtU, Op.LeS, Op.LeU, Op.GeS, Op.GeU];
const CMP_FLOAT = [Op.Eq, Op.Ne, Op.Lt, Op.Gt, Op.Le, Op.Ge];

export interface RandomModuleOptions {
  functions?: number;
  /** Allow trap-prone ops (division, trapping conversions, raw memory offsets). Default true. */
  traps?: boolean;
}

interface Scope {
  values: { id: number; type: Type }[];
}

class Generator {
  private readonly rng: Random;
  private readonly mb = new ModuleBuilder();
  private readonly traps: boolean;
  private fb!: FunctionBuilder;
  private funcIndex = 0;
  private budget = 0;
  private randomGlobals = 0;
  private epochGlobal = -1;
  private fuelGlobal = -1;
  /** Picks the functions that take a special shape (genPureRecursion). */
  private readonly shapes: Random;

  constructor(
    seed: number,
    private readonly options: RandomModuleOptions,
  ) {
    this.rng = new Random(seed);
    this.shapes = new Random(seed ^ 0x5bd1e995);
    this.traps = options.traps ?? true;
  }

  build(): Module {
    const rng = this.rng;
    const mb = this.mb;
    const hasMemory = rng.chance(0.7);
    if (hasMemory) {
      mb.setMemory(1, rng.chance(0.5) ? 3 : -1);
      if (rng.chance(0.5))
        mb.addData(
          rng.int(64),
          Uint8Array.from({ length: rng.range(1, 12) }, () => rng.int(256)),
        );
    }
    const globalCount = rng.int(4);
    for (let g = 0; g < globalCount; g++) {
      const type = rng.pick(TYPES);
      mb.addGlobal(`g${g}`, type, this.constValue(type), rng.chance(0.8));
    }
    this.randomGlobals = globalCount;
    // counts calls of main, so that indirect call sites can change their targets over time
    this.epochGlobal = mb.addGlobal("epoch", Type.I32, 0, true);
    // bounds the recursive calls in one call of main (which resets it), so every run ends
    this.fuelGlobal = mb.addGlobal("fuel", Type.I32, 0, true);
    const importCount = rng.int(3);
    for (let h = 0; h < importCount; h++) {
      const params = Array.from({ length: rng.int(3) }, () => rng.pick(TYPES));
      mb.addImport(`h${h}`, params, rng.chance(0.7) ? [rng.pick(TYPES)] : []);
    }
    const count = this.options.functions ?? rng.range(1, 4);
    // sometimes the last function is the module's start function, run at instantiation
    const hasStart = count > 1 && rng.chance(0.3);
    for (let f = 0; f < count; f++) {
      const isStart = hasStart && f === count - 1;
      const params = isStart ? [] : Array.from({ length: rng.int(4) }, () => rng.pick(TYPES));
      const results = isStart ? [] : f === 0 || rng.chance(0.8) ? [rng.pick(TYPES)] : [];
      mb.declare(`f${f}`, params, results, { exported: f === 0 || (!isStart && rng.chance(0.3)) });
    }
    const m = mb.module;
    if (hasStart) m.start = count - 1;
    const tableSize = rng.int(count + 2);
    for (let t = 0; t < tableSize; t++) m.table.push(rng.chance(0.8) ? rng.int(count) : -1);
    for (let f = 0; f < count; f++) this.genFunction(f);
    return m;
  }

  private constValue(type: Type): number | bigint {
    const rng = this.rng;
    switch (type) {
      case Type.I32:
        return rng.chance(0.6) ? rng.pick(I32_EDGES) : rng.int(2 ** 32) | 0;
      case Type.I64:
        return rng.chance(0.6)
          ? rng.pick(I64_EDGES)
          : BigInt.asIntN(64, BigInt(rng.int(2 ** 32)) * 0x1_0000_0001n + 7n);
      case Type.F32:
        return Math.fround(rng.chance(0.6) ? rng.pick(F_EDGES) : (rng.next() - 0.5) * 1000);
      default:
        return rng.chance(0.6) ? rng.pick(F_EDGES) : (rng.next() - 0.5) * 1e6;
    }
  }

  private genFunction(f: number): void {
    this.funcIndex = f;
    this.budget = this.rng.range(8, 40);
    const fb = this.mb.define(f);
    this.fb = fb;
    const scope: Scope = { values: fb.entryParams.map((id, i) => ({ id, type: fb.fn.params[i]! })) };
    const { params, results } = fb.fn;
    const intResult = results[0] === Type.I32 || results[0] === Type.I64;
    // decided by a stream of its own, so that other modules stay as they were
    if (f > 0 && params[0] === Type.I32 && intResult && this.shapes.chance(0.3)) {
      this.genPureRecursion(scope);
      return;
    }
    if (f === 0) {
      const epoch = fb.binary(Op.Add, fb.globalGet(this.epochGlobal), fb.const(Type.I32, 1));
      fb.globalSet(this.epochGlobal, epoch);
      fb.globalSet(this.fuelGlobal, fb.const(Type.I32, RECURSION_FUEL));
    }
    this.genRegion(scope, 0);
    this.genReturn(scope);
  }

  private valueOf(scope: Scope, type: Type): number {
    const candidates = scope.values.filter((v) => v.type === type);
    if (candidates.length > 0 && this.rng.chance(0.75)) return this.rng.pick(candidates).id;
    const value = this.fb.const(type, this.constValue(type));
    scope.values.push({ id: value, type });
    return value;
  }

  /**
   * A function that calls itself with its first parameter decreased, and does nothing
   * else but arithmetic that cannot trap: `tail-recursion`'s shape (plain tail calls, or
   * `x op f(...)` returns). Depth stays small: either the parameter is masked to 0..15
   * first, or the entry tests it against a lower bound and a second test returns above 24
   * (the shape whose loop provably ends).
   */
  private genPureRecursion(scope: Scope): void {
    const fb = this.fb;
    const rng = this.rng;
    const type = fb.fn.results[0]!;
    const n = fb.entryParams[0]!;
    const masked = rng.chance(0.5);
    const counter = masked ? fb.binary(Op.And, n, fb.const(Type.I32, 15)) : n;
    const base = fb.block().id;
    const next = fb.block().id;
    fb.brIf(fb.binary(Op.LtS, counter, fb.const(Type.I32, rng.range(-1, 2))), base, [], next, []);
    // values made in a returning block are not seen after it
    fb.switchTo(base);
    fb.ret(this.pureValue({ values: [...scope.values] }, type));
    fb.switchTo(next);
    if (!masked) {
      const recurse = fb.block().id;
      const high = fb.block().id;
      fb.brIf(fb.binary(Op.GtS, n, fb.const(Type.I32, 24)), high, [], recurse, []);
      fb.switchTo(high);
      fb.ret(this.pureValue({ values: [...scope.values] }, type));
      fb.switchTo(recurse);
    }
    const decreased = fb.binary(Op.Sub, counter, fb.const(Type.I32, rng.range(1, 3)));
    const args = [decreased, ...fb.fn.params.slice(1).map((t) => this.pureValue(scope, t))];
    const partner = this.pureValue(scope, type);
    const result = fb.call(this.funcIndex, args);
    const form = rng.int(3);
    if (form === 0) {
      fb.ret(result);
      return;
    }
    const op = rng.pick([Op.Add, Op.Mul, Op.And, Op.Or, Op.Xor]);
    fb.ret(form === 1 ? fb.binary(op, partner, result) : fb.binary(op, result, partner));
  }

  /** A value of `type` from the scope or a constant, maybe combined once without a possible trap. */
  private pureValue(scope: Scope, type: Type): number {
    const fb = this.fb;
    const value = this.valueOf(scope, type);
    if (!this.rng.chance(0.5)) return value;
    const isInt = type === Type.I32 || type === Type.I64;
    const op = this.rng.pick(isInt ? [Op.Add, Op.Sub, Op.Mul, Op.Xor, Op.Rotl] : [Op.Add, Op.Mul, Op.Min]);
    const combined = fb.binary(op, value, this.valueOf(scope, type));
    scope.values.push({ id: combined, type });
    return combined;
  }

  private genReturn(scope: Scope): void {
    const results = this.fb.fn.results;
    if (results.length === 0) this.fb.ret();
    else this.fb.ret(this.valueOf(scope, results[0]!));
  }

  private genRegion(scope: Scope, depth: number): void {
    const steps = this.rng.range(1, 5);
    for (let s = 0; s < steps && this.budget > 0; s++) {
      this.budget--;
      const roll = this.rng.next();
      if (depth < 3 && roll < 0.12) this.genIf(scope, depth);
      else if (depth < 2 && roll < 0.2) this.genLoop(scope, depth);
      else if (depth < 3 && roll < 0.25) this.genSwitch(scope, depth);
      else {
        const count = this.rng.range(1, 4);
        for (let i = 0; i < count; i++) this.genInst(scope);
      }
    }
  }

  private mergeTypes(): Type[] {
    return Array.from({ length: this.rng.int(3) }, () => this.rng.pick(TYPES));
  }

  /** Ends the current branch: usually a jump to `merge`, sometimes an early return or a trap. */
  private endBranch(scope: Scope, merge: number, types: Type[], mayLeave: boolean): void {
    if (mayLeave && this.rng.chance(0.15)) {
      if (this.traps && this.rng.chance(0.3))
        this.fb.trap(this.rng.pick([TrapKind.Unreachable, TrapKind.IndexOutOfBounds]));
      else this.genReturn(scope);
      return;
    }
    this.fb.jump(
      merge,
      types.map((t) => this.valueOf(scope, t)),
    );
  }

  private genIf(scope: Scope, depth: number): void {
    const fb = this.fb;
    const cond = this.valueOf(scope, Type.I32);
    const types = this.mergeTypes();
    const thenBlock = fb.block().id;
    const elseBlock = fb.block().id;
    const merge = fb.block(types);
    fb.brIf(cond, thenBlock, [], elseBlock, []);
    const leaveThen = this.rng.chance(0.5);
    for (const [block, mayLeave] of [
      [thenBlock, leaveThen],
      [elseBlock, !leaveThen],
    ] as const) {
      fb.switchTo(block);
      const inner: Scope = { values: [...scope.values] };
      this.genRegion(inner, depth + 1);
      this.endBranch(inner, merge.id, types, mayLeave);
    }
    fb.switchTo(merge.id);
    merge.params.forEach((id, i) => {
      scope.values.push({ id, type: types[i]! });
    });
  }

  private genSwitch(scope: Scope, depth: number): void {
    const fb = this.fb;
    const index = this.valueOf(scope, Type.I32);
    const types = this.mergeTypes();
    const caseCount = this.rng.range(1, 4);
    const blocks = Array.from({ length: caseCount + 1 }, () => fb.block().id);
    const merge = fb.block(types);
    const targets = blocks.map((block) => ({ block, args: [] as number[] }));
    // cases may share a target
    const cases = Array.from({ length: this.rng.range(1, 5) }, () => this.rng.pick(targets));
    fb.brTable(index, cases, targets[targets.length - 1]!);
    blocks.forEach((block, k) => {
      fb.switchTo(block);
      const inner: Scope = { values: [...scope.values] };
      this.genRegion(inner, depth + 1);
      this.endBranch(inner, merge.id, types, k > 0);
    });
    fb.switchTo(merge.id);
    merge.params.forEach((id, i) => {
      scope.values.push({ id, type: types[i]! });
    });
  }

  /**
   * A counted loop: header(counter, carried...) … counter-1 … br_if → header or exit; or,
   * one time in three, a loop counting up from 0 while below a bound of 0..3 whose body
   * starts with index checks (against the bound, which holds, and against another value,
   * which may trap), the shape TJ gives `for (i = 0; i < n; i++) a[i]`.
   */
  private genLoop(scope: Scope, depth: number): void {
    if (this.traps && this.rng.next() < 1 / 3) {
      this.genUpLoop(scope, depth);
      return;
    }
    if (this.mb.module.memory !== null && this.shapes.chance(0.35)) {
      this.genVectorLoop(scope);
      return;
    }
    const fb = this.fb;
    const carried = this.mergeTypes();
    const header = fb.block([Type.I32, ...carried]);
    const exitTypes = this.mergeTypes();
    const exit = fb.block(exitTypes);
    const trips = fb.const(Type.I32, this.rng.range(1, 4));
    fb.jump(header.id, [trips, ...carried.map((t) => this.valueOf(scope, t))]);
    fb.switchTo(header.id);
    const inner: Scope = { values: [...scope.values] };
    header.params.forEach((id, i) => {
      if (i > 0) inner.values.push({ id, type: carried[i - 1]! });
    });
    this.genRegion(inner, depth + 1);
    const one = fb.const(Type.I32, 1);
    const next = fb.binary(Op.Sub, header.params[0]!, one);
    const zero = fb.const(Type.I32, 0);
    const again = fb.binary(Op.GtS, next, zero);
    fb.brIf(
      again,
      header.id,
      [next, ...carried.map((t) => this.valueOf(inner, t))],
      exit.id,
      exitTypes.map((t) => this.valueOf(inner, t)),
    );
    fb.switchTo(exit.id);
    exit.params.forEach((id, i) => {
      scope.values.push({ id, type: exitTypes[i]! });
    });
  }

  /**
   * A loop over f64 arrays in the float region, the shape `vectorize` takes: a counter up
   * from 0 below a bound of 0..63 (mostly 17..63), two addresses stepped by 8 — 0, 8, 16 or more bytes
   * apart, which the vector copy's overlap check must refuse or allow — loads, lane-wise
   * arithmetic over them, invariants and constants, stores; then loads of what it wrote.
   * Sometimes the arrays run past the end of a one-page memory (a trap part-way).
   */
  private genVectorLoop(scope: Scope): void {
    const rng = this.rng;
    const fb = this.fb;
    const { I32, F64 } = Type;
    const nearEnd = this.traps && rng.chance(0.15);
    const start = nearEnd
      ? fb.const(I32, 0x10000 - 8 * rng.range(1, 40))
      : fb.binary(
          Op.Or,
          fb.binary(Op.And, this.valueOf(scope, I32), fb.const(I32, 0x3ff8)),
          fb.const(I32, FLOAT_REGION_START),
        );
    const other = fb.binary(Op.Add, start, fb.const(I32, rng.pick([8, 8, -8, -8, 16, -16, 0, 24, 1024])));
    // mostly above 16 even where it folds to a constant (vectorize leaves shorter loops alone)
    let bound = fb.binary(Op.And, this.valueOf(scope, I32), fb.const(I32, 63));
    if (rng.chance(0.7)) bound = fb.binary(Op.Or, bound, fb.const(I32, 17));
    const invariant = this.valueOf(scope, F64);
    const header = fb.block([I32, I32, I32]);
    const body = fb.block([]);
    const exit = fb.block([]);
    fb.jump(header.id, [fb.const(I32, 0), start, other]);
    fb.switchTo(header.id);
    const [i, p, q] = header.params as [number, number, number];
    fb.brIf(fb.binary(Op.LtS, i, bound), body.id, [], exit.id, []);
    fb.switchTo(body.id);
    const lanes: number[] = [];
    const offset = (): number => rng.pick([0, 0, 8, 16]);
    // mostly read through one address and write through the other: a dependence when they are 8 apart
    for (let k = rng.range(1, 3); k > 0; k--)
      lanes.push(fb.load(Op.Load, F64, rng.chance(0.8) ? p : q, offset()));
    const operand = (): number =>
      rng.chance(0.7)
        ? rng.pick(lanes)
        : rng.chance(0.5)
          ? invariant
          : fb.const(F64, rng.pick([0.5, -2, 3.25]));
    // first an add of a constant, so that memory still zero changes and a dependence shows
    lanes.push(fb.binary(Op.Add, rng.pick(lanes), fb.const(F64, rng.pick([0.5, -2, 3.25]))));
    for (let k = rng.range(0, 3); k > 0; k--) {
      const unary = rng.chance(0.3);
      lanes.push(
        unary
          ? fb.unary(rng.pick(LANE_UNARY), rng.pick(lanes))
          : fb.binary(rng.pick(LANE_BINARY), operand(), operand()),
      );
    }
    for (let k = rng.range(1, 3); k > 0; k--)
      fb.store(
        Op.Store,
        rng.chance(0.8) ? q : p,
        rng.chance(0.7) ? lanes[lanes.length - 1]! : rng.pick(lanes),
        offset(),
      );
    const step = fb.const(I32, 8);
    fb.jump(header.id, [
      fb.binary(Op.Add, i, fb.const(I32, 1)),
      fb.binary(Op.Add, p, step),
      fb.binary(Op.Add, q, step),
    ]);
    fb.switchTo(exit.id);
    // what it wrote shows in the integer region, which outcomes compare (NaN as 0)
    for (let k = rng.range(1, 4); k > 0; k--) {
      const value = fb.load(Op.Load, F64, rng.pick([start, other]), 8 * rng.int(8));
      scope.values.push({ id: value, type: F64 });
      const scaled = fb.binary(Op.Mul, value, fb.const(F64, 4096));
      fb.store(Op.Store, fb.const(I32, 0x100 + 4 * rng.int(0x1000)), fb.convert(Op.TruncSatS, I32, scaled));
    }
  }

  private genUpLoop(scope: Scope, depth: number): void {
    const fb = this.fb;
    const bound = fb.binary(Op.And, this.valueOf(scope, Type.I32), fb.const(Type.I32, 3));
    const other = this.valueOf(scope, Type.I32);
    const header = fb.block([Type.I32]);
    const body = fb.block([]);
    const exit = fb.block([]);
    fb.jump(header.id, [fb.const(Type.I32, 0)]);
    fb.switchTo(header.id);
    const i = header.params[0]!;
    fb.brIf(fb.binary(Op.LtS, i, bound), body.id, [], exit.id, []);
    fb.switchTo(body.id);
    for (const limit of [bound, other]) {
      const inBounds = fb.binary(Op.LtU, i, limit);
      fb.trapIf(fb.unary(Op.Eqz, inBounds), TrapKind.IndexOutOfBounds);
    }
    const inner: Scope = { values: [...scope.values, { id: i, type: Type.I32 }] };
    if (this.mb.module.memory !== null && this.shapes.chance(0.5)) this.genArrayAccess(inner, i);
    this.genRegion(inner, depth + 1);
    fb.jump(header.id, [fb.binary(Op.Add, i, fb.const(Type.I32, 1))]);
    fb.switchTo(exit.id);
  }

  private genInst(scope: Scope): void {
    const rng = this.rng;
    const fb = this.fb;
    const m = this.mb.module;
    const type = rng.pick(TYPES);
    const isInt = type === Type.I32 || type === Type.I64;
    const roll = rng.next();
    let result = -1;
    let resultType = type;
    if (roll < 0.3) {
      let ops = isInt ? [...BIN_INT_MORE, ...BIN_INT] : BIN_FLOAT;
      if (!this.traps && isInt) ops = BIN_INT_MORE.concat([Op.Add, Op.Sub, Op.Mul, Op.And, Op.Or, Op.Xor]);
      result = fb.binary(rng.pick(ops), this.valueOf(scope, type), this.valueOf(scope, type));
    } else if (roll < 0.4) {
      const op = rng.pick(isInt ? (type === Type.I64 ? [...UN_INT, Op.Extend32S] : UN_INT) : UN_FLOAT);
      result = fb.unary(op, this.valueOf(scope, type));
      if (op === Op.Eqz) resultType = Type.I32;
    } else if (roll < 0.5) {
      result = fb.binary(
        rng.pick(isInt ? CMP_INT : CMP_FLOAT),
        this.valueOf(scope, type),
        this.valueOf(scope, type),
      );
      resultType = Type.I32;
    } else if (roll < 0.6) {
      const conv = this.genConvert(scope, type);
      if (conv === null) return;
      [result, resultType] = conv;
    } else if (roll < 0.65) {
      result = fb.select(this.valueOf(scope, Type.I32), this.valueOf(scope, type), this.valueOf(scope, type));
    } else if (roll < 0.75 && m.memory !== null) {
      this.genMemory(scope, type);
      return;
    } else if (roll < 0.82 && this.randomGlobals > 0) {
      const g = rng.int(this.randomGlobals);
      const global = m.globals[g]!;
      if (global.mutable && rng.chance(0.5)) {
        fb.globalSet(g, this.valueOf(scope, global.type));
        return;
      }
      result = fb.globalGet(g);
      resultType = global.type;
    } else if (roll < 0.92) {
      const call = this.genCall(scope);
      if (call === null) return;
      [result, resultType] = call;
    } else if (this.traps && roll < 0.94) {
      const cond = fb.binary(
        Op.Eq,
        this.valueOf(scope, Type.I32),
        fb.const(Type.I32, rng.pick([12345, 7, -1])),
      );
      fb.trapIf(
        cond,
        rng.pick([TrapKind.Unreachable, TrapKind.IndexOutOfBounds, TrapKind.NegativeArrayLength]),
      );
      return;
    } else {
      result = fb.const(type, this.constValue(type));
    }
    if (result >= 0) scope.values.push({ id: result, type: resultType });
  }

  private genConvert(scope: Scope, to: Type): [number, Type] | null {
    const rng = this.rng;
    const fb = this.fb;
    const from = rng.pick(TYPES);
    const fromInt = from === Type.I32 || from === Type.I64;
    const toInt = to === Type.I32 || to === Type.I64;
    const a = this.valueOf(scope, from);
    let op: Op;
    if (fromInt && toInt) {
      if (from === to) return null;
      op = from === Type.I64 ? Op.Wrap : rng.pick([Op.ExtendS, Op.ExtendU]);
    } else if (!fromInt && toInt) {
      op = rng.pick(
        this.traps ? [Op.TruncS, Op.TruncU, Op.TruncSatS, Op.TruncSatU] : [Op.TruncSatS, Op.TruncSatU],
      );
    } else if (fromInt && !toInt) {
      const sameWidth = (from === Type.I32) === (to === Type.F32);
      op = sameWidth && rng.chance(0.3) ? Op.Reinterpret : rng.pick([Op.ConvertS, Op.ConvertU]);
    } else {
      if (from === to) return null;
      op = from === Type.F64 ? Op.Demote : Op.Promote;
    }
    return [fb.convert(op, to, a), to];
  }

  /**
   * An access to element i of an array in the integer region (`base + (i << 2)` or
   * `<< 3`), i below 4: the addresses `strength-reduce` steps.
   */
  private genArrayAccess(scope: Scope, i: number): void {
    const rng = this.rng;
    const fb = this.fb;
    const type = rng.pick([Type.I32, Type.I64]);
    const shift = type === Type.I32 ? 2 : 3;
    const address = fb.binary(
      Op.Add,
      fb.const(Type.I32, 0x100 + 16 * rng.int(0x600)),
      fb.binary(Op.Shl, i, fb.const(Type.I32, shift)),
    );
    if (rng.chance(0.5)) fb.store(Op.Store, address, this.valueOf(scope, type), rng.int(8));
    else scope.values.push({ id: fb.load(Op.Load, type, address, rng.int(8)), type });
  }

  private genMemory(scope: Scope, type: Type): void {
    const rng = this.rng;
    const fb = this.fb;
    const raw = this.valueOf(scope, Type.I32);
    const isInt = type === Type.I32 || type === Type.I64;
    // Integers live in [0, 0x8000), floats in [0x8000, 0x10000): integer loads never see the
    // bytes of a float, whose NaN bits WebAssembly leaves unspecified. Integer accesses are
    // sometimes raw (and may trap out of bounds).
    let address: number;
    if (isInt) {
      address = this.traps && rng.chance(0.1) ? raw : fb.binary(Op.And, raw, fb.const(Type.I32, 0x7ff0));
    } else {
      address = fb.binary(
        Op.Or,
        fb.binary(Op.And, raw, fb.const(Type.I32, 0x7ff0)),
        fb.const(Type.I32, 0x8000),
      );
    }
    const offset = rng.chance(0.7) ? 0 : rng.int(8);
    if (rng.chance(0.5)) {
      const narrow = type === Type.I64 ? [Op.Store8, Op.Store16, Op.Store32] : [Op.Store8, Op.Store16];
      const op = isInt && rng.chance(0.5) ? rng.pick(narrow) : Op.Store;
      fb.store(op, address, this.valueOf(scope, type), offset);
      return;
    }
    const narrowLoads = [Op.Load8S, Op.Load8U, Op.Load16S, Op.Load16U];
    if (type === Type.I64) narrowLoads.push(Op.Load32S, Op.Load32U);
    const op = isInt && rng.chance(0.5) ? rng.pick(narrowLoads) : Op.Load;
    scope.values.push({ id: fb.load(op, type, address, offset), type });
    if (rng.chance(0.1)) {
      const delta = fb.const(Type.I32, rng.int(2));
      scope.values.push({ id: rng.chance(0.5) ? fb.memoryGrow(delta) : fb.memorySize(), type: Type.I32 });
    }
  }

  /**
   * A call of this function or a lower one but main — recursion, possibly mutual — taken
   * only while the global `fuel` lasts; otherwise the result is a fallback value.
   */
  private genRecursiveCall(scope: Scope): [number, Type] | null {
    const fb = this.fb;
    const callee = this.rng.range(1, this.funcIndex);
    const sig = this.mb.module.functions[callee]!;
    const args = sig.params.map((t) => this.valueOf(scope, t));
    const resultType = sig.results[0];
    const fallback = resultType === undefined ? [] : [this.valueOf(scope, resultType)];
    const fuel = fb.globalGet(this.fuelGlobal);
    const callBlock = fb.block().id;
    const join = fb.block(resultType === undefined ? [] : [resultType]);
    fb.brIf(fb.binary(Op.GtS, fuel, fb.const(Type.I32, 0)), callBlock, [], join.id, fallback);
    fb.switchTo(callBlock);
    fb.globalSet(this.fuelGlobal, fb.binary(Op.Sub, fuel, fb.const(Type.I32, 1)));
    const result = fb.call(callee, args);
    fb.jump(join.id, result < 0 ? [] : [result]);
    fb.switchTo(join.id);
    return resultType === undefined ? null : [join.params[0]!, resultType];
  }

  private genCall(scope: Scope): [number, Type] | null {
    const rng = this.rng;
    const fb = this.fb;
    const m = this.mb.module;
    const f = this.funcIndex;
    const kind = rng.int(3);
    if (kind === 0 && f > 0 && (f + 1 === m.functions.length || rng.chance(0.25)))
      return this.genRecursiveCall(scope);
    if (kind === 0 && f + 1 < m.functions.length) {
      const callee = rng.range(f + 1, m.functions.length - 1);
      const sig = m.functions[callee]!;
      const result = fb.call(
        callee,
        sig.params.map((t) => this.valueOf(scope, t)),
      );
      return result < 0 ? null : [result, sig.results[0]!];
    }
    if (kind === 1 && m.imports.length > 0) {
      const h = rng.int(m.imports.length);
      const imp = m.imports[h]!;
      const result = fb.callHost(
        h,
        imp.params.map((t) => this.valueOf(scope, t)),
      );
      return result < 0 ? null : [result, imp.results[0]!];
    }
    if (kind === 2 && m.table.length > 0) {
      // only slots whose target cannot recurse back (higher index), or null/mismatch traps
      const slots = m.table
        .map((target, slot) => ({ target, slot }))
        .filter((e) => e.target > f || (this.traps && e.target < 0));
      if (slots.length === 0) return null;
      const { target, slot } = rng.pick(slots);
      let sig = target >= 0 ? m.functions[target]! : { params: [Type.I32], results: [Type.I32] };
      if (this.traps && rng.chance(0.1)) sig = { params: [Type.F64], results: [] };
      let index = fb.const(Type.I32, slot);
      // a call site that turns polymorphic (or starts trapping) after some calls of main
      const others = slots.filter(
        (e) => e.slot !== slot && (this.traps || signaturesEqual(m.functions[e.target]!, sig)),
      );
      if (others.length > 0 && rng.chance(0.4)) {
        const later = fb.const(Type.I32, rng.pick(others).slot);
        const turned = fb.binary(Op.GtS, fb.globalGet(this.epochGlobal), fb.const(Type.I32, rng.range(1, 8)));
        index = fb.select(turned, later, index);
      }
      const result = fb.callIndirect(
        { params: sig.params, results: sig.results },
        index,
        sig.params.map((t) => this.valueOf(scope, t)),
      );
      return result < 0 ? null : [result, sig.results[0]!];
    }
    return null;
  }
}

/** Recursive calls one call of main may make (they are guarded by the global `fuel`). */
const RECURSION_FUEL = 16;

export function randomModule(seed: number, options: RandomModuleOptions = {}): Module {
  return new Generator(seed, options).build();
}

/** A deterministic host for random modules: every import folds its arguments into a value. */
export function randomHost(
  module: Module,
  log: string[],
): Record<string, Record<string, (...args: unknown[]) => unknown>> {
  const env: Record<string, (...args: unknown[]) => unknown> = {};
  for (const imp of module.imports) {
    env[imp.field] = (...args: unknown[]) => {
      log.push(`${imp.name}(${args.map((a) => formatScalar(a)).join(", ")})`);
      const result = imp.results[0];
      if (result === undefined) return undefined;
      let acc = 17n;
      for (const a of args)
        acc = BigInt.asIntN(
          64,
          acc * 31n + (typeof a === "bigint" ? a : BigInt(Math.trunc(Number(a) || 0) | 0)),
        );
      if (result === Type.I64) return acc;
      if (result === Type.I32) return Number(BigInt.asIntN(32, acc));
      return Number(acc % 1000n) / 8;
    };
  }
  return { env };
}

/** Start of the memory region where generated programs keep floats (see genMemory). */
export const FLOAT_REGION_START = 0x8000;
const LANE_BINARY = [Op.Add, Op.Sub, Op.Mul, Op.Div, Op.Min, Op.Max];
const LANE_UNARY = [Op.Neg, Op.Abs, Op.Sqrt, Op.Ceil, Op.Floor, Op.Trunc, Op.Nearest];

/**
 * The part of memory whose bytes every tier must agree on: the integer region. The float
 * region holds NaNs whose bits WebAssembly leaves unspecified (a compile-time-folded
 * `inf - inf` and a hardware one differ), so it is compared only through deterministic uses.
 */
export function observableMemory(memory: Uint8Array): Uint8Array {
  return memory.subarray(0, Math.min(memory.length, FLOAT_REGION_START));
}

export function formatScalar(value: unknown): string {
  if (typeof value === "number" && Object.is(value, -0)) return "-0";
  return String(value);
}
