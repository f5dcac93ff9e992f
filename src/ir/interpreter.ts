/**
 * The reference interpreter: the oracle every tier is tested against.
 *
 * It executes verified IR directly with exact WebAssembly semantics (numeric.ts), a
 * little-endian linear memory, module globals, a function table with signature-checked
 * indirect calls, and host calls. Guest calls do not recurse on the JS stack: frames live
 * on an explicit stack, so the call-depth limit traps with `stack overflow` at a chosen
 * depth instead of crashing the host. Every trap is a `TrapError` with the trap kind and
 * the guest stack (innermost first, with source lines when the module has them).
 *
 * Clarity wins over speed here; the Wasm tiers are the fast path.
 */

import { convertArguments } from "./arguments.js";
import {
  findFunction,
  type Inst,
  type IrFunction,
  inlinedFrames,
  locLine,
  type Module,
  PAGE_SIZE,
  type ResumePoint,
  valueTypes,
} from "./ir.js";
import {
  coerce,
  evalBinary,
  evalCompare,
  evalConvert,
  evalLanes,
  evalUnary,
  type Lanes,
  NumericTrap,
  type RegisterValue,
  type Scalar,
} from "./numeric.js";
import { Op, OpKind, opInfo, TermOp } from "./ops.js";
import { resumeFunction } from "./resume.js";
import { type GuestFrame, TrapError, TrapKind } from "./trap.js";
import { signaturesEqual, Type } from "./types.js";

/** A host function: receives IR scalars (i64 as bigint), returns a value for non-void imports. */
export type HostFunction = (...args: Scalar[]) => unknown;

/** Host functions by import module name, then field name. */
export type HostImports = Record<string, Record<string, HostFunction>>;

export interface InterpreterOptions {
  imports?: HostImports;
  /** Guest frames allowed at once before `stack overflow` (default 10 000). */
  maxCallDepth?: number;
  /** Upper bound on memory pages for `memory_grow`, below the module's own maximum. */
  maxMemoryPages?: number;
  /** Polled every few thousand block ends; returning true traps with `timeout`. */
  interrupt?: () => boolean;
}

/** Instantiation failed: a missing import, or a start function that trapped is rethrown as is. */
export class LinkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LinkError";
  }
}

interface Frame {
  fn: IrFunction;
  /** Scalars, except the f64x2 values of Tier 2's vector loops (the verifier keeps them there). */
  regs: RegisterValue[];
  /** Type of each value id of `fn` (operand types decide how ops behave). */
  types: Uint8Array;
  block: number;
  pc: number;
  /** Value id in this frame that receives the result of the call in progress. */
  pendingResult: number;
  /** A caller frame a deopt rebuilt: where it called the callee frame above it (until that returns). */
  callAt?: { loc: number; site: number | undefined };
}

const DEFAULT_MAX_DEPTH = 10000;
const INTERRUPT_INTERVAL = 1 << 14;

export class Interpreter {
  readonly module: Module;
  readonly globals: Scalar[];
  private memoryBuffer: ArrayBuffer;
  private view: DataView;
  private readonly hostFunctions: HostFunction[];
  private readonly typeTables: Uint8Array[];
  private readonly resumed = new Map<string, { fn: IrFunction; types: Uint8Array }>();
  private readonly maxDepth: number;
  private readonly maxPages: number;
  private readonly interrupt: (() => boolean) | undefined;
  private depth = 0;
  private steps = 0;
  private readonly argScratch: RegisterValue[] = [];

