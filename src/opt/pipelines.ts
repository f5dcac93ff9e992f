/**
 * The optimizer's pass lists and the order constraints between passes. PASS_ORDER documents
 * why passes come in the order they do; a test checks every pipeline against it.
 */

import type { Pass } from "./pass.js";
import { boundsChecks } from "./passes/bounds-checks.js";
import { constFold } from "./passes/const-fold.js";
import { copyProp } from "./passes/copy-prop.js";
import { dce } from "./passes/dce.js";
import { devirtualize } from "./passes/devirtualize.js";
import { gvn } from "./passes/gvn.js";
import { ifConvert } from "./passes/if-convert.js";
import { inline, inlineLeaves, inlineLoopFree } from "./passes/inline.js";
import { licm } from "./passes/licm.js";
import { localCse } from "./passes/local-cse.js";
import { mergeBlocks } from "./passes/merge-blocks.js";
import { osrPoints } from "./passes/osr-points.js";
import { profileBranches } from "./passes/profile-branches.js";
import { profileCalls } from "./passes/profile-calls.js";
import { sccp } from "./passes/sccp.js";
import { simplifyBranches } from "./passes/simplify-branches.js";
import { speculateBranches } from "./passes/speculate-branches.js";
import { speculateCalls } from "./passes/speculate-calls.js";
import { speculateGlobals } from "./passes/speculate-globals.js";
import { strengthReduce } from "./passes/strength-reduce.js";
import { tailRecursion } from "./passes/tail-recursion.js";
import { threadJumps } from "./passes/thread-jumps.js";
import { vectorize } from "./passes/vectorize.js";
import { versionLoops } from "./passes/version-loops.js";

export const ALL_PASSES: readonly Pass[] = [
  osrPoints,
  profileBranches,
  profileCalls,
  speculateBranches,
  speculateCalls,
  tailRecursion,
  devirtualize,
  inline,
  inlineLoopFree,
  inlineLeaves,
  speculateGlobals,
  constFold,
  sccp,
  threadJumps,
  copyProp,
  localCse,
  gvn,
  boundsChecks,
  simplifyBranches,
  mergeBlocks,
  ifConvert,
  licm,
  versionLoops,
  strengthReduce,
  dce,
  vectorize,
];

