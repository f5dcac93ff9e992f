/**
 * Tier 2: IR → Binaryen IR → `-O3` → WebAssembly, for one function and the resume
 * functions its deopt exits call (each exit tells the runtime through `rt.safepoint`, then
 * tail-calls them, so the frame is replaced; see docs/tiers.md).
 *
 * The function is built with Binaryen's API (not read back from Tier 0's bytes) so that
 * every expression that came from an IR instruction carries its source position as a
 * Binaryen debug location; Binaryen keeps those through optimization and emits a source
 * map, which becomes the module's offset → line table. Traps in Tier 2 code therefore
 * report the same TJ lines as every other tier.
 *
 * Control flow goes through Binaryen's Relooper; block arguments are copied through fresh
 * temporaries on each edge (parallel-copy safe; Binaryen's local coalescing removes them).
 * Calls to the function itself are direct; other calls go through the dispatch table, as
 * in every tier, so the module keeps the shared import interface (compile-module.ts).
 * The code carries no profiling counters.
 */

import type binaryenModule from "binaryen";
import type { FuncId, Inst, IrFunction, Module, ResumePoint, Terminator } from "../ir/ir.js";
import { locCol, locLine, makeLoc, valueTypes } from "../ir/ir.js";
import { Op, OpKind, opInfo, TermOp } from "../ir/ops.js";
import { TrapKind } from "../ir/trap.js";
import { isVectorType, Type, typeName } from "../ir/types.js";
import { constantsOf } from "../opt/passes/const-fold.js";
import { deoptKind } from "./codegen.js";
import type { CompiledModule, Guard, SourceMap } from "./compile-module.js";
import { compilationHintsPayload, RUNTIME_MODULE, TRAP_KIND_MASK } from "./compile-module.js";
import { ByteBuffer, customSection, encodeNameSection } from "./encoder.js";
import { Reader } from "./reader.js";

export type Binaryen = typeof binaryenModule;
type Expr = number;
type Fn = (...args: unknown[]) => Expr;

/** Loads Binaryen (0.3–0.5 s): done once per thread, ahead of the first Tier 2 job. */
export async function loadBinaryen(): Promise<Binaryen> {
  return (await import("binaryen")).default;
}

/** An op builder such as `module.i32.add`, by type and name. */
function builder(m: binaryenModule.Module, path: string[]): Fn {
  let target: unknown = m;
  for (const part of path) target = (target as Record<string, unknown>)[part];
  if (typeof target !== "function") throw new Error(`tier 2: Binaryen has no ${path.join(".")}`);
  return (target as Fn).bind(path.length > 1 ? (m as unknown as Record<string, unknown>)[path[0]!] : m);
}

/** A resume function compiled into the unit beside the function (a deopt exit's target). */
export interface ResumeFunction {
  /** Its index in the unit's module. */
  id: FuncId;
  /** The resume point it starts at: deopt exits resuming there call it. */
  resume: ResumePoint;
  /** The program function its frames are (guest stacks; the owner of the guards it resumes). */
  frameOf: FuncId;
}

function resumeKey(resume: ResumePoint): string {
  return `${resume.func}:${resume.block}`;
}

