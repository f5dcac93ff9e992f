/**
 * Compile jobs: their serializable form, and the pure function that runs one. A job is a
 * pure function of its inputs — the IR unit, the function, the tier's options — with no
 * clock, globals or engine state, so it can run on the main thread, in a worker, or
 * (later) in another process, and its output could be cached by content.
 */

import type { FuncId, IrFunction, Module } from "../ir/ir.js";
import { computeLiveness, type Liveness } from "../ir/liveness.js";
import { TermOp } from "../ir/ops.js";
import { resumeFunction, resumeLiveIns } from "../ir/resume.js";
import { fromWire, type WireUnit } from "../ir/wire.js";
import { type PassContext, runPasses, type SpeculationInput } from "../opt/pass.js";
import { osrPoints } from "../opt/passes/osr-points.js";
import { profileBranches } from "../opt/passes/profile-branches.js";
import { profileCalls } from "../opt/passes/profile-calls.js";
import { speculateBranches } from "../opt/passes/speculate-branches.js";
import { speculateCalls } from "../opt/passes/speculate-calls.js";
import { markBranchCounts, markCallCounts } from "../opt/profile-sites.js";
import { Instrument } from "../wasm/codegen.js";
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
  /**
   * Tier 2's passes, then the baseline code generator (no counters) instead of Binaryen: an
   * interim Tier 2 that needs no Binaryen, compiled on the main thread while the workers
   * are still loading it. Speculates on call targets only (its code generator has no deopt
   * exits).
   */
  interim?: boolean;
  /**
   * Tier 1: record the profile Tier 2 speculates on (`profile-branches`, `profile-calls`);
   * without it those passes are skipped.
   */
  collectProfile?: boolean;
  /** Tier 2: what to speculate on (`speculate-branches`, `speculate-calls`); absent: nothing. */
  speculation?: Omit<SpeculationInput, "original">;
  /**
   * Tier 2: callees whose inlined copies are speculated on too, each from its own profile
   * (their guards rebuild the caller's frame: deopt from inlined frames).
   */
  calleeSpeculation?: { func: FuncId; speculation: Omit<SpeculationInput, "original"> }[];
  /** The host runs no SIMD (wasm/features.ts): Tier 2 makes no vector code. */
  noSimd?: boolean;
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

/**
 * How an OSR job's failure begins when the loop header has no entry function (resume.ts:
 * entered there, the control flow would be irreducible): a limit, not a fault.
 */
export const NO_OSR_ENTRY = "no OSR entry at block";

