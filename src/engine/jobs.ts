/**
 * Compile jobs: their serializable form, and the pure function that runs one. A job is a
 * pure function of its inputs — the IR unit, the function, the tier's options — with no
 * clock, globals or engine state, so it can run on the main thread, in a worker, or
 * (later) in another process, and its output could be cached by content.
 */

import type { FuncId, IrFunction, Module } from "../ir/ir.js";
import { TermOp } from "../ir/ops.js";
import { resumeFunction } from "../ir/resume.js";
import { fromWire, type WireUnit } from "../ir/wire.js";
import { type PassContext, runPasses, type SpeculationInput } from "../opt/pass.js";
import { profileBranches } from "../opt/passes/profile-branches.js";
import type { Instrument } from "../wasm/codegen.js";
import { type CompiledModule, compileModule } from "../wasm/compile-module.js";
import { type Binaryen, compileTier2, type ResumeFunction } from "../wasm/tier2.js";
import { PIPELINES } from "./pipelines.js";

/** Ways to make a job fail on purpose (`--fault`), to check that nothing changes when one does. */
export type FaultKind = "worker-crash" | "compile-error" | "compile-hang";

export interface CompileJob {
  jobId: number;
  unit: WireUnit;
  funcId: FuncId;
  tier: number;
  instrument: Instrument;
  initialBudget: number;
  moduleName: string;
  fault: FaultKind | null;
  /** Verify the IR after every pass (tests, debugging). */
  verify?: boolean;
  /** Compile the OSR entry function for this loop header of the function instead (Tier 2 only). */
  osrHeader?: number;
  /** Tier 1: count branch edges (`profile-branches`); without it that pass is skipped. */
  profileBranches?: boolean;
  /** Tier 2: what to speculate on (`speculate-branches`); absent: nothing. */
  speculation?: Omit<SpeculationInput, "original">;
}

export type JobResult =
  | {
      jobId: number;
      ok: true;
      compiled: CompiledModule;
      wasm: WebAssembly.Module | null;
      /** When the job started (absolute ms, the clock shared by all threads), and how long it took. */
      startedAt: number;
      compileMs: number;
    }
  | { jobId: number; ok: false; message: string };

/** Thrown by a job asked to fail with `compile-error`. */
export class InjectedFault extends Error {}

/**
 * Runs a job: IR unit → Wasm bytes (and, where `compileWasm` is set, a compiled
 * WebAssembly.Module). Tier 2 jobs need Binaryen, loaded by the caller.
 */
export function runCompileJob(
  job: CompileJob,
  compileWasm: boolean,
  binaryen: Binaryen | null,
): { compiled: CompiledModule; wasm: WebAssembly.Module | null } {
  if (job.fault === "compile-error")
    throw new InjectedFault("injected compile error (--fault compile-error)");
  const unit = fromWire(job.unit);
  const pipeline = PIPELINES[job.tier as 0 | 1 | 2];
  if (pipeline === undefined) throw new Error(`no pipeline for tier ${job.tier}`);
  // passes rewrite in place: work on a copy, so that the job stays a pure function of its
  // inputs (on the main thread the unit shares the engine's IR)
  let fn: IrFunction;
  let module: Module;
  // what is compiled: the function, or its OSR entry function as an extra function (so that
  // the function's own calls keep reaching it through its dispatch slot)
  let target = job.funcId;
  if (job.osrHeader === undefined) {
    fn = structuredClone(unit.module.functions[job.funcId]!);
    module = { ...unit.module, functions: unit.module.functions.map((f, i) => (i === job.funcId ? fn : f)) };
  } else {
    const entry = resumeFunction(unit.module, unit.module.functions[job.funcId]!, job.osrHeader);
    if (entry === null) throw new Error(`no OSR entry at block${job.osrHeader}`);
    if (pipeline.emitter !== "binaryen-O3") throw new Error("OSR entry functions are compiled at Tier 2");
    fn = entry.fn;
    target = unit.module.functions.length;
    module = { ...unit.module, functions: [...unit.module.functions, fn] };
  }
  const context: PassContext = {};
  const original = unit.module.functions[job.funcId]!;
  if (job.speculation !== undefined && job.osrHeader === undefined) {
    // deopt exits resume the program's function, kept beside the one being optimized
    context.speculation = { ...job.speculation, original: module.functions.length };
    module.functions.push(original);
  }
  const passes =
    job.profileBranches === true ? pipeline.passes : pipeline.passes.filter((p) => p !== profileBranches);
  runPasses(fn, module, passes, { verify: job.verify === true, context });
  let compiled: CompiledModule;
  if (pipeline.emitter === "binaryen-O3") {
    if (binaryen === null) throw new Error("a Tier 2 job needs Binaryen, which is not loaded here");
    const resumes = resumeFunctionsFor(fn, module, original);
    compiled = compileTier2(binaryen, module, target, job.moduleName, pipeline.compilationHint, resumes);
  } else {
    compiled = compileModule(module, {
      moduleName: job.moduleName,
      base: false,
      functions: [job.funcId],
      instrument: job.instrument,
      initialBudget: job.initialBudget,
      ...(pipeline.compilationHint === null ? {} : { compilationHint: pipeline.compilationHint }),
    });
  }
  if (target !== job.funcId) {
    // the entry function's frames are the function's own in guest stacks
    compiled = {
      ...compiled,
      irFunctionOf: compiled.irFunctionOf.map((id) => (id === target ? job.funcId : id)),
      exportOf: new Map([[job.funcId, [...compiled.exportOf.values()][0]!]]),
    };
  }
  return { compiled, wasm: compileWasm ? new WebAssembly.Module(compiled.bytes) : null };
}

/**
 * The resume functions of the deopt exits left in `fn` after its passes, added to `module`
 * (one per resume point): each starts the unspeculated `original` at the exit's block.
 */
function resumeFunctionsFor(fn: IrFunction, module: Module, original: IrFunction): ResumeFunction[] {
  const resumes: ResumeFunction[] = [];
  const seen = new Set<number>();
  for (const block of fn.blocks) {
    const resume = block.term.op === TermOp.Deopt ? block.term.resume : undefined;
    if (resume === undefined || seen.has(resume.block)) continue;
    seen.add(resume.block);
    const entry = resumeFunction(module, original, resume.block);
    if (entry === null) throw new Error(`${original.name}: no resume function at block${resume.block}`);
    resumes.push({ id: module.functions.length, resume });
    module.functions.push(entry.fn);
  }
  return resumes;
}
