/** Use counts of every value of a function (instruction operands, branch arguments, terminator operands). */

import type { IrFunction } from "../ir/ir.js";
import { valueCount } from "../ir/ir.js";

export function useCounts(fn: IrFunction): Int32Array {
  const uses = new Int32Array(valueCount(fn));
  for (const block of fn.blocks) {
    for (const inst of block.insts) for (const v of inst.args) uses[v]!++;
    for (const v of block.term.args) uses[v]!++;
    for (const target of block.term.targets) for (const v of target.args) uses[v]!++;
  }
  return uses;
}
