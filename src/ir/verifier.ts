/**
 * The IR verifier. It checks, and reports every violation as data (it never throws):
 *
 * Module: names are identifiers and unique (functions and imports share the `@` space,
 *   globals have `$`); signatures have at most one result; global initialisers match their
 *   type; memory limits are sane and data segments fit the initial memory; table entries
 *   and the start function exist (start takes and returns nothing).
 * Function: it has blocks; the entry block's parameters are the function's parameters and
 *   no branch targets the entry; every value is defined once; every instruction's operand
 *   and result types follow the op's rule (ops.ts); memory ops need a memory; calls match
 *   their callee's signature; every use is dominated by its definition (uses in
 *   unreachable blocks need only a definition); branch targets exist and receive as many
 *   arguments as they have parameters, of the same types; `return` matches the result;
 *   the CFG is reducible (so it maps to structured Wasm control flow).
 *
 * Each error names the function, the block and the instruction (or the terminator).
 */

import {
  computeDominatorTables,
  DominatorScratch,
  type DominatorTables,
  dominates,
  irreducibleEdges,
} from "./dominance.js";
import type { Block, Inst, IrFunction, Module, ResumePoint, Terminator } from "./ir.js";
import { Op, OperandClass, type OpInfo, OpKind, opInfo, opName, TermOp } from "./ops.js";
import { formatInst, formatTerminator } from "./printer.js";
import { TRAP_KIND_COUNT } from "./trap.js";
import {
  isFloatType,
  isIntType,
  isValueType,
  isVectorType,
  type Signature,
  signaturesEqual,
  Type,
  typeName,
} from "./types.js";

export interface VerifierError {
  /** Function name, or "" for a module-level error. */
  function: string;
  /** Block id, or -1. */
  block: number;
  /** Instruction index in the block; `-2` for the terminator; -1 when not about one. */
  inst: number;
  /** The printed instruction, for the message. */
  text: string;
  message: string;
}

export const TERMINATOR_INDEX = -2;

export function formatVerifierError(error: VerifierError): string {
  const where: string[] = [];
  if (error.function !== "") where.push(`function @${error.function}`);
  if (error.block >= 0) where.push(`block${error.block}`);
  if (error.inst >= 0) where.push(`inst ${error.inst}`);
  if (error.inst === TERMINATOR_INDEX) where.push("terminator");
  const text = error.text === "" ? "" : ` \`${error.text}\``;
  return `${where.length > 0 ? `${where.join(", ")}${text}: ` : ""}${error.message}`;
}

export class VerifierFailure extends Error {
  readonly errors: VerifierError[];
  constructor(errors: VerifierError[]) {
    super(`IR verification failed:\n${errors.map((e) => `  ${formatVerifierError(e)}`).join("\n")}`);
    this.name = "VerifierFailure";
    this.errors = errors;
  }
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;
const MAX_PAGES = 65536;

function operandOk(info: OpInfo, type: Type): boolean {
  if (isVectorType(type)) return info.lanes;
  switch (info.operands) {
    case OperandClass.Any:
      return isValueType(type);
    case OperandClass.Int:
      return isIntType(type);
    case OperandClass.Float:
      return isFloatType(type);
    case OperandClass.I64Only:
      return type === Type.I64;
  }
}

/** The result type of a conversion from `from`, or undefined when the pair is invalid. */
function conversionOk(op: Op, from: Type, to: Type): boolean {
  switch (op) {
    case Op.Wrap:
      return from === Type.I64 && to === Type.I32;
    case Op.ExtendS:
    case Op.ExtendU:
      return from === Type.I32 && to === Type.I64;
    case Op.TruncS:
    case Op.TruncU:
    case Op.TruncSatS:
    case Op.TruncSatU:
      return isFloatType(from) && isIntType(to);
    case Op.ConvertS:
    case Op.ConvertU:
      return isIntType(from) && isFloatType(to);
    case Op.Demote:
      return from === Type.F64 && to === Type.F32;
    case Op.Promote:
      return from === Type.F32 && to === Type.F64;
    case Op.Splat:
      return from === Type.F64 && to === Type.F64x2;
    case Op.Reinterpret:
      return (
        (from === Type.I32 && to === Type.F32) ||
        (from === Type.F32 && to === Type.I32) ||
        (from === Type.I64 && to === Type.F64) ||
        (from === Type.F64 && to === Type.I64)
      );
    default:
      return false;
  }
}

/** Whether a value of type `actual` is wrong where `expected` is needed (None: an error already reported). */
function typeMismatch(actual: Type, expected: Type): boolean {
  return actual !== Type.None && actual !== expected;
}

/**
 * The definition tables and dominator tree, shared by the functions one `verify` call
 * checks and grown to the largest: a typed array of more than 64 bytes lives outside V8's
 * heap, and allocating three per function cost ~1 µs a function (10 ms of the
 * 10 000-function start-up program).
 */
class SlotTables {
  type = new Int32Array(64);
  block = new Int32Array(64);
  index = new Int32Array(64);
  /** The dominator tree of the function being checked. */
  dominators = new DominatorScratch();

