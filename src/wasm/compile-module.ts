/**
 * Compiles IR functions into one WebAssembly module that plugs into a shared runtime
 * state. Every module a tier produces has the same import interface, so code compiled
 * separately (Tier 0 now, later tiers per function) interoperates:
 *
 *   function 0          rt.trap(code: i32)       raises a guest trap (never returns); the
 *                                                kind is code & TRAP_KIND_MASK
 *   function 1          rt.safepoint(f, kind)    a budget ran out: count, tier up, install,
 *                                                check deadlines; returns the next budget
 *   functions 2..H+1    the IR's host imports, by their own module and field names
 *   memory              rt.memory                the guest's linear memory
 *   table 0             rt.dispatch              funcref, slot f = IR function f
 *   tables 1..          rt.guest<t>              one per IR signature t used by call_indirect:
 *                                                slot i = the guest table's entry i
 *   globals             rt.g<i>                  the IR's globals, all mutable
 *
 * An instrumented module keeps each compiled function's entry and loop budgets in two
 * globals of its own, and exports `budget_get(slot)` and `budget_set(slot, value)` for
 * them (slot 2k: the entry budget of the k-th compiled function, 2k + 1: its loop budget)
 * rather than the globals themselves: V8 makes a JS object per exported global when it
 * instantiates a module (12 ms for the 2 000 budgets of a 1 000-function program).
 *
 * The *base* module (`base: true`) compiles every function, fills all tables with element
 * segments, and carries the data segments; it is instantiated once. Guest-table slots that
 * are null, or hold a function of another signature, get a stub that traps with exactly
 * `null function` or `indirect call signature mismatch` (V8 reports both as one message).
 *
 * A compile is a pure function of (module, options): no clock, no global state.
 */

import type { FuncId, InlineSite, IrFunction, Module } from "../ir/ir.js";
import { Op } from "../ir/ops.js";
import { TrapKind } from "../ir/trap.js";
import { signaturesEqual, type Type } from "../ir/types.js";
import { FunctionCodegen, Instrument, type ModuleLayoutInfo } from "./codegen.js";
import {
  ByteBuffer,
  type ExportDesc,
  encodeModule,
  type FuncType,
  type FunctionBody,
  type GlobalDesc,
  type ImportDesc,
  type ModuleLayout,
} from "./encoder.js";
import { VALTYPE } from "./opcodes.js";

export interface CompileOptions {
  /** Unique per compiled module: it names the module in V8 stack traces. */
  moduleName: string;
  /** Functions to compile (default: all). */
  functions?: readonly FuncId[];
  /** Fill the tables and carry data segments (the module instantiated first). */
  base: boolean;
  /**
   * A V8 compilation hint for every compiled function (0x2A: compile eagerly with the
   * optimizing tier). Only honoured when V8 runs with --experimental-wasm-compilation-hints;
   * without it the section is ignored, so it is a speed-up, never needed for correctness.
   */
  compilationHint?: number;
  /** Name each local after its IR value (`v12`) for profilers and debuggers (default true). */
  localNames?: boolean;
  /** Profiling code in every compiled function (default none). */
  instrument?: Instrument;
  /** With loop budgets: hand over to OSR entry functions at back-edges (codegen.ts). */
  osr?: boolean;
  /**
   * Give the functions' `profile_edge` and `profile_target` instructions globals to record
   * into (Tier 1 with its profile); without it they record nothing, and no function is
   * scanned for them.
   */
  profileCounters?: boolean;
  /** The starting value of each function's budget (default 1000). */
  initialBudget?: number;
  /**
   * Called with each function just before it is compiled (the engine verifies it there)
   * and just after (the engine drops a lazily parsed body there: parser.ts `releaseBody`).
   * A throw from either abandons the compile.
   */
  beforeFunction?: (id: FuncId) => void;
  afterFunction?: (id: FuncId) => void;
}

