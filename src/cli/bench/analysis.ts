/**
 * What the harness makes of the iteration times of process executions, after Barrett et al.
 * (OOPSLA'17, "Virtual Machine Warmup Blows Hot and Cold"), simplified: each execution's
 * steady state is the median of its second half; it is reached at the first iteration from
 * which two in a row are within 15% of it; an execution is classified `flat`, `warmup`,
 * `slowdown` or `no steady state`. Across executions, the steady-state time is the mean of
 * the executions' steady states with a 95% confidence interval (Student's t).
 */

export type Classification = "flat" | "warmup" | "slowdown" | "no steady state";

export interface ExecutionAnalysis {
  steadyMs: number;
  /** Index of the first steady iteration (iterations.length when none). */
  steadyFrom: number;
  /** Compile time plus the iterations before steadyFrom. */
  timeToSteadyMs: number;
  classification: Classification;
}

/** Within this fraction of the steady time counts as steady. */
const BAND = 0.15;

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function analyzeExecution(iterationMs: readonly number[], compileMs: number): ExecutionAnalysis {
  const n = iterationMs.length;
  const tail = iterationMs.slice(Math.floor(n / 2));
  const steadyMs = median(tail);
  const within = (t: number): boolean => Math.abs(t - steadyMs) <= BAND * steadyMs;
  let steadyFrom = n;
  for (let i = 0; i < n; i++) {
    if (within(iterationMs[i]!) && (i + 1 === n || within(iterationMs[i + 1]!))) {
      steadyFrom = i;
      break;
    }
  }
  let timeToSteadyMs = compileMs;
  for (let i = 0; i < steadyFrom; i++) timeToSteadyMs += iterationMs[i]!;
  return {
    steadyMs,
    steadyFrom,
    timeToSteadyMs,
    classification: classify(iterationMs, steadyMs, steadyFrom),
  };
}

function classify(iterationMs: readonly number[], steadyMs: number, steadyFrom: number): Classification {
  const n = iterationMs.length;
  const tail = iterationMs.slice(Math.floor(n / 2));
  const spread = standardDeviation(tail) / mean(tail);
  if (steadyFrom >= n || spread > 0.3) return "no steady state";
  if (steadyFrom === 0) return "flat";
  // warming up ends faster than it started; a slowdown ends slower than its early iterations
  const early = median(iterationMs.slice(0, Math.max(1, steadyFrom)));
  return early < steadyMs ? "slowdown" : "warmup";
}

export function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

export function standardDeviation(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  let sum = 0;
  for (const v of values) sum += (v - m) * (v - m);
  return Math.sqrt(sum / (values.length - 1));
}

/** Two-sided 95% quantiles of Student's t for 1..30 degrees of freedom (then ~1.96). */
const T95 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

export interface Estimate {
  mean: number;
  /** Half-width of the 95% confidence interval (NaN with one sample). */
  ci95: number;
}

export function estimate(samples: readonly number[]): Estimate {
  const m = mean(samples);
  if (samples.length < 2) return { mean: m, ci95: Number.NaN };
  const t = T95[samples.length - 2] ?? 1.96;
  return { mean: m, ci95: (t * standardDeviation(samples)) / Math.sqrt(samples.length) };
}

/** a / b with the relative errors combined in quadrature (a first-order interval of the ratio). */
export function ratio(a: Estimate, b: Estimate): Estimate {
  const value = a.mean / b.mean;
  const relative = Math.sqrt((a.ci95 / a.mean) ** 2 + (b.ci95 / b.mean) ** 2);
  return { mean: value, ci95: value * relative };
}