  /** Room for `size` slots, all marked undefined. */
  reserve(size: number): void {
    if (size > this.type.length) {
      const capacity = Math.max(size, 2 * this.type.length);
      this.type = new Int32Array(capacity);
      this.block = new Int32Array(capacity);
      this.index = new Int32Array(capacity);
    }
    this.type.fill(-1, 0, size);
  }
}

class FunctionVerifier {
  /**
   * Per definition slot (the first `slotCount`): the value's type (-1: not defined), the
   * block and the position (-1 for a block parameter) of its definition. A value's slot is
   * its id when ids are dense (every producer numbers them so), else one handed out by
   * `sparse`.
   */
  private defType: Int32Array;
  private defBlock: Int32Array;
  private defIndex: Int32Array;
  private slotCount = 0;
  /** `fn.blocks`, read once: a lazily parsed function's `blocks` is an accessor (parser.ts). */
  private readonly blocks: Block[];
  private sparse: Map<number, number> | null = null;

  constructor(
    private readonly module: Module,
    private readonly fn: IrFunction,
    private readonly errors: VerifierError[],
    /** A program as given to the engine: no code only the compiler makes (deopt exits, edge counters). */
    private readonly program = false,
    private readonly tables = new SlotTables(),
  ) {
    this.defType = tables.type;
    this.defBlock = tables.block;
    this.defIndex = tables.index;
    this.blocks = fn.blocks;
  }

  private report(block: number, index: number, message: string): void {
    const b = this.fn.blocks[block];
    let text = "";
    if (b !== undefined && index >= 0 && b.insts[index] !== undefined)
      text = formatInst(this.module, b.insts[index]!);
    if (b !== undefined && index === TERMINATOR_INDEX) text = formatTerminator(b.term, this.module);
    this.errors.push({ function: this.fn.name, block, inst: index, text, message });
  }

  /** Sizes the definition tables for the function's value ids. */
  private prepareSlots(): void {
    let definitions = 0;
    let largest = -1;
    const blocks = this.fn.blocks;
    for (let b = 0; b < blocks.length; b++) {
      const { params, insts } = blocks[b]!;
      definitions += params.length + insts.length;
      for (let i = 0; i < params.length; i++) if (params[i]! > largest) largest = params[i]!;
      for (let i = 0; i < insts.length; i++) if (insts[i]!.result > largest) largest = insts[i]!.result;
    }
    // hand-written IR may number values freely: past this, slots are handed out in order
    const dense = largest < 4 * definitions + 1024;
    if (!dense) this.sparse = new Map();
    // (a malformed id such as 1.5 is reported by define, and must not size an array)
    const size = dense ? Math.floor(largest) + 1 : definitions;
    this.tables.reserve(size);
    this.defType = this.tables.type;
    this.defBlock = this.tables.block;
    this.defIndex = this.tables.index;
    this.slotCount = size;
  }

  /** The definition slot of `value`, -1 when it has none. */
  private slotOf(value: number): number {
    if (this.sparse !== null) return this.sparse.get(value) ?? -1;
    return Number.isInteger(value) && value >= 0 && value < this.slotCount ? value : -1;
  }

  private define(value: number, type: Type, block: number, index: number): void {
    if (!Number.isInteger(value) || value < 0) {
      this.report(block, index, `invalid value id ${value}`);
      return;
    }
    let slot = this.slotOf(value);
    if (slot >= 0 && this.defType[slot] !== -1) {
      this.report(block, index, `v${value} is defined more than once`);
      return;
    }
    if (this.sparse !== null) {
      slot = this.sparse.size;
      this.sparse.set(value, slot);
    }
    this.defType[slot] = type;
    this.defBlock[slot] = block;
    this.defIndex[slot] = index;
  }