/** The payload of a `compilationHints` custom section: a count, then one hint byte each. */
export function compilationHintsPayload(functionCount: number, hint: number): Uint8Array {
  const payload = new ByteBuffer(functionCount + 5);
  payload.u32(functionCount);
  for (let i = 0; i < functionCount; i++) payload.u8(hint);
  return payload.toBytes();
}

/** Where a compiled function's code maps back to IR source positions. */
export interface SourceMap {
  /** Absolute module byte offsets, ascending. */
  offsets: number[];
  /** IR locations (packed line/col) from each offset on. */
  locs: number[];
  /**
   * With inlined code: per entry, the inline site the location is in (-1: the function's
   * own code), and the function's site table, so that one pc can stand for several frames.
   */
  sites?: number[];
  inlineSites?: InlineSite[];
}

export interface CompiledModule {
  moduleName: string;
  bytes: Uint8Array<ArrayBuffer>;
  /** IR function id of each Wasm function index; -1 for imports and stubs. */
  irFunctionOf: Int32Array;
  /**
   * Export name of each compiled IR function; empty for a base module, whose functions are
   * reached through the dispatch table (exporting them would make V8 build a JS wrapper
   * for each at instantiation).
   */
  exportOf: Map<FuncId, string>;
  /** Source map of each Wasm function index that has one. */
  sourceMaps: Map<number, SourceMap>;
  /** IR type indices that have a guest table, in Wasm table order (from table 1). */
  guestTypes: number[];
  /** Tier 2: the guards (deopt exits) in the unit's code; absent: none. */
  guards?: Guard[];
  /** Whether the code records its profile into exported counters (`profileCounters`). */
  profileCounters?: boolean;
  /**
   * Instrumented modules: the IR function whose budgets are at slots 2k and 2k + 1 of the
   * exported `budget_get` / `budget_set`; absent: the code has no budgets.
   */
  budgetOwners?: Int32Array;
}

/** The exports that read and write an instrumented module's budgets (by slot). */
export const BUDGET_GET = "budget_get";
export const BUDGET_SET = "budget_set";

/** A guard in Tier 2 code: a branch edge of program function `func` (a callee's, when inlined). */
export interface Guard {
  func: FuncId;
  edge: number;
}

export const RUNTIME_MODULE = "rt";
/**
 * `rt.trap(code)`: the trap kind is `code & TRAP_KIND_MASK`; the bits above may number the
 * trap site (Tier 2 does, so that Binaryen does not merge two sites: tier2.ts).
 */
export const TRAP_KIND_MASK = 0xff;
/** Wasm function index of the first host import (after rt.trap and rt.safepoint). */
export const FIRST_HOST_FUNCTION = 2;

