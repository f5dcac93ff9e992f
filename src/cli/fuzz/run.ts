/**
 * Differential fuzzing: generated IR programs (generate.ts) run on the reference
 * interpreter and in each engine mode; every call's result or trap, the host calls made so
 * far, and a digest of memory (its integer region: see observableMemory) must be identical. A mismatch is written out as the IR text
 * of the program, and the report says how to replay it (`--seed N --count 1`). Programs are
 * not shrunk yet.
 *
 * Engine modes compile synchronously here, so that every run is deterministic.
 */

import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TieredBackend } from "../../engine/backend.js";
import { TieredConfig } from "../../engine/config.js";
import { Interpreter } from "../../ir/interpreter.js";
import type { Module } from "../../ir/ir.js";
import type { Scalar } from "../../ir/numeric.js";
import { printModule } from "../../ir/printer.js";
import { TrapError } from "../../ir/trap.js";
import { Type } from "../../ir/types.js";
import { formatScalar, observableMemory, randomHost, randomModule } from "./generate.js";

export const FUZZ_MODES = ["tier0", "tier1", "tier2", "tiered-dev", "tiered-prod", "stress"] as const;
export type FuzzMode = (typeof FUZZ_MODES)[number];

/** What one call of `main` did: its result or trap, the host calls so far, memory after it. */
export interface Outcome {
  result: string;
  log: string[];
  memory: string;
}

/** Calls per program: enough for functions to tier up between and during calls (dev profile). */
export const CALLS_PER_PROGRAM = 12;

export function argumentsFor(module: Module): Scalar[] {
  return module.functions[0]!.params.map((t, i) =>
    t === Type.I64 ? BigInt(i * 977 - 13) : t === Type.I32 ? i * 31 - 5 : i * 1.25 - 0.5,
  );
}

function digest(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex").slice(0, 16);
}

function attempt(call: () => Scalar | undefined): string {
  try {
    return formatScalar(call());
  } catch (error) {
    if (!(error instanceof TrapError)) throw error;
    return `trap: ${error.message}`;
  }
}

export function interpreterOutcomes(module: Module, calls = CALLS_PER_PROGRAM): Outcome[] {
  const log: string[] = [];
  let interp: Interpreter;
  try {
    interp = new Interpreter(module, { imports: randomHost(module, log) });
  } catch (error) {
    if (!(error instanceof TrapError)) throw error;
    return [{ result: `trap: ${error.message}`, log, memory: "" }];
  }
  const outcomes: Outcome[] = [];
  for (let i = 0; i < calls; i++) {
    const result = attempt(() => interp.call(0, argumentsFor(module)));
    outcomes.push({ result, log: [...log], memory: digest(observableMemory(interp.memory)) });
  }
  return outcomes;
}

function configFor(mode: FuzzMode): TieredConfig {
  const config =
    mode === "stress"
      ? TieredConfig.stress()
      : mode === "tiered-prod"
        ? TieredConfig.production()
        : TieredConfig.development();
  config.verbosity = 0;
  config.enableBackgroundOptimization = false;
  config.pinnedTier = mode === "tier0" ? 0 : mode === "tier1" ? 1 : mode === "tier2" ? 2 : null;
  return config;
}

export async function engineOutcomes(
  module: Module,
  mode: FuzzMode,
  calls = CALLS_PER_PROGRAM,
): Promise<{ outcomes: Outcome[]; installs: number }> {
  const log: string[] = [];
  const backend = await TieredBackend.create(configFor(mode), { imports: randomHost(module, log) });
  try {
    try {
      backend.compileModule(module);
    } catch (error) {
      if (!(error instanceof TrapError)) throw error;
      return { outcomes: [{ result: `trap: ${error.message}`, log, memory: "" }], installs: 0 };
    }
    const main = backend.getFunction(module.functions[0]!.name);
    const outcomes: Outcome[] = [];
    for (let i = 0; i < calls; i++) {
      const result = attempt(() => main(...argumentsFor(module)));
      outcomes.push({ result, log: [...log], memory: digest(observableMemory(backend.memory())) });
    }
    return { outcomes, installs: backend.getStatistics().installs };
  } finally {
    await backend.shutdown();
  }
}

export interface FuzzOptions {
  count: number;
  seed: number;
  modes: readonly FuzzMode[];
  /** Where reproducers go. */
  outDir: string;
  /** One line per mismatch, as found. */
  report: (line: string) => void;
}

export interface FuzzSummary {
  programs: number;
  mismatches: number;
  installs: number;
}

/** Runs `count` generated programs from `seed` on; returns how many disagreed with the interpreter. */
export async function fuzz(options: FuzzOptions): Promise<FuzzSummary> {
  let mismatches = 0;
  let installs = 0;
  for (let k = 0; k < options.count; k++) {
    const seed = options.seed + k;
    const module = randomModule(seed);
    const expected = JSON.stringify(interpreterOutcomes(module));
    const failing: FuzzMode[] = [];
    for (const mode of options.modes) {
      const actual = await engineOutcomes(module, mode);
      installs += actual.installs;
      if (JSON.stringify(actual.outcomes) !== expected) failing.push(mode);
    }
    if (failing.length > 0) {
      mismatches++;
      mkdirSync(options.outDir, { recursive: true });
      const file = join(options.outDir, `seed-${seed}.tir`);
      writeFileSync(file, printModule(module));
      options.report(
        `mismatch: seed ${seed} in ${failing.join(", ")}; IR in ${file}; replay: tierjit fuzz --seed ${seed} --count 1 --modes ${failing.join(",")}`,
      );
    }
  }
  return { programs: options.count, mismatches, installs };
}
