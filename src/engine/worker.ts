/**
 * The compile worker's entry point (run by `worker_threads` from dist/). It receives jobs
 * on its parent port and answers on the port it was given, from which the main thread can
 * read results synchronously at a safepoint (`receiveMessageOnPort`). V8 compiles the
 * module here, off the main thread; the main thread only instantiates it.
 */

import { type MessagePort, parentPort, workerData } from "node:worker_threads";
import { loadBinaryen } from "../wasm/tier2.js";
import { type CompileJob, type JobResult, runCompileJob } from "./jobs.js";
import { absoluteNow } from "./trace.js";

const results = (workerData as { results: MessagePort }).results;
// Binaryen takes 0.3–0.5 s to load: start now, so that the first Tier 2 job does not wait
const binaryenReady = loadBinaryen();
binaryenReady.catch(() => {});

parentPort!.on("message", async (job: CompileJob) => {
  if (job.fault === "worker-crash") process.exit(70);
  if (job.fault === "compile-hang") {
    // spin until the engine's job deadline terminates this worker
    for (;;) {
      // nothing: a compile that never finishes
    }
  }
  let result: JobResult;
  try {
    const binaryen = job.tier === 2 ? await binaryenReady : null;
    const startedAt = absoluteNow();
    const started = performance.now();
    const { compiled, wasm } = runCompileJob(job, true, binaryen);
    result = {
      jobId: job.jobId,
      ok: true,
      compiled,
      wasm,
      startedAt,
      compileMs: performance.now() - started,
    };
  } catch (error) {
    result = { jobId: job.jobId, ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  results.postMessage(result);
});
