/**
 * What each tier is, as data: the IR passes it runs, the emitter that turns the IR into
 * Wasm, and the profiling code it carries. Compile jobs read this table; nothing else
 * decides how a tier compiles. The IR optimizer is not built yet, so every tier's pass
 * list is empty for now; Tier 2's strength comes from Binaryen's -O3.
 */

import type { IrFunction, Module } from "../ir/ir.js";
import { Instrument } from "../wasm/codegen.js";

export type Emitter = "baseline" | "binaryen-O3";

/** An IR pass: rewrites a function in place; returns whether it changed anything. */
export interface IrPass {
  name: string;
  run(fn: IrFunction, module: Module): boolean;
  /** Passes that may not be turned off (none yet). */
  required: boolean;
}

export interface TierPipeline {
  tier: 0 | 1 | 2;
  name: string;
  passes: readonly IrPass[];
  emitter: Emitter;
  /** Profiling code of a function compiled at this tier (with no timeout; see TieredBackend). */
  instrument: Instrument;
}

export const PIPELINES: readonly [TierPipeline, TierPipeline, TierPipeline] = [
  { tier: 0, name: "Baseline", passes: [], emitter: "baseline", instrument: Instrument.EntryAndLoops },
  { tier: 1, name: "Standard", passes: [], emitter: "baseline", instrument: Instrument.Entry },
  { tier: 2, name: "Optimized", passes: [], emitter: "binaryen-O3", instrument: Instrument.None },
];