  constructor(module: Module, options: InterpreterOptions = {}) {
    this.module = module;
    this.maxDepth = options.maxCallDepth ?? DEFAULT_MAX_DEPTH;
    this.interrupt = options.interrupt;
    const moduleMax = module.memory === null || module.memory.maxPages < 0 ? 65536 : module.memory.maxPages;
    this.maxPages = Math.min(moduleMax, options.maxMemoryPages ?? 65536);
    this.hostFunctions = module.imports.map((imp) => {
      const fn = options.imports?.[imp.module]?.[imp.field];
      if (typeof fn !== "function")
        throw new LinkError(`missing import ${imp.module}.${imp.field} (@${imp.name})`);
      return fn;
    });
    this.globals = module.globals.map((g) => g.init);
    const minPages = module.memory?.minPages ?? 0;
    if (minPages > this.maxPages)
      throw new LinkError(`initial memory (${minPages} pages) exceeds the memory limit`);
    this.memoryBuffer = new ArrayBuffer(minPages * PAGE_SIZE);
    this.view = new DataView(this.memoryBuffer);
    const bytes = new Uint8Array(this.memoryBuffer);
    for (const segment of module.data) bytes.set(segment.bytes, segment.offset);
    this.typeTables = module.functions.map(valueTypes);
    if (module.start >= 0) this.invoke(module.start, []);
  }

  /** The current linear memory (a new buffer after each growth). */
  get memory(): Uint8Array {
    return new Uint8Array(this.memoryBuffer);
  }

  /** Calls a function by name or index with host values (numbers, or bigints for i64). */
  call(nameOrId: string | number, args: readonly unknown[] = []): Scalar | undefined {
    const id = typeof nameOrId === "number" ? nameOrId : findFunction(this.module, nameOrId);
    const fn = this.module.functions[id];
    if (fn === undefined) throw new Error(`no function ${String(nameOrId)}`);
    return this.invoke(id, convertArguments(fn, args));
  }

  /** A frame that starts `point`'s resume function with `values` as its parameters. */
  private resumeFrame(point: ResumePoint, values: Scalar[]): Frame {
    const resumed = this.resumeAt(point.func, point.block);
    return this.newFrame(resumed.fn, resumed.types, values);
  }

  /** The resume function of (function, block), made once (`deopt` terminators go on there). */
  private resumeAt(func: number, block: number): { fn: IrFunction; types: Uint8Array } {
    const key = `${func}:${block}`;
    let resumed = this.resumed.get(key);
    if (resumed === undefined) {
      const entry = resumeFunction(this.module, this.module.functions[func]!, block);
      if (entry === null)
        throw new Error(`deopt: @${this.module.functions[func]?.name} cannot resume at block${block}`);
      resumed = { fn: entry.fn, types: valueTypes(entry.fn) };
      this.resumed.set(key, resumed);
    }
    return resumed;
  }

  private newFrame(fn: IrFunction, types: Uint8Array, args: Scalar[]): Frame {
    const regs: RegisterValue[] = new Array(types.length).fill(0);
    const params = fn.blocks[0]!.params;
    for (let i = 0; i < params.length; i++) regs[params[i]!] = args[i]!;
    return { fn, regs, types, block: 0, pc: 0, pendingResult: -1 };
  }

  private stackOf(frames: Frame[], innermostLoc: number, innermostSite: number | undefined): GuestFrame[] {
    const file = this.module.sourceFile === "" ? undefined : this.module.sourceFile;
    const out: GuestFrame[] = [];
    for (let i = frames.length - 1; i >= 0; i--) {
      const frame = frames[i]!;
      let loc = innermostLoc;
      let site = innermostSite;
      if (i !== frames.length - 1 && frame.callAt !== undefined) {
        loc = frame.callAt.loc;
        site = frame.callAt.site;
      } else if (i !== frames.length - 1) {
        const call = frame.fn.blocks[frame.block]!.insts[frame.pc - 1];
        loc = call?.loc ?? -1;
        site = call?.site;
      }
      // optimized IR (the optimizer's tests run it here) has inlined calls: their frames too
      for (const [id, at] of inlinedFrames(frame.fn.inlineSites ?? [], -1, loc, site)) {
        const entry: GuestFrame = { functionName: id < 0 ? frame.fn.name : this.module.functions[id]!.name };
        if (at >= 0) {
          entry.line = locLine(at);
          if (file !== undefined) entry.file = file;
        }
        out.push(entry);
      }
    }
    return out;
  }

