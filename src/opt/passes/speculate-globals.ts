/**
 * speculate-globals: Tier 2's value speculation. A mutable integer global that nothing a
 * call of the function runs can write (global-writes.ts, which needs the whole module: the
 * engine asks it before it makes the job) keeps during one call the value it had at the
 * call's start. The job carries those globals' values when it was made
 * (`SpeculationInput.globals`), and for an address global, the words its invariant loads
 * read there (a TJ array's length).
 * The function's entry then tests each global (and word) against that value, a failed test
 * being a deopt exit that resumes the unspeculated function where this code starts (its
 * entry; an OSR entry's loop header); after the tests,
 * every read of the global is that constant, and every invariant load through it the word.
 *
 * This is what V8 does with a global that has kept its value (a "constant" property cell),
 * with a guard instead of a code dependency: a module-level array that the program sets up
 * once — nbody's bodies, an emulator's registers and RAM, an interpreter's stack — becomes a
 * constant address with a constant length, and `bounds-checks` removes the index checks of
 * loops over it. A global that changes between calls fails its test at the first call after
 * the change; it is then never speculated on again in that function (`disabled`). Stress
 * mode speculates on a value off by one at random, so that these exits run in every program
 * that has such a global.
 *
 * It runs after inlining, so that reads in inlined callees are covered, and before the
 * folding passes, which the constants feed.
 */

import type { Block, Inst, IrFunction, Module, ResumePoint, ValueId } from "../../ir/ir.js";
import { valueCount } from "../../ir/ir.js";
import { Op, TermOp } from "../../ir/ops.js";
import { Type } from "../../ir/types.js";
import type { GlobalValue, Pass, PassContext } from "../pass.js";
import { mix } from "../profile-sites.js";

/** Guard numbers of value guards: this plus the global's index (below are branch edges). */
export const GLOBAL_GUARD_BASE = 1 << 20;
/** Globals speculated on per function at most (each test runs at every call). */
export const MAX_GLOBAL_GUARDS = 8;

export const speculateGlobals: Pass = {
  name: "speculate-globals",
  required: false,
  doc: "read integer globals that nothing in the call can write as the constants they were, behind tests at the entry",
  run(fn: IrFunction, module: Module, context: PassContext): boolean {
    const input = context.speculation;
    if (input?.globals === undefined || input.globals.length === 0) return false;
    const reads = globalReads(fn);
    if (reads.size === 0) return false;
    const disabled = new Set(input.disabled);
    const chosen: GlobalValue[] = [];
    for (const g of input.globals) {
      const global = module.globals[g.global];
      if (chosen.length >= MAX_GLOBAL_GUARDS) break;
      if (global === undefined || !global.mutable || !reads.has(g.global)) continue;
      if (
        (global.type !== Type.I32 && global.type !== Type.I64) ||
        disabled.has(GLOBAL_GUARD_BASE + g.global)
      )
        continue;
      if (typeof g.value !== (global.type === Type.I64 ? "bigint" : "number")) continue;
      if (input.randomSeed === undefined) {
        chosen.push(g);
        continue;
      }
      // stress mode: a third of the globals are speculated on as they are, a third off by one
      const pick = mix(input.randomSeed, GLOBAL_GUARD_BASE + g.global) % 3;
      if (pick === 1) chosen.push(g);
      // (without its words: the test of the global fails first, unless it is that value now)
      else if (pick === 2)
        chosen.push({
          global: g.global,
          value: typeof g.value === "bigint" ? g.value + 1n : (g.value + 1) | 0,
          words: [],
        });
    }
    if (chosen.length === 0) return false;
    guardAtEntry(fn, chosen, reads, { func: input.original, block: input.entryBlock ?? 0 });
    return true;
  },
};

/** Each global the function reads, with the instructions that read it. */
function globalReads(fn: IrFunction): Map<number, Inst[]> {
  const reads = new Map<number, Inst[]>();
  for (const block of fn.blocks) {
    for (const inst of block.insts) {
      if (inst.op !== Op.GlobalGet) continue;
      const list = reads.get(inst.imm);
      if (list === undefined) reads.set(inst.imm, [inst]);
      else list.push(inst);
    }
  }
  return reads;
}

