/**
 * IR function → WebAssembly function body, in one pass over the function.
 *
 * Control flow: the CFG (reducible, as the verifier guarantees) becomes structured Wasm by
 * Ramsey's algorithm ("Beyond Relooper", ICFP 2022), driven by the dominator tree: a
 * block's dominator-tree children that are merge points (two or more forward edges) are
 * placed after nested `block`s wrapped around the block's own code, so that a forward edge
 * to them is a `br` out of the right `block`; a loop header (target of a back edge) is
 * wrapped in a `loop`; a child with a single forward edge is emitted inline where that
 * edge is taken. Unreachable blocks are never emitted.
 *
 * SSA out of form: every IR value gets a Wasm local of its type (parameters are the Wasm
 * parameters). A branch passes block arguments by pushing all of them on the operand
 * stack and then popping into the target's parameter locals in reverse, so parallel
 * copies (swaps, rotations) need no temporaries. Locals are numbered in one linear pass.
 *
 * Calls between IR functions go through the shared dispatch table (`call_indirect` with
 * the callee's slot), so that a later tier replaces a function by setting its slot.
 */

import { computeDominatorTables, DominatorScratch, type DominatorTables } from "../ir/dominance.js";
import type { Block, BlockCall, Inst, IrFunction, Module, Terminator } from "../ir/ir.js";
import { computeLiveness, type Liveness, liveInValues } from "../ir/liveness.js";
import { Op, OpKind, opInfo, TermOp } from "../ir/ops.js";
import { TrapKind } from "../ir/trap.js";
import { isFloatType, isVectorType, TYPE_COUNT, Type } from "../ir/types.js";
import { MANY_TARGETS } from "../opt/profile-sites.js";
import type { ByteBuffer } from "./encoder.js";
import {
  ARITH_OPCODE,
  conversionOpcode,
  f64x2Opcode,
  loadOpcode,
  naturalAlign,
  SIMD_PREFIX,
  storeOpcode,
  V128_LOAD,
  V128_STORE,
  VALTYPE,
} from "./opcodes.js";

/** How the surrounding module is laid out, as far as one function's code needs to know. */
export interface ModuleLayoutInfo {
  /** Wasm function index of the runtime's `trap(kind: i32)` import. */
  trapFunction: number;
  /** Wasm function index of IR import `i` (host functions). */
  hostFunction(importIndex: number): number;
  /** Wasm type index of a signature (interned by the caller). */
  typeIndex(params: Type[], results: Type[]): number;
  /** Wasm table index of the guest table for IR type index `t`. */
  guestTable(irTypeIndex: number): number;
  /** Wasm table index of the dispatch table. */
  dispatchTable: number;
  /** Wasm function index of `rt.safepoint(funcId: i32, kind: i32) -> i32 newBudget`. */
  safepointFunction: number;
}

/** What profiling code a function carries (docs/tiers.md, "Instrumentation"). */
export enum Instrument {
  None = 0,
  /** A budget decremented at entry (Tier 1: reaches the runtime to go hot). */
  Entry = 1,
  /** Budgets at entry and at every loop back-edge (Tier 0: also makes long loops reach safepoints). */
  EntryAndLoops = 2,
  /**
   * Budgets at entry and at every `osr_point` (Tier 1 when it can tier up: a loop running in
   * Tier 1 code counts its iterations there, and hands over to an OSR entry of the program's
   * function at that loop header).
   */
  EntryAndOsrPoints = 3,
}

/**
 * The `kind` argument of `rt.safepoint`: Entry, or BackEdge (bit 0) with bit 1 set where
 * the code can hand over to an OSR entry, plus four times the loop header's block index
 * (`backEdgeKind`), so that the runtime knows which loop is running.
 */
export enum SafepointKind {
  Entry = 0,
  BackEdge = 1,
}

const OSR_CAPABLE = 2;

/**
 * The `kind` of a deopt exit's call of `rt.safepoint` (Tier 2 code): bit 1 without bit 0,
 * plus four times the guard's number.
 */
export function deoptKind(guard: number): number {
  return OSR_CAPABLE + 4 * guard;
}

/** The guard of a deopt exit's safepoint kind, else -1. */
export function deoptGuardOf(kind: number): number {
  return (kind & 3) === OSR_CAPABLE ? kind >> 2 : -1;
}

export function backEdgeKind(header: number, osrCapable: boolean): number {
  return SafepointKind.BackEdge + (osrCapable ? OSR_CAPABLE : 0) + 4 * header;
}

/** The loop header of a back-edge safepoint whose code can hand over to an OSR entry, else -1. */
export function osrHeaderOf(kind: number): number {
  return (kind & 3) === SafepointKind.BackEdge + OSR_CAPABLE ? kind >> 2 : -1;
}

enum Ctl {
  Loop,
  Block,
  Other,
}

const BLOCKTYPE_EMPTY = 0x40;