  private invoke(id: number, args: Scalar[]): Scalar | undefined {
    const frames: Frame[] = [];
    const baseDepth = this.depth;
    const pushFrame = (calleeId: number, callArgs: Scalar[]): void => {
      if (this.depth >= this.maxDepth) throw new NumericTrap(TrapKind.StackOverflow);
      const callee = this.module.functions[calleeId]!;
      frames.push(this.newFrame(callee, this.typeTables[calleeId]!, callArgs));
      this.depth++;
    };
    let currentLoc = -1;
    let currentSite: number | undefined;
    try {
      pushFrame(id, args);
      for (;;) {
        const frame = frames[frames.length - 1]!;
        const block = frame.fn.blocks[frame.block]!;
        const regs = frame.regs;
        if (frame.pc < block.insts.length) {
          const inst = block.insts[frame.pc++]!;
          currentLoc = inst.loc;
          currentSite = inst.site;
          const kind = opInfo(inst.op).kind;
          if (kind === OpKind.Call || kind === OpKind.CallIndirect) {
            const calleeId = kind === OpKind.Call ? inst.imm : this.resolveIndirect(inst, regs);
            const from = kind === OpKind.Call ? 0 : 1;
            const callArgs: Scalar[] = [];
            for (let i = from; i < inst.args.length; i++) callArgs.push(regs[inst.args[i]!] as Scalar);
            frame.pendingResult = inst.result;
            pushFrame(calleeId, callArgs);
            continue;
          }
          this.execute(inst, regs, frame.types);
          continue;
        }
        const term = block.term;
        currentLoc = term.loc;
        currentSite = term.site;
        // poll at terminators: every loop, however empty, passes one per iteration
        if (++this.steps >= INTERRUPT_INTERVAL) {
          this.steps = 0;
          if (this.interrupt?.()) throw new NumericTrap(TrapKind.Timeout);
        }
        switch (term.op) {
          case TermOp.Jump:
            this.branch(frame, 0);
            break;
          case TermOp.BrIf:
            this.branch(frame, regs[term.args[0]!] !== 0 ? 0 : 1);
            break;
          case TermOp.BrTable: {
            const index = (regs[term.args[0]!] as number) >>> 0;
            const cases = term.targets.length - 1;
            this.branch(frame, Math.min(index, cases));
            break;
          }
          case TermOp.Return: {
            const value = term.args.length > 0 ? (regs[term.args[0]!] as Scalar) : undefined;
            frames.pop();
            this.depth--;
            if (frames.length === 0) return value;
            const caller = frames[frames.length - 1]!;
            if (caller.pendingResult >= 0) caller.regs[caller.pendingResult] = value!;
            caller.pendingResult = -1;
            caller.callAt = undefined;
            break;
          }
          case TermOp.Trap:
            throw new NumericTrap(term.imm as TrapKind);
          case TermOp.Unreachable:
            throw new NumericTrap(TrapKind.Unreachable);
          case TermOp.Deopt: {
            // the frame goes on in unspeculated code: a tail call, so stacks stay exact; code
            // inlined from a callee first finishes the callee's frame, whose result the
            // caller's frame then takes
            const values = term.args.map((v) => regs[v] as Scalar);
            const caller = term.caller;
            const own = caller === undefined ? values.length : values.length - caller.args;
            if (caller === undefined) {
              frames[frames.length - 1] = this.resumeFrame(term.resume!, values);
            } else {
              const callee = this.resumeAt(term.resume!.func, term.resume!.block);
              const returns = callee.fn.results.length > 0;
              const outer = this.resumeFrame(caller, [...(returns ? [0] : []), ...values.slice(own)]);
              if (returns) outer.pendingResult = outer.fn.blocks[0]!.params[0]!;
              outer.callAt = { loc: caller.loc, site: caller.site };
              frames[frames.length - 1] = outer;
              // the callee's frame is one more frame, as a call's
              if (this.depth >= this.maxDepth) throw new NumericTrap(TrapKind.StackOverflow);
              frames.push(this.resumeFrame(term.resume!, values.slice(0, own)));
              this.depth++;
            }
            break;
          }
        }
      }
    } catch (error) {
      if (error instanceof NumericTrap)
        throw new TrapError(error.kind, this.stackOf(frames, currentLoc, currentSite));
      if (error instanceof TrapError && error.guestStack.length === 0) {
        throw new TrapError(error.kind, this.stackOf(frames, currentLoc, currentSite));
      }
      throw error;
    } finally {
      this.depth = baseDepth;
    }
  }

