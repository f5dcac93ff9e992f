/**
 * The tiered engine's public API (architecture.md, "Configuration and API"):
 *
 *   const backend = await TieredBackend.create(TieredConfig.production());
 *   backend.compileModule(irModule);          // every function at Tier 0
 *   const main = backend.getFunction("main"); // a JS callable (i64 ↔ bigint)
 *   main(1000);
 *   console.log(backend.getStatistics().format());
 *   await backend.shutdown();
 *
 * Profiling: Tier 0 code decrements a per-function budget at entry and at loop back-edges;
 * when it runs out the code calls the runtime (a safepoint), which counts `sampleRate`
 * events, classifies the function (cold / warm / hot against the thresholds), and tiers it
 * up: warm → Tier 1. The new code is installed in the function's dispatch slot at once, so
 * the next call — even from inside a long call that is still running — runs it; frames
 * already in the old code finish in it.
 *
 * In this build compiles run synchronously at the safepoint, Tier 1 is the baseline code
 * generator with only an entry budget (no IR passes exist yet), and Tier 2 is not built, so
 * hot functions stay at Tier 1. docs/engine.md lists what is and is not built.
 */

import { performance } from "node:perf_hooks";
import type { HostImports } from "../ir/interpreter.js";
import { type FuncId, findFunction, type Module, PAGE_SIZE } from "../ir/ir.js";
import type { Scalar } from "../ir/numeric.js";
import { releaseBody } from "../ir/parser.js";
import { TrapError, TrapKind } from "../ir/trap.js";
import { StepwiseVerifier, type VerifierError, VerifierFailure, verifyOrThrow } from "../ir/verifier.js";
import { packDeclarations, toWire, type WireUnit } from "../ir/wire.js";
import { inlineCandidates, speculatedTargets } from "../opt/inline-policy.js";
import { type Pass, runPasses } from "../opt/pass.js";
import { GLOBAL_GUARD_BASE } from "../opt/passes/speculate-globals.js";
import { STANDARD_PASSES } from "../opt/pipelines.js";
import { deoptGuardOf, Instrument, osrHeaderOf, SafepointKind } from "../wasm/codegen.js";
import type { CompiledModule, Guard } from "../wasm/compile-module.js";
import { hostSupportsSimd } from "../wasm/features.js";
import { type Binaryen, loadBinaryen } from "../wasm/tier2.js";
import { TieredConfig, type TierNumber } from "./config.js";
import { leafHostImports, type OutputSink, withStandardHost } from "./host.js";
import { type CompileJob, type JobResult, NO_OSR_ENTRY, runCompileJob } from "./jobs.js";
import { PIPELINES } from "./pipelines.js";
import { WorkerPool } from "./pool.js";
import { freshModuleName, WasmRuntime } from "./runtime.js";
import { SpeculationBook } from "./speculation.js";
import { Statistics } from "./stats.js";
import { absoluteNow, MAIN_TRACK, TraceRecorder } from "./trace.js";
import { applyV8Tuning } from "./v8-flags.js";

export interface BackendOptions {
  /** Host functions by import module and field (externs; may override the standard host). */
  imports?: HostImports;
  /** Where `print` writes (default: the process's stdout). */
  output?: OutputSink;
  /** Where verbosity logging goes (default: stderr). */
  log?: (line: string) => void;
}

/** The highest tier this build can compile. */
export const MAX_BUILT_TIER: TierNumber = 2;

/** Budget given to code that will not tier up any more (enough to make safepoints rare). */
const SETTLED_BUDGET = 1 << 30;
/** Budget of a function whose compile job is queued or running. */
const PENDING_BUDGET = 1000;
/** Budget between safepoints when a deadline must be checked even in settled code. */
const DEADLINE_BUDGET = 10_000;

const processOutput: OutputSink = { write: (text) => process.stdout.write(text) };

export class TieredBackend {
  readonly config: TieredConfig;
  private readonly options: BackendOptions;
  private runtime: WasmRuntime | null = null;
  private module: Module | null = null;
  private tiers = new Uint8Array(0);
  private calls = new Float64Array(0);
  private loopIterations = new Float64Array(0);
  private failed = new Uint8Array(0);
  /** Budgets last granted to each function's entry and loop counters (events until the next safepoint). */
  private grantedEntry = new Float64Array(0);
  private grantedLoop = new Float64Array(0);
  /** Bumped each time a function's code is replaced. */
  private generation = new Uint32Array(0);
  private readonly stats = new Statistics();
  private deadline = Number.POSITIVE_INFINITY;
  /** Guest calls in progress (host functions may call back into the guest). */
  private callDepth = 0;
  /**
   * Non-zero asks running guest code to stop (`interrupt()`); shared memory, so that another
   * thread can set it with `Atomics.store` while this one runs guest code. Null unless
   * `TieredConfig.interruptible`.
   */
  readonly interruptSignal: Int32Array | null = null;
  private closed = false;
  private readonly log: (line: string) => void;
  private pool: WorkerPool | null = null;
  /** Compiles go to a worker pool (background optimization, no pinned tier): see `startPool`. */
  private poolWanted = false;
  private binaryen: Binaryen | null = null;
  private readonly trace: TraceRecorder | null;
  private idleTimer: ReturnType<typeof setInterval> | null = null;
  /** 1 while a function has a job queued or running (it is not queued again). */
  private pending = new Uint8Array(0);
  /** When each function's tier-up was decided (performance.now()), for latency statistics. */
  private decidedAt = new Float64Array(0);
  private nextJobId = 1;
  /** OSR entries by (function, loop header): dispatch slot, -1 compiling, -2 failed. */
  private readonly osrSites = new Map<number, number>();
  /** The tier each function's code was at before its last install (a deopt goes back there). */
  private previousTier = new Uint8Array(0);
  /** Speculation's tables and policy (made with the module). */
  private speculation: SpeculationBook | null = null;
  /** Interim Tier 2 code installed (see compileInterim), and whether Binaryen's has arrived yet. */
  private interim = new Uint8Array(0);
  private interimCompiles = 0;
  private tier1HereCompiles = 0;
  private tier2Arrived = false;
  /** Functions with an OSR entry compiling: one at a time, whichever of its loops asked first. */
  private readonly osrCompiling = new Set<number>();
  /** The module's packed declarations, made once for all its compile jobs. */
  private packedDeclarations: WireUnit["declarations"] | null = null;

