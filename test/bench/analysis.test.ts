import assert from "node:assert/strict";
import { test } from "node:test";
import { analyzeExecution, estimate, median, ratio } from "../../src/cli/bench/analysis.js";

test("a flat run is steady from its first iteration", () => {
  const a = analyzeExecution([10, 10.5, 9.8, 10, 10.2, 10], 3);
  assert.equal(a.classification, "flat");
  assert.equal(a.steadyFrom, 0);
  assert.equal(a.timeToSteadyMs, 3, "only the compile time");
  assert.equal(a.steadyMs, 10, "the median of the second half");
});

test("a run that warms up is steady from the first of two in-band iterations", () => {
  const a = analyzeExecution([50, 30, 10, 20, 10, 10, 10, 10], 5);
  assert.equal(a.classification, "warmup");
  assert.equal(a.steadyFrom, 4, "iteration 2 is in band but the next is not");
  assert.equal(a.timeToSteadyMs, 5 + 50 + 30 + 10 + 20);
});

test("a run that gets slower is a slowdown; one that never settles has no steady state", () => {
  assert.equal(analyzeExecution([5, 5, 5, 10, 10, 10, 10, 10], 0).classification, "slowdown");
  const noisy = analyzeExecution([10, 40, 5, 30, 2, 50, 1, 45], 0);
  assert.equal(noisy.classification, "no steady state");
});

test("estimates: mean with a Student-t 95% interval; ratios combine relative errors", () => {
  const e = estimate([1, 2, 3]);
  assert.equal(e.mean, 2);
  assert.ok(Math.abs(e.ci95 - 4.303 / Math.sqrt(3)) < 1e-9);
  assert.ok(Number.isNaN(estimate([4]).ci95), "one execution has no interval");
  const r = ratio({ mean: 20, ci95: 2 }, { mean: 10, ci95: 1 });
  assert.equal(r.mean, 2);
  assert.ok(Math.abs(r.ci95 - 2 * Math.sqrt(0.02)) < 1e-12);
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
});
