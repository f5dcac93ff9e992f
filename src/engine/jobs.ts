/**
 * Compile jobs: their serializable form, and the pure function that runs one. A job is a
 * pure function of its inputs — the IR unit, the function, the tier's options — with no
 * clock, globals or engine state, so it can run on the main thread, in a worker, or
 * (later) in another process, and its output could be cached by content.
 */

import type { FuncId } from "../ir/ir.js";
import { fromWire, type WireUnit } from "../ir/wire.js";
import { runPasses } from "../opt/pass.js";
import type { Instrument } from "../wasm/codegen.js";
import { type CompiledModule, compileModule } from "../wasm/compile-module.js";
import { type Binaryen, compileTier2 } from "../wasm/tier2.js";
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
  const fn = structuredClone(unit.module.functions[job.funcId]!);
  const module = {
    ...unit.module,
    functions: unit.module.functions.map((f, i) => (i === job.funcId ? fn : f)),
  };
  runPasses(fn, module, pipeline.passes, { verify: job.verify === true });
  let compiled: CompiledModule;
  if (pipeline.emitter === "binaryen-O3") {
    if (binaryen === null) throw new Error("a Tier 2 job needs Binaryen, which is not loaded here");
    compiled = compileTier2(binaryen, module, job.funcId, job.moduleName, pipeline.compilationHint);
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
  return { compiled, wasm: compileWasm ? new WebAssembly.Module(compiled.bytes) : null };
}
