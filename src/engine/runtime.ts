/**
 * The state a running IR module has in WebAssembly — memory, the dispatch table, the guest
 * tables, the globals — and the code installed into it.
 *
 * `WasmRuntime.instantiate` compiles the whole module at Tier 0 as the base module and
 * instantiates it; `install` puts a separately compiled module's functions into their
 * dispatch slots (and guest-table slots), which is how a later tier replaces code while
 * the program runs. Calls from the host always go through the dispatch table, so they
 * reach the newest code.
 *
 * Traps: a trap raised by generated code (`rt.trap`), a Wasm RuntimeError or a stack
 * overflow becomes a `TrapError` with the kind and the guest stack, rebuilt from V8's
 * stack trace through each compiled module's name and source map.
 */

import { convertArguments } from "../ir/arguments.js";
import type { HostImports } from "../ir/interpreter.js";
import { LinkError } from "../ir/interpreter.js";
import { type FuncId, inlinedFrames, locLine, type Module } from "../ir/ir.js";
import { coerce, type Scalar } from "../ir/numeric.js";
import { type GuestFrame, TrapError, type TrapKind } from "../ir/trap.js";
import { signaturesEqual, Type } from "../ir/types.js";
import { Instrument } from "../wasm/codegen.js";
import {
  BUDGET_GET,
  BUDGET_SET,
  type CompiledModule,
  compileModule,
  RUNTIME_MODULE,
  TRAP_KIND_MASK,
} from "../wasm/compile-module.js";
import { entryAt, trapKindOfEngineError, wasmFrames } from "../wasm/traps.js";
import { applyV8Tuning } from "./v8-flags.js";

export interface RuntimeOptions {
  /** Host functions by import module and field (the standard host, externs). */
  imports?: HostImports;
  /** Upper bound on memory pages (the memory limit). */
  maxMemoryPages?: number;
  /** Called when instrumented code's budget runs out; returns the next budget. */
  safepoint?: (funcId: number, kind: number) => number;
  /** How the base module is compiled (default: no instrumentation). */
  baseInstrument?: Instrument;
  /** The starting budget of instrumented functions. */
  initialBudget?: number;
  /** A V8 compilation hint for the base module's functions (see compile-module.ts). */
  baseCompilationHint?: number;
  /** Base code hands over to OSR entry functions at back-edges (codegen.ts). */
  osr?: boolean;
  /** Base code records its profile (`profile_edge`, `profile_target`; compile-module.ts `profileCounters`). */
  baseProfileCounters?: boolean;
  /** Called around each function's compilation in the base module (compile-module.ts). */
  baseBeforeFunction?: (id: FuncId) => void;
  baseAfterFunction?: (id: FuncId) => void;
}

/** Guest stacks keep at most this many frames (innermost first). */
export const MAX_GUEST_FRAMES = 100;

const WASM_VALUE: Record<number, "i32" | "i64" | "f32" | "f64"> = {
  [Type.I32]: "i32",
  [Type.I64]: "i64",
  [Type.F32]: "f32",
  [Type.F64]: "f64",
};

let moduleCounter = 0;

/** A fresh module name, unique in this process (it identifies the module's stack frames). */
export function freshModuleName(prefix: string): string {
  moduleCounter++;
  return `${prefix}${moduleCounter}`;
}

/** A function's entry and loop budgets: slots `slot` and `slot + 1` of its code's module. */
interface Budgets {
  get: (slot: number) => number;
  set: (slot: number, value: number) => void;
  slot: number;
}

export class WasmRuntime {
  readonly module: Module;
  readonly memory: WebAssembly.Memory | null;
  readonly dispatch: WebAssembly.Table;
  readonly guestTables = new Map<number, WebAssembly.Table>();
  readonly globals: WebAssembly.Global[];
  private readonly hostImports: HostImports;
  private readonly compiled = new Map<string, CompiledModule>();
  /** Where the entry and loop budgets of each function's current code are (when instrumented). */
  private readonly budgets = new Map<number, Budgets>();
  /** What each function's last install replaced (its code and budgets), for `revert`. */
  private readonly previous = new Map<FuncId, { code: unknown; budgets: Budgets | undefined }>();
  /** Each function's branch-edge counters, from the last code that had them (Tier 1). */
  private readonly edgeCounters = new Map<FuncId, WebAssembly.Global[]>();
  /** Each function's call-target records, from the last code that had them (Tier 1). */
  private readonly targetRecords = new Map<FuncId, WebAssembly.Global[]>();
  /** Each function's direct-call counters, from the last code that had them (Tier 1). */
  private readonly callCounters = new Map<FuncId, WebAssembly.Global[]>();
  /** Each function's indirect-call counters, from the last code that had them (Tier 1). */
  private readonly indirectCallCounters = new Map<FuncId, WebAssembly.Global[]>();
  /** Called before a function's code (and its budgets) is replaced. */
  onReplace: ((funcId: number) => void) | null = null;
  private readonly sourceFile: string | undefined;
  private readonly safepoint: (funcId: number, kind: number) => number;