  private constructor(config: TieredConfig, options: BackendOptions) {
    this.config = config;
    this.options = options;
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.trace = config.trace ? new TraceRecorder() : null;
    if (config.pinnedTier !== null && config.pinnedTier > MAX_BUILT_TIER) {
      throw new Error(`Tier ${config.pinnedTier} is not built yet in this version`);
    }
    if (config.pinnedTier === 2 && (config.timeoutMs !== null || config.interruptible)) {
      throw new Error(
        "a timeout or an interrupt needs safepoints, and Tier 2 code has none: pin Tier 0 or 1, or run tiered",
      );
    }
    if (config.interruptible) this.interruptSignal = new Int32Array(new SharedArrayBuffer(4));
    const parallelism = config.effectiveParallelism();
    if (config.verbosity >= 1 && parallelism < config.maxParallelOptimizations) {
      this.log(
        `tierjit: maxParallelOptimizations ${config.maxParallelOptimizations} capped at ${parallelism} (one less than the cores)`,
      );
    }
  }

  static async create(
    config: TieredConfig = TieredConfig.default(),
    options: BackendOptions = {},
  ): Promise<TieredBackend> {
    const backend = new TieredBackend(config, options);
    applyV8Tuning();
    // Tier 2 compiles on this thread when there are no workers, or ahead of time
    const tier2Here =
      config.pinnedTier === 2 || (!config.enableBackgroundOptimization && config.pinnedTier === null);
    if (tier2Here && backend.maxTier === 2) backend.binaryen = await loadBinaryen();
    backend.poolWanted = config.enableBackgroundOptimization && config.pinnedTier === null;
    if (backend.poolWanted) {
      // after the current task: an embedder that compiles its module at once starts the
      // pool at the end of compileModule; one that compiles later gets warm workers by then
      const timer = setTimeout(() => backend.startPool(), 0);
      timer.unref();
    }
    return backend;
  }

  /**
   * Starts the worker pool (once): after the task that created the backend, or at the end
   * of a `compileModule` in that task, whichever comes first (or at `workersReady`, if that
   * comes earlier). No tier-up is decided before `compileModule` ends (see `consider`), so
   * the workers load the compiler (and Binaryen, ~0.5 s of CPU) before any function can be
   * hot, but not during a Tier 0 compile that follows `create` at once: on a 2-core machine
   * a worker loading Binaryen then takes the core that V8's own background threads (its
   * optimizing compiler, the collector's helpers) need, which slowed the 1 000-function
   * start-up program by 40-80 ms (docs/benchmarks.md).
   */
  private startPool(): void {
    if (!this.poolWanted || this.pool !== null || this.closed) return;
    const config = this.config;
    this.pool = new WorkerPool(
      config.effectiveParallelism(),
      config.compileJobTimeoutMs,
      this.maxTier === 2,
      {
        result: (result, job, track) => this.finishJob(result, job, track),
        lost: (job, reason) => this.jobLost(job, reason),
      },
    );
    this.idleTimer = setInterval(() => this.pool?.poll(), config.optimizationCheckIntervalMs);
    this.idleTimer.unref();
  }

  /**
   * Settles when a compile worker is ready to take jobs at once (at once without workers).
   * Until then Tier 1 decisions compile on this thread; an embedder that wants every job in
   * the background can wait for this before its first call. Starts the workers if
   * `compileModule` has not yet.
   */
  async workersReady(): Promise<void> {
    this.startPool();
    if (this.pool === null) return;
    // the workers and their ports do not keep the process alive; the wait must
    const keepAlive = setInterval(() => {}, 1000);
    try {
      await this.pool.firstReady;
    } finally {
      clearInterval(keepAlive);
    }
  }

  /** Whether running code must poll (a deadline or interrupts), even once it has settled. */
  private get polled(): boolean {
    return this.config.timeoutMs !== null || this.config.interruptible;
  }

  /** Tier 2 code has no safepoints, so when code must poll, tiering stops at Tier 1. */
  private get maxTier(): TierNumber {
    return this.config.pinnedTier ?? (this.polled ? 1 : MAX_BUILT_TIER);
  }

  /**
   * Asks the running guest code to stop: it traps `interrupted` at its next safepoint (within
   * 10 000 loop iterations or calls). Meant for host functions the guest calls; from
   * another thread, store a non-zero value into `interruptSignal` with `Atomics.store`
   * instead. A request made while no guest code runs is dropped when the next call starts.
   * Needs `TieredConfig.interruptible`.
   */
  interrupt(): void {
    this.checkOpen();
    if (this.interruptSignal === null) {
      throw new Error("interrupt() needs TieredConfig.interruptible = true (code keeps its safepoints)");
    }
    Atomics.store(this.interruptSignal, 0, 1);
  }

