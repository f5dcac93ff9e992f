/**
 * Lowering of a checked TJ program to the IR.
 *
 * SSA construction is structured: TJ has no goto, so every join point is an if/else merge,
 * a loop header, a loop's continue point or its exit. Each gets block parameters for
 * exactly the outer variables assigned inside the statement (a syntactic pre-scan), and
 * every edge into it passes those variables' current values. No trivial phis, no
 * fix-ups afterwards.
 *
 * Runtime layout (docs/language.md): arrays live in linear memory as
 * [i32 length][4 bytes padding][elements], allocated by a bump allocator (`tj.alloc_array`)
 * that grows memory and traps `out of memory` at the limit. Address 0 holds a length-0
 * array, so a zero array reference behaves as an empty array. Function values are indices
 * into the module table; slot 0 is null and traps when called. Module `let` globals are
 * initialized in declaration order by the start function `tj.init`.
 *
 * Evaluation order is left to right. For `a[i] = e`: a, i, e, then the bounds check and the
 * store; for `a[i] op= e`: a, i, the bounds check, the load, e, the store.
 */

import { type FunctionBuilder, ModuleBuilder } from "../ir/builder.js";
import { STANDARD_HOST, STANDARD_HOST_MODULE } from "../ir/host-abi.js";
import type { Module, ValueId } from "../ir/ir.js";
import { Op } from "../ir/ops.js";
import { TrapKind } from "../ir/trap.js";
import { Type } from "../ir/types.js";
import type { Binding, Expr, FunctionDecl, GlobalDecl, Program, Stmt } from "./ast.js";
import type { CheckedProgram } from "./checker.js";
import { arithmeticOp, compareOp, intLiteralValue } from "./constant.js";
import type { LineMap, SourceOffset } from "./diagnostics.js";
import { irType, type TjType } from "./types.js";

export interface EntryInfo {
  funcId: number;
  params: { name: string; type: TjType }[];
  result: TjType;
}

export interface LoweredProgram {
  module: Module;
  /** Every TJ function by name, with parameter names and TJ types (for the CLI). */
  functions: Map<string, EntryInfo>;
}

const ARRAY_HEADER = 8;
/** Arrays take multiples of this many bytes, their elements aligned to it. */
const ARRAY_ALIGN = 16;
const HEAP_START_MIN = 16;

interface Loop {
  breakBlock: number;
  continueBlock: number;
  vars: Binding[];
}

function elementShift(elem: TjType): number {
  switch (elem.tag) {
    case "bool":
      return 0;
    case "i64":
    case "f64":
      return 3;
    default:
      return 2;
  }
}

function signatureOf(type: TjType & { tag: "func" }): { params: Type[]; results: Type[] } {
  return {
    params: type.params.map(irType),
    results: type.result.tag === "void" ? [] : [irType(type.result)],
  };
}

class ModuleLowering {
  readonly mb = new ModuleBuilder();
  private readonly hostImports = new Map<string, number>();
  private readonly funcIds = new Map<FunctionDecl, number>();
  private readonly globalIds = new Map<GlobalDecl, number>();
  private readonly tableSlots = new Map<number, number>();
  private readonly externWrappers = new Map<FunctionDecl, number>();
  private readonly strings = new Map<string, { address: number; length: number }>();
  private dataEnd = HEAP_START_MIN;
  private allocFunc = -1;
  private zeroFunc = -1;
  private growFunc = -1;
  private heapGlobal = -1;

  constructor(
    private readonly checked: CheckedProgram,
    file: string,
    readonly lines: LineMap,
  ) {
    this.mb.module.sourceFile = file;
  }

  loc(at: SourceOffset): number {
    return this.lines.loc(at);
  }

