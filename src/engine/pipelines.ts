/**
 * What each tier is, as data: the IR passes it runs, the emitter that turns the IR into
 * Wasm, and the profiling code it carries. Compile jobs read this table; nothing else
 * decides how a tier compiles. Tiers 1 and 2 run the optimizer's standard passes
 * (src/opt/pipelines.ts); Tier 2 then hands the IR to Binaryen's -O3.
 */

import type { Pass } from "../opt/pass.js";
import { osrPoints } from "../opt/passes/osr-points.js";
import { profileBranches } from "../opt/passes/profile-branches.js";
import { profileCalls } from "../opt/passes/profile-calls.js";
import { speculateBranches } from "../opt/passes/speculate-branches.js";
import { speculateCalls } from "../opt/passes/speculate-calls.js";
import { OPTIMIZING_PASSES, STANDARD_PASSES } from "../opt/pipelines.js";
import { Instrument } from "../wasm/codegen.js";

export type Emitter = "baseline" | "binaryen-O3";

export interface TierPipeline {
  tier: 0 | 1 | 2;
  name: string;
  passes: readonly Pass[];
  emitter: Emitter;
  /** Profiling code of a function compiled at this tier (with no timeout; see TieredBackend). */
  instrument: Instrument;
  /**
   * The V8 compilation hint the code carries (v8-flags.ts): 0x2A asks for eager TurboFan
   * compilation, so that optimized tiers do not start in Liftoff; null for none (Tier 0
   * wants V8's fastest start).
   */
  compilationHint: number | null;
}

/** Eager compilation, optimizing tier as baseline and top tier. */
export const EAGER_OPTIMIZED = 0x2a;

export const PIPELINES: readonly [TierPipeline, TierPipeline, TierPipeline] = [
  {
    tier: 0,
    name: "Baseline",
    passes: [],
    emitter: "baseline",
    instrument: Instrument.EntryAndLoops,
    compilationHint: null,
  },
  {
    tier: 1,
    name: "Standard",
    // the OSR exits and the profile first, on the program's own blocks (jobs skip them when
    // there is no OSR, or nothing reads the profile)
    passes: [osrPoints, profileBranches, profileCalls, ...STANDARD_PASSES],
    emitter: "baseline",
    instrument: Instrument.EntryAndOsrPoints,
    compilationHint: EAGER_OPTIMIZED,
  },
  {
    tier: 2,
    name: "Optimized",
    // speculation first, so that guards resume the program's own blocks
    passes: [speculateBranches, speculateCalls, ...OPTIMIZING_PASSES],
    emitter: "binaryen-O3",
    instrument: Instrument.None,
    compilationHint: EAGER_OPTIMIZED,
  },
];