  run(): void {
    const fn = this.fn;
    if (fn.blocks.length === 0) {
      this.report(-1, -1, "function has no blocks");
      return;
    }
    const entry = fn.blocks[0]!;
    if (
      entry.paramTypes.length !== fn.params.length ||
      entry.paramTypes.some((type, i) => type !== fn.params[i])
    ) {
      this.report(0, -1, "entry block parameters do not match the function's parameters");
    }
    // pass 1: definitions
    this.prepareSlots();
    const blocks = fn.blocks;
    for (let b = 0; b < blocks.length; b++) {
      const block = blocks[b]!;
      if (block.params.length !== block.paramTypes.length)
        this.report(b, -1, "block parameter list is malformed");
      for (let i = 0; i < block.params.length; i++) {
        const value = block.params[i]!;
        const type = block.paramTypes[i] ?? Type.None;
        if (isVectorType(type)) this.vectorValue(b, -1);
        else if (!isValueType(type)) this.report(b, -1, `block parameter v${value} has invalid type`);
        this.define(value, type, b, -1);
      }
      const insts = block.insts;
      for (let i = 0; i < insts.length; i++) {
        const inst = insts[i]!;
        if (inst.result < 0 !== (inst.type === Type.None)) {
          this.report(b, i, "result and result type disagree");
        } else if (inst.result >= 0) {
          if (isVectorType(inst.type)) this.vectorValue(b, i);
          this.define(inst.result, inst.type, b, i);
        }
      }
    }
    const sites = fn.inlineSites ?? [];
    sites.forEach((site, i) => {
      if (this.module.functions[site.callee] === undefined)
        this.report(-1, -1, `inline site i${i} names no function`);
      if (site.parent >= i || site.parent < -1)
        this.report(-1, -1, `inline site i${i} has an invalid parent`);
    });
    const checkSite = (site: number | undefined, b: number, i: number): void => {
      if (site !== undefined && !(Number.isInteger(site) && site >= 0 && site < sites.length))
        this.report(b, i, `inline site i${site} does not exist`);
    };
    // pass 2: types and uses
    const tree = computeDominatorTables(fn, this.tables.dominators);
    for (let b = 0; b < blocks.length; b++) {
      const block = blocks[b]!;
      const insts = block.insts;
      for (let i = 0; i < insts.length; i++) {
        const inst = insts[i]!;
        this.checkInst(block, b, inst, i, tree);
        if (inst.site !== undefined) checkSite(inst.site, b, i);
      }
      this.checkTerminator(block.term, b, tree);
      if (block.term.site !== undefined) checkSite(block.term.site, b, -2);
    }
    const irreducible = irreducibleEdges(fn, tree);
    for (let k = 0; k < irreducible.length; k++) {
      this.report(
        irreducible[k]![0],
        TERMINATOR_INDEX,
        `irreducible control flow: edge to block${irreducible[k]![1]} enters a loop twice`,
      );
    }
  }

  /** Checks that `value` is defined and available at (block, index); returns its type. */
  private use(value: number, block: number, index: number, tree: DominatorTables): Type {
    const slot = this.slotOf(value);
    if (slot < 0 || this.defType[slot] === -1) {
      this.report(block, index, `v${value} is used but never defined`);
      return Type.None;
    }
    const type: Type = this.defType[slot]!;
    if (tree.idom[block] === -1) return type; // unreachable code: a definition is enough
    const defBlock = this.defBlock[slot]!;
    const defIndex = this.defIndex[slot]!;
    const position = index === TERMINATOR_INDEX ? Number.MAX_SAFE_INTEGER : index;
    if (defBlock === block) {
      if (defIndex >= position) this.report(block, index, `v${value} is used before its definition`);
    } else if (!dominates(tree, defBlock, block)) {
      this.report(block, index, `v${value} (defined in block${defBlock}) does not dominate this use`);
    }
    return type;
  }

  private expectType(actual: Type, expected: Type, block: number, index: number, what: string): void {
    if (typeMismatch(actual, expected)) {
      this.report(block, index, `${what} has type ${typeName(actual)}, expected ${typeName(expected)}`);
    }
  }

  /**
   * `expectType` for argument `n` of a call, or of a branch to block `toBlock` (-1: a call).
   * Its name is made only on a mismatch: a string per argument was most of what
   * verification allocated.
   */
  private expectArgumentType(
    actual: Type,
    expected: Type,
    block: number,
    index: number,
    n: number,
    toBlock: number,
  ): void {
    if (!typeMismatch(actual, expected)) return;
    const what = toBlock < 0 ? `argument ${n}` : `argument ${n} to block${toBlock}`;
    this.expectType(actual, expected, block, index, what);
  }