  lower(): LoweredProgram {
    const program: Program = this.checked.program;
    const module = this.mb.module;
    module.table.push(-1); // slot 0: the null function
    this.heapGlobal = this.mb.addGlobal("tj.heap", Type.I32, 0, true);
    const functions = new Map<string, EntryInfo>();
    for (const decl of program.decls) {
      if (decl.kind === "function") {
        const binding = decl.binding as (Binding & { kind: "function" | "extern" }) | undefined;
        if (binding === undefined) continue;
        const sig = signatureOf(binding.type);
        if (decl.extern) {
          this.mb.addImport(decl.name, sig.params, sig.results, "env", decl.name);
          continue;
        }
        const id = this.mb.declare(decl.name, sig.params, sig.results, {
          exported: decl.exported,
          loc: this.loc(decl.pos),
        });
        this.funcIds.set(decl, id);
        functions.set(decl.name, {
          funcId: id,
          params: decl.params.map((p, i) => ({ name: p.name, type: binding.type.params[i]! })),
          result: binding.type.result,
        });
      } else if (!decl.constant) {
        const binding = decl.binding;
        if (binding === undefined || binding.kind !== "global") continue;
        const type = binding.type;
        const zero = irType(type) === Type.I64 ? 0n : 0;
        this.globalIds.set(decl, this.mb.addGlobal(decl.name, irType(type), zero, true));
      }
    }
    for (const decl of program.decls) {
      if (decl.kind === "function" && !decl.extern && decl.body !== null) {
        new FunctionLowering(this, this.mb.define(this.funcIds.get(decl)!)).lowerBody(decl);
      }
    }
    const globalsToInit = program.decls.filter((d): d is GlobalDecl => d.kind === "global" && !d.constant);
    if (globalsToInit.length > 0) {
      const init = this.mb.function("tj.init", [], []);
      const lowering = new FunctionLowering(this, init);
      for (const decl of globalsToInit) lowering.initGlobal(decl, this.globalIds.get(decl)!);
      init.ret();
      module.start = init.id;
    }
    // every array starts 8 bytes before a multiple of 16, so that its elements are
    // 16-byte aligned: Tier 2's f64x2 loads and stores then never straddle a cache line
    // (matmul's misaligned rows: 1.41 -> 1.68 ms for its kernel alone)
    const heapStart = Math.ceil((this.dataEnd - ARRAY_HEADER) / ARRAY_ALIGN) * ARRAY_ALIGN + ARRAY_HEADER;
    module.globals[this.heapGlobal]!.init = heapStart;
    this.mb.setMemory(Math.max(1, Math.ceil((heapStart + 1) / 65536)));
    return { module, functions };
  }

  hostImport(field: string): number {
    let index = this.hostImports.get(field);
    if (index === undefined) {
      const entry = STANDARD_HOST.find((e) => e.field === field)!;
      index = this.mb.addImport(`tj.${field}`, entry.params, entry.results, STANDARD_HOST_MODULE, field);
      this.hostImports.set(field, index);
    }
    return index;
  }

  functionId(decl: FunctionDecl): number {
    return this.funcIds.get(decl)!;
  }

  externIndex(decl: FunctionDecl): number {
    return this.mb.module.imports.findIndex((imp) => imp.module === "env" && imp.field === decl.name);
  }

  globalId(decl: GlobalDecl): number {
    return this.globalIds.get(decl)!;
  }

  get heap(): number {
    return this.heapGlobal;
  }

  /** The table slot holding `funcId` (a function value). */
  tableSlot(funcId: number): number {
    let slot = this.tableSlots.get(funcId);
    if (slot === undefined) {
      slot = this.mb.module.table.length;
      this.mb.module.table.push(funcId);
      this.tableSlots.set(funcId, slot);
    }
    return slot;
  }

  /** A function that forwards to an extern, so that the extern can be a function value. */
  externWrapper(decl: FunctionDecl, type: TjType & { tag: "func" }): number {
    let id = this.externWrappers.get(decl);
    if (id === undefined) {
      const sig = signatureOf(type);
      const fb = this.mb.function(`tj.extern.${decl.name}`, sig.params, sig.results);
      const result = fb.callHost(this.externIndex(decl), fb.entryParams);
      if (result >= 0) fb.ret(result);
      else fb.ret();
      id = fb.id;
      this.externWrappers.set(decl, id);
    }
    return id;
  }

  /** Places a string literal's bytes in memory (once per distinct string). */
  stringData(bytes: Uint8Array): { address: number; length: number } {
    const key = Array.from(bytes).join(",");
    let placed = this.strings.get(key);
    if (placed === undefined) {
      placed = { address: this.dataEnd, length: bytes.length };
      if (bytes.length > 0) this.mb.addData(this.dataEnd, bytes);
      this.dataEnd += bytes.length;
      this.strings.set(key, placed);
    }
    return placed;
  }

