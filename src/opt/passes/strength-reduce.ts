/**
 * strength-reduce: in an innermost loop whose header carries a counter `i` stepped by a constant, an
 * address that loads and stores use and that is a linear function of `i` — built from `i`
 * by adding or subtracting values from outside the loop, shifting or multiplying by
 * constants (`base + ((row + i) << 3)`) — becomes a header parameter of its own, computed
 * once before the loop and stepped by a constant at the back edge. Each iteration then
 * adds once per address instead of recomputing the chain. Wasm's i32 arithmetic wraps, and
 * so does every operation of the chain, so the stepped value equals the recomputed one
 * whatever the values.
 *
 * One edge into the loop (the code computing the first addresses goes at the end of its
 * block, whatever else that block branches to: it cannot trap) and one back edge (a jump); only addresses of memory accesses, so that nothing
 * but the chains the loop no longer needs changes (`dce` deletes them).
 */

import type { Block, Inst, IrFunction, Module } from "../../ir/ir.js";
import { valueCount } from "../../ir/ir.js";
import { innermostLoops, type Loop, loopEntryEdge } from "../../ir/loops.js";
import { Op, OpKind, opInfo, TermOp } from "../../ir/ops.js";
import { Type } from "../../ir/types.js";
import { definitions, i32ConstantOf } from "../../ir/uses.js";
import type { Pass } from "../pass.js";
import { MIN_CONSTANT_LIMIT } from "./version-loops.js";

/** Addresses reduced per loop at most (each one a header parameter: a register). */
export const MAX_REDUCED_ADDRESSES = 4;

export const strengthReduce: Pass = {
  name: "strength-reduce",
  required: false,
  doc: "step loop addresses that are linear in the loop counter instead of recomputing them",
  run(fn: IrFunction, _module: Module): boolean {
    let changed = false;
    // innermost loops only: an outer loop's stepped addresses would stay live through
    // its inner loops, taking registers where they are scarcest (nbody: 43 -> 51 ms)
    for (const loop of innermostLoops(fn)) changed = reduceLoop(fn, loop) || changed;
    return changed;
  },
};

/** How a value depends on a counter: value = offset(counter) with `scale` per unit of the counter. */
interface Linear {
  /** The header parameter index of the counter. */
  counter: number;
  /** Change of the value per unit of the counter (i32, wrapping). */
  scale: number;
}

