/**
 * Engine statistics. `format()` prints the seed system's three lines exactly, then further
 * lines that each start with a word and a colon.
 */

export interface TierCompileStats {
  /** Functions compiled at this tier. */
  functions: number;
  /** Compile jobs (a module counts once). */
  jobs: number;
  /** Total compile time, ms. */
  timeMs: number;
}

export class Statistics {
  /** Functions currently at each tier. */
  tierCounts: [number, number, number] = [0, 0, 0];
  queueWaiting = 0;
  queueOptimizing = 0;
  functions = 0;
  hot = 0;
  warm = 0;
  cold = 0;
  totalCalls = 0;
  compiles: [TierCompileStats, TierCompileStats, TierCompileStats] = [
    { functions: 0, jobs: 0, timeMs: 0 },
    { functions: 0, jobs: 0, timeMs: 0 },
    { functions: 0, jobs: 0, timeMs: 0 },
  ];
  installs = 0;
  failures = 0;
  safepoints = 0;
  /** Running frames that entered optimized code at a loop header, and OSR entry functions compiled. */
  osrEntries = 0;
  osrCompiles = 0;
  /**
   * Deopts (failed guards), by reason: `branch` (the profile said never taken), `value` (a
   * global no longer held the value compiled in), `stress` (picked at random).
   */
  deopts = 0;
  deoptReasons: Record<string, number> = {};
  /** Speculative code dropped after a deopt (the function went back to its previous tier). */
  invalidations = 0;
  /** Tier-up latencies (ms): from the safepoint that decided a tier-up to the install. */
  tierUpLatencies: number[] = [];
  /** Compile workers running, and started over the engine's life (replacements included). */
  workers = 0;
  workersStarted = 0;

  format(): string {
    const [t0, t1, t2] = this.tierCounts;
    const compile = (tier: number): string => {
      const c = this.compiles[tier]!;
      return `T${tier} ${c.functions} functions in ${c.jobs} jobs, ${c.timeMs.toFixed(1)} ms`;
    };
    return [
      `Tiered Compilation: ${t0} Baseline (T0), ${t1} Standard (T1), ${t2} Optimized (T2)`,
      `Queue: ${this.queueWaiting} waiting, ${this.queueOptimizing} optimizing`,
      `Profile: ${this.functions} functions (${this.hot} hot, ${this.warm} warm, ${this.cold} cold), ${this.totalCalls} total calls`,
      `Compiles: ${compile(0)}; ${compile(1)}; ${compile(2)}`,
      `Installs: ${this.installs}`,
      `Failures: ${this.failures}`,
      `Safepoints: ${this.safepoints}`,
      `OSR: ${this.osrEntries} entries (${this.osrCompiles} entry functions compiled)`,
      `Deopt: ${this.deopts}${formatReasons(this.deoptReasons)}, ${this.invalidations} code invalidated`,
      `Workers: ${this.workers} (${this.workersStarted} started)`,
      `Latency: tier-up median ${percentile(this.tierUpLatencies, 0.5).toFixed(1)} ms, p95 ${percentile(this.tierUpLatencies, 0.95).toFixed(1)} ms (${this.tierUpLatencies.length} tier-ups)`,
    ].join("\n");
  }
}

/** The q-quantile (nearest rank) of `values`; 0 when there are none. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function formatReasons(reasons: Record<string, number>): string {
  const entries = Object.entries(reasons);
  return entries.length === 0
    ? ""
    : ` (${entries.map(([reason, count]) => `${reason}: ${count}`).join(", ")})`;
}