  /** `tj.alloc_array(n, shift) -> address`: n ≥ 0 elements of 2^shift bytes, zeroed. */
  allocFunction(): number {
    if (this.allocFunc >= 0) return this.allocFunc;
    const fb = this.mb.function("tj.alloc_array", [Type.I32, Type.I32], [Type.I32]);
    this.allocFunc = fb.id;
    const [n, shift] = fb.entryParams as [number, number];
    const c64 = (v: bigint): ValueId => fb.const(Type.I64, v);
    const bodyBytes = fb.binary(
      Op.Shl,
      fb.convert(Op.ExtendU, Type.I64, n),
      fb.convert(Op.ExtendU, Type.I64, shift),
    );
    const total = fb.binary(Op.Add, bodyBytes, c64(BigInt(ARRAY_HEADER + ARRAY_ALIGN - 1)));
    const rounded = fb.binary(Op.And, total, c64(BigInt(-ARRAY_ALIGN)));
    const address = fb.globalGet(this.heapGlobal);
    const end = fb.binary(Op.Add, fb.convert(Op.ExtendU, Type.I64, address), rounded);
    fb.trapIf(fb.binary(Op.GeU, end, c64(1n << 32n)), TrapKind.OutOfMemory);
    const pages = fb.convert(Op.ExtendU, Type.I64, fb.memorySize());
    const available = fb.binary(Op.Shl, pages, c64(16n));
    const grow = fb.block();
    const done = fb.block();
    fb.brIf(fb.binary(Op.GtU, end, available), grow.id, [], done.id, []);
    fb.switchTo(grow.id);
    const needed = fb.binary(Op.ShrU, fb.binary(Op.Add, end, c64(65535n)), c64(16n));
    const delta = fb.convert(Op.Wrap, Type.I32, fb.binary(Op.Sub, needed, pages));
    const previous = fb.call(this.growFunction(), [delta]);
    fb.trapIf(fb.binary(Op.Eq, previous, fb.const(Type.I32, -1)), TrapKind.OutOfMemory);
    fb.jump(done.id);
    fb.switchTo(done.id);
    const endAddress = fb.convert(Op.Wrap, Type.I32, end);
    fb.globalSet(this.heapGlobal, endAddress);
    fb.store(Op.Store, address, n);
    fb.call(this.zeroFunction(), [address, endAddress]);
    fb.ret(address);
    return this.allocFunc;
  }

  /**
   * `tj.grow_memory(pages) -> previous pages or -1`: grows the memory by half its size, or
   * by `pages` when that is more, so that a program allocating as it goes grows it a
   * logarithmic number of times: each growth costs the host a change of the pages'
   * permissions (a TLB shoot-down across threads) and a new buffer object, and V8 counts
   * it towards starting a garbage collection (sieve.tj's 5 MB per call: 12-22 ms per call
   * drifting up, now a steady 13.5). When the memory limit leaves no room for half, by
   * `pages` only; -1 when not even that fits.
   */
  private growFunction(): number {
    if (this.growFunc >= 0) return this.growFunc;
    const fb = this.mb.function("tj.grow_memory", [Type.I32], [Type.I32]);
    this.growFunc = fb.id;
    const [needed] = fb.entryParams as [number];
    const half = fb.binary(Op.ShrU, fb.memorySize(), fb.const(Type.I32, 1));
    const generous = fb.select(fb.binary(Op.GtU, half, needed), half, needed);
    const previous = fb.memoryGrow(generous);
    const exact = fb.block();
    const done = fb.block();
    fb.brIf(fb.binary(Op.Eq, previous, fb.const(Type.I32, -1)), exact.id, [], done.id, []);
    fb.switchTo(exact.id);
    fb.ret(fb.memoryGrow(needed));
    fb.switchTo(done.id);
    fb.ret(previous);
    return this.growFunc;
  }

  /**
   * `tj.zero_elements(array, end)`: stores zeros from the array's elements up to `end`.
   * The elements of a new array are zero already (memory is never reused), but writing the
   * zeros at once makes the host map each fresh page once, written: a page read first maps the shared zero
   * page, and its first write then copies it and shoots down every thread's TLB entry for
   * it (matmul's `c[i] += ...` rows: 3.0 -> 2.1 ms at Tier 2). A function of its own, so
   * that `tj.alloc_array` stays small enough to inline, where its store of the length is
   * what the index checks compare against.
   */
  private zeroFunction(): number {
    if (this.zeroFunc >= 0) return this.zeroFunc;
    const fb = this.mb.function("tj.zero_elements", [Type.I32, Type.I32], []);
    this.zeroFunc = fb.id;
    const [array, end] = fb.entryParams as [number, number];
    const start = fb.binary(Op.Add, array, fb.const(Type.I32, ARRAY_HEADER));
    // a counted loop (words below a count, the address stepped by 8): the shape Tier 2 vectorizes
    const count = fb.binary(Op.ShrU, fb.binary(Op.Sub, end, start), fb.const(Type.I32, 3));
    const header = fb.block([Type.I32, Type.I32]);
    const body = fb.block();
    const done = fb.block();
    fb.jump(header.id, [fb.const(Type.I32, 0), start]);
    fb.switchTo(header.id);
    const [word, at] = header.params as [number, number];
    fb.brIf(fb.binary(Op.LtS, word, count), body.id, [], done.id, []);
    fb.switchTo(body.id);
    // an f64 zero: the loop Tier 2 vectorizes into 16-byte stores
    fb.store(Op.Store, at, fb.const(Type.F64, 0));
    fb.jump(header.id, [
      fb.binary(Op.Add, word, fb.const(Type.I32, 1)),
      fb.binary(Op.Add, at, fb.const(Type.I32, 8)),
    ]);
    fb.switchTo(done.id);
    fb.ret();
    return this.zeroFunc;
  }
}