export function compileTier2(
  b: Binaryen,
  module: Module,
  funcId: FuncId,
  moduleName: string,
  compilationHint: number | null = null,
  internal: readonly ResumeFunction[] = [],
): CompiledModule {
  const fn = module.functions[funcId]!;
  const m = new b.Module();
  try {
    m.setFeatures(
      b.Features.MVP |
        b.Features.MutableGlobals |
        b.Features.NontrappingFPToInt |
        b.Features.SignExt |
        b.Features.ReferenceTypes |
        b.Features.BulkMemory |
        b.Features.Multivalue |
        b.Features.TailCall |
        // only where `vectorize` made vectors: Binaryen makes none of its own, and a host
        // without SIMD never gets a vectorized function (the engine detects it)
        ([fn, ...internal.map((f) => module.functions[f.id]!)].some(usesVectors) ? b.Features.SIMD128 : 0),
    );
    const fileIndex = m.addDebugInfoFileName(module.sourceFile === "" ? "<ir>" : module.sourceFile);
    const bt = (t: Type): number => [b.i32, b.i64, b.f32, b.f64, b.v128][t]!;
    const sig = (types: Type[]): number => (types.length === 0 ? b.none : b.createType(types.map(bt)));
    m.addFunctionImport("rt.trap", RUNTIME_MODULE, "trap", b.createType([b.i32]), b.none);
    module.imports.forEach((imp, i) => {
      m.addFunctionImport(`h${i}`, imp.module, imp.field, sig(imp.params), sig(imp.results));
    });
    if (module.memory !== null) {
      m.setMemory(module.memory.minPages, -1, null);
      m.addMemoryImport("0", RUNTIME_MODULE, "memory");
    }
    m.addTableImport("dispatch", RUNTIME_MODULE, "dispatch");
    const compiledFunctions = [
      { fn, id: funcId },
      ...internal.map((f) => ({ fn: module.functions[f.id]!, id: f.id })),
    ];
    const guests = new Set<number>();
    let deopts = false;
    for (const { fn: unitFn } of compiledFunctions) {
      for (const block of unitFn.blocks) {
        for (const inst of block.insts) if (inst.op === Op.CallIndirect) guests.add(inst.imm);
        if (block.term.op === TermOp.Deopt) deopts = true;
      }
    }
    for (const t of guests) m.addTableImport(`guest${t}`, RUNTIME_MODULE, `guest${t}`);
    if (deopts)
      m.addFunctionImport("rt.safepoint", RUNTIME_MODULE, "safepoint", b.createType([b.i32, b.i32]), b.i32);
    module.globals.forEach((g, i) => {
      m.addGlobalImport(`g${i}`, RUNTIME_MODULE, `g${i}`, bt(g.type), true);
    });
    let trapSites = 0;
    const mainName = `t2_${fn.name}`;
    const resumeNames = new Map<string, string>();
    const resumeFunctions = new Map<string, ResumeFunction>();
    const internalName = (k: number): string => `t2_resume${k}_${fn.name}`;
    for (const [k, f] of internal.entries()) {
      resumeNames.set(resumeKey(f.resume), internalName(k));
      resumeFunctions.set(resumeKey(f.resume), f);
    }
    emitFunction(fn, funcId, mainName);
    for (const [k, f] of internal.entries()) emitFunction(module.functions[f.id]!, null, internalName(k));
    m.addFunctionExport(mainName, `f${funcId}`);
    if (!m.validate()) throw new Error(`tier 2: Binaryen rejected the module for ${fn.name}`);
    b.setOptimizeLevel(3);
    b.setShrinkLevel(0);
    b.setDebugInfo(true);
    if (internal.length > 0) {
      // resume functions stay functions of their own: inlined, they would bring back into
      // the optimized code the paths that speculation took out of it
      b.setPassArgument("no-inline", "t2_resume*");
      m.runPasses(["no-inline"]);
    }
    m.optimize();
    const out = m.emitBinary("tier2.map");
    const byName = new Map<string, { fn: IrFunction; frameOf: FuncId }>([
      [mainName, { fn, frameOf: funcId }],
    ]);
    for (const [k, f] of internal.entries()) {
      byName.set(internalName(k), { fn: module.functions[f.id]!, frameOf: f.frameOf });
    }
    const compiled = finish(out.binary, out.sourceMap, funcId, byName, moduleName, compilationHint);
    const guards: Guard[] = [];
    for (const { fn: unitFn } of compiledFunctions) {
      for (const block of unitFn.blocks) {
        if (block.term.op !== TermOp.Deopt) continue;
        // a value guard has several exits (the global's test, and its words')
        const guard = { func: ownerOf(block.term), edge: block.term.imm };
        if (!guards.some((g) => g.func === guard.func && g.edge === guard.edge)) guards.push(guard);
      }
    }
    return guards.length === 0 ? compiled : { ...compiled, guards };

    /** The program function whose guard a deopt exit is: the innermost frame's. */
    function ownerOf(term: Terminator): FuncId {
      const resumed = resumeFunctions.get(resumeKey(term.resume!));
      if (resumed === undefined) throw new Error(`tier 2: no resume function for a deopt of ${fn.name}`);
      return resumed.frameOf;
    }

    function emitFunction(fn: IrFunction, self: FuncId | null, name: string): void {
      const types = valueTypes(fn);
      const constants = constantsOf(fn);
      const i64 = m.i64.const as unknown as (value: bigint) => Expr;
      const localOf = new Int32Array(types.length).fill(-1);
      const vars: number[] = [];
      fn.blocks[0]!.params.forEach((v, i) => {
        localOf[v] = i;
      });
      const newLocal = (type: Type): number => {
        vars.push(bt(type));
        return fn.params.length + vars.length - 1;
      };
      for (let v = 0; v < types.length; v++)
        if (localOf[v] === -1 && types[v] !== 255) localOf[v] = newLocal(types[v] as Type);
      const get = (v: number): Expr => m.local.get(localOf[v]!, bt(types[v] as Type));
      // code inlined from other functions is located in a debug "file" per inline site (and
      // one per site for code without a line), so that the source map tells which site each
      // position belongs to (decodeSourceMap). Once a function has inlined code, its own code
      // without a position needs one too, or it would inherit the site of the code before it.
      const hasSites = fn.inlineSites !== undefined && fn.inlineSites.length > 0;
      const debugFiles = new Map<string, number>();
      const debugFile = (site: number, hasLine: boolean): number => {
        if (site < 0 && hasLine) return fileIndex;
        const name = `${SITE_FILE_PREFIX}${site}${hasLine ? "" : NO_LINE_SUFFIX}`;
        let index = debugFiles.get(name);
        if (index === undefined) {
          index = m.addDebugInfoFileName(name);
          debugFiles.set(name, index);
        }
        return index;
      };
      let currentSite = -1;
      const located: [Expr, number, number][] = [];
      const at = (expr: Expr, loc: number): Expr => {
        if (loc >= 0) located.push([expr, loc, debugFile(currentSite, true)]);
        else if (hasSites) located.push([expr, makeLoc(1, 0), debugFile(currentSite, false)]);
        return expr;
      };
      // each trap site passes its own number above the kind (TRAP_KIND_MASK; numbered across
      // the unit's functions), so that Binaryen cannot merge two of them into one position
      const trap = (kind: number, loc: number): Expr => {
        const code = kind + (TRAP_KIND_MASK + 1) * trapSites++;
        return m.block(null, [at(m.call("rt.trap", [m.i32.const(code)], b.none), loc), m.unreachable()]);
      };

      const relooper = new b.Relooper(m);
      const rblocks: number[] = [];
      fn.blocks.forEach((block) => {
        const statements = block.insts.map((inst) => {
          currentSite = inst.site ?? -1;
          return instruction(inst);
        });
        const term = block.term;
        currentSite = term.site ?? -1;
        if (term.op === TermOp.Return)
          statements.push(at(m.return(term.args.length > 0 ? get(term.args[0]!) : undefined), term.loc));
        else if (term.op === TermOp.Trap) statements.push(trap(term.imm, term.loc));
        else if (term.op === TermOp.Unreachable) statements.push(at(m.unreachable(), term.loc));
        else if (term.op === TermOp.Deopt) statements.push(deoptExit(term));
        const code = m.block(null, statements.length > 0 ? statements : [m.nop()]);
        rblocks.push(
          term.op === TermOp.BrTable
            ? relooper.addBlockWithSwitch(code, get(term.args[0]!))
            : relooper.addBlock(code),
        );
      });
      const copies = (target: number, args: number[]): Expr => {
        if (args.length === 0) return 0;
        const params = fn.blocks[target]!.params;
        const temps = args.map((a) => newLocal(types[a] as Type));
        const sets = args.map((a, i) => m.local.set(temps[i]!, get(a)));
        params.forEach((p, i) => {
          sets.push(m.local.set(localOf[p]!, m.local.get(temps[i]!, bt(types[p] as Type))));
        });
        return m.block(null, sets);
      };
      /** A branch through its own small block, where two edges of one block share a target. */
      const via = (target: number, args: number[]): number => {
        const hop = relooper.addBlock(m.nop());
        relooper.addBranch(hop, rblocks[target]!, 0, copies(target, args));
        return hop;
      };
      fn.blocks.forEach((block, i) => {
        const term = block.term;
        currentSite = term.site ?? -1;
        const from = rblocks[i]!;
        if (term.op === TermOp.Jump) {
          const edge = term.targets[0]!;
          relooper.addBranch(from, rblocks[edge.block]!, 0, copies(edge.block, edge.args));
        } else if (term.op === TermOp.BrIf) {
          const [yes, no] = term.targets as [(typeof term.targets)[0], (typeof term.targets)[0]];
          const condition = at(get(term.args[0]!), term.loc);
          if (yes.block === no.block) {
            relooper.addBranch(from, via(yes.block, yes.args), condition, 0);
            relooper.addBranch(from, via(no.block, no.args), 0, 0);
          } else {
            relooper.addBranch(from, rblocks[yes.block]!, condition, copies(yes.block, yes.args));
            relooper.addBranch(from, rblocks[no.block]!, 0, copies(no.block, no.args));
          }
        } else if (term.op === TermOp.BrTable) {
          const cases = term.targets.length - 1;
          term.targets.forEach((edge, k) => {
            // every edge through its own hop: cases may share targets with different arguments
            const indexes = k === cases ? [] : [k];
            relooper.addBranchForSwitch(from, via(edge.block, edge.args), indexes, 0);
          });
        }
      });
      const labelHelper = newLocal(Type.I32);
      // every path returns or traps, but the rendered code's type need not say so: end it
      // with `unreachable` so that the body has the function's result type
      const body = m.block(
        null,
        [relooper.renderAndDispose(rblocks[0]!, labelHelper), m.unreachable()],
        sig(fn.results),
      );
      const func = m.addFunction(name, sig(fn.params), sig(fn.results), vars, body);
      for (const [expr, loc, file] of located)
        m.setDebugLocation(func, expr, file, locLine(loc), locCol(loc));
      /**
       * A failed guard: tell the runtime (which counts it and may drop the speculative
       * code), then tail-call the resume function, so the frame is replaced and guest stacks
       * stay exact.
       */
      function deoptExit(term: Terminator): Expr {
        const inner = resumeName(term.resume!);
        const notify = m.drop(
          m.call("rt.safepoint", [m.i32.const(ownerOf(term)), m.i32.const(deoptKind(term.imm))], b.i32),
        );
        const caller = term.caller;
        if (caller === undefined) {
          return m.block(null, [
            notify,
            at(m.return_call(inner, term.args.map(get), sig(fn.results)), term.loc),
          ]);
        }
        // code inlined from a callee: finish the callee's frame, positioned at the call in
        // the caller (so this frame shows the caller's line meanwhile), then the caller's
        const own = term.args.length - caller.args;
        const innerFn = module.functions[resumeFunctions.get(resumeKey(term.resume!))!.id]!;
        const outerArgs = term.args.slice(own).map(get);
        const site = currentSite;
        currentSite = caller.site ?? -1;
        const finishCallee = at(
          m.call(inner, term.args.slice(0, own).map(get), sig(innerFn.results)),
          caller.loc,
        );
        currentSite = site;
        const returns = innerFn.results.length > 0;
        const finishCaller = at(
          m.return_call(
            resumeName(caller),
            returns ? [finishCallee, ...outerArgs] : outerArgs,
            sig(fn.results),
          ),
          term.loc,
        );
        return m.block(null, returns ? [notify, finishCaller] : [notify, finishCallee, finishCaller]);
      }

      function resumeName(point: ResumePoint): string {
        const found = resumeNames.get(resumeKey(point));
        if (found === undefined) throw new Error(`tier 2: no resume function for a deopt of ${fn.name}`);
        return found;
      }

      function instruction(inst: Inst): Expr {
        const expr = value(inst);
        return inst.result >= 0 ? m.local.set(localOf[inst.result]!, expr) : expr;
      }

      function value(inst: Inst): Expr {
        const info = opInfo(inst.op);
        const args = inst.args.map(get);
        const operand = inst.args.length > 0 ? (types[inst.args[0]!] as Type) : inst.type;
        switch (info.kind) {
          case OpKind.Const:
            if (inst.type === Type.I64) return i64(inst.big);
            return builder(m, [typeName(inst.type), "const"])(inst.imm);
          case OpKind.Binary:
            if (info.canTrap && (operand === Type.I32 || operand === Type.I64))
              return division(inst, operand);
            return at(builder(m, [typeName(operand), info.name])(...args), inst.loc);
          case OpKind.Compare:
          case OpKind.Unary:
            return at(builder(m, [typeName(operand), info.name])(...args), inst.loc);
          case OpKind.Convert:
            return at(convert(inst, operand, args[0]!), inst.loc);
          case OpKind.Select:
            return m.select(args[0]!, args[1]!, args[2]!);
          case OpKind.Load: {
            const bytes = info.accessBytes || accessBytesOf(inst.type);
            return at(builder(m, [memoryTypeName(inst.type), info.name])(inst.imm, bytes, args[0]), inst.loc);
          }
          case OpKind.Store: {
            const valueType = types[inst.args[1]!] as Type;
            const bytes = info.accessBytes || accessBytesOf(valueType);
            return at(
              builder(m, [memoryTypeName(valueType), info.name])(inst.imm, bytes, args[0], args[1]),
              inst.loc,
            );
          }
          case OpKind.MemorySize:
            return m.memory.size();
          case OpKind.MemoryGrow:
            return m.memory.grow(args[0]!);
          case OpKind.GlobalGet:
            return m.global.get(`g${inst.imm}`, bt(inst.type));
          case OpKind.GlobalSet:
            return m.global.set(`g${inst.imm}`, args[0]!);
          case OpKind.Call: {
            const callee = module.functions[inst.imm]!;
            const result = sig(callee.results);
            if (inst.imm === self) return at(m.call(name, args, result), inst.loc);
            return at(
              m.call_indirect("dispatch", m.i32.const(inst.imm), args, sig(callee.params), result),
              inst.loc,
            );
          }
          case OpKind.CallHost:
            return at(m.call(`h${inst.imm}`, args, sig(module.imports[inst.imm]!.results)), inst.loc);
          case OpKind.CallIndirect: {
            const target = module.types[inst.imm]!;
            return at(
              m.call_indirect(
                `guest${inst.imm}`,
                args[0]!,
                args.slice(1),
                sig(target.params),
                sig(target.results),
              ),
              inst.loc,
            );
          }
          case OpKind.TrapIf:
            return m.if(args[0]!, trap(inst.imm, inst.loc));
          case OpKind.ProfileEdge:
          case OpKind.ProfileTarget:
          case OpKind.ProfileCall:
          case OpKind.OsrPoint:
            return m.nop(); // the optimized tier carries no profiling, and is where OSR goes
          default:
            throw new Error(`tier 2: unexpected op ${info.name}`);
        }
      }

      /**
       * Integer division and remainder, with their traps made explicit calls of rt.trap:
       * Binaryen treats two operations that may trap as free to reorder (the program traps
       * either way), but which trap comes first is observable here (its kind and line). The
       * Wasm operation after the checks cannot trap any more.
       */
      function division(inst: Inst, type: Type): Expr {
        const t = typeName(type);
        const local = (v: number): Expr => m.local.get(localOf[v]!, bt(type));
        const divisor = constants.get(inst.args[1]!)?.value;
        const checks: Expr[] = [];
        if (divisor === undefined || divisor === 0 || divisor === 0n) {
          checks.push(
            m.if(builder(m, [t, "eqz"])(local(inst.args[1]!)), trap(TrapKind.IntegerDivideByZero, inst.loc)),
          );
        }
        if (inst.op === Op.DivS && (divisor === undefined || divisor === -1 || divisor === -1n)) {
          const min = type === Type.I64 ? i64(-(2n ** 63n)) : m.i32.const(-(2 ** 31));
          const minusOne = type === Type.I64 ? i64(-1n) : m.i32.const(-1);
          const overflow = m.i32.and(
            builder(m, [t, "eq"])(local(inst.args[0]!), min),
            builder(m, [t, "eq"])(local(inst.args[1]!), minusOne),
          );
          checks.push(m.if(overflow, trap(TrapKind.IntegerOverflow, inst.loc)));
        }
        const operation = at(
          builder(m, [t, opInfo(inst.op).name])(local(inst.args[0]!), local(inst.args[1]!)),
          inst.loc,
        );
        return checks.length === 0 ? operation : m.block(null, [...checks, operation], bt(inst.type));
      }

      function convert(inst: Inst, from: Type, x: Expr): Expr {
        const to = typeName(inst.type);
        const src = typeName(from);
        switch (inst.op) {
          case Op.Splat:
            return m.f64x2.splat(x);
          case Op.Wrap:
            return m.i32.wrap(x);
          case Op.ExtendS:
            return m.i64.extend_s(x);
          case Op.ExtendU:
            return m.i64.extend_u(x);
          case Op.TruncS:
          case Op.TruncU: {
            // the IR tells NaN (invalid conversion) from overflow; V8's trap does not. Both
            // are explicit calls, for the reason given at `division`
            const local = localOf[inst.args[0]!]!;
            const get = (): Expr => m.local.get(local, bt(from));
            const ne = builder(m, [src, "ne"])(get(), get());
            const wide = (): Expr => (from === Type.F32 ? m.f64.promote(get()) : get());
            const [low, high, lowInclusive] = truncRange(inst.op === Op.TruncS, inst.type === Type.I64);
            const inRange = m.i32.and(
              lowInclusive ? m.f64.ge(wide(), m.f64.const(low)) : m.f64.gt(wide(), m.f64.const(low)),
              m.f64.lt(wide(), m.f64.const(high)),
            );
            const trunc = builder(m, [to, inst.op === Op.TruncS ? "trunc_s" : "trunc_u", src])(x);
            return m.block(
              null,
              [
                m.if(ne, trap(TrapKind.InvalidConversion, inst.loc)),
                m.if(m.i32.eqz(inRange), trap(TrapKind.IntegerOverflow, inst.loc)),
                at(trunc, inst.loc),
              ],
              bt(inst.type),
            );
          }
          case Op.TruncSatS:
            return builder(m, [to, "trunc_s_sat", src])(x);
          case Op.TruncSatU:
            return builder(m, [to, "trunc_u_sat", src])(x);
          case Op.ConvertS:
            return builder(m, [to, "convert_s", src])(x);
          case Op.ConvertU:
            return builder(m, [to, "convert_u", src])(x);
          case Op.Demote:
            return m.f32.demote(x);
          case Op.Promote:
            return m.f64.promote(x);
          default:
            return builder(m, [to, "reinterpret"])(x);
        }
      }
    }
  } finally {
    m.dispose();
  }
}

