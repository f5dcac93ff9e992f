/**
 * A builder that makes well-formed IR easy to write by hand (tests) and by program (the TJ
 * lowering, passes). It computes result types from operand types, allocates value ids,
 * and interns `call_indirect` signatures. It does not verify: run `verify()` on the result.
 *
 *   const mb = new ModuleBuilder();
 *   const sq = mb.function("square", [Type.I32], [Type.I32], { exported: true });
 *   const [x] = sq.entryParams;
 *   sq.ret(sq.binary(Op.Mul, x, x));
 *   const module = mb.finish();
 */

import {
  type BlockCall,
  type BlockId,
  emptyModule,
  type FuncId,
  type Global,
  type Inst,
  type IrFunction,
  type Module,
  NO_LOC,
  type Terminator,
  type ValueId,
} from "./ir.js";
import { Op, OpKind, opInfo, TermOp } from "./ops.js";
import type { TrapKind } from "./trap.js";
import { type Signature, signaturesEqual, Type } from "./types.js";

export class ModuleBuilder {
  readonly module: Module = emptyModule();

  /** Interns a signature for `call_indirect` and returns its type index. */
  internType(sig: Signature): number {
    return internType(this.module, sig);
  }

  addImport(name: string, params: Type[], results: Type[], module = "env", field = name): number {
    this.module.imports.push({ name, module, field, params, results });
    return this.module.imports.length - 1;
  }

  addGlobal(name: string, type: Type, init: number | bigint, mutable = true): number {
    const global: Global = { name, type, mutable, init };
    this.module.globals.push(global);
    return this.module.globals.length - 1;
  }

  setMemory(minPages: number, maxPages = -1): void {
    this.module.memory = { minPages, maxPages };
  }

  addData(offset: number, bytes: Uint8Array): void {
    this.module.data.push({ offset, bytes });
  }

  /** Declares a function (so that calls to it can be built) without a body builder. */
  declare(
    name: string,
    params: Type[],
    results: Type[],
    options: { exported?: boolean; loc?: number } = {},
  ): FuncId {
    const fn: IrFunction = {
      name,
      params: params.slice(),
      results: results.slice(),
      exported: options.exported ?? false,
      blocks: [],
      loc: options.loc ?? NO_LOC,
    };
    this.module.functions.push(fn);
    return this.module.functions.length - 1;
  }

  /** A body builder for a declared function; creates the entry block with the parameters. */
  define(id: FuncId): FunctionBuilder {
    return new FunctionBuilder(this.module, id);
  }

  /** Declares and starts defining a function. */
  function(
    name: string,
    params: Type[],
    results: Type[],
    options: { exported?: boolean; loc?: number } = {},
  ): FunctionBuilder {
    return this.define(this.declare(name, params, results, options));
  }

  finish(): Module {
    return this.module;
  }
}

export class FunctionBuilder {
  readonly module: Module;
  readonly id: FuncId;
  readonly fn: IrFunction;
  /** The entry block's parameters (the function's arguments). */
  readonly entryParams: ValueId[];
  private readonly types: Type[] = [];
  private current: BlockId = 0;
  /** Source position stamped on the instructions built next (-1 for none). */
  loc = NO_LOC;

  constructor(module: Module, id: FuncId) {
    this.module = module;
    this.id = id;
    this.fn = module.functions[id]!;
    this.fn.blocks = [];
    this.entryParams = this.block(this.fn.params).params;
    this.current = 0;
  }

  typeOf(value: ValueId): Type {
    const type = this.types[value];
    if (type === undefined) throw new Error(`builder: v${value} is not defined`);
    return type;
  }

  newValue(type: Type): ValueId {
    this.types.push(type);
    return this.types.length - 1;
  }

  /** Appends a new block (with an `unreachable` terminator until one is set) and returns it. */
  block(paramTypes: Type[] = []): { id: BlockId; params: ValueId[] } {
    const params = paramTypes.map((type) => this.newValue(type));
    this.fn.blocks.push({
      params,
      paramTypes: paramTypes.slice(),
      insts: [],
      term: { op: TermOp.Unreachable, args: [], targets: [], imm: 0, loc: NO_LOC },
    });
    return { id: this.fn.blocks.length - 1, params };
  }

  /** Makes `block` the insertion point. */
  switchTo(block: BlockId): void {
    this.current = block;
  }

  get currentBlock(): BlockId {
    return this.current;
  }

  blockParams(block: BlockId): ValueId[] {
    return this.fn.blocks[block]!.params;
  }

  private emit(op: Op, type: Type, args: ValueId[], imm = 0, big = 0n): ValueId {
    const result = type === Type.None ? -1 : this.newValue(type);
    const inst: Inst = { op, type, result, args, imm, big, loc: this.loc };
    this.fn.blocks[this.current]!.insts.push(inst);
    return result;
  }