  /**
   * Verifies `module` and compiles every function at the starting tier; runs its start
   * function. `options.verified`: the caller has just run `verify(module, true)` without
   * errors and changed nothing since, so the second verification is skipped.
   *
   * Tier 0 verifies each function just before compiling it, and lets go of a lazily
   * parsed body (`parseModuleLazily`) just after: such a body is read once at start-up
   * and dies young, and is read again only if the function tiers up. A module with errors
   * throws the `VerifierFailure` that `verifyOrThrow` would, and nothing of it runs.
   */
  compileModule(module: Module, options: { verified?: boolean } = {}): void {
    this.checkOpen();
    if (this.module !== null) throw new Error("this backend already holds a module; create another backend");
    const count = module.functions.length;
    const startTier = this.config.pinnedTier ?? 0;
    // pinned Tier 1 runs IR passes over the whole module first: it is verified first
    const stepwise = options.verified === true || startTier === 1 ? null : new StepwiseVerifier(module, true);
    if (options.verified !== true && stepwise === null) verifyOrThrow(module);
    if (stepwise !== null) {
      const errors = stepwise.moduleErrors();
      if (errors.length > 0) throwVerifierFailure(stepwise, errors, 0, count);
    }
    this.tiers = new Uint8Array(count).fill(startTier);
    this.calls = new Float64Array(count);
    this.loopIterations = new Float64Array(count);
    this.failed = new Uint8Array(count);
    this.grantedEntry = new Float64Array(count).fill(this.config.profile.sampleRate);
    this.grantedLoop = new Float64Array(count).fill(this.config.profile.sampleRate);
    this.generation = new Uint32Array(count);
    this.pending = new Uint8Array(count);
    this.decidedAt = new Float64Array(count);
    this.previousTier = new Uint8Array(count);
    this.speculation = new SpeculationBook(
      count,
      this.config,
      this.speculating,
      leafHostImports(module, this.options.imports),
    );
    this.interim = new Uint8Array(count);
    this.deadline =
      this.config.timeoutMs === null ? Number.POSITIVE_INFINITY : performance.now() + this.config.timeoutMs;
    const started = performance.now();
    let runtime: WasmRuntime | null = null;
    const imports = withStandardHost(
      this.options.output ?? processOutput,
      () => runtime?.memoryBytes() ?? new Uint8Array(0),
      this.options.imports,
    );
    this.module = module;
    // pinned Tier 1: the whole module through Tier 1's passes, then one base module
    const pinnedT1 = startTier === 1;
    const hint = PIPELINES[1].compilationHint;
    try {
      runtime = WasmRuntime.instantiate(pinnedT1 ? optimizedCopy(module, STANDARD_PASSES) : module, {
        imports,
        safepoint: (funcId, kind) => this.safepoint(funcId, kind),
        baseInstrument: this.instrumentFor(startTier),
        osr: this.osrEnabled,
        initialBudget: this.config.profile.sampleRate,
        ...(pinnedT1 && hint !== null ? { baseCompilationHint: hint } : {}),
        ...(stepwise === null
          ? {}
          : {
              baseBeforeFunction: (id: FuncId) => {
                const errors = stepwise.functionErrors(id);
                if (errors.length > 0) throwVerifierFailure(stepwise, errors, id + 1, count);
              },
            }),
        baseAfterFunction: (id: FuncId) => releaseBody(module.functions[id]!),
        ...(this.config.memoryLimitBytes === null
          ? {}
          : { maxMemoryPages: Math.floor(this.config.memoryLimitBytes / PAGE_SIZE) }),
      });
    } catch (error) {
      this.module = null;
      throw error;
    }
    this.runtime = runtime;
    this.trace?.slice(
      `compile module T${startTier}`,
      "compile",
      MAIN_TRACK,
      performance.timeOrigin + started,
      performance.now() - started,
      {
        functions: count,
      },
    );
    this.traceTierCounts();
    this.startPool();
    runtime.onReplace = (funcId) => this.settleInFlight(funcId);
    // the base module is the baseline code generator's work, whatever the starting tier
    const baseTier = startTier === 2 ? 0 : startTier;
    const compile = this.stats.compiles[baseTier]!;
    compile.functions += count;
    compile.jobs += 1;
    compile.timeMs += performance.now() - started;
    if (startTier === 2) {
      // ahead of time at the top tier: every function compiled by Tier 2 before anything runs
      this.tiers.fill(0);
      for (let id = 0; id < count; id++) this.compileAt(id, 2);
    }
  }

  /** What profiling code a tier's code carries in this configuration. */
  private instrumentFor(tier: TierNumber): Instrument {
    // with a deadline or interrupts every tier keeps its loop safepoints (and Tier 2 is not used)
    if (this.polled) return Instrument.EntryAndLoops;
    const instrument = PIPELINES[tier].instrument;
    // OSR exits only where there is something to enter (pinned tiers, --no-osr: none)
    if (instrument === Instrument.EntryAndOsrPoints && !this.osrEnabled) return Instrument.Entry;
    return instrument;
  }

  private checkOpen(): void {
    if (this.closed) throw new Error("the backend has been shut down");
  }

  private requireModule(): { module: Module; runtime: WasmRuntime } {
    this.checkOpen();
    if (this.module === null || this.runtime === null)
      throw new Error("no module compiled yet: call compileModule first");
    return { module: this.module, runtime: this.runtime };
  }

  private functionId(name: string): number {
    const { module } = this.requireModule();
    const id = findFunction(module, name);
    if (id < 0) throw new Error(`no function named '${name}'`);
    return id;
  }

  /** A JS callable for the named function: numbers for i32/f32/f64, bigints for i64. */
  getFunction(name: string): (...args: unknown[]) => Scalar | undefined {
    const id = this.functionId(name);
    return (...args: unknown[]) => {
      const { runtime } = this.requireModule();
      if (this.callDepth === 0 && this.interruptSignal !== null) Atomics.store(this.interruptSignal, 0, 0);
      this.callDepth++;
      try {
        return runtime.call(id, args);
      } finally {
        this.callDepth--;
      }
    };
  }

  getFunctionTier(id: number): TierNumber {
    this.requireModule();
    const tier = this.tiers[id];
    if (tier === undefined) throw new Error(`no function #${id}`);
    return tier as TierNumber;
  }