/** Where a function's profile records live: the first Wasm global of each kind, -1 for none. */
export interface ProfileGlobals {
  /** One per branch edge (`profile_edge`). */
  edge: number;
  /** Two per indirect call site (`profile_target`). */
  target: number;
  /** One counter per direct call site (`profile_call`). */
  call: number;
  /** One counter per indirect call site (`profile_target`). */
  targetCount: number;
}

export const NO_PROFILE_GLOBALS: ProfileGlobals = { edge: -1, target: -1, call: -1, targetCount: -1 };

export class FunctionCodegen {
  private fn!: IrFunction;
  /** `fn.blocks`, read once: a lazily parsed function's `blocks` is an accessor (ir/parser.ts). */
  private blocks: Block[] = [];
  private tree!: DominatorTables;
  /** The dominator tree's tables, reused from function to function. */
  private readonly dominators = new DominatorScratch();
  /**
   * Local index of each value id (the first `valueCount`; reused from function to
   * function), or REMATERIALIZED for an i32 constant, which has no local.
   */
  private localOf = new Int32Array(0);
  /** The value of each rematerialized i32 constant (as `localOf`). */
  private constantOf = new Int32Array(0);
  /** IR type of each value id (as `localOf`). */
  private typeOf = new Uint8Array(0);
  /** assignLocals' work tables (as `localOf`): last uses, and pool slots of temporaries. */
  private lastUse = new Int32Array(0);
  private slotOf = new Int32Array(0);
  /**
   * assignLocals' per-type tables (reused): own locals, pool slots, the next own local,
   * the pool's first local, and the free pool slots (stacks of `freeCount` entries).
   */
  private readonly localTables = {
    counts: new Int32Array(TYPE_COUNT),
    pooled: new Int32Array(TYPE_COUNT),
    next: new Int32Array(TYPE_COUNT),
    poolBase: new Int32Array(TYPE_COUNT),
    free: Array.from({ length: TYPE_COUNT }, (): number[] => []),
    freeCount: new Int32Array(TYPE_COUNT),
  };
  private valueCount = 0;
  private forwardIn = new Int32Array(0);
  private loopHeader = new Uint8Array(0);
  /**
   * Each block's dominator-tree children that are merge points, as lists threaded through
   * two tables (-1 ends a list): latest in reverse postorder first.
   */
  private firstMergeChild = new Int32Array(0);
  private nextMergeSibling = new Int32Array(0);
  /** The control stack: kind and (for loops and blocks) the IR block it belongs to. */
  // (the first `ctlDepth` entries: arrays kept at their largest size, where `length = 0`
  // would drop their storage and make each function grow them again)
  private readonly ctlKind: Ctl[] = [];
  private readonly ctlBlock: number[] = [];
  private ctlDepth = 0;
  /**
   * Code offsets (relative to the body's first instruction) and the IR locations there:
   * new lists for each function, which the caller may keep.
   */
  offsets: number[] = [];
  locs: number[] = [];
  /** Per entry of `locs`, the inline site (-1: the function's own code); empty when it has no sites. */
  sites: number[] = [];
  /** Code offsets (as `offsets`) of `if`s whose body rarely runs, ascending; a new list each function. */
  unlikely: number[] = [];
  private lastLoc = -1;
  private lastSite = -1;
  private trackSites = false;
  private codeStart = 0;
  private funcId = 0;
  private instrument = Instrument.None;
  /** Wasm global index of the function's entry budget; the loop budget is the next one. */
  private budgetGlobal = -1;
  /** Wasm global index of the function's first edge counter (`profile_edge`), -1 for none. */
  private edgeGlobal = -1;
  /** Wasm global index of the function's first call-target record (`profile_target`), -1 for none. */
  private targetGlobal = -1;
  /** Wasm global index of the function's first direct-call counter (`profile_call`), -1 for none. */
  private callGlobal = -1;
  /** Wasm global index of the function's first indirect-call counter (`profile_target`), -1 for none. */
  private targetCountGlobal = -1;
  /** The i32 local holding the frame's loop budget (`osr_point`s), or -1. */
  private loopBudgetLocal = -1;
  /** Emit OSR hand-overs at back-edges (only with loop budgets). */
  private osr = false;
  /** Live values at block entries, for OSR hand-overs (computed once per function, when needed). */
  private liveness: Liveness | null = null;

  constructor(
    private readonly module: Module,
    private readonly layout: ModuleLayoutInfo,
    private readonly out: ByteBuffer,
  ) {}