class FunctionLowering {
  /** Current SSA value of each local, by binding id. */
  private env = new Map<number, ValueId>();
  private readonly locals = new Map<number, Binding>();
  private readonly loops: Loop[] = [];
  private terminated = false;

  constructor(
    private readonly m: ModuleLowering,
    private readonly fb: FunctionBuilder,
  ) {}

  private loc(at: SourceOffset): number {
    return this.m.lines.loc(at);
  }

  lowerBody(decl: FunctionDecl): void {
    const fb = this.fb;
    fb.loc = this.loc(decl.pos);
    decl.params.forEach((param, i) => {
      const binding = param.binding!;
      this.locals.set((binding as { id: number }).id, binding);
      this.env.set((binding as { id: number }).id, fb.entryParams[i]!);
    });
    const body = decl.body!;
    for (let i = 0; i < body.length; i++) this.lowerStmt(body[i]!);
    if (!this.terminated) {
      fb.loc = this.loc(decl.endPos);
      if (fb.fn.results.length === 0) fb.ret();
      else fb.unreachable(); // the checker proved the end unreachable
    }
  }

  initGlobal(decl: GlobalDecl, global: number): void {
    this.open();
    this.fb.loc = this.loc(decl.pos);
    const value = this.lowerExpr(decl.init);
    this.fb.globalSet(global, value);
  }

  /** Starts a fresh (unreachable) block if the current one has ended. */
  private open(): void {
    if (!this.terminated) return;
    this.fb.switchTo(this.fb.block().id);
    this.terminated = false;
  }

  // ---- statements ----

  private lowerStmt(stmt: Stmt): void {
    this.open();
    const fb = this.fb;
    fb.loc = this.loc(stmt.pos);
    switch (stmt.kind) {
      case "let": {
        const value = this.lowerExpr(stmt.init);
        const binding = stmt.binding as Binding & { kind: "local" };
        this.locals.set(binding.id, binding);
        this.env.set(binding.id, value);
        return;
      }
      case "assign":
        this.lowerAssign(stmt);
        return;
      case "expr":
        this.lowerExpr(stmt.expr);
        return;
      case "block":
        for (let i = 0; i < stmt.body.length; i++) this.lowerStmt(stmt.body[i]!);
        return;
      case "if":
        this.lowerIf(stmt);
        return;
      case "while":
        this.lowerLoop(stmt, stmt.test, stmt.body, null);
        return;
      case "for": {
        if (stmt.init !== null) this.lowerStmt(stmt.init);
        this.open();
        this.lowerLoop(stmt, stmt.test, stmt.body, stmt.step);
        return;
      }
      case "do":
        this.lowerDoWhile(stmt);
        return;
      case "break":
      case "continue": {
        const loop = this.loops[this.loops.length - 1]!;
        fb.jump(stmt.kind === "break" ? loop.breakBlock : loop.continueBlock, this.values(loop.vars));
        this.terminated = true;
        return;
      }
      case "return":
        if (stmt.value === null) {
          fb.ret();
        } else {
          const value = this.lowerExpr(stmt.value);
          fb.loc = this.loc(stmt.pos);
          if (value < 0) fb.ret();
          else fb.ret(value);
        }
        this.terminated = true;
        return;
    }
  }

  /** Outer locals assigned anywhere in `stmts`, in a fixed order. */
  private carried(...stmts: (Stmt | null)[]): Binding[] {
    const ids = new Set<number>();
    for (let i = 0; i < stmts.length; i++) if (stmts[i] !== null) collectAssigned(stmts[i]!, ids);
    const live: number[] = [];
    ids.forEach((id) => {
      if (this.env.has(id)) live.push(id);
    });
    // insertion sort: the lists are short, and Array.prototype.sort copies them first
    for (let i = 1; i < live.length; i++) {
      const id = live[i]!;
      let j = i - 1;
      for (; j >= 0 && live[j]! > id; j--) live[j + 1] = live[j]!;
      live[j + 1] = id;
    }
    const bindings: Binding[] = new Array(live.length);
    for (let i = 0; i < live.length; i++) bindings[i] = this.locals.get(live[i]!)!;
    return bindings;
  }