export function compileModule(module: Module, options: CompileOptions): CompiledModule {
  const compiled = options.functions ?? module.functions.map((_, i) => i);
  const types: FuncType[] = [];
  const typeKeys = new Map<string, number>();
  const typeIndex = (params: Type[], results: Type[]): number => {
    const key = `${params.join(",")}:${results.join(",")}`;
    let index = typeKeys.get(key);
    if (index === undefined) {
      index = types.length;
      types.push({ params: params.map((t) => VALTYPE[t]!), results: results.map((t) => VALTYPE[t]!) });
      typeKeys.set(key, index);
    }
    return index;
  };

  // the IR signatures some compiled call_indirect uses, as the code generator meets them:
  // the module's guest tables, imported once every function is compiled (so that no body
  // is read before its turn: a lazily parsed one is read once, when it is compiled)
  const guestTypes: number[] = [];
  const trapType = typeIndex([0 as Type], []);
  const imports: ImportDesc[] = [
    { kind: "func", module: RUNTIME_MODULE, field: "trap", typeIndex: trapType },
    {
      kind: "func",
      module: RUNTIME_MODULE,
      field: "safepoint",
      typeIndex: typeIndex([0 as Type, 0 as Type], [0 as Type]),
    },
  ];
  for (const imp of module.imports) {
    imports.push({
      kind: "func",
      module: imp.module,
      field: imp.field,
      typeIndex: typeIndex(imp.params, imp.results),
    });
  }
  const importedFunctions = imports.length;
  if (module.memory !== null)
    imports.push({ kind: "memory", module: RUNTIME_MODULE, field: "memory", min: module.memory.minPages });
  // a later module's unit may hold functions beyond the program's (an OSR entry, copies
  // kept for deopts) that have no dispatch slot: only the base module sizes the table
  const dispatchMin = options.base ? module.functions.length : 0;
  imports.push({ kind: "table", module: RUNTIME_MODULE, field: "dispatch", min: dispatchMin });
  module.globals.forEach((global, i) => {
    imports.push({
      kind: "global",
      module: RUNTIME_MODULE,
      field: `g${i}`,
      valtype: VALTYPE[global.type]!,
      mutable: true,
    });
  });

  const layoutInfo: ModuleLayoutInfo = {
    trapFunction: 0,
    safepointFunction: 1,
    hostFunction: (i) => FIRST_HOST_FUNCTION + i,
    typeIndex,
    guestTable: (t) => {
      let k = guestTypes.indexOf(t);
      if (k < 0) k = guestTypes.push(t) - 1;
      return 1 + k;
    },
    dispatchTable: 0,
  };

  const functionTypes: number[] = [];
  const bodies: FunctionBody[] = [];
  const names: [number, string][] = [
    [0, "rt.trap"],
    [1, "rt.safepoint"],
  ];
  module.imports.forEach((imp, i) => {
    names.push([FIRST_HOST_FUNCTION + i, imp.name]);
  });
  const irFunctionOf: number[] = new Array(importedFunctions).fill(-1);
  const exportOf = new Map<FuncId, string>();
  // offsets relative to each function's code until the module's layout is known
  const relativeMaps: { wasmIndex: number; map: SourceMap }[] = [];
  const localNames: [number, (string | undefined)[]][] = [];
  const code = new ByteBuffer(4096);
  const codegen = new FunctionCodegen(module, layoutInfo, code);
  const wasmIndexOf = new Map<FuncId, number>();

  const instrument = options.instrument ?? Instrument.None;
  const globals: GlobalDesc[] = [];
  const budgetExports: ExportDesc[] = [];
  /** The Wasm global of each budget slot (`budget_get`). */
  const budgetGlobals: number[] = [];
  const budgetOwners: number[] = [];
  const initialBudget = new ByteBuffer(8);
  initialBudget.u8(0x41);
  initialBudget.s32(options.initialBudget ?? 1000);
  const budgetInit = initialBudget.toBytes();
  const zeroInit = Uint8Array.of(0x41, 0x00);
  const minusOneInit = Uint8Array.of(0x41, 0x7f);
  for (let c = 0; c < compiled.length; c++) {
    const id = compiled[c]!;
    options.beforeFunction?.(id);
    const fn = module.functions[id]!;
    const wasmIndex = importedFunctions + bodies.length;
    let budgetGlobal = -1;
    if (instrument !== Instrument.None) {
      // an entry budget, and a loop budget next to it; the runtime reads them (through
      // budget_get) for the events still in flight when it reports counts
      budgetGlobal = module.globals.length + globals.length;
      globals.push({ valtype: VALTYPE[0]!, mutable: true, init: budgetInit });
      globals.push({ valtype: VALTYPE[0]!, mutable: true, init: budgetInit });
      budgetGlobals.push(budgetGlobal, budgetGlobal + 1);
      budgetOwners.push(id);
    }
    // one counter global per profiled edge, exported as e<function>_<edge>, two target
    // records per profiled indirect call site, exported as t<function>_<2 * site + record>,
    // one counter per direct call site, exported as c<function>_<site>, and one per
    // indirect call site, exported as n<function>_<site>
    const { edges, sites, calls } = options.profileCounters === true ? profiledPoints(fn) : NO_POINTS;
    const profile = {
      edge: edges === 0 ? -1 : module.globals.length + globals.length,
      target: sites === 0 ? -1 : module.globals.length + globals.length + edges,
      call: calls === 0 ? -1 : module.globals.length + globals.length + edges + 2 * sites,
      targetCount: sites === 0 ? -1 : module.globals.length + globals.length + edges + 2 * sites + calls,
    };
    for (let k = 0; k < edges; k++) {
      globals.push({ valtype: VALTYPE[0]!, mutable: true, init: zeroInit });
      budgetExports.push({ name: `e${id}_${k}`, kind: "global", index: profile.edge + k });
    }
    for (let k = 0; k < 2 * sites; k++) {
      globals.push({ valtype: VALTYPE[0]!, mutable: true, init: minusOneInit });
      budgetExports.push({ name: `t${id}_${k}`, kind: "global", index: profile.target + k });
    }
    for (let k = 0; k < calls; k++) {
      globals.push({ valtype: VALTYPE[0]!, mutable: true, init: zeroInit });
      budgetExports.push({ name: `c${id}_${k}`, kind: "global", index: profile.call + k });
    }
    for (let k = 0; k < sites; k++) {
      globals.push({ valtype: VALTYPE[0]!, mutable: true, init: zeroInit });
      budgetExports.push({ name: `n${id}_${k}`, kind: "global", index: profile.targetCount + k });
    }
    code.reset();
    const locals = codegen.compile(fn, id, instrument, budgetGlobal, options.osr === true, profile);
    bodies.push({ locals, code: code.toBytes(), unlikely: codegen.unlikely });
    functionTypes.push(typeIndex(fn.params, fn.results));
    names.push([wasmIndex, fn.name]);
    irFunctionOf.push(id);
    if (!options.base) exportOf.set(id, `f${id}`);
    wasmIndexOf.set(id, wasmIndex);
    if (options.localNames !== false) localNames.push([wasmIndex, codegen.localNames()]);
    if (codegen.offsets.length > 0) {
      const map: SourceMap = { offsets: codegen.offsets, locs: codegen.locs };
      if (codegen.sites.length > 0) {
        map.sites = codegen.sites;
        map.inlineSites = fn.inlineSites!;
      }
      relativeMaps.push({ wasmIndex, map });
    }
    options.afterFunction?.(id);
  }

  /** Appends a function of the runtime's own (no IR function) and returns its Wasm index. */
  const addRuntimeFunction = (code: Uint8Array, type: number, label: string): number => {
    const wasmIndex = importedFunctions + bodies.length;
    bodies.push({ locals: [], code });
    functionTypes.push(type);
    names.push([wasmIndex, `rt.${label}`]);
    irFunctionOf.push(-1);
    return wasmIndex;
  };

  for (const t of guestTypes)
    imports.push({ kind: "table", module: RUNTIME_MODULE, field: `guest${t}`, min: module.table.length });

  const elements: { table: number; offset: number; functions: number[] }[] = [];
  if (options.base) {
    elements.push({ table: 0, offset: 0, functions: module.functions.map((_, f) => wasmIndexOf.get(f)!) });
    guestTypes.forEach((t, k) => {
      const stub = (kind: TrapKind, label: string): number => {
        const trapCode = new ByteBuffer(16);
        trapCode.u8(0x41);
        trapCode.s32(kind);
        trapCode.u8(0x10);
        trapCode.u32(0);
        trapCode.u8(0x00);
        trapCode.u8(0x0b);
        const sig = module.types[t]!;
        return addRuntimeFunction(trapCode.toBytes(), typeIndex(sig.params, sig.results), label);
      };
      const nullStub = stub(TrapKind.NullFunction, `null_function${t}`);
      const mismatchStub = stub(TrapKind.SignatureMismatch, `signature_mismatch${t}`);
      const slots = module.table.map((entry) => {
        if (entry < 0) return nullStub;
        return signaturesEqual(module.functions[entry]!, module.types[t]!)
          ? wasmIndexOf.get(entry)!
          : mismatchStub;
      });
      if (slots.length > 0) elements.push({ table: 1 + k, offset: 0, functions: slots });
    });
  }

  if (budgetGlobals.length > 0) {
    const accessor = (name: string, write: boolean): void => {
      const body = new ByteBuffer(16 * budgetGlobals.length);
      emitBudgetAccess(body, budgetGlobals, 0, budgetGlobals.length, write);
      body.u8(0x0b);
      const type = write ? typeIndex([0 as Type, 0 as Type], []) : typeIndex([0 as Type], [0 as Type]);
      budgetExports.push({ name, kind: "func", index: addRuntimeFunction(body.toBytes(), type, name) });
    };
    accessor(BUDGET_GET, false);
    accessor(BUDGET_SET, true);
  }

  const layout: ModuleLayout = { codeStarts: [] };
  const bytes = encodeModule(
    {
      types,
      imports,
      functions: functionTypes,
      globals,
      exports: [
        ...[...exportOf].map(([id, name]) => ({ name, kind: "func" as const, index: wasmIndexOf.get(id)! })),
        ...budgetExports,
      ],
      elements,
      bodies,
      data: options.base ? module.data : [],
      names: { module: options.moduleName, functions: names, locals: localNames },
      ...(options.compilationHint === undefined
        ? {}
        : {
            customBeforeCode: [
              {
                name: "compilationHints",
                payload: compilationHintsPayload(bodies.length, options.compilationHint),
              },
            ],
          }),
    },
    layout,
  );

  const sourceMaps = new Map<number, SourceMap>();
  for (let k = 0; k < relativeMaps.length; k++) {
    const { wasmIndex, map } = relativeMaps[k]!;
    const start = layout.codeStarts[wasmIndex - importedFunctions]!;
    const offsets = map.offsets;
    for (let i = 0; i < offsets.length; i++) offsets[i]! += start;
    sourceMaps.set(wasmIndex, map);
  }
  return {
    moduleName: options.moduleName,
    bytes,
    irFunctionOf: Int32Array.from(irFunctionOf),
    exportOf,
    sourceMaps,
    guestTypes,
    profileCounters: options.profileCounters === true,
    ...(budgetOwners.length > 0 ? { budgetOwners: Int32Array.from(budgetOwners) } : {}),
  };
}