/** Whether any value of `fn` is a vector (Binaryen must then allow SIMD). */
function usesVectors(fn: IrFunction): boolean {
  return fn.blocks.some(
    (block) => block.paramTypes.some(isVectorType) || block.insts.some((inst) => isVectorType(inst.type)),
  );
}

/** Bytes a full-width load or store of `type` accesses. */
function accessBytesOf(type: Type): number {
  if (isVectorType(type)) return 16;
  return type === Type.I64 || type === Type.F64 ? 8 : 4;
}

/** Binaryen's namespace for loads and stores of `type` (vectors are plain v128 there). */
function memoryTypeName(type: Type): string {
  return isVectorType(type) ? "v128" : typeName(type);
}

/**
 * The f64 range a float must lie in for a trapping truncation to succeed: (low, high), or
 * [low, high) when `lowInclusive` (i64 signed: -2^63 - 1 is not an f64, -2^63 is).
 */
function truncRange(signed: boolean, wide: boolean): [number, number, boolean] {
  if (signed) return wide ? [-(2 ** 63), 2 ** 63, true] : [-(2 ** 31) - 1, 2 ** 31, false];
  return [-1, wide ? 2 ** 64 : 2 ** 32, false];
}

/**
 * Replaces Binaryen's name section with ours (module name first), drops its source map URL,
 * inserts the compilation hint before the code section, and splits the source map by
 * function (its offsets move with the bytes inserted before the code). Every function of
 * the unit — the function and its resume functions — is the IR function `funcId` in guest
 * stacks; `byName` gives each one's IR by its Binaryen name.
 */