/**
 * Tests each chosen global (and its words) at the start of the entry block, which moves to a
 * new block after the tests; then rewrites the reads and the invariant loads through them.
 */
function guardAtEntry(
  fn: IrFunction,
  chosen: GlobalValue[],
  reads: Map<number, Inst[]>,
  resume: ResumePoint,
): void {
  let next = valueCount(fn);
  const entry = fn.blocks[0]!;
  const params = entry.params;
  const rest: Block = { params: [], paramTypes: [], insts: entry.insts, term: entry.term };
  entry.insts = [];
  let testing = entry;
  const inst = (op: Op, type: Type, args: ValueId[], imm: number, big = 0n): ValueId => {
    const result = next++;
    testing.insts.push({ op, type, result, args, imm, big, loc: -1 });
    return result;
  };
  const constant = (type: Type, value: number | bigint): ValueId =>
    typeof value === "bigint" ? inst(Op.Const, type, [], 0, value) : inst(Op.Const, type, [], value);
  // a failed test leaves through a deopt exit of the global's guard, then tests continue
  const test = (differs: ValueId, guard: number): void => {
    fn.blocks.push({
      params: [],
      paramTypes: [],
      insts: [],
      term: {
        op: TermOp.Deopt,
        args: [...params],
        targets: [],
        imm: guard,
        loc: -1,
        resume,
      },
    });
    const failed = fn.blocks.length - 1;
    const passed: Block = { params: [], paramTypes: [], insts: [], term: jumpTo(-1) };
    fn.blocks.push(passed);
    testing.term = {
      op: TermOp.BrIf,
      args: [differs],
      targets: [
        { block: failed, args: [] },
        { block: fn.blocks.length - 1, args: [] },
      ],
      imm: 0,
      loc: -1,
    };
    testing = passed;
  };
  for (const g of chosen) {
    const type = typeof g.value === "bigint" ? Type.I64 : Type.I32;
    const read = inst(Op.GlobalGet, type, [], g.global);
    const value = constant(type, g.value);
    test(inst(Op.Ne, Type.I32, [read, value], 0), GLOBAL_GUARD_BASE + g.global);
    for (const [offset, word] of g.words) {
      if (!readsWordAt(fn, reads.get(g.global) ?? [], offset)) continue;
      // the snapshot read it, so the address is within memory, which never shrinks
      const loaded = inst(Op.Load, Type.I32, [constant(Type.I32, g.value as number)], offset);
      test(inst(Op.Ne, Type.I32, [loaded, constant(Type.I32, word)], 0), GLOBAL_GUARD_BASE + g.global);
    }
  }
  fn.blocks.push(rest);
  testing.term = jumpTo(fn.blocks.length - 1);
  // the reads become the constants (in place, keeping their ids); then the invariant loads
  // whose address is such a read and whose word the snapshot holds
  const wordAt = new Map<ValueId, GlobalValue>();
  for (const g of chosen) {
    for (const read of reads.get(g.global) ?? []) {
      read.op = Op.Const;
      read.args = [];
      if (typeof g.value === "bigint") {
        read.imm = 0;
        read.big = g.value;
      } else {
        read.imm = g.value;
      }
      wordAt.set(read.result, g);
    }
  }
  for (const block of fn.blocks) {
    for (const load of block.insts) {
      if (load.op !== Op.Load || load.type !== Type.I32 || load.invariant !== true) continue;
      const g = wordAt.get(load.args[0]!);
      const word = g?.words.find(([offset]) => offset === load.imm);
      if (word === undefined) continue;
      load.op = Op.Const;
      load.args = [];
      load.imm = word[1];
      delete load.invariant;
    }
  }
}

/** Whether an invariant i32 load reads the word at `offset` from an address `reads` read. */
function readsWordAt(fn: IrFunction, reads: Inst[], offset: number): boolean {
  const addresses = new Set(reads.map((read) => read.result));
  return fn.blocks.some((block) =>
    block.insts.some(
      (load) =>
        load.op === Op.Load &&
        load.type === Type.I32 &&
        load.invariant === true &&
        load.imm === offset &&
        addresses.has(load.args[0]!),
    ),
  );
}

function jumpTo(block: number): Block["term"] {
  return { op: TermOp.Jump, args: [], targets: [{ block, args: [] }], imm: 0, loc: -1 };
}