/**
 * The body of `budget_get(slot)` (or, with `write`, `budget_set(slot, value)`) for slots
 * [low, high): a binary search by `if` down to one global. A `br_table` would take one
 * step, but V8 limits its size (65 520), and reads are rare (statistics, deopts).
 */
function emitBudgetAccess(
  out: ByteBuffer,
  slotGlobals: number[],
  low: number,
  high: number,
  write: boolean,
): void {
  if (high - low === 1) {
    if (write) {
      out.opU32(0x20, 1); // local.get value
      out.opU32(0x24, slotGlobals[low]!); // global.set
    } else {
      out.opU32(0x23, slotGlobals[low]!); // global.get
    }
    return;
  }
  const middle = (low + high) >>> 1;
  out.opU32(0x20, 0); // local.get slot
  out.opS32(0x41, middle);
  out.u8(0x49); // i32.lt_u
  out.u8(0x04); // if
  out.u8(write ? 0x40 : 0x7f); // [] or [i32]
  emitBudgetAccess(out, slotGlobals, low, middle, write);
  out.u8(0x05); // else
  emitBudgetAccess(out, slotGlobals, middle, high, write);
  out.u8(0x0b); // end
}

const NO_POINTS = { edges: 0, sites: 0, calls: 0 };

/**
 * How many edges (`profile_edge`), indirect call sites (`profile_target`) and direct call
 * sites (`profile_call`) `fn` records (highest number + 1).
 */
function profiledPoints(fn: IrFunction): { edges: number; sites: number; calls: number } {
  let edges = 0;
  let sites = 0;
  let calls = 0;
  for (const block of fn.blocks)
    for (const inst of block.insts) {
      if (inst.op === Op.ProfileEdge) edges = Math.max(edges, inst.imm + 1);
      else if (inst.op === Op.ProfileTarget) sites = Math.max(sites, inst.imm + 1);
      else if (inst.op === Op.ProfileCall) calls = Math.max(calls, inst.imm + 1);
    }
  return { edges, sites, calls };
}