function finish(
  binary: Uint8Array,
  sourceMapJson: string | null,
  funcId: FuncId,
  byName: ReadonlyMap<string, { fn: IrFunction; frameOf: FuncId }>,
  moduleName: string,
  compilationHint: number | null,
): CompiledModule {
  const sections = splitSections(binary);
  const importedFunctions = countImportedFunctions(sections);
  const bodies = codeBodies(sections);
  const binaryenNames = functionNames(sections);
  const out = new ByteBuffer(binary.length + 64);
  out.bytes(binary.subarray(0, 8));
  // code offsets move by what is inserted or dropped before the code section
  let shift = 0;
  let beforeCode = true;
  for (const section of sections) {
    if (section.id === 0 && (section.name === "name" || section.name === "sourceMappingURL")) {
      if (beforeCode) shift -= section.bytes.length;
      continue;
    }
    if (section.id === 10) {
      beforeCode = false;
      if (compilationHint !== null) {
        const hints = customSection(
          "compilationHints",
          compilationHintsPayload(bodies.length, compilationHint),
        );
        out.bytes(hints);
        shift += hints.length;
      }
    }
    out.bytes(section.bytes);
  }
  const defined = bodies.map((_, i) => {
    const index = importedFunctions + i;
    const known = byName.get(binaryenNames.get(index) ?? "");
    if (known === undefined) throw new Error(`tier 2: function ${index} of the unit has no known name`);
    return { index, ...known };
  });
  const names = encodeNameSection({
    module: moduleName,
    functions: defined.map(({ index, fn }) => [index, fn.name] as [number, string]),
  });
  out.bytes(names);
  const irFunctionOf = new Int32Array(importedFunctions + bodies.length).fill(-1);
  const sourceMaps = new Map<number, SourceMap>();
  const map = decodeSourceMap(sourceMapJson);
  defined.forEach(({ index, fn, frameOf }, i) => {
    irFunctionOf[index] = frameOf;
    const [start, end] = bodies[i]!;
    const offsets: number[] = [];
    const locs: number[] = [];
    const sites: number[] = [];
    map.offsets.forEach((offset, k) => {
      if (offset < start || offset >= end) return;
      offsets.push(offset + shift);
      locs.push(map.locs[k]!);
      sites.push(map.sites[k]!);
    });
    sourceMaps.set(index, {
      offsets,
      locs,
      ...(fn.inlineSites === undefined || fn.inlineSites.length === 0
        ? {}
        : { sites, inlineSites: fn.inlineSites }),
    });
  });
  return {
    moduleName,
    bytes: out.toBytes(),
    irFunctionOf,
    exportOf: new Map([[funcId, `f${funcId}`]]),
    sourceMaps,
    guestTypes: [],
  };
}

