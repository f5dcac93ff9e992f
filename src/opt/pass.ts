/**
 * IR passes as data, like Go's SSA backend: each pass is `{name, run, required, doc}`;
 * a pipeline is a list of passes; `runPasses` runs one over a function, optionally
 * verifying after every pass (on in tests) and naming the pass that broke the IR.
 *
 * A pass rewrites one function in place and returns whether it changed anything. It keeps
 * no state between runs, so functions can be compiled in parallel.
 */

import type { FuncId, IrFunction, Module } from "../ir/ir.js";
import { formatVerifierError, verifyFunction } from "../ir/verifier.js";

export interface Pass {
  /** kebab-case, used in pipelines, filetests and messages. */
  name: string;
  run(fn: IrFunction, module: Module, context: PassContext): boolean;
  /** A pass the compiler cannot do without (none of ours yet: all are optimizations). */
  required: boolean;
  doc: string;
}

/** What a pass may know beyond the IR: the engine's profile. Passes that need none ignore it. */
export interface PassContext {
  /** Speculation input (`speculate-branches`); absent: no speculation. */
  speculation?: SpeculationInput;
  /** The host's WebAssembly has no SIMD (detected by the engine): `vectorize` does nothing. */
  noSimd?: boolean;
}

/**
 * What Tier 2 may speculate on. Edges and call sites are numbered per function, in the
 * function as the program has it (profile-sites.ts).
 */
export interface SpeculationInput {
  /** Per edge, 1 when the profile saw it run (Tier 1's `profile_edge` counters, and deopts). */
  taken: Uint8Array;
  /** Edges never to speculate on again (they deoptimized before). */
  disabled: readonly number[];
  /** The unspeculated function, which deopt exits resume (an index into the module). */
  original: FuncId;
  /**
   * The block of `original` where the function being compiled starts: an OSR entry's loop
   * header (its parameters are that block's, then its live-ins), else 0. Value guards at
   * the start resume `original` there.
   */
  entryBlock?: number;
  /**
   * Per indirect call site (numbered as in profile-sites.ts), two records of the table
   * indices Tier 1 saw it call through: the first two distinct ones (-1: none), the second
   * -2 when there were more. Absent: no call-target profile.
   */
  targets?: Int32Array;
  /**
   * Per direct call site (numbered as in profile-sites.ts), how many times Tier 1's code
   * made the call (`profile_call`); `inline` copies larger callees into sites that ran
   * often. Absent: no call-count profile.
   */
  calls?: Uint32Array;
  /**
   * Per branch edge (numbered as `taken`), how many times Tier 1's code ran it: `if-convert`
   * keeps a branch whose one way ran far more often than the other (a predictable branch).
   */
  edgeCounts?: Uint32Array;
  /** As `calls`, per indirect call site: `speculate-calls` guards larger targets of often-run sites. */
  indirectCalls?: Uint32Array;
  /**
   * Mutable integer globals that a call of the function cannot write (global-writes.ts),
   * with their values when the job was made (`speculate-globals`), each with the words its
   * invariant loads read at that address (i32 globals within memory).
   */
  globals?: readonly GlobalValue[];
  /** Stress mode: speculate on edges, call targets and globals picked at random from this seed, profile or not. */
  randomSeed?: number;
}

/** A global's value (a bigint for i64), and `[offset, word]` for the i32 words read through it. */
export interface GlobalValue {
  global: number;
  value: number | bigint;
  words: readonly (readonly [offset: number, word: number])[];
}

export class PassFailure extends Error {}

export interface RunOptions {
  /** Verify the function after each pass (and before the first). */
  verify?: boolean;
  context?: PassContext;
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
  const context = options.context ?? {};
  for (const pass of passes) {
    if (pass.run(fn, module, context)) changed.push(pass.name);
    check(`after ${pass.name}`);
  }
  return changed;
}
