/**
 * IR passes as data, like Go's SSA backend: each pass is `{name, run, required, doc}`;
 * a pipeline is a list of passes; `runPasses` runs one over a function, optionally
 * verifying after every pass (on in tests) and naming the pass that broke the IR.
 *
 * A pass rewrites one function in place and returns whether it changed anything. It keeps
 * no state between runs, so functions can be compiled in parallel.
 */

import type { IrFunction, Module } from "../ir/ir.js";
import { formatVerifierError, verifyFunction } from "../ir/verifier.js";

export interface Pass {
  /** kebab-case, used in pipelines, filetests and messages. */
  name: string;
  run(fn: IrFunction, module: Module): boolean;
  /** A pass the compiler cannot do without (none of ours yet: all are optimizations). */
  required: boolean;
  doc: string;
}

export class PassFailure extends Error {}

export interface RunOptions {
  /** Verify the function after each pass (and before the first). */
  verify?: boolean;
}

/** Runs `passes` over `fn` in order; returns the names of the passes that changed it. */
export function runPasses(
  fn: IrFunction,
  module: Module,
  passes: readonly Pass[],
  options: RunOptions = {},
): string[] {
  const check = (after: string): void => {
    if (!options.verify) return;
    const errors = verifyFunction(module, fn);
    if (errors.length > 0) {
      throw new PassFailure(`invalid IR ${after}:\n${errors.map(formatVerifierError).join("\n")}`);
    }
  };
  check("before the first pass");
  const changed: string[] = [];
  for (const pass of passes) {
    if (pass.run(fn, module)) changed.push(pass.name);
    check(`after ${pass.name}`);
  }
  return changed;
}