  /**
   * Emits the body of `fn` (its instructions and final `end`) into `out`; returns the
   * local declarations (runs of [count, valtype]) beyond the parameters.
   */
  compile(
    fn: IrFunction,
    funcId = 0,
    instrument = Instrument.None,
    budgetGlobal = -1,
    osr = false,
    profile: ProfileGlobals = NO_PROFILE_GLOBALS,
  ): [number, number][] {
    this.fn = fn;
    this.blocks = fn.blocks;
    this.osr = osr && instrument === Instrument.EntryAndLoops;
    this.liveness = null;
    this.funcId = funcId;
    this.instrument = instrument;
    this.budgetGlobal = budgetGlobal;
    this.edgeGlobal = profile.edge;
    this.targetGlobal = profile.target;
    this.callGlobal = profile.call;
    this.targetCountGlobal = profile.targetCount;
    this.offsets = [];
    this.unlikely = [];
    this.locs = [];
    this.sites = [];
    this.trackSites = fn.inlineSites !== undefined && fn.inlineSites.length > 0;
    this.lastLoc = -1;
    this.lastSite = -1;
    this.codeStart = this.out.length;
    const locals = this.assignLocals();
    this.analyse();
    this.ctlDepth = 0;
    if (instrument !== Instrument.None) {
      this.mark(fn.loc);
      this.emitEntryBudgetCheck();
    }
    if (this.loopBudgetLocal >= 0) {
      // the frame's loop budget starts where the last safepoint left the function's
      this.out.opU32(0x23, this.budgetGlobal + 1);
      this.out.opU32(0x21, this.loopBudgetLocal);
    }
    if (this.blocks.length > 0) this.doTree(0);
    // every path has branched or returned; make the fall-through explicit for the validator
    this.out.u8(0x00);
    this.out.u8(0x0b);
    return locals;
  }

  // ---- analysis ----

  /**
   * Names of the locals of the function just compiled, by local index: "vN" for a value's
   * own local, "tmpK" for a pooled one (undefined: unnamed, the loop budget).
   */
  localNames(): (string | undefined)[] {
    const localOf = this.localOf;
    const values = this.valueCount;
    let locals = 0;
    for (let value = 0; value < values; value++) if (localOf[value]! >= locals) locals = localOf[value]! + 1;
    const names: (string | undefined)[] = new Array(locals).fill(undefined);
    for (let value = 0; value < values; value++) {
      const local = localOf[value]!;
      if (local >= 0 && this.slotOf[value] === NO_SLOT) names[local] = valueName(value);
    }
    // per type, the pool's locals of the function just compiled
    const { pooled, poolBase } = this.localTables;
    let k = 0;
    for (let t = 0; t < TYPE_COUNT; t++)
      for (let local = poolBase[t]!; local < poolBase[t]! + pooled[t]!; local++)
        names[local] = pooledName(k++);
    return names;
  }

