/**
 * Optional V8 tuning, feature-detected: speed-ups, never needed for correctness. Applied
 * once per process (flags are process-wide), by the engine and by compile workers.
 *
 * - `--experimental-wasm-compilation-hints` makes V8 honour a module's `compilationHints`
 *   section, which Tiers 1 and 2 emit (pipelines.ts) so that V8 compiles their code with
 *   TurboFan at once. Without it V8 runs new code in Liftoff first and tiers a function up
 *   only after it has used a budget that scales with code size, so Binaryen's compact Tier 2
 *   loops could run in Liftoff for several long calls (measured on hash: 17 ms per call
 *   instead of 1.2).
 * - `--wasm-num-compilation-tasks` caps V8's background Wasm compile threads at one less
 *   than the cores. Binaryen is itself a large Wasm module that V8 keeps tiering up in the
 *   background for seconds after it is loaded; with as many compile threads as cores, the
 *   thread running the guest lost whole scheduler ticks to them (measured on mandelbrot at
 *   Tier 2 on 2 cores: 9–21 ms per call instead of 4.7).
 *
 * - `--experimental-wasm-branch-hinting` makes TurboFan read the `metadata.code.branch_hint`
 *   section the baseline code generator emits (codegen.ts `unlikelyIf`): the safepoint
 *   calls of budget checks and the trap calls become deferred code. A loop whose budget
 *   check held a call in its body ran 50% slower than the same loop without it; with the
 *   hint, ~6% (measured on a 12-cycle loop in Tier 1 code).
 *
 * Setting a flag V8 does not have makes it print an error, so flags are set only on the V8
 * versions known to have them (11 in Node 20, 12 in Node 22, 13 in Node 24; the hints flag
 * is not set on 13, where its section format is not known to be the same; the branch hint
 * flag only on 11, the one version measured).
 */

import { availableParallelism } from "node:os";
import { setFlagsFromString } from "node:v8";

export interface V8Tuning {
  compilationHints: boolean;
  branchHints: boolean;
  compileTasks: number | null;
}

let applied: V8Tuning | null = null;

export function applyV8Tuning(): V8Tuning {
  if (applied !== null) return applied;
  const major = Number(process.versions.v8.split(".")[0]);
  applied = { compilationHints: major === 11 || major === 12, branchHints: major === 11, compileTasks: null };
  if (applied.compilationHints) setFlagsFromString("--experimental-wasm-compilation-hints");
  if (applied.branchHints) setFlagsFromString("--experimental-wasm-branch-hinting");
  if (major >= 11 && major <= 13) {
    applied.compileTasks = Math.max(1, availableParallelism() - 1);
    setFlagsFromString(`--wasm-num-compilation-tasks=${applied.compileTasks}`);
  }
  return applied;
}
