/**
 * The IR data structures: a module of functions in SSA form with block parameters.
 *
 * Everything here is plain data (no classes, no methods, no cycles), so a module or one
 * function can cross `postMessage` to a worker by structured clone as it is. Values,
 * blocks, functions, globals, imports and types are dense integer indices:
 *
 * - a value `vN` is defined exactly once, by a block parameter or an instruction result;
 *   its type lives on its definition (`Block.paramTypes`, `Inst.type`);
 * - a block is its index in `Function.blocks`; block 0 is the entry and its parameters
 *   are the function's parameters; `blocks` order is the layout order;
 * - `Inst.imm`/`Inst.big` carry an op's immediate (see `Inst`).
 *
 * Invariants are checked by `verify()` (verifier.ts), not by these types.
 */

import type { Op, TermOp } from "./ops.js";
import type { Signature, Type } from "./types.js";

export type ValueId = number;
export type BlockId = number;
export type FuncId = number;

/** A jump target with the values passed to the target block's parameters. */
export interface BlockCall {
  block: BlockId;
  args: ValueId[];
}

export interface Inst {
  op: Op;
  /** Result type, `Type.None` when the instruction has no result. */
  type: Type;
  /** Result value, -1 when none. */
  result: ValueId;
  args: ValueId[];
  /**
   * The immediate: the constant for i32/f32/f64 `const`; the byte offset for loads and
   * stores; the global index; the callee's function index (`call`), type index
   * (`call_indirect`) or import index (`call_host`); the `TrapKind` for `trap_if`.
   */
  imm: number;
  /** The constant of an i64 `const` (0n otherwise). */
  big: bigint;
  /** Source position packed by `makeLoc`, or -1. */
  loc: number;
  /**
   * Loads only: the bytes read are stored at most once, before any invariant load of them
   * (the front end's array lengths). The optimizer may then reuse an earlier invariant load
   * of the same address across stores and calls. Execution ignores it.
   */
  invariant?: boolean;
  /**
   * Calls only: how many times Tier 1's code of the function made this call (its
   * `profile_call` counter, or `profile_target`'s for an indirect call; a direct call made
   * from a guarded indirect one inherits it), set by the Tier 2 job before its passes;
   * absent: not profiled.
   * Not part of the text format: profile data, not what the code does.
   */
  profileCount?: number;
  /**
   * The inline site (an index into the function's `inlineSites`) whose callee this
   * instruction came from; absent for the function's own code. `loc` is then a position
   * in that callee.
   */
  site?: number;
}

/**
 * A call that the optimizer replaced by a copy of the callee's body. Guest stacks report
 * the callee as a frame of its own, called from `loc` in the enclosing site's callee (or
 * in the function itself when `parent` is -1).
 */
export interface InlineSite {
  callee: FuncId;
  /** Position of the call (in the parent's code). */
  loc: number;
  /** The enclosing inline site, or -1: the call was in the function itself. */
  parent: number;
}

export interface Terminator {
  op: TermOp;
  /** `br_if`: the condition; `br_table`: the index; `return`: the returned value (if any). */
  args: ValueId[];
  /** `jump`: [target]; `br_if`: [then, else]; `br_table`: [case 0, ..., case n-1, default]. */
  targets: BlockCall[];
  /** `trap`: the `TrapKind`; `deopt`: the guard that failed (its branch edge's number); 0 otherwise. */
  imm: number;
  loc: number;
  /** As `Inst.site`. */
  site?: number;
  /**
   * `br_if` only: how many times Tier 1's code took its then- and else-edge, set by the
   * Tier 2 job before its passes (as `Inst.profileCount`); absent: not profiled.
   */
  profileCounts?: [number, number];
  /**
   * `deopt` only: where the frame goes on. The terminator leaves the function and returns
   * what function `func` returns when started at its block `block`, with that block's
   * parameters and then its live-ins (`resumeFunction`) taken from `args` — the program's
   * own, unspeculated `func`, not code that the optimizer derived from it.
   */
  resume?: ResumePoint;
  /**
   * `deopt` in code inlined from a callee: the caller's frame, which goes on after the
   * callee's frame (`resume`) returns. The last `caller.args` of `args` are its live-ins;
   * the callee's result comes first.
   */
  caller?: DeoptCaller;
}

export interface ResumePoint {
  func: FuncId;
  block: BlockId;
}

/**
 * A caller frame a deopt rebuilds: `func` (the optimized function as it was when the
 * callee was inlined, its call still a call) resumed at `block`, right after that call,
 * whose result is the block's parameter.
 */