  /**
   * Gives every IR value a Wasm local. A value that an instruction defines and only later
   * instructions of the same block use (not its terminator) is a *temporary*: it takes a
   * local from a per-type pool, which gets it back after the last use, so a long block
   * needs a handful of locals rather than one per value. Block parameters and values used
   * by another block or by a terminator keep a local of their own (code for other blocks
   * is emitted inside a terminator's). Liftoff's compile time grows with locals × calls:
   * with one local per value, `main` of the 10 000-function start-up program (one block,
   * 30 000 values) took 300 ms to compile. Linear: four passes over the function.
   */
  private assignLocals(): [number, number][] {
    const fn = this.fn;
    const blocks = this.blocks;
    let maxValue = -1;
    for (let b = 0; b < blocks.length; b++) {
      const { params, insts } = blocks[b]!;
      for (let i = 0; i < params.length; i++) if (params[i]! > maxValue) maxValue = params[i]!;
      for (let i = 0; i < insts.length; i++) if (insts[i]!.result > maxValue) maxValue = insts[i]!.result;
    }
    // the tables are reused from function to function (fresh typed arrays of this size
    // would mostly live outside V8's heap, each an allocation to track)
    const values = maxValue + 1;
    if (this.localOf.length < values) {
      const capacity = Math.max(values, 2 * this.localOf.length, 64);
      this.localOf = new Int32Array(capacity);
      this.typeOf = new Uint8Array(capacity);
      this.lastUse = new Int32Array(capacity);
      this.slotOf = new Int32Array(capacity);
      this.constantOf = new Int32Array(capacity);
    }
    this.valueCount = values;
    const localOf = this.localOf;
    const typeOf = this.typeOf;
    const lastUse = this.lastUse;
    const slotOf = this.slotOf;
    // (typeOf needs no clearing: every value is typed where it is defined)
    localOf.fill(-1, 0, values);
    // lastUse: for a value an instruction defines, the index of its last use in that block
    // (-1: none yet); OWN_LOCAL for the others
    lastUse.fill(OWN_LOCAL, 0, values);
    slotOf.fill(NO_SLOT, 0, values);
    const entry = blocks[0];
    if (entry !== undefined) {
      for (let i = 0; i < entry.params.length; i++) {
        localOf[entry.params[i]!] = i;
        typeOf[entry.params[i]!] = entry.paramTypes[i]!;
      }
    }
    // which block defines each instruction result: in `slotOf` until slots are handed out;
    // an i32 constant is emitted where it is used instead, so it needs no local
    const constantOf = this.constantOf;
    for (let b = 0; b < blocks.length; b++) {
      const insts = blocks[b]!.insts;
      for (let i = 0; i < insts.length; i++) {
        const inst = insts[i]!;
        const result = inst.result;
        if (result < 0) continue;
        if (inst.op === Op.Const && inst.type === Type.I32) {
          localOf[result] = REMATERIALIZED;
          constantOf[result] = inst.imm;
          continue;
        }
        lastUse[result] = -1;
        slotOf[result] = b;
      }
    }
    for (let b = 0; b < blocks.length; b++) {
      const { insts, term } = blocks[b]!;
      for (let i = 0; i < insts.length; i++) {
        const args = insts[i]!.args;
        for (let k = 0; k < args.length; k++) {
          const v = args[k]!;
          if (lastUse[v] !== OWN_LOCAL) lastUse[v] = slotOf[v] === b ? i : OWN_LOCAL;
        }
      }
      for (let k = 0; k < term.args.length; k++) lastUse[term.args[k]!] = OWN_LOCAL;
      const targets = term.targets;
      for (let t = 0; t < targets.length; t++) {
        const edgeArgs = targets[t]!.args;
        for (let k = 0; k < edgeArgs.length; k++) lastUse[edgeArgs[k]!] = OWN_LOCAL;
      }
    }
    // from here slotOf is a temporary's pool slot (results are given theirs as the walk
    // reaches them; until then a result's entry still names its block, never read)
    const { counts, pooled, next, poolBase, free, freeCount } = this.localTables;
    counts.fill(0);
    pooled.fill(0);
    freeCount.fill(0);
    // the frame's loop budget (emitLoopBudgetCheck): the last i32 local
    this.loopBudgetLocal = -1;
    const loopBudget =
      this.instrument === Instrument.EntryAndLoops ||
      (this.instrument === Instrument.EntryAndOsrPoints &&
        blocks.some((block) => block.insts.some((inst) => inst.op === Op.OsrPoint)));
    for (let b = 0; b < blocks.length; b++) {
      const { params, paramTypes, insts } = blocks[b]!;
      if (b !== 0) {
        for (let i = 0; i < params.length; i++) {
          const v = params[i]!;
          if (localOf[v] !== -1) continue;
          typeOf[v] = paramTypes[i]!;
          localOf[v] = -2;
          counts[paramTypes[i]!]!++;
        }
      }
      for (let i = 0; i < insts.length; i++) {
        const inst = insts[i]!;
        // operands are read before the result is written: a temporary's last use frees
        // its slot for the result of the same instruction
        const args = inst.args;
        for (let k = 0; k < args.length; k++) {
          const v = args[k]!;
          if (lastUse[v] === i && slotOf[v] !== NO_SLOT) {
            free[typeOf[v]!]![freeCount[typeOf[v]!]!++] = slotOf[v]!;
            lastUse[v] = OWN_LOCAL; // freed once, though it may be an operand twice
          }
        }
        const result = inst.result;
        if (result < 0) continue;
        const type = inst.type;
        typeOf[result] = type;
        if (localOf[result] === REMATERIALIZED) continue;
        if (lastUse[result] === OWN_LOCAL) {
          localOf[result] = -2;
          slotOf[result] = NO_SLOT;
          counts[type]!++;
          continue;
        }
        const slot = freeCount[type]! > 0 ? free[type]![--freeCount[type]!]! : pooled[type]!++;
        slotOf[result] = slot;
        // never used: the slot is free again at once
        if (lastUse[result] === -1) free[type]![freeCount[type]!++] = slot;
      }
    }
    // locals are grouped by type after the parameters — [i32: own, pooled, loop budget]
    // [i64: own, pooled] [f32 …] [f64 …] [f64x2 …]
    let base = fn.params.length;
    for (let t = 0; t < TYPE_COUNT; t++) {
      next[t] = base;
      poolBase[t] = base + counts[t]!;
      base += counts[t]! + pooled[t]! + (t === 0 && loopBudget ? 1 : 0);
    }
    for (let v = 0; v <= maxValue; v++) {
      if (localOf[v] === -2) localOf[v] = next[typeOf[v]!]!++;
      else if (slotOf[v] !== NO_SLOT) localOf[v] = poolBase[typeOf[v]!]! + slotOf[v]!;
    }
    if (loopBudget) this.loopBudgetLocal = poolBase[0]! + pooled[0]!;
    const runs: [number, number][] = [];
    for (let t = 0; t < TYPE_COUNT; t++) {
      const total = counts[t]! + pooled[t]! + (t === 0 && loopBudget ? 1 : 0);
      if (total > 0) runs.push([total, VALTYPE[t]!]);
    }
    return runs;
  }