  private values(vars: Binding[]): ValueId[] {
    return vars.map((v) => this.env.get((v as { id: number }).id)!);
  }

  private types(vars: Binding[]): Type[] {
    return vars.map((v) => irType((v as { type: TjType }).type));
  }

  private bind(vars: Binding[], params: ValueId[]): void {
    vars.forEach((v, i) => {
      this.env.set((v as { id: number }).id, params[i]!);
    });
  }

  /** Ends the current block with a jump to `block` passing `vars`, unless it already ended. */
  private fallInto(block: number, vars: Binding[]): void {
    if (!this.terminated) this.fb.jump(block, this.values(vars));
    this.terminated = false;
  }

  private lowerIf(stmt: Stmt & { kind: "if" }): void {
    const fb = this.fb;
    const vars = this.carried(stmt.then, stmt.else);
    const cond = this.lowerExpr(stmt.test);
    const thenBlock = fb.block();
    const elseBlock = stmt.else === null ? null : fb.block();
    const merge = fb.block(this.types(vars));
    if (elseBlock === null) fb.brIf(cond, thenBlock.id, [], merge.id, this.values(vars));
    else fb.brIf(cond, thenBlock.id, [], elseBlock.id, []);
    const outer = copyEnv(this.env);
    fb.switchTo(thenBlock.id);
    this.lowerStmt(stmt.then);
    this.fallInto(merge.id, vars);
    this.env = copyEnv(outer);
    if (elseBlock !== null) {
      fb.switchTo(elseBlock.id);
      this.lowerStmt(stmt.else!);
      this.fallInto(merge.id, vars);
      this.env = outer;
    }
    fb.switchTo(merge.id);
    this.bind(vars, merge.params);
  }

  /** while and for: header(vars) → test → body → [step(vars)] → header; exit(vars). */
  private lowerLoop(stmt: Stmt, test: Expr | null, body: Stmt, step: Stmt | null): void {
    const fb = this.fb;
    const vars = this.carried(body, step);
    const types = this.types(vars);
    const header = fb.block(types);
    const exit = fb.block(types);
    const stepBlock = step === null ? header : fb.block(types);
    fb.jump(header.id, this.values(vars));
    fb.switchTo(header.id);
    this.bind(vars, header.params);
    const bodyBlock = fb.block();
    if (test === null) {
      fb.jump(bodyBlock.id);
    } else {
      const cond = this.lowerExpr(test);
      fb.loc = this.loc(stmt.pos);
      fb.brIf(cond, bodyBlock.id, [], exit.id, this.values(vars));
    }
    const atHeader = copyEnv(this.env);
    fb.switchTo(bodyBlock.id);
    this.loops.push({ breakBlock: exit.id, continueBlock: stepBlock.id, vars });
    this.lowerStmt(body);
    this.loops.pop();
    if (step !== null) {
      this.fallInto(stepBlock.id, vars);
      this.env = copyEnv(atHeader);
      fb.switchTo(stepBlock.id);
      this.bind(vars, (stepBlock as { params: ValueId[] }).params);
      this.lowerStmt(step);
      this.open();
    }
    fb.loc = this.loc(stmt.pos);
    this.fallInto(header.id, vars);
    this.env = atHeader;
    fb.switchTo(exit.id);
    this.bind(vars, exit.params);
  }

  private lowerDoWhile(stmt: Stmt & { kind: "do" }): void {
    const fb = this.fb;
    const vars = this.carried(stmt.body);
    const types = this.types(vars);
    const bodyBlock = fb.block(types);
    const testBlock = fb.block(types);
    const exit = fb.block(types);
    fb.jump(bodyBlock.id, this.values(vars));
    fb.switchTo(bodyBlock.id);
    this.bind(vars, bodyBlock.params);
    const outer = copyEnv(this.env);
    this.loops.push({ breakBlock: exit.id, continueBlock: testBlock.id, vars });
    this.lowerStmt(stmt.body);
    this.loops.pop();
    this.fallInto(testBlock.id, vars);
    this.env = outer;
    fb.switchTo(testBlock.id);
    this.bind(vars, testBlock.params);
    const cond = this.lowerExpr(stmt.test);
    fb.loc = this.loc(stmt.pos);
    fb.brIf(cond, bodyBlock.id, this.values(vars), exit.id, this.values(vars));
    fb.switchTo(exit.id);
    this.bind(vars, exit.params);
  }