  /** Host-side counting, as in the seed: one call of function `id`, which may tier it up. */
  recordCall(id: number): void {
    const { module } = this.requireModule();
    if (module.functions[id] === undefined) throw new Error(`no function #${id}`);
    this.calls[id]! += 1;
    this.stats.totalCalls += 1;
    this.consider(id);
  }

  /**
   * Called by generated code when a budget runs out; returns the next budget. A budget of
   * n stands for n events (calls or loop iterations): one in `sampleRate` reaches the
   * runtime and is counted as `sampleRate`.
   */
  private safepoint(funcId: number, kind: number): number {
    this.stats.safepoints++;
    // a clock read only when there is a deadline: safepoints are frequent in Tier 0 code
    if (this.deadline !== Number.POSITIVE_INFINITY && performance.now() > this.deadline) {
      throw new TrapError(TrapKind.Timeout, []);
    }
    if (this.interruptSignal !== null && Atomics.exchange(this.interruptSignal, 0, 0) !== 0) {
      throw new TrapError(TrapKind.Interrupted, []);
    }
    const guard = deoptGuardOf(kind);
    if (guard >= 0) return this.deopt(funcId, guard);
    const entry = kind === SafepointKind.Entry;
    const granted = entry ? this.grantedEntry : this.grantedLoop;
    // the whole granted budget has been used: report it, so nothing is left in flight
    if (entry) {
      // entry safepoints of a Tier 1 function come from its Tier 1 code (Tier 0 frames
      // still running report back-edges only): its branch profile has seen calls
      if (this.tiers[funcId] === 1) this.speculation?.countProfiledCalls(funcId, granted[funcId]!);
      this.calls[funcId]! += granted[funcId]!;
      this.stats.totalCalls += granted[funcId]!;
    } else {
      // a negative grant is a hand-over's slot (below), which the next frame to reach a
      // back-edge found in the budget: one iteration, not a negative count (hotness went
      // negative, and a function whose calls all left by OSR never reached Tier 2)
      const used = granted[funcId]!;
      this.loopIterations[funcId]! += used < 0 ? 1 : used;
    }
    granted[funcId] = 0;
    const generation = this.generation[funcId];
    if (this.pool?.busy === true) this.pool.poll();
    this.consider(funcId);
    const settled = this.tiers[funcId]! >= this.maxTier || this.failed[funcId] === 1;
    // code that will not tier up again reaches the runtime rarely (for deadlines only)
    let next = this.config.profile.sampleRate;
    // a Tier 0 frame looping in a function that waits at Tier 1 for its profile (see
    // consider) has nothing left to decide but OSR, which keeps its own pace below
    const waiting = !entry && this.tiers[funcId] === 1 && this.awaitsProfile(funcId);
    if (settled || waiting) next = this.polled ? DEADLINE_BUDGET : SETTLED_BUDGET;
    // while its job compiles there is nothing to decide for this function: check back less often
    else if (this.pending[funcId] === 1) next = Math.max(next, PENDING_BUDGET);
    // Tier 1 code profiling for Tier 2 reports every call until its profile is taken
    else if (entry && this.tiers[funcId] === 1 && this.awaitsProfile(funcId)) next = 1;
    const osrBackEdge = (kind & 1) === SafepointKind.BackEdge && this.osrEnabled;
    // while its Tier 1 code profiles, a function's frames keep running their loops there:
    // handed over at the first back-edge, the loop bodies never ran in Tier 1 code, whose
    // call-target records stayed empty (monomorphic-site's run got no guard: 2.6x slower).
    // A Tier 1 code never called yet is not profiling: a Tier 0 frame in one long call
    // (long-loop's main) hands over as before
    const profiling = this.tiers[funcId] === 1 && this.speculation?.profiling(funcId, this.runtime) === true;
    if (osrBackEdge && !profiling) {
      const header = osrHeaderOf(kind);
      if (header >= 0) {
        const slot = this.osrSlot(funcId, header);
        if (slot >= 0) {
          // the frame tail-calls the entry function, leaving ~slot in its loop budget; the
          // loop iterations the entry runs are not counted, so the hand-over stands for a
          // budget's worth (the function stays as hot as a frame that kept looping here)
          this.stats.osrEntries++;
          this.loopIterations[funcId]! += this.config.profile.sampleRate;
          if (this.generation[funcId] === generation) granted[funcId] = ~slot;
          this.trace?.instant(
            `OSR ${this.module?.functions[funcId]?.name ?? funcId} block${header}`,
            "osr",
            {},
          );
          return ~slot;
        }
      }
    }
    // a frame still running baseline code may reach a loop it can leave by OSR (or be in
    // one whose entry is compiling): loop safepoints stay frequent, settled or not
    if (osrBackEdge) next = Math.min(next, PENDING_BUDGET);
    // if the code was replaced here, the returned budget lands in the old code's counter,
    // and the new code's counters start from their own initial budget
    if (this.generation[funcId] === generation) granted[funcId] = next;
    return next;
  }

  /** Counts the events the old code's budgets had not reported yet, before the code is replaced. */
  private settleInFlight(funcId: number): void {
    const { calls, loops } = this.inFlight(funcId);
    this.calls[funcId]! += calls;
    this.stats.totalCalls += calls;
    this.loopIterations[funcId]! += loops;
    this.grantedEntry[funcId] = this.config.profile.sampleRate;
    this.grantedLoop[funcId] = this.config.profile.sampleRate;
    this.generation[funcId]!++;
  }

  /** Events counted down in budgets but not yet reported at a safepoint (for statistics). */
  private inFlight(funcId: number): { calls: number; loops: number } {
    const budgets = this.runtime?.budgetValues(funcId);
    if (budgets === undefined) return { calls: 0, loops: 0 };
    return {
      calls: Math.max(0, this.grantedEntry[funcId]! - budgets.entry),
      loops: Math.max(0, this.grantedLoop[funcId]! - budgets.loop),
    };
  }