  private analyse(): void {
    const fn = this.fn;
    const tree = computeDominatorTables(fn, this.dominators);
    this.tree = tree;
    const count = this.blocks.length;
    if (this.forwardIn.length < count) {
      const size = Math.max(count, 2 * this.forwardIn.length, 16);
      this.forwardIn = new Int32Array(size);
      this.loopHeader = new Uint8Array(size);
      this.firstMergeChild = new Int32Array(size);
      this.nextMergeSibling = new Int32Array(size);
    }
    const { forwardIn, loopHeader, firstMergeChild, nextMergeSibling } = this;
    forwardIn.fill(0, 0, count);
    loopHeader.fill(0, 0, count);
    firstMergeChild.fill(-1, 0, count);
    const rpo = tree.rpo;
    for (let i = 0; i < tree.rpoCount; i++) {
      const b = rpo[i]!;
      const targets = this.blocks[b]!.term.targets;
      for (let k = 0; k < targets.length; k++) {
        const target = targets[k]!.block;
        if (tree.rpoIndex[target]! > i) forwardIn[target]!++;
        else loopHeader[target] = 1;
      }
    }
    // a block's forward edges all come from blocks before it, so it is known to be a merge
    // when it is reached; each is put first in its parent's list, so that the latest merge
    // child in reverse postorder comes first and gets the outermost block
    for (let i = 1; i < tree.rpoCount; i++) {
      const b = rpo[i]!;
      if (forwardIn[b]! < 2) continue;
      const parent = tree.idom[b]!;
      nextMergeSibling[b] = firstMergeChild[parent]!;
      firstMergeChild[parent] = b;
    }
  }

  private isMerge(block: number): boolean {
    return this.forwardIn[block]! >= 2;
  }

  // ---- structured control flow (Ramsey) ----

  private push(kind: Ctl, block: number): void {
    this.ctlKind[this.ctlDepth] = kind;
    this.ctlBlock[this.ctlDepth] = block;
    this.ctlDepth++;
  }

  private pop(): void {
    this.ctlDepth--;
  }

  private depthOf(kind: Ctl, block: number): number {
    for (let i = this.ctlDepth - 1; i >= 0; i--) {
      if (this.ctlKind[i] === kind && this.ctlBlock[i] === block) return this.ctlDepth - 1 - i;
    }
    throw new Error(`codegen: no enclosing label for block${block}`);
  }

  private doTree(block: number): void {
    const merge = this.firstMergeChild[block]!;
    if (this.loopHeader[block] === 1) {
      this.out.u8(0x03);
      this.out.u8(BLOCKTYPE_EMPTY);
      this.push(Ctl.Loop, block);
      this.nodeWithin(block, merge);
      this.pop();
      this.out.u8(0x0b);
    } else {
      this.nodeWithin(block, merge);
    }
  }

  /** `block`'s code inside a Wasm block for `merge` and each merge child after it. */
  private nodeWithin(block: number, merge: number): void {
    if (merge === -1) {
      this.emitBlockCode(block);
      return;
    }
    this.out.u8(0x02);
    this.out.u8(BLOCKTYPE_EMPTY);
    this.push(Ctl.Block, merge);
    this.nodeWithin(block, this.nextMergeSibling[merge]!);
    this.pop();
    this.out.u8(0x0b);
    this.doTree(merge);
  }

  private doBranch(source: number, edge: BlockCall): void {
    const target = edge.block;
    const params = this.blocks[target]!.params;
    const args = edge.args;
    for (let i = 0; i < args.length; i++) this.getLocal(args[i]!);
    for (let i = params.length - 1; i >= 0; i--) this.setLocal(params[i]!);
    const rpo = this.tree.rpoIndex;
    if (rpo[target]! <= rpo[source]!) {
      if (this.instrument === Instrument.EntryAndLoops) {
        const handover = this.osrHandover(target);
        this.emitLoopBudgetCheck(backEdgeKind(target, handover !== null), handover);
      }
      this.br(this.depthOf(Ctl.Loop, target));
    } else if (this.isMerge(target)) {
      this.br(this.depthOf(Ctl.Block, target));
    } else {
      this.doTree(target);
    }
  }

  /** The OSR hand-over for a back-edge to `header` (header arguments are already in its parameters' locals). */
  private osrHandover(header: number): (() => void) | null {
    if (!this.osr) return null;
    if (header === 0) return null;
    this.liveness ??= computeLiveness(this.fn, this.tree);
    const liveIns = liveInValues(this.liveness, header);
    return () => this.handOver([...this.blocks[header]!.params, ...liveIns]);
  }

  /**
   * Tail-calls the OSR entry function in dispatch slot ~budget (the loop budget holds the
   * runtime's answer) with `passed`: the loop header's parameters, then its live-ins.
   */
  private handOver(passed: readonly number[]): void {
    const out = this.out;
    for (const v of passed) this.getLocal(v);
    const types = passed.map((v) => this.typeOf[v] as Type);
    out.opU32(0x23, this.budgetGlobal + 1);
    out.opS32(0x41, -1);
    out.u8(0x73); // i32.xor: the slot is ~budget
    out.opU32(0x13, this.layout.typeIndex(types, this.fn.results)); // return_call_indirect
    out.u32(this.layout.dispatchTable);
  }

  /**
   * budget -= 1; if (budget <= 0) budget = rt.safepoint(funcId, Entry), on the function's
   * entry budget global (shared by its frames: it counts calls). The runtime counts, decides
   * tiers, installs finished code and checks deadlines there.
   */
  private emitEntryBudgetCheck(): void {
    const out = this.out;
    const global = this.budgetGlobal;
    out.opU32(0x23, global);
    out.opS32(0x41, 1);
    out.u8(0x6b); // i32.sub
    out.opU32(0x24, global);
    out.opU32(0x23, global);
    out.opS32(0x41, 0);
    out.u8(0x4c); // i32.le_s
    this.unlikelyIf();
    this.callSafepoint(SafepointKind.Entry);
    out.opU32(0x24, global);
    out.u8(0x0b);
  }

