/**
 * The optimizer's pass lists and the order constraints between passes. PASS_ORDER documents
 * why passes come in the order they do; a test checks every pipeline against it.
 */

import type { Pass } from "./pass.js";
import { constFold } from "./passes/const-fold.js";
import { dce } from "./passes/dce.js";
import { localCse } from "./passes/local-cse.js";
import { simplifyBranches } from "./passes/simplify-branches.js";

export const ALL_PASSES: readonly Pass[] = [constFold, localCse, simplifyBranches, dce];

/** [before, after, why]: when both are in a pipeline, `before` must come first. */
export const PASS_ORDER: readonly [string, string, string][] = [
  ["const-fold", "simplify-branches", "folding makes branch conditions constant"],
  ["const-fold", "dce", "folding leaves the folded operands unused"],
  ["simplify-branches", "dce", "a removed branch leaves its condition unused"],
  ["const-fold", "local-cse", "folded constants become equal and can be shared"],
  ["local-cse", "dce", "cse leaves the duplicates unused and relies on dce to delete them"],
];

/** The IR passes of Tier 1 and Tier 2 (before Binaryen). */
export const STANDARD_PASSES: readonly Pass[] = [constFold, localCse, simplifyBranches, dce];

export function passByName(name: string): Pass | undefined {
  return ALL_PASSES.find((pass) => pass.name === name);
}