/** The byte range [start, end) of each function body in the code section, in order. */
function codeBodies(sections: Section[]): [number, number][] {
  const code = sections.find((s) => s.id === 10);
  if (code === undefined) return [];
  const r = new Reader(code.bytes);
  r.pos = 1;
  r.u32(); // section size
  const bodies: [number, number][] = [];
  for (let n = r.u32(); n > 0; n--) {
    const size = r.u32();
    bodies.push([code.start + r.pos, code.start + r.pos + size]);
    r.pos += size;
  }
  return bodies;
}

/** Function names from Binaryen's name section (subsection 1), by function index. */
function functionNames(sections: Section[]): Map<number, string> {
  const names = new Map<number, string>();
  const section = sections.find((s) => s.id === 0 && s.name === "name");
  if (section === undefined) return names;
  const r = new Reader(section.bytes);
  r.pos = section.contentStart - section.start;
  r.name(); // "name"
  while (r.pos < section.bytes.length) {
    const id = r.u8();
    const size = r.u32();
    const end = r.pos + size;
    if (id === 1) {
      for (let n = r.u32(); n > 0; n--) {
        const index = r.u32();
        names.set(index, r.name());
      }
    }
    r.pos = end;
  }
  return names;
}

interface Section {
  id: number;
  name: string;
  bytes: Uint8Array;
  /** Offsets in the module of the section's first byte and of its content (after the size). */
  start: number;
  contentStart: number;
}