  /** `rt.safepoint(funcId, kind)`, its answer (the next budget) left on the stack. */
  private callSafepoint(kind: number): void {
    const out = this.out;
    out.opS32(0x41, this.funcId);
    out.opS32(0x41, kind);
    out.opU32(0x10, this.layout.safepointFunction);
  }

  /**
   * A loop budget check (Tier 0's back-edges, Tier 1's `osr_point`s), like the entry's but
   * on a budget in a local of the frame: only a safepoint's answer is stored to the
   * function's loop budget global, where the next frame's budget starts and where the
   * hand-over reads the entry's slot. A global's load and store at every iteration cost a
   * small loop 50–60% (measured); a local lives in a register. At a back-edge with an OSR
   * entry possible, a negative answer means "enter the optimized code": `handover` then
   * tail-calls dispatch slot ~budget with the header's arguments and the live-ins, so this
   * frame is replaced and the guest stack stays exact.
   */
  private emitLoopBudgetCheck(kind: number, handover: (() => void) | null): void {
    const out = this.out;
    const local = this.loopBudgetLocal;
    out.opU32(0x20, local);
    out.opS32(0x41, 1);
    out.u8(0x6b); // i32.sub
    out.opU32(0x22, local);
    out.opS32(0x41, 0);
    out.u8(0x4c); // i32.le_s
    this.unlikelyIf();
    this.callSafepoint(kind);
    out.opU32(0x22, local);
    out.opU32(0x24, this.budgetGlobal + 1);
    if (handover !== null) {
      out.opU32(0x20, local);
      out.opS32(0x41, 0);
      out.u8(0x48); // i32.lt_s
      this.unlikelyIf();
      handover();
      out.u8(0x0b);
    }
    out.u8(0x0b);
  }

  /**
   * `if` (empty block type) around code that rarely runs — a safepoint call, an OSR
   * hand-over, a trap — recorded for the module's branch hints (encoder.ts), so that an
   * engine that reads them keeps that code out of the hot path (V8's TurboFan: a call in a
   * loop's cold branch no longer costs the loop its registers).
   */
  private unlikelyIf(): void {
    this.unlikely.push(this.out.length - this.codeStart);
    this.out.u8(0x04);
    this.out.u8(BLOCKTYPE_EMPTY);
  }

  private br(depth: number): void {
    this.out.opU32(0x0c, depth);
  }

  private emitTerminator(source: number, term: Terminator): void {
    const out = this.out;
    this.mark(term.loc, term.site);
    switch (term.op) {
      case TermOp.Jump:
        this.doBranch(source, term.targets[0]!);
        return;
      case TermOp.BrIf:
        this.getLocal(term.args[0]!);
        out.u8(0x04);
        out.u8(BLOCKTYPE_EMPTY);
        this.push(Ctl.Other, -1);
        this.doBranch(source, term.targets[0]!);
        out.u8(0x05);
        this.doBranch(source, term.targets[1]!);
        this.pop();
        out.u8(0x0b);
        return;
      case TermOp.BrTable:
        this.emitBrTable(source, term);
        return;
      case TermOp.Return:
        if (term.args.length > 0) this.getLocal(term.args[0]!);
        out.u8(0x0f);
        return;
      case TermOp.Trap:
        this.emitTrap(term.imm);
        return;
      case TermOp.Unreachable:
        out.u8(0x00);
        return;
      case TermOp.Deopt:
        // the resume functions a deopt exit calls are compiled into Tier 2's units only
        throw new Error(`${this.fn.name}: deopt exits are compiled by Tier 2 only`);
    }
  }

  /**
   * br_table: one landing pad per distinct edge, as nested blocks; the table branches out
   * of the block whose end is followed by that edge's code.
   */
  private emitBrTable(source: number, term: Terminator): void {
    const out = this.out;
    const pads: BlockCall[] = [];
    const padOf = term.targets.map((edge) => {
      let pad = pads.findIndex((p) => p.block === edge.block && sameArgs(p.args, edge.args));
      if (pad < 0) {
        pad = pads.length;
        pads.push(edge);
      }
      return pad;
    });
    for (let i = 0; i < pads.length; i++) {
      out.u8(0x02);
      out.u8(BLOCKTYPE_EMPTY);
      this.push(Ctl.Other, -1);
    }
    this.getLocal(term.args[0]!);
    out.opU32(0x0e, padOf.length - 1);
    for (const pad of padOf) out.u32(pad);
    // after the innermost block's end comes pad 0, then pad 1, ...
    for (let pad = 0; pad < pads.length; pad++) {
      this.pop();
      out.u8(0x0b);
      this.doBranch(source, pads[pad]!);
    }
  }

  // ---- straight-line code ----