/** [before, after, why]: when both are in a pipeline, `before` must come first. */
export const PASS_ORDER: readonly [string, string, string][] = [
  ["osr-points", "inline-loop-free", "loop headers are numbered in the function as the program has it"],
  ["osr-points", "const-fold", "live-ins are those of the function as the program has it"],
  ["profile-branches", "inline", "edges are numbered in the function as the program has it"],
  ["profile-branches", "const-fold", "edges are numbered in the function as the program has it"],
  ["profile-calls", "inline", "call sites are numbered in the function as the program has it"],
  ["profile-calls", "inline-loop-free", "call sites are numbered in the function as the program has it"],
  ["profile-branches", "inline-loop-free", "edges are numbered in the function as the program has it"],
  ["inline-loop-free", "const-fold", "an inlined body folds with the caller's constant arguments"],
  ["inline-loop-free", "merge-blocks", "inlining leaves jump chains into and out of each inlined body"],
  ["inline-loop-free", "dce", "an inlined body's unused results are deleted"],
  ["profile-calls", "devirtualize", "call sites are numbered in the function as the program has it"],
  ["speculate-branches", "speculate-calls", "the target guards' tests would shift the branch numbers"],
  ["speculate-calls", "devirtualize", "call sites are numbered in the function as the program has it"],
  ["speculate-calls", "inline", "a guarded target is a direct call, which inline copies"],
  [
    "speculate-branches",
    "devirtualize",
    "guards are numbered and resumed in the function as the program has it",
  ],
  ["speculate-branches", "inline", "guards are numbered and resumed in the function as the program has it"],
  ["devirtualize", "inline", "a devirtualized call is a direct call, which inline copies"],
  ["inline", "inline-leaves", "the second level inlines the calls the first level's copies brought in"],
  ["inline-leaves", "const-fold", "an inlined body folds with the caller's constant arguments"],
  ["inline-leaves", "sccp", "constant arguments flow into the inlined bodies' parameters"],
  ["inline-leaves", "speculate-globals", "the reads in inlined callees are speculated on too"],
  ["speculate-globals", "const-fold", "the speculated globals are constants to fold"],
  [
    "speculate-globals",
    "gvn",
    "the speculated array lengths are constants that index checks compare against",
  ],
  ["sccp", "thread-jumps", "branches sccp decided no longer need threading"],
  ["sccp", "merge-blocks", "the blocks sccp found unreachable are removed"],
  ["sccp", "dce", "the operands of folded instructions become unused"],
  [
    "gvn",
    "bounds-checks",
    "gvn forwards an array's length to the value its allocation stored, which the loop tests",
  ],
  ["bounds-checks", "dce", "the removed checks' comparisons become unused"],
  ["inline", "const-fold", "an inlined body folds with the caller's constant arguments"],
  ["inline", "local-cse", "an inlined body shares expressions with its caller"],
  ["inline", "dce", "an inlined body's unused results are deleted"],
  ["const-fold", "simplify-branches", "folding makes branch conditions constant"],
  ["const-fold", "dce", "folding leaves the folded operands unused"],
  ["simplify-branches", "dce", "a removed branch leaves its condition unused"],
  [
    "simplify-branches",
    "merge-blocks",
    "a branch turned into a jump leaves blocks to remove and chains to merge",
  ],
  ["inline", "merge-blocks", "inlining leaves jump chains into and out of each inlined body"],
  ["const-fold", "local-cse", "folded constants become equal and can be shared"],
  ["local-cse", "dce", "cse leaves the duplicates unused and relies on dce to delete them"],
  ["const-fold", "thread-jumps", "folded conditions decide edges into branch-only blocks"],
  ["thread-jumps", "copy-prop", "bypassed blocks stop feeding parameters, which become trivial"],
  ["inline", "copy-prop", "an inlined body's entry and return parameters are often trivial"],
  ["copy-prop", "gvn", "a parameter replaced by its value exposes equal expressions"],
  ["const-fold", "gvn", "folded constants become equal and can be shared"],
  ["gvn", "dce", "gvn leaves the duplicates unused and relies on dce to delete them"],
  ["thread-jumps", "merge-blocks", "threading leaves blocks with no predecessors to remove"],
  ["speculate-branches", "tail-recursion", "a function with deopt exits keeps its calls: the pass sees them"],
  ["speculate-calls", "tail-recursion", "a function with deopt exits keeps its calls: the pass sees them"],
  [
    "tail-recursion",
    "inline",
    "a recursive function inlines itself in its loop form, with the calls that remain",
  ],
  ["devirtualize", "if-convert", "the tests over an indirect call's targets are the branches to convert"],
  ["inline", "if-convert", "the arms to convert are inlined bodies"],
  ["merge-blocks", "if-convert", "an arm is one block once jump chains are merged"],
  ["simplify-branches", "if-convert", "a branch with a constant condition is no choice to convert"],
  ["merge-blocks", "licm", "licm lands code in the loop header's dominator, best once chains are merged"],
  ["gvn", "licm", "an expression is hoisted once, not once per copy"],
  ["gvn", "version-loops", "gvn forwards the array lengths the checks compare against"],
  ["bounds-checks", "version-loops", "checks removed statically need no copy of the loop"],
  ["licm", "version-loops", "invariant code is hoisted before the loop once, not into each copy"],
  ["version-loops", "strength-reduce", "the copy without index checks is the loop that runs"],
  ["licm", "strength-reduce", "an address's invariant part is computed before the loop by then"],
  ["strength-reduce", "dce", "the address chains the loop no longer uses are deleted"],
  ["version-loops", "dce", "the copy's dropped checks leave their comparisons unused"],
  ["version-loops", "vectorize", "the copy without index checks is the loop of plain accesses to vectorize"],
  ["strength-reduce", "vectorize", "the addresses it steps are the header parameters strength-reduce made"],
  ["dce", "vectorize", "the loop body must hold only what the vector copy copies, not dead address chains"],
];

/** The IR passes of Tier 1: cheap, block-local or linear. */
export const STANDARD_PASSES: readonly Pass[] = [
  inlineLoopFree,
  constFold,
  threadJumps,
  copyProp,
  localCse,
  simplifyBranches,
  mergeBlocks,
  dce,
];

/** The IR passes of Tier 2, before Binaryen's -O3: the standard ones with dominator- and loop-based passes. */
export const OPTIMIZING_PASSES: readonly Pass[] = [
  tailRecursion,
  devirtualize,
  inline,
  inlineLeaves,
  speculateGlobals,
  constFold,
  sccp,
  threadJumps,
  copyProp,
  gvn,
  boundsChecks,
  // again: gvn's forwarded array lengths are constants that index checks compare against
  constFold,
  simplifyBranches,
  mergeBlocks,
  ifConvert,
  licm,
  versionLoops,
  strengthReduce,
  dce,
  vectorize,
];

export function passByName(name: string): Pass | undefined {
  return ALL_PASSES.find((pass) => pass.name === name);
}