/** What a worker posts on its results port: a job's result, or that it is ready for jobs. */
export type WorkerMessage = JobResult | { ready: true };

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
  const context: PassContext = job.noSimd === true ? { noSimd: true } : {};
  // the program function each function the job adds stands for (the rest: snapshots of this one)
  const frameOf = new Map<number, FuncId>();
  const speculating = job.interim !== true;
  const program = unit.module.functions[job.funcId]!;
  // the call and branch counts go on the calls and branches of the function as the program
  // has it, before any pass moves them (on copies this job owns)
  const countCalls = (copy: IrFunction): void => {
    const input = job.speculation;
    if (input === undefined || !speculating) return;
    markCallCounts(copy, input.calls, input.randomSeed, input.indirectCalls);
    markBranchCounts(copy, input.edgeCounts, input.randomSeed);
  };
  if (job.osrHeader === undefined) {
    fn = structuredClone(program);
    countCalls(fn);
    module = { ...unit.module, functions: unit.module.functions.map((f, i) => (i === job.funcId ? fn : f)) };
    if (job.speculation !== undefined && speculating) {
      // deopt exits resume the program's function, kept beside the one being optimized
      frameOf.set(module.functions.length, job.funcId);
      context.speculation = { ...job.speculation, original: module.functions.length };
      module.functions.push(program);
    }
  } else {
    if (pipeline.emitter !== "binaryen-O3") throw new Error("OSR entry functions are compiled at Tier 2");
    module = { ...unit.module, functions: [...unit.module.functions] };
    // an entry speculates as the function's own code does: its branches and call sites
    // (numbered in the program's function) in a speculated copy it is then built from, its
    // globals at its start, their guards resuming the program's function at the header
    let source = program;
    let header = job.osrHeader;
    if (job.speculation !== undefined && speculating) {
      const original = module.functions.length;
      frameOf.set(original, job.funcId);
      module.functions.push(program);
      source = structuredClone(program);
      countCalls(source);
      const speculation = { ...job.speculation, original };
      // call guards insert blocks (renumbering those after them); the header's block stays
      // the same object, which still starts the loop
      const headerBlock = source.blocks[header];
      runPasses(source, module, [speculateBranches, speculateCalls], { context: { speculation } });
      header = headerBlock === undefined ? header : source.blocks.indexOf(headerBlock);
      context.speculation = { ...speculation, entryBlock: job.osrHeader };
    }
    // the frame hands over the program function's live values at the header
    const liveIns = resumeLiveIns(program, job.osrHeader);
    const entry =
      resumeFunction(module, source, header, liveIns) ??
      (source === program ? null : resumeFunction(module, program, job.osrHeader, liveIns));
    if (entry === null) throw new Error(`${NO_OSR_ENTRY}${job.osrHeader}`);
    fn = entry.fn;
    target = module.functions.length;
    module.functions.push(fn);
  }
  const targets = job.speculation?.targets;
  if (targets !== undefined && job.interim === true && job.osrHeader === undefined) {
    // interim code has no deopt exits, but call-target guards need none: no edge is
    // speculated on (none "ran" is no profile), so nothing resumes `original`
    context.speculation = { ...targetsOnly(targets), original: job.funcId };
  }
  // interim code speculates on its inlined callees' call targets only
  for (const { func, speculation } of job.calleeSpeculation ?? []) {
    if (func === job.funcId || (unit.module.functions[func]?.blocks.length ?? 0) === 0) continue;
    if (speculating) {
      frameOf.set(module.functions.length, func);
      module.functions[func] = speculatedCopy(module, func, speculation);
    } else if (speculation.targets !== undefined) {
      module.functions[func] = speculatedCopy(module, func, targetsOnly(speculation.targets));
    }
  }
  const passes = pipeline.passes.filter(
    (p) =>
      ((p !== profileBranches && p !== profileCalls) || job.collectProfile === true) &&
      (p !== osrPoints || job.instrument === Instrument.EntryAndOsrPoints) &&
      // an OSR entry's branches and call sites were speculated on in its source
      ((p !== speculateBranches && p !== speculateCalls) || job.osrHeader === undefined),
  );
  runPasses(fn, module, passes, { verify: job.verify === true, context });
  let compiled: CompiledModule;
  if (pipeline.emitter === "binaryen-O3" && job.interim !== true) {
    if (binaryen === null) throw new Error("a Tier 2 job needs Binaryen, which is not loaded here");
    const resumes = resumeFunctionsFor(fn, module, (f) =>
      f < unit.module.functions.length ? f : (frameOf.get(f) ?? job.funcId),
    );
    compiled = compileTier2(binaryen, module, target, job.moduleName, pipeline.compilationHint, resumes);
  } else {
    compiled = compileModule(module, {
      moduleName: job.moduleName,
      base: false,
      functions: [target],
      instrument: job.instrument,
      initialBudget: job.initialBudget,
      profileCounters: job.collectProfile === true,
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
 * The resume functions of the deopt exits left in `fn` after its passes, added to `module`:
 * one per resume point (the callee frame's, and the caller's of exits in inlined code), and
 * then those of the exits that the resume functions hold themselves (a caller's snapshot
 * keeps its own guards). `frameOf` gives the program function behind a module index.
 */
function resumeFunctionsFor(
  fn: IrFunction,
  module: Module,
  frameOf: (index: number) => FuncId,
): ResumeFunction[] {
  const resumes: ResumeFunction[] = [];
  const seen = new Set<string>();
  // one liveness analysis per resumed function, whichever of its blocks are resumed
  const liveness = new Map<number, Liveness>();
  const work = [fn];
  while (work.length > 0) {
    for (const block of work.pop()!.blocks) {
      if (block.term.op !== TermOp.Deopt) continue;
      for (const point of [block.term.resume!, block.term.caller]) {
        if (point === undefined || seen.has(`${point.func}:${point.block}`)) continue;
        seen.add(`${point.func}:${point.block}`);
        const from = module.functions[point.func]!;
        let live = liveness.get(point.func);
        if (live === undefined) {
          live = computeLiveness(from);
          liveness.set(point.func, live);
        }
        const entry = resumeFunction(module, from, point.block, resumeLiveIns(from, point.block, live));
        if (entry === null) throw new Error(`${from.name}: no resume function at block${point.block}`);
        resumes.push({
          id: module.functions.length,
          resume: { func: point.func, block: point.block },
          frameOf: frameOf(point.func),
        });
        module.functions.push(entry.fn);
        work.push(entry.fn);
      }
    }
  }
  return resumes;
}

/** Speculation on call targets alone: no edge "ran" is no branch profile, so no deopt exit. */
function targetsOnly(targets: Int32Array): Omit<SpeculationInput, "original"> {
  return { taken: new Uint8Array(0), disabled: [], targets };
}

/**
 * Callee `func` with speculation applied (its own guards, from its own profile), to be
 * inlined in its place; its unspeculated body is kept beside it for its deopt exits.
 */
export function speculatedCopy(
  module: Module,
  func: FuncId,
  speculation: Omit<SpeculationInput, "original">,
): IrFunction {
  const original = module.functions[func]!;
  const copy = structuredClone(original);
  const index = module.functions.length;
  module.functions.push(original);
  runPasses(copy, module, [speculateBranches, speculateCalls], {
    context: { speculation: { ...speculation, original: index } },
  });
  return copy;
}