function splitSections(binary: Uint8Array): Section[] {
  const sections: Section[] = [];
  const r = new Reader(binary);
  r.pos = 8;
  while (r.pos < binary.length) {
    const start = r.pos;
    const id = r.u8();
    const size = r.u32();
    const contentStart = r.pos;
    let name = "";
    if (id === 0) name = r.name();
    r.pos = contentStart + size;
    sections.push({ id, name, bytes: binary.subarray(start, r.pos), start, contentStart });
  }
  return sections;
}

function countImportedFunctions(sections: Section[]): number {
  const imports = sections.find((s) => s.id === 2);
  if (imports === undefined) return 0;
  const r = new Reader(imports.bytes);
  r.pos = 1;
  r.u32(); // section size
  let functions = 0;
  for (let n = r.u32(); n > 0; n--) {
    r.name(); // module
    r.name(); // field
    const kind = r.u8();
    if (kind === 0) {
      functions++;
      r.u32();
    } else if (kind === 1 || kind === 2) {
      if (kind === 1) r.u8(); // element type
      const flags = r.u8();
      r.u32();
      if (flags & 1) r.u32();
    } else {
      r.pos += 2; // global: value type, mutability
    }
  }
  return functions;
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** The debug file name of inline site k in Tier 2 modules is this and k (Binaryen cuts names at NUL). */
const SITE_FILE_PREFIX = "<tierjit inline site>";
/** ...followed by this when the position there has no line (code the front end made up). */
const NO_LINE_SUFFIX = " no line";

/**
 * Source map v3 "mappings" (base64 VLQ) → offsets, packed locations and inline sites (from
 * the source file index: see SITE_FILE_PREFIX); wasm maps use the column as the byte offset.
 */
export function decodeSourceMap(
  json: string | null,
): Required<Pick<SourceMap, "offsets" | "locs" | "sites">> {
  const offsets: number[] = [];
  const locs: number[] = [];
  const sites: number[] = [];
  if (json === null) return { offsets, locs, sites };
  const parsed = JSON.parse(json) as { mappings: string; sources?: string[] };
  const mappings = parsed.mappings;
  const sources = parsed.sources ?? [];
  const siteOfSource = sources.map((name) =>
    name.startsWith(SITE_FILE_PREFIX) ? Number.parseInt(name.slice(SITE_FILE_PREFIX.length), 10) : -1,
  );
  const noLine = sources.map((name) => name.startsWith(SITE_FILE_PREFIX) && name.endsWith(NO_LINE_SUFFIX));
  let offset = 0;
  let source = 0;
  let line = 0;
  let col = 0;
  for (const segment of mappings.split(",")) {
    if (segment === "") continue;
    const fields: number[] = [];
    let value = 0;
    let shift = 0;
    for (const ch of segment) {
      const digit = BASE64.indexOf(ch);
      value += (digit & 31) * 2 ** shift;
      if (digit & 32) {
        shift += 5;
        continue;
      }
      fields.push(value & 1 ? -Math.floor(value / 2) : Math.floor(value / 2));
      value = 0;
      shift = 0;
    }
    offset += fields[0] ?? 0;
    if (fields.length < 4) continue;
    source += fields[1]!;
    line += fields[2]!;
    col += fields[3]!;
    offsets.push(offset);
    sites.push(siteOfSource[source] ?? -1);
    // lines are 0-based in source maps; Binaryen passes our columns through as given
    locs.push(noLine[source] === true ? -1 : makeLoc(line + 1, col));
  }
  return { offsets, locs, sites };
}