function reduceLoop(fn: IrFunction, loop: Loop): boolean {
  const header = fn.blocks[loop.header]!;
  if (loop.latches.length !== 1) return false;
  const latchId = loop.latches[0]!;
  const latch = fn.blocks[latchId]!;
  if (latch.term.op !== TermOp.Jump) return false;
  // the one edge into the loop (its block may branch elsewhere too: what it gains is pure)
  const entry = loopEntryEdge(fn, loop);
  if (entry === null) return false;
  const preheader = fn.blocks[entry.block]!;
  const entryEdge = entry.edge;
  const { def, defBlock } = definitions(fn);
  const inLoop = (v: number): boolean => defBlock[v]! >= 0 && loop.body[defBlock[v]!] === 1;
  const constant = (v: number): number | undefined => i32ConstantOf(def, v);
  // a constant is the same on every iteration wherever it is defined
  const invariant = (v: number): boolean => !inLoop(v) || constant(v) !== undefined;
  // counters: i32 header parameters that the back edge passes as `i + C`
  const steps = new Map<number, number>();
  const backArgs = latch.term.targets[0]!.args;
  header.params.forEach((param, k) => {
    if (header.paramTypes[k] !== Type.I32) return;
    const next = def[backArgs[k]!];
    if (next?.op !== Op.Add) return;
    const [a, b] = next.args as [number, number];
    const step = a === param ? constant(b) : b === param ? constant(a) : undefined;
    if (step !== undefined) steps.set(param, step);
  });
  if (steps.size === 0) return false;
  // a loop that runs a few times pays the setup and the registers for little (nbody's
  // five bodies: 43 -> 50 ms): none whose test compares with a small positive constant
  if (header.term.op === TermOp.BrIf) {
    const test = def[header.term.args[0]!];
    if (test !== undefined && opInfo(test.op).kind === OpKind.Compare) {
      const small = test.args.some((v) => {
        const bound = constant(v);
        return bound !== undefined && bound > 0 && bound <= MIN_CONSTANT_LIMIT;
      });
      if (small) return false;
    }
  }
  const linear = new Map<number, Linear | null>();
  const linearOf = (v: number): Linear | null => {
    if (linear.has(v)) return linear.get(v)!;
    linear.set(v, null);
    let result: Linear | null = null;
    const k = header.params.indexOf(v);
    if (k >= 0 && steps.has(v)) result = { counter: k, scale: 1 };
    const inst = def[v];
    if (result === null && inst !== undefined && inst.type === Type.I32 && inLoop(v)) {
      const [a, b] = inst.args as [number, number];
      if (inst.op === Op.Add || inst.op === Op.Sub) {
        const left = linearOf(a);
        if (left !== null && invariant(b)) result = left;
        else if (inst.op === Op.Add && invariant(a)) result = linearOf(b);
      } else if (inst.op === Op.Shl || inst.op === Op.Mul) {
        const factor = constant(b);
        const inner = linearOf(a);
        if (factor !== undefined && inner !== null) {
          const times = inst.op === Op.Shl ? 2 ** (factor & 31) : factor;
          result = { counter: inner.counter, scale: Math.imul(inner.scale, times) };
        }
      }
    }
    linear.set(v, result);
    return result;
  };
  // addresses of the loop's loads and stores that are linear in a counter and computed
  // (not the counter itself, which is stepped already)
  const addresses: number[] = [];
  for (let b = 0; b < fn.blocks.length; b++) {
    if (loop.body[b] !== 1) continue;
    for (const inst of fn.blocks[b]!.insts) {
      const kind = opInfo(inst.op).kind;
      if (kind !== OpKind.Load && kind !== OpKind.Store) continue;
      const address = inst.args[0]!;
      if (addresses.includes(address) || header.params.includes(address) || !inLoop(address)) continue;
      if (linearOf(address) !== null && addresses.length < MAX_REDUCED_ADDRESSES) addresses.push(address);
    }
  }
  if (addresses.length === 0) return false;
  let next = valueCount(fn);
  const entryArgs = [...preheader.term.targets[entryEdge]!.args];
  const stepped: number[] = [];
  const newParams: number[] = [];
  // an address at the counter's first value: its chain copied before the loop, the
  // header's parameters replaced by what the preheader passes them (once for all the
  // addresses whose chains share a part)
  const copies = new Map<number, number>();
  const copy = (v: number): number => {
    const k = header.params.indexOf(v);
    if (k >= 0) return entryArgs[k]!;
    if (!inLoop(v)) return v;
    const known = copies.get(v);
    if (known !== undefined) return known;
    const inst = def[v]!;
    const clone: Inst = { ...inst, result: next++, args: inst.args.map(copy) };
    delete clone.site;
    delete clone.invariant;
    preheader.insts.push(clone);
    copies.set(v, clone.result);
    return clone.result;
  };
  for (const address of addresses) {
    const { counter, scale } = linearOf(address)!;
    const initial = copy(address);
    const param = next++;
    newParams.push(param);
    replaceInLoop(fn, loop, address, param);
    const step: Inst = {
      op: Op.Const,
      type: Type.I32,
      result: next++,
      args: [],
      imm: Math.imul(steps.get(header.params[counter]!)!, scale),
      big: 0n,
      loc: latch.term.loc,
    };
    const advanced: Inst = { ...step, op: Op.Add, imm: 0, result: next++, args: [param, step.result] };
    latch.insts.push(step, advanced);
    stepped.push(advanced.result);
    entryArgs.push(initial);
  }
  header.params = [...header.params, ...newParams];
  header.paramTypes = [...header.paramTypes, ...newParams.map(() => Type.I32)];
  latch.term.targets[0]!.args = [...backArgs, ...stepped];
  preheader.term.targets[entryEdge] = { block: loop.header, args: entryArgs };
  return true;
}

/** Makes the loop's loads and stores use `replacement` as the address where they used `address`. */
function replaceInLoop(fn: IrFunction, loop: Loop, address: number, replacement: number): void {
  fn.blocks.forEach((block: Block, b) => {
    if (loop.body[b] !== 1) return;
    for (const inst of block.insts) {
      const kind = opInfo(inst.op).kind;
      if ((kind === OpKind.Load || kind === OpKind.Store) && inst.args[0] === address) {
        inst.args = [replacement, ...inst.args.slice(1)];
      }
    }
  });
}