  const(type: Type, value: number | bigint): ValueId {
    if (type === Type.I64) return this.emit(Op.Const, type, [], 0, BigInt.asIntN(64, BigInt(value)));
    let imm = Number(value);
    if (type === Type.I32) imm |= 0;
    else if (type === Type.F32) imm = Math.fround(imm);
    return this.emit(Op.Const, type, [], imm);
  }

  binary(op: Op, a: ValueId, b: ValueId): ValueId {
    const kind = opInfo(op).kind;
    const type = kind === OpKind.Compare ? Type.I32 : this.typeOf(a);
    return this.emit(op, type, [a, b]);
  }

  unary(op: Op, a: ValueId): ValueId {
    return this.emit(op, op === Op.Eqz ? Type.I32 : this.typeOf(a), [a]);
  }

  convert(op: Op, to: Type, a: ValueId): ValueId {
    return this.emit(op, to, [a]);
  }

  select(cond: ValueId, ifTrue: ValueId, ifFalse: ValueId): ValueId {
    return this.emit(Op.Select, this.typeOf(ifTrue), [cond, ifTrue, ifFalse]);
  }

  load(op: Op, type: Type, address: ValueId, offset = 0): ValueId {
    return this.emit(op, type, [address], offset);
  }

  /** A load of bytes that are stored once, before any invariant load of them (`Inst.invariant`). */
  loadInvariant(op: Op, type: Type, address: ValueId, offset = 0): ValueId {
    const result = this.load(op, type, address, offset);
    const insts = this.fn.blocks[this.current]!.insts;
    insts[insts.length - 1]!.invariant = true;
    return result;
  }

  store(op: Op, address: ValueId, value: ValueId, offset = 0): void {
    this.emit(op, Type.None, [address, value], offset);
  }

  memorySize(): ValueId {
    return this.emit(Op.MemorySize, Type.I32, []);
  }

  memoryGrow(deltaPages: ValueId): ValueId {
    return this.emit(Op.MemoryGrow, Type.I32, [deltaPages]);
  }

  globalGet(global: number): ValueId {
    return this.emit(Op.GlobalGet, this.module.globals[global]!.type, [], global);
  }

  globalSet(global: number, value: ValueId): void {
    this.emit(Op.GlobalSet, Type.None, [value], global);
  }

  /** Direct call; returns the result value, or -1 for a void callee. */
  call(callee: FuncId, args: ValueId[]): ValueId {
    const results = this.module.functions[callee]!.results;
    return this.emit(Op.Call, results[0] ?? Type.None, args, callee);
  }

  /** Indirect call through the module table: `calleeIndex` is a table index. */
  callIndirect(sig: Signature | number, calleeIndex: ValueId, args: ValueId[]): ValueId {
    const typeIndex = typeof sig === "number" ? sig : internType(this.module, sig);
    const results = this.module.types[typeIndex]!.results;
    return this.emit(Op.CallIndirect, results[0] ?? Type.None, [calleeIndex, ...args], typeIndex);
  }

  callHost(importIndex: number, args: ValueId[]): ValueId {
    const results = this.module.imports[importIndex]!.results;
    return this.emit(Op.CallHost, results[0] ?? Type.None, args, importIndex);
  }

  trapIf(cond: ValueId, kind: TrapKind): void {
    this.emit(Op.TrapIf, Type.None, [cond], kind);
  }

  private terminate(term: Terminator): void {
    this.fn.blocks[this.current]!.term = term;
  }

  jump(block: BlockId, args: ValueId[] = []): void {
    this.terminate({ op: TermOp.Jump, args: [], targets: [{ block, args }], imm: 0, loc: this.loc });
  }

  brIf(
    cond: ValueId,
    thenBlock: BlockId,
    thenArgs: ValueId[],
    elseBlock: BlockId,
    elseArgs: ValueId[],
  ): void {
    this.terminate({
      op: TermOp.BrIf,
      args: [cond],
      targets: [
        { block: thenBlock, args: thenArgs },
        { block: elseBlock, args: elseArgs },
      ],
      imm: 0,
      loc: this.loc,
    });
  }

  brTable(index: ValueId, cases: BlockCall[], defaultTarget: BlockCall): void {
    this.terminate({
      op: TermOp.BrTable,
      args: [index],
      targets: [...cases, defaultTarget],
      imm: 0,
      loc: this.loc,
    });
  }

  ret(value?: ValueId): void {
    this.terminate({
      op: TermOp.Return,
      args: value === undefined ? [] : [value],
      targets: [],
      imm: 0,
      loc: this.loc,
    });
  }

  trap(kind: TrapKind): void {
    this.terminate({ op: TermOp.Trap, args: [], targets: [], imm: kind, loc: this.loc });
  }

  unreachable(): void {
    this.terminate({ op: TermOp.Unreachable, args: [], targets: [], imm: 0, loc: this.loc });
  }
}

/** Interns `sig` in `module.types` and returns its index. */
export function internType(module: Module, sig: Signature): number {
  const existing = module.types.findIndex((t) => signaturesEqual(t, sig));
  if (existing >= 0) return existing;
  module.types.push({ params: [...sig.params], results: [...sig.results] });
  return module.types.length - 1;
}