  private checkArgs(
    sig: Signature,
    args: number[],
    from: number,
    inst: Inst,
    block: number,
    index: number,
    tree: DominatorTables,
  ): void {
    const count = args.length - from;
    if (count !== sig.params.length) {
      this.report(block, index, `call passes ${count} arguments, callee takes ${sig.params.length}`);
    }
    for (let i = from; i < args.length; i++) {
      const type = this.use(args[i]!, block, index, tree);
      const expected = sig.params[i - from];
      if (expected !== undefined) this.expectArgumentType(type, expected, block, index, i - from + 1, -1);
    }
    const resultType = sig.results[0] ?? Type.None;
    if (inst.type !== resultType) {
      this.report(
        block,
        index,
        `call result type ${typeName(inst.type)} does not match callee's ${typeName(resultType)}`,
      );
    }
  }

  /** Whether `inst` has `n` operands (reported if not). */
  private arity(inst: Inst, info: OpInfo, b: number, i: number, n: number): boolean {
    if (inst.args.length !== n) {
      this.report(b, i, `${info.name} takes ${n} operands, has ${inst.args.length}`);
      return false;
    }
    return true;
  }

  /** Vectors are the vectorizer's: Tiers 0 and 1, which run programs as given, have no SIMD. */
  private vectorValue(b: number, i: number): void {
    if (this.program)
      this.report(b, i, "f64x2 values are made by Tier 2's vectorize; a program cannot contain them");
  }

  private needsResult(inst: Inst, info: OpInfo, b: number, i: number, yes: boolean): void {
    if (yes && inst.result < 0) this.report(b, i, `${info.name} must have a result`);
    if (!yes && inst.result >= 0) this.report(b, i, `${info.name} has no result`);
  }

  private needsMemory(info: OpInfo, b: number, i: number): void {
    if (this.module.memory === null)
      this.report(b, i, `${info.name} needs a memory, and the module has none`);
  }