  /** Adds 1 to i32 global `g` (wrapping past 2^32: the runtime reads it unsigned). */
  private countUp(g: number): void {
    const out = this.out;
    out.opU32(0x23, g);
    out.opS32(0x41, 1);
    out.u8(0x6a);
    out.opU32(0x24, g);
  }

  /**
   * `profile_target`: the site's first two distinct table indices go to globals `first` and
   * `first + 1` (both start at -1); a third distinct index sets the second to MANY_TARGETS
   * for good.
   * The common case, the index seen first, costs a load, a compare and a branch.
   */
  private recordTarget(index: number, first: number): void {
    const out = this.out;
    const globalGet = (g: number): void => {
      out.opU32(0x23, g);
    };
    const i32Const = (c: number): void => {
      out.opS32(0x41, c);
    };
    const ifVoid = (): void => {
      out.u8(0x04);
      out.u8(BLOCKTYPE_EMPTY);
    };
    this.getLocal(index);
    globalGet(first);
    out.u8(0x47); // i32.ne
    ifVoid();
    globalGet(first);
    i32Const(-1);
    out.u8(0x46); // i32.eq
    ifVoid();
    this.getLocal(index);
    out.opU32(0x24, first);
    out.u8(0x05); // else
    this.getLocal(index);
    globalGet(first + 1);
    out.u8(0x47);
    ifVoid();
    // the second record: this index if it is still empty, else "more than two"
    this.getLocal(index);
    i32Const(MANY_TARGETS);
    globalGet(first + 1);
    i32Const(-1);
    out.u8(0x46);
    out.u8(0x1b); // select
    out.opU32(0x24, first + 1);
    out.u8(0x0b);
    out.u8(0x0b);
    out.u8(0x0b);
  }

  private getLocal(value: number): void {
    const local = this.localOf[value]!;
    if (local === REMATERIALIZED) this.out.opS32(0x41, this.constantOf[value]!);
    else this.out.opU32(0x20, local);
  }

  private setLocal(value: number): void {
    this.out.opU32(0x21, this.localOf[value]!);
  }

  /** Records the source location of the code emitted next. */
  private mark(loc: number, site = -1): void {
    // code without a position keeps the one before it, unless it comes from another inline
    // site (its frames differ even where its line is unknown: tj.alloc_array has none)
    if (site === this.lastSite && (loc < 0 || loc === this.lastLoc)) return;
    this.lastLoc = loc;
    this.lastSite = site;
    this.offsets.push(this.out.length - this.codeStart);
    this.locs.push(loc);
    if (this.trackSites) this.sites.push(site);
  }

  private emitTrap(kind: number): void {
    this.out.opS32(0x41, kind);
    this.out.opU32(0x10, this.layout.trapFunction);
    this.out.u8(0x00);
  }

  private emitBlockCode(b: number): void {
    const block = this.blocks[b]!;
    const insts = block.insts;
    for (let i = 0; i < insts.length; i++) this.emitInst(insts[i]!);
    this.emitTerminator(b, block.term);
  }

