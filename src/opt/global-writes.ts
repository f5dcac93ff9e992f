/**
 * Which globals a call of a function may write before it returns: its own `global_set`s and
 * those of every function its calls may reach. An indirect call may reach every function of
 * its signature in the table (which never changes). A host call may reach anything, unless
 * the host function is known not to call back into the guest (`leafHost`); then the answer
 * is "all". Needs the bodies of every function reachable (the engine's whole module); a
 * function without a body (a declaration in a compile unit) may write anything.
 */

import type { FuncId, IrFunction, Module } from "../ir/ir.js";
import { Op } from "../ir/ops.js";
import { signaturesEqual } from "../ir/types.js";

export function globalsWrittenDuring(
  module: Module,
  func: FuncId,
  leafHost: ReadonlySet<number>,
): ReadonlySet<number> | "all" {
  const written = new Set<number>();
  const visited = new Set<FuncId>([func]);
  const work = [func];
  while (work.length > 0) {
    const fn = module.functions[work.pop()!];
    if (fn === undefined || fn.blocks.length === 0) return "all";
    for (const block of fn.blocks) {
      for (const inst of block.insts) {
        if (inst.op === Op.GlobalSet) written.add(inst.imm);
        else if (inst.op === Op.CallHost && !leafHost.has(inst.imm)) return "all";
        const callees =
          inst.op === Op.Call
            ? [inst.imm]
            : inst.op === Op.CallIndirect
              ? tableFunctions(module, inst.imm)
              : [];
        for (const id of callees) {
          if (visited.has(id)) continue;
          visited.add(id);
          work.push(id);
        }
      }
    }
  }
  return written;
}

/** The functions in the table with the signature `typeIndex` names. */
function tableFunctions(module: Module, typeIndex: number): FuncId[] {
  const signature = module.types[typeIndex];
  if (signature === undefined) return [];
  return module.table.filter((id) => {
    const callee: IrFunction | undefined = id < 0 ? undefined : module.functions[id];
    return callee !== undefined && signaturesEqual(callee, signature);
  });
}