  private checkInst(_block: Block, b: number, inst: Inst, i: number, tree: DominatorTables): void {
    const info = opInfo(inst.op);
    if (inst.invariant !== undefined && info.kind !== OpKind.Load)
      this.report(b, i, "only a load can be invariant");
    if (info === undefined) {
      this.report(b, i, `unknown op ${inst.op}`);
      return;
    }
    const m = this.module;
    switch (info.kind) {
      case OpKind.Const:
        this.needsResult(inst, info, b, i, true);
        this.arity(inst, info, b, i, 0);
        if (isVectorType(inst.type)) this.report(b, i, `a const cannot be ${typeName(inst.type)}`);
        if (inst.type === Type.I32 && (inst.imm | 0) !== inst.imm)
          this.report(b, i, "i32 constant out of range");
        if (inst.type === Type.I64 && BigInt.asIntN(64, inst.big) !== inst.big)
          this.report(b, i, "i64 constant out of range");
        if (inst.type === Type.F32 && !Number.isNaN(inst.imm) && Math.fround(inst.imm) !== inst.imm) {
          this.report(b, i, "f32 constant is not representable");
        }
        return;
      case OpKind.Binary:
      case OpKind.Compare: {
        this.needsResult(inst, info, b, i, true);
        if (!this.arity(inst, info, b, i, 2)) return;
        const a = this.use(inst.args[0]!, b, i, tree);
        const c = this.use(inst.args[1]!, b, i, tree);
        if (a !== Type.None && c !== Type.None && a !== c) {
          this.report(b, i, `operands of ${info.name} have different types (${typeName(a)}, ${typeName(c)})`);
        }
        if (a !== Type.None && !operandOk(info, a))
          this.report(b, i, `${info.name} does not take ${typeName(a)}`);
        const expected = info.kind === OpKind.Compare ? Type.I32 : a;
        if (a !== Type.None) this.expectType(inst.type, expected, b, i, "result");
        return;
      }
      case OpKind.Unary: {
        this.needsResult(inst, info, b, i, true);
        if (!this.arity(inst, info, b, i, 1)) return;
        const a = this.use(inst.args[0]!, b, i, tree);
        if (a !== Type.None && !operandOk(info, a))
          this.report(b, i, `${info.name} does not take ${typeName(a)}`);
        if (a !== Type.None) this.expectType(inst.type, inst.op === Op.Eqz ? Type.I32 : a, b, i, "result");
        return;
      }
      case OpKind.Convert: {
        this.needsResult(inst, info, b, i, true);
        if (!this.arity(inst, info, b, i, 1)) return;
        const from = this.use(inst.args[0]!, b, i, tree);
        if (from !== Type.None && !conversionOk(inst.op, from, inst.type)) {
          this.report(b, i, `${info.name} cannot convert ${typeName(from)} to ${typeName(inst.type)}`);
        }
        return;
      }
      case OpKind.Select: {
        this.needsResult(inst, info, b, i, true);
        if (!this.arity(inst, info, b, i, 3)) return;
        this.expectType(this.use(inst.args[0]!, b, i, tree), Type.I32, b, i, "select condition");
        const x = this.use(inst.args[1]!, b, i, tree);
        const y = this.use(inst.args[2]!, b, i, tree);
        if (x !== Type.None && y !== Type.None && x !== y)
          this.report(b, i, "select operands have different types");
        if (x !== Type.None) this.expectType(inst.type, x, b, i, "result");
        return;
      }
      case OpKind.Load:
        this.needsResult(inst, info, b, i, true);
        this.needsMemory(info, b, i);
        if (!this.arity(inst, info, b, i, 1)) return;
        this.expectType(this.use(inst.args[0]!, b, i, tree), Type.I32, b, i, "address");
        if (inst.result >= 0 && !operandOk(info, inst.type)) {
          this.report(b, i, `${info.name} cannot produce ${typeName(inst.type)}`);
        }
        this.checkOffset(inst, b, i);
        return;
      case OpKind.Store: {
        this.needsResult(inst, info, b, i, false);
        this.needsMemory(info, b, i);
        if (!this.arity(inst, info, b, i, 2)) return;
        this.expectType(this.use(inst.args[0]!, b, i, tree), Type.I32, b, i, "address");
        const value = this.use(inst.args[1]!, b, i, tree);
        if (value !== Type.None && !operandOk(info, value)) {
          this.report(b, i, `${info.name} cannot store ${typeName(value)}`);
        }
        this.checkOffset(inst, b, i);
        return;
      }
      case OpKind.ProfileEdge:
        if (this.program)
          this.report(b, i, "profile_edge is Tier 1's profiling; a program cannot contain it");
        this.needsResult(inst, info, b, i, false);
        this.arity(inst, info, b, i, 0);
        if (!Number.isInteger(inst.imm) || inst.imm < 0) this.report(b, i, `invalid edge number ${inst.imm}`);
        return;
      case OpKind.ProfileCall:
        if (this.program)
          this.report(b, i, "profile_call is Tier 1's profiling; a program cannot contain it");
        this.needsResult(inst, info, b, i, false);
        this.arity(inst, info, b, i, 0);
        if (!Number.isInteger(inst.imm) || inst.imm < 0)
          this.report(b, i, `invalid call site number ${inst.imm}`);
        return;
      case OpKind.ProfileTarget:
        if (this.program)
          this.report(b, i, "profile_target is Tier 1's profiling; a program cannot contain it");
        this.needsResult(inst, info, b, i, false);
        if (!this.arity(inst, info, b, i, 1)) return;
        this.expectType(this.use(inst.args[0]!, b, i, tree), Type.I32, b, i, "table index");
        if (!Number.isInteger(inst.imm) || inst.imm < 0)
          this.report(b, i, `invalid call site number ${inst.imm}`);
        return;
      case OpKind.OsrPoint:
        if (this.program) this.report(b, i, "osr_point is Tier 1's OSR exit; a program cannot contain it");
        this.needsResult(inst, info, b, i, false);
        for (let k = 0; k < inst.args.length; k++) this.use(inst.args[k]!, b, i, tree);
        if (!Number.isInteger(inst.imm) || inst.imm < 1)
          this.report(b, i, `invalid loop header block${inst.imm}`);
        return;
      case OpKind.MemorySize:
        this.needsResult(inst, info, b, i, true);
        this.needsMemory(info, b, i);
        this.arity(inst, info, b, i, 0);
        this.expectType(inst.type, Type.I32, b, i, "result");
        return;
      case OpKind.MemoryGrow:
        this.needsResult(inst, info, b, i, true);
        this.needsMemory(info, b, i);
        if (!this.arity(inst, info, b, i, 1)) return;
        this.expectType(this.use(inst.args[0]!, b, i, tree), Type.I32, b, i, "page delta");
        this.expectType(inst.type, Type.I32, b, i, "result");
        return;
      case OpKind.GlobalGet: {
        this.needsResult(inst, info, b, i, true);
        this.arity(inst, info, b, i, 0);
        const global = m.globals[inst.imm];
        if (global === undefined) this.report(b, i, `unknown global #${inst.imm}`);
        else this.expectType(inst.type, global.type, b, i, "result");
        return;
      }
      case OpKind.GlobalSet: {
        this.needsResult(inst, info, b, i, false);
        if (!this.arity(inst, info, b, i, 1)) return;
        const global = m.globals[inst.imm];
        const value = this.use(inst.args[0]!, b, i, tree);
        if (global === undefined) {
          this.report(b, i, `unknown global #${inst.imm}`);
        } else {
          if (!global.mutable) this.report(b, i, `global $${global.name} is immutable`);
          this.expectType(value, global.type, b, i, "value");
        }
        return;
      }
      case OpKind.Call: {
        const callee = m.functions[inst.imm];
        if (callee === undefined) {
          this.report(b, i, `unknown function #${inst.imm}`);
          return;
        }
        this.checkArgs(callee, inst.args, 0, inst, b, i, tree);
        return;
      }
      case OpKind.CallHost: {
        const callee = m.imports[inst.imm];
        if (callee === undefined) {
          this.report(b, i, `unknown import #${inst.imm}`);
          return;
        }
        this.checkArgs(callee, inst.args, 0, inst, b, i, tree);
        return;
      }
      case OpKind.CallIndirect: {
        const sig = m.types[inst.imm];
        if (sig === undefined) {
          this.report(b, i, `unknown type t${inst.imm}`);
          return;
        }
        if (inst.args.length < 1) {
          this.report(b, i, "call_indirect needs a table index operand");
          return;
        }
        this.expectType(this.use(inst.args[0]!, b, i, tree), Type.I32, b, i, "table index");
        this.checkArgs(sig, inst.args, 1, inst, b, i, tree);
        return;
      }
      case OpKind.TrapIf:
        this.needsResult(inst, info, b, i, false);
        if (!this.arity(inst, info, b, i, 1)) return;
        this.expectType(this.use(inst.args[0]!, b, i, tree), Type.I32, b, i, "condition");
        if (!Number.isInteger(inst.imm) || inst.imm < 0 || inst.imm >= TRAP_KIND_COUNT) {
          this.report(b, i, `unknown trap kind ${inst.imm}`);
        }
        return;
    }
  }

