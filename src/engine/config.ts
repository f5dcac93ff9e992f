/**
 * Engine configuration, with the seed system's presets (architecture.md, "Configuration and
 * API"). Every field is documented in docs/engine.md and honoured by the engine, or
 * rejected where this build lacks the feature.
 */

import { availableParallelism } from "node:os";
import type { FaultKind } from "./jobs.js";

export class ProfileConfig {
  /** Calls after which a function is warm (compiled at Tier 1). */
  warmThreshold: number;
  /** Calls after which a function is hot (compiled at Tier 2, when built; until then Tier 1). */
  hotThreshold: number;
  /**
   * Profiling samples one event in `sampleRate` and scales: generated code enters the
   * runtime once per `sampleRate` calls or loop iterations of a function and counts them
   * all. 1 counts every event.
   */
  sampleRate: number;

  constructor(warmThreshold: number, hotThreshold: number, sampleRate: number) {
    if (!(Number.isInteger(warmThreshold) && warmThreshold >= 1))
      throw new RangeError("warmThreshold must be an integer >= 1");
    if (!(Number.isInteger(hotThreshold) && hotThreshold >= warmThreshold)) {
      throw new RangeError("hotThreshold must be an integer >= warmThreshold");
    }
    if (!(Number.isInteger(sampleRate) && sampleRate >= 1))
      throw new RangeError("sampleRate must be an integer >= 1");
    this.warmThreshold = warmThreshold;
    this.hotThreshold = hotThreshold;
    this.sampleRate = sampleRate;
  }

  static development(): ProfileConfig {
    return new ProfileConfig(10, 100, 1);
  }

  static production(): ProfileConfig {
    return new ProfileConfig(1000, 10000, 10);
  }

  static default(): ProfileConfig {
    return ProfileConfig.production();
  }
}

export type TierNumber = 0 | 1 | 2;

export class TieredConfig {
  /** Compile in background worker threads (false: compile synchronously at the safepoint). */
  enableBackgroundOptimization: boolean;
  /** How often (ms) an idle engine checks for finished compile jobs. */
  optimizationCheckIntervalMs: number;
  /** Compile jobs running at once (capped at one less than the machine's cores). */
  maxParallelOptimizations: number;
  /** 0 quiet, 1 tier decisions, 2 also compiles and installs; on stderr. */
  verbosity: 0 | 1 | 2;
  profile: ProfileConfig;
  /** Pin every function to one tier, no tier changes (the benchmark comparison points). */
  pinnedTier: TierNumber | null = null;
  /** Stop a running program after this many ms (even inside one long loop); null for none. */
  timeoutMs: number | null = null;
  /**
   * Allow `TieredBackend.interrupt()` (and its cross-thread `interruptSignal`): code keeps
   * its loop safepoints and polls at least every few thousand iterations, and tiering stops
   * at Tier 1, as with a timeout (Tier 2 code has no safepoints).
   */
  interruptible = false;
  /** Guest memory limit in bytes; null for the 4 GiB that wasm32 allows. */
  memoryLimitBytes: number | null = null;
  /** A background compile job still running after this long is abandoned (its worker replaced). */
  compileJobTimeoutMs = 10_000;
  /** Make every compile job fail this way (`--fault`), to check that nothing changes; null: none. */
  fault: FaultKind | null = null;
  /** Record a Chrome Trace Event trace (`TieredBackend.getTrace()`, `--trace FILE`). */
  trace = false;
  /**
   * On-stack replacement: a hot loop in Tier 0 code hands its running frame over to an OSR
   * entry function compiled at Tier 2 (`--no-osr`: false).
   */
  osr = true;
  /**
   * Speculation (`--no-speculation`: false): Tier 1 counts branch edges, and Tier 2 turns
   * edges that never ran into deopt exits (docs/tiers.md).
   */
  speculation = true;
  /**
   * With speculation on, whether Tier 2 also speculates on the values of globals
   * (`speculate-globals`); off only to measure what it buys (bench/value-speculation.ts).
   */
  speculateGlobals = true;
  /**
   * How long (ms) a hot function's Tier 1 code profiles branches, from its first call,
   * before its Tier 2 job is made (with speculation on): long enough for a profile (fib:
   * thousands of calls), short against a compile. Counting calls failed both ways: a sample
   * rate of 10 kept dispatch's main (one 60 ms call each) at Tier 1 for ten calls; one call
   * gave fib the profile of its descent to the first leaf, before the edge `n < 2` ran.
   * 0: Tier 2 as soon as Tier 1 code has been called (deterministic, for tests).
   */
  profileWindowMs = 2;
  /**
   * Deopts of one function after which it is compiled without speculation (guards that
   * failed are dropped one by one before that), so a function cannot deopt forever.
   */
  deoptLimit = 10;
  /**
   * Stress mode's seed: Tier 2 speculates on branch edges picked at random from it (per
   * function and compile), profile or not, so that guards fail and deopts happen in every
   * program; null outside stress mode.
   */
  stressSeed: number | null = null;

  constructor(options: {
    enableBackgroundOptimization: boolean;
    optimizationCheckIntervalMs: number;
    maxParallelOptimizations: number;
    verbosity: 0 | 1 | 2;
    profile: ProfileConfig;
  }) {
    this.enableBackgroundOptimization = options.enableBackgroundOptimization;
    this.optimizationCheckIntervalMs = options.optimizationCheckIntervalMs;
    this.maxParallelOptimizations = options.maxParallelOptimizations;
    this.verbosity = options.verbosity;
    this.profile = options.profile;
  }

  static development(): TieredConfig {
    return new TieredConfig({
      enableBackgroundOptimization: true,
      optimizationCheckIntervalMs: 50,
      maxParallelOptimizations: 2,
      verbosity: 2,
      profile: ProfileConfig.development(),
    });
  }

  static production(): TieredConfig {
    return new TieredConfig({
      enableBackgroundOptimization: true,
      optimizationCheckIntervalMs: 1000,
      maxParallelOptimizations: 8,
      verbosity: 0,
      profile: ProfileConfig.production(),
    });
  }

  static default(): TieredConfig {
    return TieredConfig.production();
  }

  /**
   * Stress mode: every function tiers up at its first call, compiling synchronously, and
   * Tier 2 speculates on branch edges picked at random (`stressSeed`), so that every
   * program exercises tier changes and deopts from the start.
   */
  static stress(seed = 1): TieredConfig {
    const config = TieredConfig.development();
    config.profile = new ProfileConfig(1, 1, 1);
    config.enableBackgroundOptimization = false;
    config.stressSeed = seed;
    return config;
  }

  /**
   * The parallelism actually used: the configured value capped at one less than the
   * machine's cores (at least 1), so that the thread running the program keeps a core.
   * Measured on 2 cores over five kernels, 20 iterations each: one worker beat two on total
   * time on every kernel (matmul 320 against 620–740 ms, sieve 490 against 650–1100).
   */
  effectiveParallelism(): number {
    return Math.max(1, Math.min(this.maxParallelOptimizations, availableParallelism() - 1));
  }
}
