/**
 * The compile worker's entry point (run by `worker_threads` from dist/). It receives jobs
 * on its parent port and answers on the port it was given, from which the main thread can
 * read results synchronously at a safepoint (`receiveMessageOnPort`). V8 compiles the
 * module here, off the main thread; the main thread only instantiates it.
 */

import { type MessagePort, parentPort, workerData } from "node:worker_threads";
import { loadBinaryen } from "../wasm/tier2.js";
import { type CompileJob, type JobResult, runCompileJob, type WorkerMessage } from "./jobs.js";
import { absoluteNow } from "./trace.js";
import { applyV8Tuning } from "./v8-flags.js";
import { warmUpTier2 } from "./warm-up.js";

applyV8Tuning();

const { results, preloadBinaryen } = workerData as { results: MessagePort; preloadBinaryen: boolean };
// Binaryen takes 0.3–0.5 s of CPU to load, and the first -O3 in a thread ~0.1 s more
// (warm-up.ts). One worker does both at once, so that the first Tier 2 job does not wait;
// the others only when a Tier 2 job reaches them, so that on a small machine they do not
// all compete with the program at start-up.
let binaryenReady: ReturnType<typeof loadBinaryen> | null = null;
function binaryen(): ReturnType<typeof loadBinaryen> {
  binaryenReady ??= loadBinaryen().then((loaded) => {
    try {
      warmUpTier2(loaded);
    } catch {
      // only a warm-up: a real job that fails the same way reports it
    }
    return loaded;
  });
  return binaryenReady;
}
// the pool hears when this worker can take a job without first waiting for Binaryen's load
// (which blocks this thread): until then the engine compiles Tier 1 code itself
const announceReady = (): void => results.postMessage({ ready: true } satisfies WorkerMessage);
if (preloadBinaryen) {
  binaryen().then(announceReady, announceReady);
} else {
  announceReady();
}

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
    const loaded = job.tier === 2 ? await binaryen() : null;
    const startedAt = absoluteNow();
    const started = performance.now();
    const { compiled, wasm } = runCompileJob(job, true, loaded);
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
