/**
 * osr-points: Tier 1's way out of a long loop. At the start of every loop header (but the
 * entry block) goes `osr_point blockH, params..., live-ins...`: the header's number in the
 * function as the program has it, and the values an OSR entry function for that header
 * takes (resume.ts: the header's parameters, then the values live into it). The code
 * generator turns it into a loop budget and, when the runtime answers with an entry, a tail
 * call of it with those values — as Tier 0 does at its back-edges, from code whose blocks no
 * longer match the program's.
 *
 * It runs first, on the program's own blocks. The later passes keep the operands right
 * (they rewrite uses like any other), and the op counts as a side effect, so nothing with an
 * effect moves across it: at the point it runs, memory and the operands are what the
 * program's function has at the start of that header.
 */

import { computeDominators } from "../../ir/dominance.js";
import type { IrFunction, Module } from "../../ir/ir.js";
import { computeLiveness, liveInValues } from "../../ir/liveness.js";
import { loopHeaders } from "../../ir/loops.js";
import { Op } from "../../ir/ops.js";
import { Type } from "../../ir/types.js";
import type { Pass } from "../pass.js";

export const osrPoints: Pass = {
  name: "osr-points",
  required: false,
  doc: "mark each loop header as a place where Tier 1 code can hand over to an OSR entry",
  run(fn: IrFunction, _module: Module): boolean {
    const tree = computeDominators(fn);
    const headers = loopHeaders(fn, tree).filter((header) => header > 0);
    if (headers.length === 0) return false;
    const liveness = computeLiveness(fn, tree);
    for (const header of headers) {
      const block = fn.blocks[header]!;
      block.insts.unshift({
        op: Op.OsrPoint,
        type: Type.None,
        result: -1,
        args: [...block.params, ...liveInValues(liveness, header)],
        imm: header,
        big: 0n,
        loc: -1,
      });
    }
    return true;
  },
};