  private checkOffset(inst: Inst, b: number, i: number): void {
    if (!Number.isInteger(inst.imm) || inst.imm < 0 || inst.imm > 0xffffffff) {
      this.report(b, i, `invalid offset ${inst.imm} for ${opName(inst.op)}`);
    }
  }

  /**
   * The function a deopt resumes (its callee frame, or its `caller`), reported when there is
   * none, its block checked where the body is known (a unit's declarations carry no blocks).
   */
  private resumedFunction(
    point: ResumePoint | undefined,
    b: number,
    role: "" | "caller",
  ): IrFunction | undefined {
    const T = TERMINATOR_INDEX;
    const resumed = point === undefined ? undefined : this.module.functions[point.func];
    if (resumed === undefined || point === undefined) {
      this.report(b, T, `deopt names no ${role === "" ? "" : "caller "}function to resume`);
      return undefined;
    }
    // a callee frame may resume at the entry (a value guard), a caller only after its call
    const first = role === "" ? 0 : 1;
    if (resumed.blocks.length > 0 && (point.block < first || point.block >= resumed.blocks.length)) {
      const who = role === "" ? "" : "its caller ";
      this.report(
        b,
        T,
        `deopt resumes ${who}@${resumed.name} at a block it does not have (block${point.block})`,
      );
    }
    return resumed;
  }

  private checkDeoptCaller(term: Terminator, b: number): void {
    const caller = term.caller;
    if (caller === undefined) return;
    const T = TERMINATOR_INDEX;
    const callerFn = this.resumedFunction(caller, b, "caller");
    if (
      callerFn !== undefined &&
      !signaturesEqual({ params: [], results: callerFn.results }, { params: [], results: this.fn.results })
    ) {
      this.report(b, T, `deopt's caller @${callerFn.name} has results that differ from this function's`);
    }
    if (!Number.isInteger(caller.args) || caller.args < 0 || caller.args > term.args.length) {
      this.report(b, T, `deopt's caller takes ${caller.args} arguments of ${term.args.length}`);
    }
  }