  /** Hotness counts calls and loop iterations alike (as V8's interrupt budget does). */
  private hotness(id: number): number {
    return this.calls[id]! + this.loopIterations[id]!;
  }

  private consider(id: number): void {
    // the module's start function runs while the module is being instantiated: there is
    // no runtime to install code into yet, so its calls are only counted
    if (this.failed[id] === 1 || this.runtime === null) return;
    const profile = this.config.profile;
    const hotness = this.hotness(id);
    let target: TierNumber = hotness >= profile.hotThreshold ? 2 : hotness >= profile.warmThreshold ? 1 : 0;
    if (target > this.maxTier) target = this.maxTier;
    // Tier 2 speculates from Tier 1's branch profile: wait until Tier 1 code has run (a
    // Tier 0 frame still in a hot loop asks for Tier 2 right after Tier 1 is installed)
    if (target === 2 && this.tiers[id] === 1 && this.awaitsProfile(id)) return;
    if (target <= this.tiers[id]! || this.pending[id] === 1) return;
    this.decidedAt[id] = performance.now();
    if (this.pool !== null && !(target === 1 && this.compilesTier1Here())) {
      this.submit(id, target as TierNumber, hotness);
    } else {
      this.compileAt(id, target as TierNumber);
    }
  }

  /**
   * Whether a Tier 1 decision compiles on this thread: while no worker is ready yet (a
   * worker takes ~0.1 s to start, and the one that preloads Binaryen ~0.5 s more), for at
   * most COLD_POOL_TIER1_LIMIT functions. Tier 1 compiles one function in a few ms here;
   * waiting for the pool left fib's first Tier 1 code 95 ms behind its decision.
   */
  private compilesTier1Here(): boolean {
    const pool = this.pool;
    if (pool === null || this.tier1HereCompiles >= COLD_POOL_TIER1_LIMIT || this.config.fault !== null) {
      return false;
    }
    if (!pool.ready) pool.poll();
    if (pool.ready) return false;
    this.tier1HereCompiles++;
    return true;
  }

  /** Queues a background compile of function `id` at `tier`. */
  private submit(id: number, tier: TierNumber, priority: number): void {
    const { module } = this.requireModule();
    if (this.config.verbosity >= 1) {
      this.log(
        `tierjit: ${module.functions[id]!.name}: T${this.tiers[id]} -> T${tier} queued (${priority} calls and loop iterations)`,
      );
    }
    if (tier === 2 && this.interimAllowed()) this.compileInterim(id);
    this.pending[id] = 1;
    this.pool!.submit(this.job(id, tier), jobPriority(tier, priority));
  }

  /**
   * Whether a Tier 2 decision gets interim code now: until the first Binaryen-compiled Tier 2
   * job comes back from the pool (its workers load Binaryen for ~0.5 s at start-up), for at
   * most INTERIM_LIMIT functions, and not while compile jobs are made to fail on purpose.
   */
  private interimAllowed(): boolean {
    return !this.tier2Arrived && this.interimCompiles < INTERIM_LIMIT && this.config.fault === null;
  }

  /**
   * Compiles function `id` with Tier 2's passes and the baseline code generator, here and now
   * (no Binaryen; ~10 ms for fib, V8's eager TurboFan compile included), and installs it as
   * Tier 2 code; the Binaryen job queued next replaces it. It speculates on call targets
   * (their guards need no deopt exits) but not on branches. Measured on fib(32), production
   * profile: Tier 2 code from ~130 ms instead of ~580 ms after start.
   */
  private compileInterim(id: number): void {
    const { runtime } = this.requireModule();
    this.interimCompiles++;
    // no counters: measured, an entry counter made fib's interim code 6.9 -> 11.7 ms per
    // call and loop counters spectralnorm's 8.6 -> 22.7 ms (tiered runs in interim code for
    // its first ~0.5-1 s)
    const result = this.compileHere({ ...this.job(id, 2), interim: true });
    if ("reason" in result) {
      // the Binaryen job still comes; a failure is counted if that one fails too
      this.log(`tierjit: interim Tier 2 of ${this.module?.functions[id]?.name} failed: ${result.reason}`);
      return;
    }
    const installStarted = performance.now();
    runtime.install(result.compiled);
    this.recordInstall(id, 2, result.compileMs, performance.now() - installStarted, [], true);
    this.interim[id] = 1;
  }

  /** Runs `job` on this thread (traced on the main track): its code and compile time, or why it failed. */
  private compileHere(job: CompileJob): { compiled: CompiledModule; compileMs: number } | { reason: string } {
    const startedAt = absoluteNow();
    const started = performance.now();
    let compiled: CompiledModule;
    try {
      compiled = runCompileJob(job, false, this.binaryen).compiled;
    } catch (error) {
      return { reason: error instanceof Error ? error.message : String(error) };
    }
    const compileMs = performance.now() - started;
    this.traceCompile(job.funcId, job.tier, MAIN_TRACK, startedAt, compileMs);
    return { compiled, compileMs };
  }

