/**
 * Differential fuzzing: generated IR programs (generate.ts) run on the reference
 * interpreter and in each engine mode; every call's result or trap, the host calls made so
 * far, and a digest of memory (its integer region: see observableMemory) must be identical.
 * A mismatch is written out as the IR text of the program and of a shrunk version of it
 * (shrink.ts), and the report says how to replay it (`--seed N --count 1`).
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
import { parseModuleLazily } from "../../ir/parser.js";
import { printModule } from "../../ir/printer.js";
import { formatGuestFrame, TrapError, TrapKind } from "../../ir/trap.js";
import { Type } from "../../ir/types.js";
import { formatScalar, observableMemory, randomHost, randomModule } from "./generate.js";
import type { FuzzMode } from "./modes.js";
import { shrink } from "./shrink.js";

export { FUZZ_MODES, type FuzzMode } from "./modes.js";

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

/** A call's result or trap; any other error is an outcome too (a mismatch, not a crash of the fuzzer). */
function attempt(call: () => Scalar | undefined): string {
  try {
    return formatScalar(call());
  } catch (error) {
    return describeFailure(error);
  }
}

/** Innermost guest frames compared (the CLI prints 20; the Wasm runtime keeps 100). */
const COMPARED_FRAMES = 20;

function describeFailure(error: unknown): string {
  if (error instanceof TrapError) {
    // where the stack overflows depends on each tier's frame sizes: only its kind is compared
    if (error.kind === TrapKind.StackOverflow) return `trap: ${error.message}`;
    return `trap: ${error.message}\n${error.guestStack
      .slice(0, COMPARED_FRAMES)
      .map((frame) => `  at ${formatGuestFrame(frame)}`)
      .join("\n")}`;
  }
  return `error: ${error instanceof Error ? error.message : String(error)}`;
}

/** Interpreter polls (one per 16 384 block ends) before a run counts as not terminating. */
const INTERPRETER_FUEL = 1000;

/**
 * The interpreter's outcomes, or null when the program did not finish within its fuel
 * (generated programs always do; shrunk variants may not, and are then discarded).
 */
export function interpreterOutcomes(module: Module, calls = CALLS_PER_PROGRAM): Outcome[] | null {
  const log: string[] = [];
  let interp: Interpreter;
  let polls = 0;
  let exhausted = false;
  const interrupt = (): boolean => {
    exhausted = ++polls > INTERPRETER_FUEL;
    return exhausted;
  };
  try {
    interp = new Interpreter(module, { imports: randomHost(module, log), interrupt });
  } catch (error) {
    if (!(error instanceof TrapError)) throw error;
    return exhausted ? null : [{ result: describeFailure(error), log, memory: "" }];
  }
  const outcomes: Outcome[] = [];
  for (let i = 0; i < calls; i++) {
    const result = attempt(() => interp.call(0, argumentsFor(module)));
    if (exhausted) return null;
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
      // as `tierjit run` loads a .tir program: its bodies parsed as Tier 0 compiles them
      backend.compileModule(parseModuleLazily(printModule(module)));
    } catch (error) {
      // a trap in the start function (or an engine failure) is the program's only outcome
      return { outcomes: [{ result: describeFailure(error), log, memory: "" }], installs: 0 };
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

/** Whether some mode still disagrees with the interpreter (which must finish) within `calls` calls. */
async function stillMismatches(
  module: Module,
  calls: number,
  modes: readonly FuzzMode[],
  runMode: typeof engineOutcomes,
): Promise<boolean> {
  const expected = interpreterOutcomes(module, calls);
  if (expected === null) return false;
  const text = JSON.stringify(expected);
  for (const mode of modes) {
    if (JSON.stringify((await runMode(module, mode, calls)).outcomes) !== text) return true;
  }
  return false;
}

export interface FuzzOptions {
  count: number;
  seed: number;
  modes: readonly FuzzMode[];
  /** Where reproducers go. */
  outDir: string;
  /** One line per mismatch, as found. */
  report: (line: string) => void;
  /** Shrink mismatching programs (default true). */
  shrink?: boolean;
  /** Runs a program in an engine mode (default: engineOutcomes; tests substitute a faulty one). */
  runMode?: typeof engineOutcomes;
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
  const runMode = options.runMode ?? engineOutcomes;
  for (let k = 0; k < options.count; k++) {
    const seed = options.seed + k;
    const module = randomModule(seed);
    const expected = JSON.stringify(interpreterOutcomes(module));
    const failing: FuzzMode[] = [];
    for (const mode of options.modes) {
      const actual = await runMode(module, mode);
      installs += actual.installs;
      if (JSON.stringify(actual.outcomes) !== expected) failing.push(mode);
    }
    if (failing.length > 0) {
      mismatches++;
      mkdirSync(options.outDir, { recursive: true });
      const file = join(options.outDir, `seed-${seed}.tir`);
      writeFileSync(file, printModule(module));
      let shrunk = "";
      if (options.shrink ?? true) {
        const result = await shrink(module, CALLS_PER_PROGRAM, (candidate, calls) =>
          stillMismatches(candidate, calls, failing, runMode),
        );
        const minFile = join(options.outDir, `seed-${seed}.min.tir`);
        const header = `; seed ${seed}, shrunk (${result.kept} of ${result.attempts} reductions kept): differs from the interpreter in ${failing.join(", ")} within ${result.calls} call(s) of main\n`;
        writeFileSync(minFile, header + printModule(result.module));
        shrunk = `; shrunk: ${minFile}`;
      }
      options.report(
        `mismatch: seed ${seed} in ${failing.join(", ")}; IR in ${file}${shrunk}; replay: tierjit fuzz --seed ${seed} --count 1 --modes ${failing.join(",")}`,
      );
    }
  }
  return { programs: options.count, mismatches, installs };
}