  /** Whether `term` has `args` operands and `targets` targets ("some": at least one); reported if not. */
  private expectCounts(term: Terminator, b: number, args: number, targets: number | "some"): boolean {
    const targetsOk = targets === "some" ? term.targets.length >= 1 : term.targets.length === targets;
    if (term.args.length !== args || !targetsOk) {
      this.report(b, TERMINATOR_INDEX, "terminator has the wrong number of operands or targets");
      return false;
    }
    return true;
  }

  private checkTerminator(term: Terminator, b: number, tree: DominatorTables): void {
    const T = TERMINATOR_INDEX;
    const fn = this.fn;
    switch (term.op) {
      case TermOp.Jump:
        this.expectCounts(term, b, 0, 1);
        break;
      case TermOp.BrIf:
        if (this.expectCounts(term, b, 1, 2))
          this.expectType(this.use(term.args[0]!, b, T, tree), Type.I32, b, T, "condition");
        break;
      case TermOp.BrTable:
        if (this.expectCounts(term, b, 1, "some"))
          this.expectType(this.use(term.args[0]!, b, T, tree), Type.I32, b, T, "index");
        break;
      case TermOp.Return: {
        if (term.targets.length !== 0 || term.args.length !== fn.results.length) {
          this.report(b, T, `return must carry ${fn.results.length} value(s)`);
          break;
        }
        if (term.args.length === 1)
          this.expectType(this.use(term.args[0]!, b, T, tree), fn.results[0]!, b, T, "returned value");
        break;
      }
      case TermOp.Trap:
        this.expectCounts(term, b, 0, 0);
        if (!Number.isInteger(term.imm) || term.imm < 0 || term.imm >= TRAP_KIND_COUNT) {
          this.report(b, T, `unknown trap kind ${term.imm}`);
        }
        break;
      case TermOp.Unreachable:
        this.expectCounts(term, b, 0, 0);
        break;
      case TermOp.Deopt: {
        if (this.program)
          this.report(b, T, "deopt exits are made by Tier 2's speculation; a program cannot contain them");
        if (term.targets.length !== 0) this.report(b, T, "deopt has no targets");
        for (let k = 0; k < term.args.length; k++) this.use(term.args[k]!, b, T, tree);
        const resumed = this.resumedFunction(term.resume, b, "");
        if (resumed === undefined) break;
        // with a caller frame, the callee's result goes to the caller, whose results are checked
        const sameResults = signaturesEqual(
          { params: [], results: resumed.results },
          { params: [], results: fn.results },
        );
        if (term.caller === undefined && !sameResults) {
          this.report(b, T, `deopt resumes @${resumed.name}, whose results differ from this function's`);
        }
        if (!Number.isInteger(term.imm) || term.imm < 0)
          this.report(b, T, `invalid guard number ${term.imm}`);
        this.checkDeoptCaller(term, b);
        break;
      }
      default:
        this.report(b, T, `unknown terminator ${term.op}`);
        return;
    }
    const targets = term.targets;
    for (let t = 0; t < targets.length; t++) {
      const target = targets[t]!;
      const dest = this.blocks[target.block];
      if (dest === undefined) {
        this.report(b, T, `branch to unknown block${target.block}`);
        continue;
      }
      if (target.block === 0) this.report(b, T, "branch to the entry block");
      if (target.args.length !== dest.params.length) {
        this.report(
          b,
          T,
          `block${target.block} takes ${dest.params.length} arguments, branch passes ${target.args.length}`,
        );
      }
      for (let k = 0; k < target.args.length; k++) {
        const type = this.use(target.args[k]!, b, T, tree);
        const expected = dest.paramTypes[k];
        if (expected !== undefined) this.expectArgumentType(type, expected, b, T, k + 1, target.block);
      }
    }
  }
}

function checkSignature(sig: Signature, where: string, errors: VerifierError[]): void {
  if (sig.results.length > 1)
    errors.push({
      function: "",
      block: -1,
      inst: -1,
      text: "",
      message: `${where} returns more than one value`,
    });
  const count = sig.params.length + sig.results.length;
  for (let i = 0; i < count; i++) {
    const type = i < sig.params.length ? sig.params[i]! : sig.results[i - sig.params.length]!;
    if (!isValueType(type))
      errors.push({ function: "", block: -1, inst: -1, text: "", message: `${where} has an invalid type` });
  }
}

function verifyModuleLevel(module: Module, errors: VerifierError[]): void {
  const moduleError = (message: string): void => {
    errors.push({ function: "", block: -1, inst: -1, text: "", message });
  };
  const funcNames = new Set<string>();
  const claim = (name: string, what: string): void => {
    if (!NAME.test(name)) moduleError(`${what} name '${name}' is not an identifier`);
    if (funcNames.has(name)) moduleError(`duplicate name @${name}`);
    funcNames.add(name);
  };
  module.imports.forEach((imp) => {
    claim(imp.name, "import");
    checkSignature(imp, `import @${imp.name}`, errors);
  });
  for (let f = 0; f < module.functions.length; f++) {
    const fn = module.functions[f]!;
    claim(fn.name, "function");
    checkSignature(fn, `function @${fn.name}`, errors);
  }
  module.types.forEach((sig, index) => {
    checkSignature(sig, `type t${index}`, errors);
  });
  const globalNames = new Set<string>();
  for (const global of module.globals) {
    if (!NAME.test(global.name)) moduleError(`global name '${global.name}' is not an identifier`);
    if (globalNames.has(global.name)) moduleError(`duplicate global $${global.name}`);
    globalNames.add(global.name);
    const isBig = typeof global.init === "bigint";
    if (!isValueType(global.type) || isBig !== (global.type === Type.I64)) {
      moduleError(`global $${global.name} has an initialiser of the wrong type`);
    } else if (global.type === Type.I32 && ((global.init as number) | 0) !== global.init) {
      moduleError(`global $${global.name}: i32 initialiser out of range`);
    }
  }
  if (module.memory !== null) {
    const { minPages, maxPages } = module.memory;
    if (!Number.isInteger(minPages) || minPages < 0 || minPages > MAX_PAGES)
      moduleError("memory minimum out of range");
    if (maxPages !== -1 && (!Number.isInteger(maxPages) || maxPages < minPages || maxPages > MAX_PAGES)) {
      moduleError("memory maximum out of range");
    }
  }
  for (const segment of module.data) {
    if (module.memory === null) {
      moduleError("data segment without a memory");
      break;
    }
    if (segment.offset + segment.bytes.length > module.memory.minPages * 65536) {
      moduleError(`data segment at ${segment.offset} does not fit the initial memory`);
    }
  }
  module.table.forEach((entry, slot) => {
    if (entry !== -1 && module.functions[entry] === undefined)
      moduleError(`table slot ${slot} names no function`);
  });
  if (module.start !== -1) {
    const start = module.functions[module.start];
    if (start === undefined) moduleError("start names no function");
    else if (start.params.length > 0 || start.results.length > 0)
      moduleError("start function must take and return nothing");
  }
}

/**
 * Verifies a whole module; returns every error found (empty when the module is valid).
 * `program`: the module is a program to run, which may not contain what only the compiler
 * makes (deopt exits and edge counters).
 */
export function verify(module: Module, program = false): VerifierError[] {
  const verifier = new StepwiseVerifier(module, program);
  const errors = verifier.moduleErrors();
  for (let f = 0; f < module.functions.length; f++) verifier.functionErrors(f, errors);
  return errors;
}

/**
 * `verify` in steps, for a compiler that checks each function just before it compiles it:
 * `moduleErrors()`, then `functionErrors(f)` for every function in order, find the errors
 * `verify` finds, in its order.
 */
export class StepwiseVerifier {
  private readonly tables = new SlotTables();

  constructor(
    private readonly module: Module,
    private readonly program = false,
  ) {}

  /** Errors in the declarations (names, signatures, globals, memory, table, start). */
  moduleErrors(): VerifierError[] {
    const errors: VerifierError[] = [];
    verifyModuleLevel(this.module, errors);
    return errors;
  }

  /** Appends function `f`'s errors to `errors` and returns it. */
  functionErrors(f: number, errors: VerifierError[] = []): VerifierError[] {
    new FunctionVerifier(this.module, this.module.functions[f]!, errors, this.program, this.tables).run();
    return errors;
  }
}

/** Verifies one function of `module`. */
export function verifyFunction(module: Module, fn: IrFunction): VerifierError[] {
  const errors: VerifierError[] = [];
  new FunctionVerifier(module, fn, errors).run();
  return errors;
}

/** Verifies a program (see `verify`); throws VerifierFailure listing every error. */
export function verifyOrThrow(module: Module): void {
  const errors = verify(module, true);
  if (errors.length > 0) throw new VerifierFailure(errors);
}