  private lowerAssign(stmt: Stmt & { kind: "assign" }): void {
    const fb = this.fb;
    const target = stmt.target;
    const compound = stmt.op === "=" ? null : stmt.op.slice(0, -1);
    const targetType = target.type!;
    if (target.kind === "name") {
      const binding = target.binding!;
      let value: ValueId;
      if (compound === null) {
        value = this.lowerExpr(stmt.value);
      } else {
        const old = this.lowerExpr(target);
        const right = this.lowerExpr(stmt.value);
        fb.loc = this.loc(stmt.pos);
        value = this.binaryValue(compound, targetType, old, right);
      }
      if (binding.kind === "local") this.env.set(binding.id, value);
      else if (binding.kind === "global") fb.globalSet(this.m.globalId(binding.decl), value);
      return;
    }
    if (target.kind !== "index") return;
    const array = this.lowerExpr(target.array);
    const index = this.lowerExpr(target.index);
    const shift = elementShift(targetType);
    if (compound === null) {
      const value = this.lowerExpr(stmt.value);
      fb.loc = this.loc(target.pos);
      const address = this.elementAddress(array, index, shift);
      this.storeElement(targetType, address, value);
      return;
    }
    fb.loc = this.loc(target.pos);
    const address = this.elementAddress(array, index, shift);
    const old = this.loadElement(targetType, address);
    const right = this.lowerExpr(stmt.value);
    fb.loc = this.loc(stmt.pos);
    this.storeElement(targetType, address, this.binaryValue(compound, targetType, old, right));
  }

  // ---- arrays ----

  /** Bounds-checks `index` against the array's length; returns the element's address (minus the header). */
  private elementAddress(array: ValueId, index: ValueId, shift: number): ValueId {
    const fb = this.fb;
    // the length is written once, by tj.alloc_array, and TJ code cannot write it
    const length = fb.loadInvariant(Op.Load, Type.I32, array);
    const inBounds = fb.binary(Op.LtU, index, length);
    fb.trapIf(fb.unary(Op.Eqz, inBounds), TrapKind.IndexOutOfBounds);
    const offset = shift === 0 ? index : fb.binary(Op.Shl, index, fb.const(Type.I32, shift));
    return fb.binary(Op.Add, array, offset);
  }

  private loadElement(elem: TjType, address: ValueId): ValueId {
    if (elem.tag === "bool") return this.fb.load(Op.Load8U, Type.I32, address, ARRAY_HEADER);
    return this.fb.load(Op.Load, irType(elem), address, ARRAY_HEADER);
  }

  private storeElement(elem: TjType, address: ValueId, value: ValueId): void {
    this.fb.store(elem.tag === "bool" ? Op.Store8 : Op.Store, address, value, ARRAY_HEADER);
  }

  // ---- expressions ----

  private constOf(type: TjType, value: number | bigint): ValueId {
    return this.fb.const(irType(type), value);
  }

  /** Lowers an expression; returns its value, or -1 for a void call. */
  lowerExpr(expr: Expr): ValueId {
    const fb = this.fb;
    const here = this.loc(expr.pos);
    fb.loc = here;
    const type = expr.type!;
    switch (expr.kind) {
      case "int":
        return this.constOf(type, intLiteralValue(expr.value, type));
      case "float":
        return fb.const(Type.F64, expr.value);
      case "bool":
        return fb.const(Type.I32, expr.value ? 1 : 0);
      case "string":
        throw new Error("string literal outside print");
      case "name":
        return this.lowerName(expr);
      case "call":
        return this.lowerCall(expr);
      case "index": {
        const array = this.lowerExpr(expr.array);
        const index = this.lowerExpr(expr.index);
        fb.loc = here;
        return this.loadElement(type, this.elementAddress(array, index, elementShift(type)));
      }
      case "length": {
        const array = this.lowerExpr(expr.array);
        fb.loc = here;
        return fb.loadInvariant(Op.Load, Type.I32, array);
      }
      case "new": {
        const size = this.lowerExpr(expr.size);
        fb.loc = here;
        fb.trapIf(fb.binary(Op.LtS, size, fb.const(Type.I32, 0)), TrapKind.NegativeArrayLength);
        const shift = fb.const(Type.I32, elementShift(expr.elemType!));
        return fb.call(this.m.allocFunction(), [size, shift]);
      }
      case "unary": {
        const operand = this.lowerExpr(expr.operand);
        fb.loc = here;
        switch (expr.op) {
          case "!":
            return fb.unary(Op.Eqz, operand);
          case "~":
            return fb.binary(Op.Xor, operand, this.constOf(type, type.tag === "i64" ? -1n : -1));
          default:
            if (type.tag === "f64") return fb.unary(Op.Neg, operand);
            return fb.binary(Op.Sub, this.constOf(type, type.tag === "i64" ? 0n : 0), operand);
        }
      }
      case "cast":
        return this.lowerCast(expr);
      case "binary":
        return this.lowerBinary(expr);
      case "cond": {
        const cond = this.lowerExpr(expr.test);
        const thenBlock = fb.block();
        const elseBlock = fb.block();
        const merge = fb.block([irType(type)]);
        fb.loc = here;
        fb.brIf(cond, thenBlock.id, [], elseBlock.id, []);
        fb.switchTo(thenBlock.id);
        fb.jump(merge.id, [this.lowerExpr(expr.then)]);
        fb.switchTo(elseBlock.id);
        fb.jump(merge.id, [this.lowerExpr(expr.else)]);
        fb.switchTo(merge.id);
        return merge.params[0]!;
      }
    }
  }