  private constructor(module: Module, options: RuntimeOptions) {
    this.module = module;
    this.hostImports = options.imports ?? {};
    this.sourceFile = module.sourceFile === "" ? undefined : module.sourceFile;
    this.safepoint = options.safepoint ?? (() => 1 << 30);
    // enough frames for guest stacks; V8's default of 10 would cut them short
    if (Error.stackTraceLimit < MAX_GUEST_FRAMES + 20) Error.stackTraceLimit = MAX_GUEST_FRAMES + 20;
    if (module.memory === null) {
      this.memory = null;
    } else {
      const moduleMax = module.memory.maxPages < 0 ? 65536 : module.memory.maxPages;
      const maximum = Math.min(moduleMax, options.maxMemoryPages ?? 65536);
      if (module.memory.minPages > maximum) {
        throw new LinkError(`initial memory (${module.memory.minPages} pages) exceeds the memory limit`);
      }
      this.memory = new WebAssembly.Memory({ initial: module.memory.minPages, maximum });
    }
    this.dispatch = new WebAssembly.Table({
      element: "anyfunc",
      initial: Math.max(1, module.functions.length),
    });
    this.globals = module.globals.map(
      (g) => new WebAssembly.Global({ value: WASM_VALUE[g.type]!, mutable: true }, g.init as never),
    );
  }

  /** Compiles `module` at Tier 0, instantiates it and runs its start function. */
  static instantiate(module: Module, options: RuntimeOptions = {}): WasmRuntime {
    // V8's flags must be set before the first module compiles (the hints sections)
    applyV8Tuning();
    const runtime = new WasmRuntime(module, options);
    const base = compileModule(module, {
      moduleName: freshModuleName("tj"),
      base: true,
      instrument: options.baseInstrument ?? Instrument.None,
      ...(options.initialBudget === undefined ? {} : { initialBudget: options.initialBudget }),
      ...(options.baseCompilationHint === undefined ? {} : { compilationHint: options.baseCompilationHint }),
      osr: options.osr === true,
      profileCounters: options.baseProfileCounters === true,
      ...(options.baseBeforeFunction === undefined ? {} : { beforeFunction: options.baseBeforeFunction }),
      ...(options.baseAfterFunction === undefined ? {} : { afterFunction: options.baseAfterFunction }),
    });
    for (const t of base.guestTypes) {
      runtime.guestTables.set(
        t,
        new WebAssembly.Table({ element: "anyfunc", initial: Math.max(1, module.table.length) }),
      );
    }
    const exports = runtime.instantiateCompiled(base);
    runtime.recordBudgets(base, exports);
    runtime.recordProfileGlobals(base, exports);
    if (module.start >= 0) runtime.invoke(module.start, []);
    return runtime;
  }

  /** The guest's linear memory as bytes (a new view after each growth). */
  memoryBytes(): Uint8Array {
    return this.memory === null ? new Uint8Array(0) : new Uint8Array(this.memory.buffer);
  }

  private importObject(): WebAssembly.Imports {
    const rt: Record<string, WebAssembly.ImportValue> = {
      trap: (code: number) => {
        throw new TrapError((code & TRAP_KIND_MASK) as TrapKind, []);
      },
      safepoint: this.safepoint,
      dispatch: this.dispatch,
    };
    if (this.memory !== null) rt.memory = this.memory;
    for (const [t, table] of this.guestTables) rt[`guest${t}`] = table;
    this.globals.forEach((g, i) => {
      rt[`g${i}`] = g;
    });
    const imports: WebAssembly.Imports = { [RUNTIME_MODULE]: rt };
    for (const imp of this.module.imports) {
      const fn = this.hostImports[imp.module]?.[imp.field];
      if (typeof fn !== "function")
        throw new LinkError(`missing import ${imp.module}.${imp.field} (@${imp.name})`);
      if (imports[imp.module] === undefined) imports[imp.module] = {};
      (imports[imp.module] as Record<string, WebAssembly.ImportValue>)[imp.field] = fn as (
        ...args: unknown[]
      ) => unknown;
    }
    return imports;
  }

  /** Instantiates a compiled module against this runtime's state; returns its exports. */
  private instantiateCompiled(compiled: CompiledModule, wasm?: WebAssembly.Module): WebAssembly.Exports {
    const instance = new WebAssembly.Instance(
      wasm ?? new WebAssembly.Module(compiled.bytes),
      this.importObject(),
    );
    this.compiled.set(compiled.moduleName, compiled);
    return instance.exports;
  }