  /** A background job finished: install its code, or count its failure. */
  private finishJob(result: JobResult, job: CompileJob, track: number): void {
    if (this.closed || this.runtime === null) return;
    if (!result.ok) {
      this.jobLost(job, result.message);
      return;
    }
    // Binaryen is loaded: no more interim code
    if (job.tier === 2) this.tier2Arrived = true;
    if (job.osrHeader !== undefined) {
      this.installOsr(job, result.compiled, result.wasm ?? undefined);
      this.traceCompile(job.funcId, job.tier, track, result.startedAt, result.compileMs);
      return;
    }
    this.pending[job.funcId] = 0;
    const started = performance.now();
    try {
      this.runtime.install(result.compiled, result.wasm ?? undefined);
    } catch (error) {
      this.failJob(
        job.funcId,
        job.tier,
        `install failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      return;
    }
    this.traceCompile(job.funcId, job.tier, track, result.startedAt, result.compileMs);
    this.recordInstall(
      job.funcId,
      job.tier as TierNumber,
      result.compileMs,
      performance.now() - started,
      result.compiled.guards,
    );
  }

  /** A job failed or its worker was lost. */
  private jobLost(job: CompileJob, reason: string): void {
    if (job.osrHeader === undefined) {
      this.failJob(job.funcId, job.tier, reason);
      return;
    }
    // the loop keeps running where it is; the function may still tier up as a whole
    this.osrSites.set(osrKey(job.funcId, job.osrHeader), -2);
    this.osrCompiling.delete(job.funcId);
    const name = this.module?.functions[job.funcId]?.name ?? `#${job.funcId}`;
    if (reason.startsWith(NO_OSR_ENTRY)) {
      // not a failure: a header that cannot be entered (its frames stay where they are)
      if (this.config.verbosity >= 2)
        this.log(`tierjit: ${name}: no OSR entry possible at block${job.osrHeader}`);
      return;
    }
    this.stats.failures++;
    this.log(`tierjit: compiling the OSR entry of ${name} at block${job.osrHeader} failed: ${reason}`);
  }

  /** Whether function `id` waits at Tier 1 for its Tier 1 code to run (to have a profile). */
  private awaitsProfile(id: number): boolean {
    return this.speculation?.awaitsProfile(id, this.runtime) === true;
  }

  /** Whether Tier 1 counts branch edges and Tier 2 speculates, in this configuration. */
  private get speculating(): boolean {
    return this.config.speculation && this.config.pinnedTier === null && this.maxTier === 2;
  }

  /**
   * A guard on an edge of function `funcId` failed, in its own Tier 2 code or in a caller's
   * that inlined it (the frame goes on in the resume functions). Counted by reason; the edge
   * is never speculated on again; every installed code holding that guard goes back to its
   * previous tier's code, to be recompiled at Tier 2 without it while it stays hot — as V8
   * and HotSpot drop code whose assumptions failed. After `deoptLimit` deopts of its guards
   * the function is no longer speculated on.
   */
  private deopt(funcId: number, guard: number): number {
    const name = this.module?.functions[funcId]?.name ?? `#${funcId}`;
    const global = guard >= GLOBAL_GUARD_BASE ? guard - GLOBAL_GUARD_BASE : -1;
    const reason = this.config.stressSeed !== null ? "stress" : global >= 0 ? "value" : "branch";
    this.stats.deopts++;
    this.stats.deoptReasons[reason] = (this.stats.deoptReasons[reason] ?? 0) + 1;
    const book = this.speculation;
    if (book === null) return 0;
    const { holders, entries, limitReached } = book.deopt(funcId, guard);
    const where = global >= 0 ? `global $${this.module?.globals[global]?.name ?? global}` : `edge ${guard}`;
    this.trace?.instant(`deopt ${name} ${where}`, "deopt", { function: name, guard, reason });
    if (this.config.verbosity >= 1) this.log(`tierjit: ${name}: deopt at ${where} (${reason})`);
    // every installed code with that guard (the function's own, and its callers' that
    // inlined it) is dropped
    for (const holder of holders) {
      if (this.runtime?.revert(holder, this.config.profile.sampleRate) !== true) continue;
      this.stats.invalidations++;
      book.dropped(holder);
      this.tiers[holder] = this.previousTier[holder]!;
      this.traceTierCounts();
      if (this.config.verbosity >= 1) {
        const holderName = this.module?.functions[holder]?.name ?? `#${holder}`;
        this.log(`tierjit: ${holderName}: speculative code dropped, back to T${this.tiers[holder]}`);
      }
    }
    // an OSR entry holding it is forgotten: the loop's next hand-over asks for a new one
    for (const key of entries) {
      this.osrSites.delete(key);
      this.stats.invalidations++;
      if (this.config.verbosity >= 1) {
        const { funcId: holder, header } = osrKeyParts(key);
        const holderName = this.module?.functions[holder]?.name ?? `#${holder}`;
        this.log(`tierjit: ${holderName}: speculative OSR entry at block${header} dropped`);
      }
    }
    if (this.config.verbosity >= 1 && limitReached) {
      this.log(`tierjit: ${name}: deopt limit (${this.config.deoptLimit}) reached, no more speculation`);
    }
    return 0;
  }

  /** `f:3` for an edge guard of f, `f:$g` for a value guard on global g. */
  private guardName(guard: Guard): string {
    const module = this.module;
    const owner = module?.functions[guard.func]?.name ?? `#${guard.func}`;
    if (guard.edge < GLOBAL_GUARD_BASE) return `${owner}:${guard.edge}`;
    const global = guard.edge - GLOBAL_GUARD_BASE;
    return `${owner}:$${module?.globals[global]?.name ?? global}`;
  }

  /** Whether running Tier 0 frames hand over to OSR entry functions in this configuration. */
  private get osrEnabled(): boolean {
    return this.config.osr && this.config.pinnedTier === null && this.maxTier === 2;
  }

  /**
   * The dispatch slot of the OSR entry for (function, loop header), or -1 while there is
   * none. A hot loop's first request compiles it (in the background, or here and now).
   */
  private osrSlot(funcId: number, header: number): number {
    const key = osrKey(funcId, header);
    const site = this.osrSites.get(key);
    if (site !== undefined) return site;
    // the start function runs while the module is instantiated: no runtime to install into
    if (this.runtime === null) return -1;
    if (this.hotness(funcId) < this.config.profile.hotThreshold) return -1;
    // the nested loops of one frame ask for entries of their own; compile one at a time
    if (this.osrCompiling.has(funcId)) return -1;
    this.osrSites.set(key, -1);
    const job = { ...this.job(funcId, 2), osrHeader: header };
    if (this.pool !== null) {
      // until Binaryen has loaded (~0.5 s), an interim entry compiled here now, as for
      // interim Tier 2 code: a frame in a long loop of Tier 1 code ran there for 0.6 s
      // waiting for Binaryen's entry (warm-then-long, by process)
      if (this.interimAllowed()) {
        this.interimCompiles++;
        const slot = this.compileOsrHere({ ...job, interim: true }, false);
        if (slot >= 0 || this.osrSites.get(key) === -2) return slot;
      }
      this.osrCompiling.add(funcId);
      this.pool.submit(job, jobPriority(2, this.hotness(funcId)));
      return -1;
    }
    if (this.config.fault !== null) {
      this.jobLost(job, `injected ${this.config.fault} (a synchronous compile fails instead)`);
      return -1;
    }
    return this.compileOsrHere(job, true);
  }

  /**
   * Compiles and installs an OSR entry on this thread; its slot, or -1 when the compile
   * failed (counted as a lost job when `final`; an interim entry's failure is only logged,
   * and the Binaryen job still comes).
   */
  private compileOsrHere(job: CompileJob, final: boolean): number {
    const result = this.compileHere(job);
    if ("reason" in result) {
      // Binaryen's job would build the same entry function: no second try without one
      if (final || result.reason.startsWith(NO_OSR_ENTRY)) this.jobLost(job, result.reason);
      else
        this.log(
          `tierjit: interim OSR entry of ${this.module?.functions[job.funcId]?.name} failed: ${result.reason}`,
        );
      return -1;
    }
    return this.installOsr(job, result.compiled);
  }

  private installOsr(job: CompileJob, compiled: CompiledModule, wasm?: WebAssembly.Module): number {
    const slot = this.runtime!.installOsr(compiled, wasm);
    const key = osrKey(job.funcId, job.osrHeader!);
    this.osrSites.set(key, slot);
    this.speculation?.entryInstalled(key, compiled.guards ?? []);
    this.osrCompiling.delete(job.funcId);
    this.stats.osrCompiles++;
    if (this.config.verbosity >= 1) {
      const name = this.module?.functions[job.funcId]?.name ?? `#${job.funcId}`;
      const guards = compiled.guards ?? [];
      const held = guards.length > 0 ? ` (guards on ${guards.map((g) => this.guardName(g)).join(", ")})` : "";
      this.log(`tierjit: ${name}: OSR entry at block${job.osrHeader} installed${held}`);
    }
    return slot;
  }

  /** A compile failed: the function stays at its tier, the failure is counted, and it is not retried. */
  private failJob(id: number, tier: number, reason: string): void {
    this.pending[id] = 0;
    this.failed[id] = 1;
    this.stats.failures++;
    const name = this.module?.functions[id]?.name ?? `#${id}`;
    this.log(`tierjit: compiling ${name} at T${tier} failed: ${reason}`);
  }

  /** Compiles function `id` at `tier` and installs it (synchronously, in this build). */
  private compileAt(id: number, tier: TierNumber): void {
    const { module, runtime } = this.requireModule();
    if (this.config.verbosity >= 1) {
      this.log(
        `tierjit: ${module.functions[id]!.name}: T${this.tiers[id]} -> T${tier} (${this.hotness(id)} calls and loop iterations)`,
      );
    }
    if (this.config.fault === "worker-crash" || this.config.fault === "compile-hang") {
      // there is no worker to crash or hang when compiling on this thread
      this.failJob(id, tier, `injected ${this.config.fault} (a synchronous compile fails instead)`);
      return;
    }
    const result = this.compileHere(this.job(id, tier));
    if ("reason" in result) {
      this.failJob(id, tier, result.reason);
      return;
    }
    const installStarted = performance.now();
    runtime.install(result.compiled);
    this.recordInstall(
      id,
      tier,
      result.compileMs,
      performance.now() - installStarted,
      result.compiled.guards,
    );
  }

  private declarations(): WireUnit["declarations"] {
    const { module } = this.requireModule();
    this.packedDeclarations ??= packDeclarations(module);
    return this.packedDeclarations;
  }

  /** The compile job for function `id` at `tier` (pure: everything it needs is in it). */
  private job(id: number, tier: TierNumber): CompileJob {
    const { module } = this.requireModule();
    const speculation = tier === 2 ? this.speculation?.speculationFor(id, this.runtime) : undefined;
    const calleeSpeculation =
      tier === 2 ? this.speculation?.calleeSpeculationFor(id, module, this.runtime) : undefined;
    // with the bodies of the callees its passes may inline (but those still profiling their
    // call targets), and of the call targets it may guard
    const bodies = new Set(
      inlineCandidates(module, module.functions[id]!).filter(
        (callee) => tier !== 2 || this.speculation?.targetsPending(callee, module, this.runtime) !== true,
      ),
    );
    for (const guarded of [
      speculation?.speculation,
      ...(calleeSpeculation?.calleeSpeculation ?? []).map((c) => c.speculation),
    ]) {
      if (guarded !== undefined) for (const target of speculatedTargets(module, guarded)) bodies.add(target);
    }
    bodies.delete(id);
    return {
      jobId: this.nextJobId++,
      unit: toWire(module, [id, ...bodies], this.declarations()),
      funcId: id,
      tier,
      instrument: this.instrumentFor(tier),
      // Tier 1 code that profiles for Tier 2 reports its first call at once (speculation.ts)
      initialBudget: tier === 1 && this.speculating ? 1 : this.config.profile.sampleRate,
      moduleName: freshModuleName("tj"),
      fault: this.config.fault,
      ...(hostSupportsSimd() ? {} : { noSimd: true }),
      ...(tier === 1 && this.speculating ? { collectProfile: true } : {}),
      ...speculation,
      ...calleeSpeculation,
    };
  }

  private traceCompile(id: number, tier: number, track: number, startedAt: number, compileMs: number): void {
    const name = this.module?.functions[id]?.name ?? `#${id}`;
    this.trace?.slice(`compile ${name} T${tier}`, "compile", track, startedAt, compileMs, {
      function: name,
      tier,
    });
  }

  private recordInstall(
    id: number,
    tier: TierNumber,
    compileMs: number,
    installMs: number,
    guards: readonly Guard[] = [],
    interim = false,
  ): void {
    const compile = this.stats.compiles[tier]!;
    compile.functions += 1;
    compile.jobs += 1;
    compile.timeMs += compileMs;
    this.stats.installs++;
    // ahead-of-time compiles were not decided at a safepoint: no tier-up latency
    // (and Binaryen's code replacing interim code at the same tier is not a tier-up)
    const from = this.tiers[id]!;
    if (this.decidedAt[id]! > 0 && from < tier)
      this.stats.tierUpLatencies.push(performance.now() - this.decidedAt[id]!);
    // interim code that a later install replaces counts as below Tier 2: if the new code is
    // dropped after a deopt, the function is recompiled at Tier 2
    this.previousTier[id] = this.interim[id] === 1 ? 1 : from;
    this.interim[id] = 0;
    this.tiers[id] = tier;
    this.speculation?.codeInstalled(id, guards);
    if (this.trace !== null) {
      const name = this.module?.functions[id]?.name ?? `#${id}`;
      this.trace.instant(`install ${name} T${tier}`, "install", {
        function: name,
        from: `T${from}`,
        to: `T${tier}`,
      });
      this.traceTierCounts();
    }
    if (this.config.verbosity >= 2) {
      const name = this.module?.functions[id]?.name ?? `#${id}`;
      this.log(
        `tierjit: ${name}: T${tier}${interim ? " (interim)" : ""} installed (compiled in ${compileMs.toFixed(2)} ms, installed in ${installMs.toFixed(2)} ms${guards.length > 0 ? `, guards on ${guards.map((g) => this.guardName(g)).join(", ")}` : ""})`,
      );
    }
  }

  getStatistics(): Statistics {
    const stats = this.stats;
    const snapshot = Object.assign(new Statistics(), stats, {
      tierCounts: [0, 0, 0] as [number, number, number],
      compiles: stats.compiles.map((c) => ({ ...c })) as Statistics["compiles"],
      tierUpLatencies: [...stats.tierUpLatencies],
      deoptReasons: { ...stats.deoptReasons },
    });
    const profile = this.config.profile;
    snapshot.functions = this.tiers.length;
    snapshot.queueWaiting = this.pool?.waiting ?? 0;
    snapshot.queueOptimizing = this.pool?.running ?? 0;
    snapshot.workers = this.pool?.size ?? 0;
    snapshot.workersStarted = this.pool?.workersStarted ?? 0;
    snapshot.hot = 0;
    snapshot.warm = 0;
    snapshot.cold = 0;
    for (let id = 0; id < this.tiers.length; id++) {
      snapshot.tierCounts[this.tiers[id]!]!++;
      const pending = this.inFlight(id);
      snapshot.totalCalls += pending.calls;
      const hotness = this.hotness(id) + pending.calls + pending.loops;
      if (hotness >= profile.hotThreshold) snapshot.hot++;
      else if (hotness >= profile.warmThreshold) snapshot.warm++;
      else snapshot.cold++;
    }
    return snapshot;
  }

  private traceTierCounts(): void {
    const counts = [0, 0, 0];
    for (const tier of this.tiers) counts[tier]!++;
    this.trace?.counter("functions per tier", { T0: counts[0]!, T1: counts[1]!, T2: counts[2]! });
  }

  /** The trace recorded so far (Chrome Trace Event format), or null when `config.trace` is off. */
  getTrace(): ReturnType<TraceRecorder["toJSON"]> | null {
    return this.trace?.toJSON() ?? null;
  }

  /** The guest's linear memory (empty before compileModule). */
  memory(): Uint8Array {
    return this.runtime?.memoryBytes() ?? new Uint8Array(0);
  }

  /** Releases the engine; further calls are errors. */
  async shutdown(): Promise<void> {
    this.closed = true;
    this.runtime = null;
    if (this.idleTimer !== null) clearInterval(this.idleTimer);
    this.idleTimer = null;
    const pool = this.pool;
    this.pool = null;
    await pool?.shutdown();
  }
}

/** Throws the failure of a stepwise verification: `errors`, then those of functions from..count-1. */
function throwVerifierFailure(
  verifier: StepwiseVerifier,
  errors: VerifierError[],
  from: number,
  count: number,
): never {
  for (let f = from; f < count; f++) verifier.functionErrors(f, errors);
  throw new VerifierFailure(errors);
}

/** A copy of `module` with every function run through `passes` (callees inlined as they stand). */
function optimizedCopy(module: Module, passes: readonly Pass[]): Module {
  const copy = structuredClone(module);
  for (const fn of copy.functions) runPasses(fn, copy, passes);
  return copy;
}

/** Functions that get interim Tier 2 code at most (a bound on the main thread's compile work). */
const INTERIM_LIMIT = 16;
/** Functions compiled at Tier 1 on this thread at most while the pool starts (a bound on its pauses). */
const COLD_POOL_TIER1_LIMIT = 16;

/** One key per (function, loop header). */
function osrKey(funcId: number, header: number): number {
  return funcId * 2 ** 24 + header;
}

function osrKeyParts(key: number): { funcId: number; header: number } {
  return { funcId: Math.floor(key / 2 ** 24), header: key % 2 ** 24 };
}

/**
 * Queue priority: Tier 1 jobs first (cheap, and the biggest step from Tier 0), then by
 * hotness. Measured on spectralnorm with one worker: ranked by hotness alone, a Tier 1 job
 * waited 700 ms behind Tier 2 and OSR jobs of hotter functions.
 */
function jobPriority(tier: number, hotness: number): number {
  return (tier === 1 ? 2 ** 50 : 0) + hotness;
}