  private lowerName(expr: Expr & { kind: "name" }): ValueId {
    const fb = this.fb;
    const binding = expr.binding!;
    switch (binding.kind) {
      case "local":
        return this.env.get(binding.id)!;
      case "global":
        return fb.globalGet(this.m.globalId(binding.decl));
      case "const":
        return this.constOf(binding.type, binding.value!);
      case "function":
        return fb.const(Type.I32, this.m.tableSlot(this.m.functionId(binding.decl)));
      case "extern":
        return fb.const(Type.I32, this.m.tableSlot(this.m.externWrapper(binding.decl, binding.type)));
      default:
        throw new Error(`cannot lower name ${expr.name}`);
    }
  }

  private lowerArgs(args: Expr[]): ValueId[] {
    return args.map((arg) => this.lowerExpr(arg));
  }

  private lowerCall(expr: Expr & { kind: "call" }): ValueId {
    const fb = this.fb;
    const here = this.loc(expr.pos);
    const callee = expr.callee;
    if (callee.kind === "name") {
      const binding = callee.binding!;
      if (binding.kind === "builtin") return this.lowerBuiltin(expr, callee.name);
      if (binding.kind === "function") {
        const args = this.lowerArgs(expr.args);
        fb.loc = here;
        return fb.call(this.m.functionId(binding.decl), args);
      }
      if (binding.kind === "extern") {
        const args = this.lowerArgs(expr.args);
        fb.loc = here;
        return fb.callHost(this.m.externIndex(binding.decl), args);
      }
    }
    const target = this.lowerExpr(callee);
    const args = this.lowerArgs(expr.args);
    fb.loc = here;
    return fb.callIndirect(signatureOf(callee.type as TjType & { tag: "func" }), target, args);
  }

  private lowerBuiltin(expr: Expr & { kind: "call" }, name: string): ValueId {
    const fb = this.fb;
    const here = this.loc(expr.pos);
    if (name === "print") {
      const arg = expr.args[0]!;
      if (arg.kind === "string") {
        const { address, length } = this.m.stringData(arg.bytes);
        fb.loc = here;
        fb.callHost(this.m.hostImport("print_str"), [
          fb.const(Type.I32, address),
          fb.const(Type.I32, length),
        ]);
        return -1;
      }
      const value = this.lowerExpr(arg);
      const field = { i32: "print_i32", i64: "print_i64", f64: "print_f64", bool: "print_bool" }[
        arg.type!.tag as "i32"
      ];
      fb.loc = here;
      fb.callHost(this.m.hostImport(field), [value]);
      return -1;
    }
    if (name === "unreachable") {
      fb.loc = here;
      fb.trapIf(fb.const(Type.I32, 1), TrapKind.Unreachable);
      return -1;
    }
    const args = this.lowerArgs(expr.args);
    fb.loc = here;
    switch (name) {
      case "print_fixed":
        fb.callHost(this.m.hostImport("print_fixed"), args);
        return -1;
      case "sqrt":
      case "abs":
      case "floor":
      case "ceil":
      case "trunc":
      case "nearest":
      case "clz":
      case "ctz":
      case "popcnt": {
        const op = {
          sqrt: Op.Sqrt,
          abs: Op.Abs,
          floor: Op.Floor,
          ceil: Op.Ceil,
          trunc: Op.Trunc,
          nearest: Op.Nearest,
          clz: Op.Clz,
          ctz: Op.Ctz,
          popcnt: Op.Popcnt,
        }[name];
        return fb.unary(op, args[0]!);
      }
      default: {
        const op = {
          min: Op.Min,
          max: Op.Max,
          copysign: Op.Copysign,
          rotl: Op.Rotl,
          rotr: Op.Rotr,
          divu: Op.DivU,
          remu: Op.RemU,
          ltu: Op.LtU,
          leu: Op.LeU,
          gtu: Op.GtU,
          geu: Op.GeU,
        }[name]!;
        return fb.binary(op, args[0]!, args[1]!);
      }
    }
  }

