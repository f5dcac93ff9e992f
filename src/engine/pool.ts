/**
 * A pool of compile workers with a priority queue.
 *
 * Jobs wait in a queue ordered by priority (hotness: the hottest function compiles first)
 * and go to idle workers. Each worker answers on its own MessagePort, which the main thread
 * drains synchronously with `receiveMessageOnPort` — at safepoints, while guest code is
 * running, or from an idle timer. A job that passes its deadline, or whose worker dies, is
 * reported as failed; the worker is replaced. Nothing is retried here: the engine decides.
 */

import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import type { CompileJob, JobResult, WorkerMessage } from "./jobs.js";

interface Slot {
  worker: Worker;
  results: MessagePort;
  job: CompileJob | null;
  startedAt: number;
  /** Set once the slot's worker has been given up (crashed or past its deadline). */
  dead: boolean;
  /** Set when the worker says it can take jobs (it has started, and loaded Binaryen if it preloads it). */
  ready: boolean;
}

export interface PoolEvents {
  /** A job finished (successfully or with a compile error reported by the worker `track`, from 1). */
  result(result: JobResult, job: CompileJob, track: number): void;
  /** A job was lost: its worker crashed or it passed its deadline. */
  lost(job: CompileJob, reason: string): void;
}

// "../engine/": this module also runs inside the command's bundle, dist/src/cli/ (cli/paths.ts)
const WORKER_URL = new URL("../engine/worker.js", import.meta.url);

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: { job: CompileJob; priority: number }[] = [];
  private closed = false;
  /** Workers started over the pool's life (replacements included). */
  workersStarted = 0;
  private announceReady: () => void = () => {};
  /** Settles when a worker first says it is ready. */
  readonly firstReady = new Promise<void>((resolve) => {
    this.announceReady = resolve;
  });

  constructor(
    size: number,
    private readonly jobDeadlineMs: number,
    /** Whether Tier 2 jobs can come (then the first worker loads Binaryen at once). */
    private readonly tier2: boolean,
    private readonly events: PoolEvents,
  ) {
    for (let i = 0; i < size; i++) this.slots.push(this.startWorker());
  }

  private startWorker(): Slot {
    const { port1, port2 } = new MessageChannel();
    // the first worker pre-loads Binaryen (Tier 2); the others load it when first needed
    const preloadBinaryen = this.tier2 && this.slots.length === 0;
    const worker = new Worker(WORKER_URL, {
      workerData: { results: port2, preloadBinaryen },
      transferList: [port2],
    });
    this.workersStarted++;
    const slot: Slot = { worker, results: port1, job: null, startedAt: 0, dead: false, ready: false };
    // results also arrive through the event loop when the main thread is idle
    port1.on("message", (message: WorkerMessage) => this.handle(slot, message));
    worker.on("error", (error) => this.lose(slot, `worker failed: ${error.message}`));
    worker.on("exit", (code) => {
      if (!this.closed) this.lose(slot, `worker exited with code ${code}`);
    });
    // unref last: attaching a 'message' listener refs a port again. Compile workers must
    // never keep a finished program alive.
    worker.unref();
    port1.unref();
    return slot;
  }

  get size(): number {
    return this.slots.length;
  }

  get waiting(): number {
    return this.queue.length;
  }

  get running(): number {
    let running = 0;
    for (const slot of this.slots) if (slot.job !== null) running++;
    return running;
  }

  /** Whether some live worker has said it is ready (a job sent now does not wait for a start-up). */
  get ready(): boolean {
    for (const slot of this.slots) if (slot.ready && !slot.dead) return true;
    return false;
  }

  /** Checked at every safepoint: no allocation. */
  get busy(): boolean {
    if (this.queue.length > 0) return true;
    for (const slot of this.slots) if (slot.job !== null) return true;
    return false;
  }

  submit(job: CompileJob, priority: number): void {
    if (this.closed) return;
    let at = this.queue.findIndex((entry) => entry.priority < priority);
    if (at < 0) at = this.queue.length;
    this.queue.splice(at, 0, { job, priority });
    this.dispatch();
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.job !== null || slot.dead) continue;
      const { job } = this.queue.shift()!;
      slot.job = job;
      slot.startedAt = performance.now();
      slot.worker.postMessage(job);
    }
  }

  /** Takes finished results (synchronously), enforces deadlines, and starts waiting jobs. */
  poll(): void {
    if (this.closed) return;
    const now = performance.now();
    for (const slot of [...this.slots]) {
      for (;;) {
        const message = receiveMessageOnPort(slot.results);
        if (message === undefined) break;
        this.handle(slot, message.message as WorkerMessage);
      }
      if (slot.job !== null && now - slot.startedAt > this.jobDeadlineMs) {
        this.lose(slot, `compile job passed its deadline of ${this.jobDeadlineMs} ms`);
      }
    }
    this.dispatch();
  }

  private handle(slot: Slot, message: WorkerMessage): void {
    if ("ready" in message) {
      slot.ready = true;
      this.announceReady();
      return;
    }
    const result: JobResult = message;
    const job = slot.job;
    if (job === null || job.jobId !== result.jobId) return;
    slot.job = null;
    this.events.result(result, job, this.slots.indexOf(slot) + 1);
    this.dispatch();
  }

  /** Gives up a slot's worker (crashed or stuck), reports its job lost, starts a replacement. */
  private lose(slot: Slot, reason: string): void {
    if (slot.dead || this.closed) return;
    slot.dead = true;
    const job = slot.job;
    slot.job = null;
    slot.results.close();
    void slot.worker.terminate();
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots[index] = this.startWorker();
    if (job !== null) this.events.lost(job, reason);
    this.dispatch();
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    await Promise.all(
      this.slots.map(async (slot) => {
        slot.results.close();
        await slot.worker.terminate();
      }),
    );
  }
}