  /** Follows target `k` of the current block's terminator, binding block arguments in parallel. */
  private branch(frame: Frame, k: number): void {
    const target = frame.fn.blocks[frame.block]!.term.targets[k]!;
    const params = frame.fn.blocks[target.block]!.params;
    const scratch = this.argScratch;
    const regs = frame.regs;
    for (let i = 0; i < target.args.length; i++) scratch[i] = regs[target.args[i]!]!;
    for (let i = 0; i < params.length; i++) regs[params[i]!] = scratch[i]!;
    frame.block = target.block;
    frame.pc = 0;
  }

  private resolveIndirect(inst: Inst, regs: RegisterValue[]): number {
    const index = (regs[inst.args[0]!] as number) >>> 0;
    if (index >= this.module.table.length) throw new NumericTrap(TrapKind.TableOutOfBounds);
    const calleeId = this.module.table[index]!;
    if (calleeId < 0) throw new NumericTrap(TrapKind.NullFunction);
    const callee = this.module.functions[calleeId]!;
    if (!signaturesEqual(callee, this.module.types[inst.imm]!))
      throw new NumericTrap(TrapKind.SignatureMismatch);
    return calleeId;
  }

  private address(inst: Inst, regs: RegisterValue[], bytes: number): number {
    const ea = ((regs[inst.args[0]!] as number) >>> 0) + inst.imm;
    if (ea + bytes > this.memoryBuffer.byteLength) throw new NumericTrap(TrapKind.MemoryOutOfBounds);
    return ea;
  }

  private execute(inst: Inst, regs: RegisterValue[], types: Uint8Array): void {
    const info = opInfo(inst.op);
    const args = inst.args;
    switch (info.kind) {
      case OpKind.Const:
        regs[inst.result] = inst.type === Type.I64 ? inst.big : inst.imm;
        return;
      case OpKind.Binary:
        regs[inst.result] =
          inst.type === Type.F64x2
            ? evalLanes(inst.op, regs[args[0]!] as Lanes, regs[args[1]!] as Lanes)
            : evalBinary(inst.op, inst.type, regs[args[0]!] as Scalar, regs[args[1]!] as Scalar);
        return;
      case OpKind.Unary:
        regs[inst.result] =
          inst.type === Type.F64x2
            ? evalLanes(inst.op, regs[args[0]!] as Lanes)
            : evalUnary(inst.op, types[args[0]!]!, regs[args[0]!] as Scalar);
        return;
      case OpKind.Compare:
        regs[inst.result] = evalCompare(
          inst.op,
          types[args[0]!]!,
          regs[args[0]!] as Scalar,
          regs[args[1]!] as Scalar,
        );
        return;
      case OpKind.Convert:
        if (inst.op === Op.Splat) {
          const lane = regs[args[0]!] as number;
          regs[inst.result] = { lo: lane, hi: lane };
        } else {
          regs[inst.result] = evalConvert(inst.op, types[args[0]!]!, inst.type, regs[args[0]!] as Scalar);
        }
        return;
      case OpKind.Select:
        regs[inst.result] = regs[args[0]!] !== 0 ? regs[args[1]!]! : regs[args[2]!]!;
        return;
      case OpKind.Load:
        regs[inst.result] = this.load(inst, regs);
        return;
      case OpKind.Store:
        this.store(inst, regs, types[args[1]!]!);
        return;
      case OpKind.MemorySize:
        regs[inst.result] = this.memoryBuffer.byteLength / PAGE_SIZE;
        return;
      case OpKind.MemoryGrow:
        regs[inst.result] = this.grow((regs[args[0]!] as number) >>> 0);
        return;
      case OpKind.GlobalGet:
        regs[inst.result] = this.globals[inst.imm]!;
        return;
      case OpKind.GlobalSet:
        this.globals[inst.imm] = regs[args[0]!] as Scalar;
        return;
      case OpKind.ProfileEdge:
      case OpKind.ProfileTarget:
      case OpKind.ProfileCall:
      case OpKind.OsrPoint:
        return;
      case OpKind.CallHost: {
        const imp = this.module.imports[inst.imm]!;
        const hostArgs = args.map((v) => regs[v] as Scalar);
        const value = this.hostFunctions[inst.imm]!(...hostArgs);
        if (inst.result >= 0) regs[inst.result] = coerce(imp.results[0]!, value);
        return;
      }
      case OpKind.TrapIf:
        if (regs[args[0]!] !== 0) throw new NumericTrap(inst.imm as TrapKind);
        return;
      default:
        throw new Error(`interpreter: unexpected op ${info.name}`);
    }
  }