  private lowerCast(expr: Expr & { kind: "cast" }): ValueId {
    const fb = this.fb;
    const value = this.lowerExpr(expr.operand);
    fb.loc = this.loc(expr.pos);
    const from = expr.operand.type!;
    const to = expr.type!;
    if (from.tag === to.tag || (from.tag === "bool" && to.tag === "i32")) return value;
    if (to.tag === "bool") {
      return fb.binary(Op.Ne, value, this.constOf(from, from.tag === "i64" ? 0n : 0));
    }
    if (from.tag === "bool") return fb.convert(Op.ExtendU, Type.I64, value); // bool -> i64
    if (from.tag === "i32" && to.tag === "i64") return fb.convert(Op.ExtendS, Type.I64, value);
    if (from.tag === "i64" && to.tag === "i32") return fb.convert(Op.Wrap, Type.I32, value);
    if (to.tag === "f64") return fb.convert(Op.ConvertS, Type.F64, value);
    return fb.convert(Op.TruncSatS, irType(to), value);
  }

  private lowerBinary(expr: Expr & { kind: "binary" }): ValueId {
    const fb = this.fb;
    const here = this.loc(expr.pos);
    if (expr.op === "&&" || expr.op === "||") {
      const left = this.lowerExpr(expr.left);
      const rhs = fb.block();
      const merge = fb.block([Type.I32]);
      fb.loc = here;
      if (expr.op === "&&") fb.brIf(left, rhs.id, [], merge.id, [left]);
      else fb.brIf(left, merge.id, [left], rhs.id, []);
      fb.switchTo(rhs.id);
      const right = this.lowerExpr(expr.right);
      fb.jump(merge.id, [right]);
      fb.switchTo(merge.id);
      return merge.params[0]!;
    }
    const left = this.lowerExpr(expr.left);
    const right = this.lowerExpr(expr.right);
    fb.loc = here;
    return this.binaryValue(expr.op, expr.left.type!, left, right);
  }

  /** `left op right` for operands of `type` (arithmetic, bitwise or comparison). */
  private binaryValue(op: string, type: TjType, left: ValueId, right: ValueId): ValueId {
    const fb = this.fb;
    const compare = compareOp(op as "<", type);
    if (compare !== undefined) return fb.binary(compare, left, right);
    if (op === "%" && type.tag === "f64") return fb.callHost(this.m.hostImport("fmod"), [left, right]);
    return fb.binary(arithmeticOp(op as "+", type)!, left, right);
  }
}

function collectAssigned(stmt: Stmt, into: Set<number>): void {
  switch (stmt.kind) {
    case "assign":
      if (stmt.target.kind === "name" && stmt.target.binding?.kind === "local")
        into.add(stmt.target.binding.id);
      return;
    case "block":
      for (let i = 0; i < stmt.body.length; i++) collectAssigned(stmt.body[i]!, into);
      return;
    case "if":
      collectAssigned(stmt.then, into);
      if (stmt.else !== null) collectAssigned(stmt.else, into);
      return;
    case "while":
      collectAssigned(stmt.body, into);
      return;
    case "do":
      collectAssigned(stmt.body, into);
      return;
    case "for":
      if (stmt.init !== null) collectAssigned(stmt.init, into);
      if (stmt.step !== null) collectAssigned(stmt.step, into);
      collectAssigned(stmt.body, into);
      return;
    default:
      return;
  }
}

export function lowerProgram(checked: CheckedProgram, file: string, lines: LineMap): LoweredProgram {
  return new ModuleLowering(checked, file, lines).lower();
}

/**
 * A copy of a value environment. `new Map(map)` goes through the iterator protocol, which
 * unoptimized allocates an entry array and a result object per variable; forEach does not.
 */
function copyEnv(env: Map<number, ValueId>): Map<number, ValueId> {
  const copy = new Map<number, ValueId>();
  env.forEach((value, id) => {
    copy.set(id, value);
  });
  return copy;
}