export interface DeoptCaller extends ResumePoint {
  /** How many of the deopt's arguments, the last ones, are the caller's live-ins. */
  args: number;
  /** The call's position and inline site in `func` (the caller frame's line while the callee finishes). */
  loc: number;
  site?: number;
}

export interface Block {
  params: ValueId[];
  paramTypes: Type[];
  insts: Inst[];
  term: Terminator;
}

export interface IrFunction {
  name: string;
  params: Type[];
  results: Type[];
  exported: boolean;
  blocks: Block[];
  /** Position of the declaration (packed by `makeLoc`), or -1. */
  loc: number;
  /** Calls inlined into this function (absent: none); instructions refer to them by index. */
  inlineSites?: InlineSite[];
}

export interface Global {
  name: string;
  type: Type;
  mutable: boolean;
  /** Initial value: a number for i32/f32/f64, a bigint for i64. */
  init: number | bigint;
}

/** A host function the embedder provides at instantiation (`module`.`field`). */
export interface Import {
  name: string;
  module: string;
  field: string;
  params: Type[];
  results: Type[];
}

export interface DataSegment {
  offset: number;
  bytes: Uint8Array;
}

export interface Memory {
  /** In 64 KiB pages. */
  minPages: number;
  /** -1 for no maximum. */
  maxPages: number;
}

export interface Module {
  /** Signatures referenced by `call_indirect` (by index). */
  types: Signature[];
  imports: Import[];
  globals: Global[];
  memory: Memory | null;
  data: DataSegment[];
  functions: IrFunction[];
  /** The function table used by `call_indirect`: function indices, -1 for a null entry. */
  table: FuncId[];
  /** A function run once at instantiation, before any export (-1 for none). */
  start: FuncId;
  /** Source file name for guest stack traces, or "" when there is none. */
  sourceFile: string;
}

export const PAGE_SIZE = 65536;
export const NO_LOC = -1;

/**
 * The largest column a position keeps (larger ones are clamped to it). Twelve bits of
 * column leave the line 19 bits below 2^31: a position stays a small integer (a Smi to V8) up to
 * line 524 287. Past 2^31 every `loc` field would turn into a boxed double, and the
 * objects holding them would change shape as they were made (a 70 000-line program ran
 * its loader a quarter slower).
 */
export const MAX_LOC_COLUMN = 4095;
const LOC_LINE_UNIT = MAX_LOC_COLUMN + 1;

/** Packs a 1-based line and column into one number; columns above MAX_LOC_COLUMN are clamped. */
export function makeLoc(line: number, col: number): number {
  return line * LOC_LINE_UNIT + Math.min(col, MAX_LOC_COLUMN);
}

export function locLine(loc: number): number {
  return Math.floor(loc / LOC_LINE_UNIT);
}

export function locCol(loc: number): number {
  return loc % LOC_LINE_UNIT;
}

export function emptyModule(): Module {
  return {
    types: [],
    imports: [],
    globals: [],
    memory: null,
    data: [],
    functions: [],
    table: [],
    start: -1,
    sourceFile: "",
  };
}

/** One past the highest value id used in `fn` (the size a value-indexed side table needs). */
export function valueCount(fn: IrFunction): number {
  let max = -1;
  for (const block of fn.blocks) {
    for (const param of block.params) if (param > max) max = param;
    for (const inst of block.insts) if (inst.result > max) max = inst.result;
  }
  return max + 1;
}

/** A table from value id to its type (`Type.None` for ids with no definition). */
export function valueTypes(fn: IrFunction): Uint8Array {
  const types = new Uint8Array(valueCount(fn)).fill(255);
  for (const block of fn.blocks) {
    for (let i = 0; i < block.params.length; i++) types[block.params[i]!] = block.paramTypes[i]!;
    for (const inst of block.insts) if (inst.result >= 0) types[inst.result] = inst.type;
  }
  return types;
}

export function findFunction(module: Module, name: string): FuncId {
  return module.functions.findIndex((fn) => fn.name === name);
}

/** Successor blocks of a terminator, in target order (may repeat). */
export function successors(term: Terminator): BlockId[] {
  return term.targets.map((target) => target.block);
}

/** The frames an instruction at (`loc`, `site`) stands for, innermost first: [function, loc] pairs. */
export function inlinedFrames(
  sites: readonly InlineSite[],
  self: FuncId,
  loc: number,
  site: number | undefined,
): [FuncId, number][] {
  const frames: [FuncId, number][] = [];
  let at = loc;
  let current = site ?? -1;
  while (current >= 0 && current < sites.length) {
    const entry = sites[current]!;
    frames.push([entry.callee, at]);
    at = entry.loc;
    current = entry.parent;
  }
  frames.push([self, at]);
  return frames;
}