  private recordBudgets(compiled: CompiledModule, exports: WebAssembly.Exports): void {
    const owners = compiled.budgetOwners;
    if (owners !== undefined) {
      const get = exports[BUDGET_GET] as (slot: number) => number;
      const set = exports[BUDGET_SET] as (slot: number, value: number) => void;
      for (let k = 0; k < owners.length; k++) this.budgets.set(owners[k]!, { get, set, slot: 2 * k });
      return;
    }
    // code without budgets replaces code that had them
    const ids = compiled.irFunctionOf;
    for (let k = 0; k < ids.length; k++) if (ids[k]! >= 0) this.budgets.delete(ids[k]!);
  }

  /** The current values of a function's entry and loop budgets; undefined when its code has none. */
  budgetValues(funcId: FuncId): { entry: number; loop: number } | undefined {
    const budgets = this.budgets.get(funcId);
    if (budgets === undefined) return undefined;
    return { entry: budgets.get(budgets.slot), loop: budgets.get(budgets.slot + 1) };
  }

  /**
   * Installs the functions of a separately compiled (non-base) module into their slots;
   * `wasm` is the module already compiled by V8 (in a worker), if there is one.
   */
  install(compiled: CompiledModule, wasm?: WebAssembly.Module): void {
    const exports = this.instantiateCompiled(compiled, wasm);
    for (const funcId of compiled.exportOf.keys()) {
      this.onReplace?.(funcId);
      this.previous.set(funcId, { code: this.dispatch.get(funcId), budgets: this.budgets.get(funcId) });
    }
    this.recordBudgets(compiled, exports);
    this.recordProfileGlobals(compiled, exports);
    for (const [funcId, name] of compiled.exportOf)
      this.setCode(funcId, exports[name] as WebAssembly.ExportValue);
  }

  /** Points function `funcId`'s dispatch slot, and its guest-table slots, at `code`. */
  private setCode(funcId: FuncId, code: unknown): void {
    this.dispatch.set(funcId, code as never);
    this.module.table.forEach((entry, slot) => {
      if (entry !== funcId) return;
      for (const [t, table] of this.guestTables) {
        if (signaturesEqual(this.module.functions[funcId]!, this.module.types[t]!))
          table.set(slot, code as never);
      }
    });
  }

  /**
   * Puts back the code that the last install of `funcId` replaced (speculative code that
   * deoptimized goes back to the tier before it), its budgets set to `budget`; false when
   * there is none. Frames still running the dropped code finish there.
   */
  revert(funcId: FuncId, budget: number): boolean {
    const previous = this.previous.get(funcId);
    if (previous === undefined) return false;
    this.onReplace?.(funcId);
    this.previous.delete(funcId);
    if (previous.budgets === undefined) {
      this.budgets.delete(funcId);
    } else {
      // the code may have been told it had settled (a huge budget): it counts afresh
      const { set, slot } = previous.budgets;
      set(slot, budget);
      set(slot + 1, budget);
      this.budgets.set(funcId, previous.budgets);
    }
    this.setCode(funcId, previous.code);
    return true;
  }

  private recordProfileGlobals(compiled: CompiledModule, exports: WebAssembly.Exports): void {
    // a module without counters would cost four name lookups a function for nothing
    if (compiled.profileCounters !== true) return;
    const exported = (prefix: string): WebAssembly.Global[] => {
      const globals: WebAssembly.Global[] = [];
      for (let k = 0; exports[`${prefix}${k}`] instanceof WebAssembly.Global; k++) {
        globals.push(exports[`${prefix}${k}`] as WebAssembly.Global);
      }
      return globals;
    };
    const ids = compiled.irFunctionOf;
    for (let k = 0; k < ids.length; k++) {
      const funcId = ids[k]!;
      if (funcId < 0) continue;
      const counters = exported(`e${funcId}_`);
      if (counters.length > 0) this.edgeCounters.set(funcId, counters);
      const targets = exported(`t${funcId}_`);
      if (targets.length > 0) this.targetRecords.set(funcId, targets);
      const calls = exported(`c${funcId}_`);
      if (calls.length > 0) this.callCounters.set(funcId, calls);
      const indirectCalls = exported(`n${funcId}_`);
      if (indirectCalls.length > 0) this.indirectCallCounters.set(funcId, indirectCalls);
    }
  }

  /** Whether some code of `funcId` has recorded a profile (cheap: no profile is read). */
  hasProfile(funcId: FuncId): boolean {
    return this.edgeCounters.has(funcId) || this.targetRecords.has(funcId) || this.callCounters.has(funcId);
  }

  /**
   * Per indirect call site of `funcId` (profile-sites.ts numbers them), two records: the
   * first two distinct table indices its Tier 1 code called through (-1: none), the second
   * -2 when there were more; null when no code of the function has recorded them.
   */
  targetProfile(funcId: FuncId): Int32Array | null {
    const records = this.targetRecords.get(funcId);
    if (records === undefined) return null;
    return Int32Array.from(records, (record) => record.value as number);
  }