  private load(inst: Inst, regs: RegisterValue[]): RegisterValue {
    const view = this.view;
    const wide = inst.type === Type.I64;
    switch (inst.op) {
      case Op.Load:
        switch (inst.type) {
          case Type.I32:
            return view.getInt32(this.address(inst, regs, 4), true);
          case Type.I64:
            return view.getBigInt64(this.address(inst, regs, 8), true);
          case Type.F32:
            return view.getFloat32(this.address(inst, regs, 4), true);
          case Type.F64x2: {
            const at = this.address(inst, regs, 16);
            return { lo: view.getFloat64(at, true), hi: view.getFloat64(at + 8, true) };
          }
          default:
            return view.getFloat64(this.address(inst, regs, 8), true);
        }
      case Op.Load8S: {
        const v = view.getInt8(this.address(inst, regs, 1));
        return wide ? BigInt(v) : v;
      }
      case Op.Load8U: {
        const v = view.getUint8(this.address(inst, regs, 1));
        return wide ? BigInt(v) : v;
      }
      case Op.Load16S: {
        const v = view.getInt16(this.address(inst, regs, 2), true);
        return wide ? BigInt(v) : v;
      }
      case Op.Load16U: {
        const v = view.getUint16(this.address(inst, regs, 2), true);
        return wide ? BigInt(v) : v;
      }
      case Op.Load32S:
        return BigInt(view.getInt32(this.address(inst, regs, 4), true));
      case Op.Load32U:
        return BigInt(view.getUint32(this.address(inst, regs, 4), true));
      default:
        throw new Error("interpreter: bad load");
    }
  }

  private store(inst: Inst, regs: RegisterValue[], valueType: Type): void {
    const view = this.view;
    const stored = regs[inst.args[1]!]!;
    if (valueType === Type.F64x2) {
      const lanes = stored as Lanes;
      const at = this.address(inst, regs, 16);
      view.setFloat64(at, lanes.lo, true);
      view.setFloat64(at + 8, lanes.hi, true);
      return;
    }
    const value = stored as Scalar;
    const low = (bits: number): number =>
      typeof value === "bigint"
        ? Number(BigInt.asUintN(bits, value))
        : bits === 32
          ? value
          : value & ((1 << bits) - 1);
    switch (inst.op) {
      case Op.Store:
        switch (valueType) {
          case Type.I32:
            view.setInt32(this.address(inst, regs, 4), value as number, true);
            return;
          case Type.I64:
            view.setBigInt64(this.address(inst, regs, 8), value as bigint, true);
            return;
          case Type.F32:
            view.setFloat32(this.address(inst, regs, 4), value as number, true);
            return;
          default:
            view.setFloat64(this.address(inst, regs, 8), value as number, true);
            return;
        }
      case Op.Store8:
        view.setUint8(this.address(inst, regs, 1), low(8));
        return;
      case Op.Store16:
        view.setUint16(this.address(inst, regs, 2), low(16), true);
        return;
      case Op.Store32:
        view.setUint32(this.address(inst, regs, 4), low(32) >>> 0, true);
        return;
      default:
        throw new Error("interpreter: bad store");
    }
  }

  private grow(delta: number): number {
    const oldPages = this.memoryBuffer.byteLength / PAGE_SIZE;
    const newPages = oldPages + delta;
    if (newPages > this.maxPages) return -1;
    if (delta === 0) return oldPages;
    const grown = new ArrayBuffer(newPages * PAGE_SIZE);
    new Uint8Array(grown).set(new Uint8Array(this.memoryBuffer));
    this.memoryBuffer = grown;
    this.view = new DataView(grown);
    return oldPages;
  }
}