  private emitInst(inst: Inst): void {
    // a rematerialized constant is emitted at each use (getLocal)
    if (inst.result >= 0 && this.localOf[inst.result] === REMATERIALIZED) return;
    const out = this.out;
    const info = opInfo(inst.op);
    this.mark(inst.loc, inst.site);
    switch (info.kind) {
      case OpKind.Const:
        // (an i32 constant never gets here: assignLocals rematerializes it at its uses)
        switch (inst.type) {
          case Type.I64:
            out.u8(0x42);
            out.s64(inst.big);
            break;
          case Type.F32:
            out.u8(0x43);
            out.f32(inst.imm);
            break;
          default:
            out.u8(0x44);
            out.f64(inst.imm);
        }
        break;
      case OpKind.Binary:
      case OpKind.Compare:
      case OpKind.Unary: {
        for (let i = 0; i < inst.args.length; i++) this.getLocal(inst.args[i]!);
        const operand = info.kind === OpKind.Binary ? inst.type : this.operandType(inst);
        if (isVectorType(operand)) {
          out.u8(SIMD_PREFIX);
          out.u32(f64x2Opcode(inst.op)!);
        } else {
          out.u8(ARITH_OPCODE[inst.op * 4 + operand]!);
        }
        break;
      }
      case OpKind.Convert:
        this.emitConvert(inst);
        break;
      case OpKind.Select:
        this.getLocal(inst.args[1]!);
        this.getLocal(inst.args[2]!);
        this.getLocal(inst.args[0]!);
        out.u8(0x1b);
        break;
      case OpKind.Load:
        this.getLocal(inst.args[0]!);
        if (isVectorType(inst.type)) {
          out.u8(SIMD_PREFIX);
          out.u32(V128_LOAD);
        } else {
          out.u8(loadOpcode(inst.op, inst.type)!);
        }
        out.u32(naturalAlign(info.accessBytes, inst.type));
        out.u32(inst.imm);
        break;
      case OpKind.Store: {
        const valueType = this.operandType(inst, 1);
        this.getLocal(inst.args[0]!);
        this.getLocal(inst.args[1]!);
        if (isVectorType(valueType)) {
          out.u8(SIMD_PREFIX);
          out.u32(V128_STORE);
        } else {
          out.u8(storeOpcode(inst.op, valueType)!);
        }
        out.u32(naturalAlign(info.accessBytes, valueType));
        out.u32(inst.imm);
        break;
      }
      case OpKind.MemorySize:
        out.u8(0x3f);
        out.u8(0x00);
        break;
      case OpKind.MemoryGrow:
        this.getLocal(inst.args[0]!);
        out.u8(0x40);
        out.u8(0x00);
        break;
      case OpKind.GlobalGet:
        out.opU32(0x23, inst.imm);
        break;
      case OpKind.GlobalSet:
        this.getLocal(inst.args[0]!);
        out.opU32(0x24, inst.imm);
        break;
      case OpKind.ProfileEdge:
        // compiled without counters: nothing to record
        if (this.edgeGlobal >= 0) this.countUp(this.edgeGlobal + inst.imm);
        break;
      case OpKind.ProfileTarget:
        if (this.targetGlobal >= 0) this.recordTarget(inst.args[0]!, this.targetGlobal + 2 * inst.imm);
        if (this.targetCountGlobal >= 0) this.countUp(this.targetCountGlobal + inst.imm);
        break;
      case OpKind.ProfileCall:
        if (this.callGlobal >= 0) this.countUp(this.callGlobal + inst.imm);
        break;
      case OpKind.OsrPoint:
        // the loop header's count and OSR exit; without a loop budget, nothing
        if (this.instrument === Instrument.EntryAndOsrPoints) {
          this.emitLoopBudgetCheck(backEdgeKind(inst.imm, true), () => this.handOver(inst.args));
        }
        break;
      case OpKind.Call: {
        for (let i = 0; i < inst.args.length; i++) this.getLocal(inst.args[i]!);
        const callee = this.module.functions[inst.imm]!;
        out.opS32(0x41, inst.imm);
        out.opU32(0x11, this.layout.typeIndex(callee.params, callee.results));
        out.u32(this.layout.dispatchTable);
        break;
      }
      case OpKind.CallHost:
        for (let i = 0; i < inst.args.length; i++) this.getLocal(inst.args[i]!);
        out.opU32(0x10, this.layout.hostFunction(inst.imm));
        break;
      case OpKind.CallIndirect: {
        for (let i = 1; i < inst.args.length; i++) this.getLocal(inst.args[i]!);
        this.getLocal(inst.args[0]!);
        const sig = this.module.types[inst.imm]!;
        out.opU32(0x11, this.layout.typeIndex(sig.params, sig.results));
        out.u32(this.layout.guestTable(inst.imm));
        break;
      }
      case OpKind.TrapIf:
        this.getLocal(inst.args[0]!);
        this.unlikelyIf();
        this.emitTrap(inst.imm);
        out.u8(0x0b);
        break;
    }
    if (inst.result >= 0) this.setLocal(inst.result);
  }

  private operandType(inst: Inst, index = 0): Type {
    return this.typeOf[inst.args[index]!]! as Type;
  }

  private emitConvert(inst: Inst): void {
    const out = this.out;
    const from = this.operandType(inst);
    const value = inst.args[0]!;
    if ((inst.op === Op.TruncS || inst.op === Op.TruncU) && isFloatType(from)) {
      // V8 reports NaN and overflow with one message; the IR distinguishes them
      this.getLocal(value);
      this.getLocal(value);
      out.u8(from === Type.F32 ? 0x5c : 0x62); // fNN.ne: true only for NaN
      this.unlikelyIf();
      this.emitTrap(TrapKind.InvalidConversion);
      out.u8(0x0b);
    }
    this.getLocal(value);
    const opcode = conversionOpcode(inst.op, from, inst.type)!;
    for (let i = 0; i < opcode.length; i++) out.u8(opcode[i]!);
  }
}

/**
 * `localOf` of an i32 constant: it has no local, and each use is an `i32.const`. That is
 * no larger than the `local.get` it replaces for constants below 2^13 in magnitude, saves
 * the definition's `local.set`, and lets Liftoff fold the constant into the instruction
 * that uses it.
 */
const REMATERIALIZED = -3;
/** `lastUse` of a value that keeps a local of its own. */
const OWN_LOCAL = -2;
/** `slotOf` of a value that is not a temporary. */
const NO_SLOT = -1;

/**
 * Local names, "vN" for values and "tmpK" for pooled locals, each string made once for the
 * whole process (the same names recur in every function).
 */
const VALUE_NAMES: string[] = [];
const POOLED_NAMES: string[] = [];
function cachedName(cache: string[], prefix: string, n: number): string {
  let name = cache[n];
  if (name === undefined) {
    name = `${prefix}${n}`;
    cache[n] = name;
  }
  return name;
}
function valueName(value: number): string {
  return cachedName(VALUE_NAMES, "v", value);
}
function pooledName(k: number): string {
  return cachedName(POOLED_NAMES, "tmp", k);
}

function sameArgs(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