  /**
   * Per direct call site of `funcId` (profile-sites.ts numbers them), how many times its
   * Tier 1 code made the call; null when no code of the function has counted calls.
   */
  callProfile(funcId: FuncId): Uint32Array | null {
    return readCounters(this.callCounters.get(funcId));
  }

  /** Per branch edge of `funcId`, how many times its Tier 1 code ran it; null as `edgeProfile`. */
  edgeCounts(funcId: FuncId): Uint32Array | null {
    return readCounters(this.edgeCounters.get(funcId));
  }

  /** As `callProfile`, for the indirect call sites (profile-sites.ts numbers them apart). */
  indirectCallProfile(funcId: FuncId): Uint32Array | null {
    return readCounters(this.indirectCallCounters.get(funcId));
  }

  /**
   * Per branch edge of `funcId`, 1 when its Tier 1 code ran the edge (profile-sites.ts
   * numbers them); null when no code of the function has counted edges.
   */
  edgeProfile(funcId: FuncId): Uint8Array | null {
    const counts = this.edgeCounts(funcId);
    return counts === null ? null : edgesRun(counts);
  }

  /**
   * Installs an OSR entry function (the one function `compiled` exports) into a new dispatch
   * slot, which baseline code tail-calls at a back-edge; returns the slot.
   */
  installOsr(compiled: CompiledModule, wasm?: WebAssembly.Module): number {
    const exports = this.instantiateCompiled(compiled, wasm);
    const name = [...compiled.exportOf.values()][0]!;
    const slot = this.dispatch.grow(1);
    this.dispatch.set(slot, exports[name] as never);
    return slot;
  }

  /** Calls IR function `funcId` with host values; traps become TrapErrors. */
  call(funcId: number, args: readonly unknown[]): Scalar | undefined {
    const fn = this.module.functions[funcId];
    if (fn === undefined) throw new Error(`no function #${funcId}`);
    return this.invoke(funcId, convertArguments(fn, args));
  }

  private invoke(funcId: number, args: Scalar[]): Scalar | undefined {
    const code = this.dispatch.get(funcId) as unknown as (...a: Scalar[]) => Scalar | undefined;
    try {
      const result = code(...args);
      const resultType = this.module.functions[funcId]!.results[0];
      return resultType === undefined ? undefined : coerce(resultType, result);
    } catch (error) {
      throw this.toTrap(error);
    }
  }

  /** Converts an engine error into a TrapError with the guest stack; other errors pass through. */
  toTrap(error: unknown): unknown {
    let kind: TrapKind | undefined;
    if (error instanceof TrapError) {
      if (error.guestStack.length > 0) return error;
      kind = error.kind;
    } else {
      kind = trapKindOfEngineError(error);
    }
    if (kind === undefined) return error;
    return new TrapError(kind, this.guestStack((error as Error).stack));
  }

  private guestStack(stack: string | undefined): GuestFrame[] {
    const frames: GuestFrame[] = [];
    for (const frame of wasmFrames(stack)) {
      const compiled = this.compiled.get(frame.moduleName);
      if (compiled === undefined) continue;
      const funcId = compiled.irFunctionOf[frame.functionIndex] ?? -1;
      if (funcId < 0) continue; // runtime stubs are not guest frames
      const map = compiled.sourceMaps.get(frame.functionIndex);
      const at = map === undefined ? -1 : entryAt(map.offsets, frame.offset);
      const loc = at < 0 ? -1 : map!.locs[at]!;
      const site = at < 0 || map!.sites === undefined ? -1 : map!.sites[at]!;
      // code inlined from other functions stands for their frames too, innermost first
      for (const [inFunction, inLoc] of inlinedFrames(map?.inlineSites ?? [], funcId, loc, site)) {
        const entry: GuestFrame = { functionName: this.module.functions[inFunction]!.name };
        if (inLoc >= 0) {
          entry.line = locLine(inLoc);
          if (this.sourceFile !== undefined) entry.file = this.sourceFile;
        }
        frames.push(entry);
        if (frames.length >= MAX_GUEST_FRAMES) break;
      }
      if (frames.length >= MAX_GUEST_FRAMES) break;
    }
    return frames;
  }
}

/** Per edge of an edge-count profile, 1 when it ran. */
export function edgesRun(counts: Uint32Array): Uint8Array {
  return Uint8Array.from(counts, (count) => (count === 0 ? 0 : 1));
}

/** Counter globals' values, read unsigned (they wrap past 2^32), or null for none. */
function readCounters(counters: WebAssembly.Global[] | undefined): Uint32Array | null {
  if (counters === undefined) return null;
  return Uint32Array.from(counters, (counter) => (counter.value as number) >>> 0);
}
