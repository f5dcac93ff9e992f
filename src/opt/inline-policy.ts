/**
 * What the inliner and the devirtualizer may copy: small callees, and the statically known
 * targets of indirect calls. Compile jobs ship the bodies `inlineCandidates` names, so a
 * job stays a pure function of its inputs.
 */

import type { FuncId, IrFunction, Module } from "../ir/ir.js";
import { Op, TermOp } from "../ir/ops.js";
import { signaturesEqual } from "../ir/types.js";

/** Stress mode guards one of the first this many slots of a call's signature. */
export const SPECULATED_SLOTS_MAX = 64;
/** Callees up to this many instructions (terminators included) are inlined. */
export const INLINE_MAX_CALLEE_SIZE = 40;
/**
 * ...and up to this many into a call site that Tier 1's profile saw run at least
 * HOT_CALL_COUNT times (HotSpot's FreqInlineSize against its MaxInlineSize).
 */
export const INLINE_MAX_HOT_CALLEE_SIZE = 120;
export const HOT_CALL_COUNT = 100;
/** A caller stops growing by inlining at this many instructions. */
export const INLINE_MAX_CALLER_SIZE = 3000;
/** An indirect call is devirtualized when its signature has at most this many functions in the table... */
export const DEVIRTUALIZE_MAX_TARGETS = 4;
/** ...in at most this many slots (one comparison each). */
export const DEVIRTUALIZE_MAX_SLOTS = 8;

export function size(fn: IrFunction): number {
  let n = 0;
  for (const block of fn.blocks) n += block.insts.length + 1;
  return n;
}

/** A callee whose body is present and small; what it does does not matter (inline sites keep its frame). */
export function isInlinable(callee: IrFunction, maxSize = INLINE_MAX_CALLEE_SIZE): boolean {
  return callee.blocks.length > 0 && size(callee) <= maxSize && !hasCallerFrames(callee);
}

/** The largest callee a call may inline: larger where the profile saw the call run often. */
export function inlineBudget(profileCount: number | undefined): number {
  return profileCount !== undefined && profileCount >= HOT_CALL_COUNT
    ? INLINE_MAX_HOT_CALLEE_SIZE
    : INLINE_MAX_CALLEE_SIZE;
}

/**
 * Deopt exits that already rebuild a caller frame (code that inlined a speculated callee)
 * would need a third frame once copied again: such code is not inlined.
 */
function hasCallerFrames(fn: IrFunction): boolean {
  return fn.blocks.some((block) => block.term.op === TermOp.Deopt && block.term.caller !== undefined);
}

/**
 * Slot → function for every slot a call_indirect of type `typeIndex` can reach without
 * trapping (the table never changes, and a slot of another signature traps), or null when
 * they are too many or too big to be worth a chain of tests.
 */
export function staticTargets(module: Module, typeIndex: number): Map<number, FuncId> | null {
  const signature = module.types[typeIndex];
  if (signature === undefined) return null;
  const slots = new Map<number, FuncId>();
  const distinct = new Set<FuncId>();
  for (let slot = 0; slot < module.table.length; slot++) {
    const id = module.table[slot]!;
    const callee = id < 0 ? undefined : module.functions[id];
    if (callee === undefined || !signaturesEqual(callee, signature)) continue;
    if (slots.size >= DEVIRTUALIZE_MAX_SLOTS || !isInlinable(callee)) return null;
    slots.set(slot, id);
    distinct.add(id);
  }
  return distinct.size === 0 || distinct.size > DEVIRTUALIZE_MAX_TARGETS ? null : slots;
}

/**
 * The other functions whose bodies `fn`'s inlining and devirtualization may copy, `levels`
 * calls deep (Tier 2 inlines twice: the callees' own callees too).
 */
export function inlineCandidates(module: Module, fn: IrFunction, levels = 2): number[] {
  const found = new Set<number>();
  let frontier = [fn];
  for (let level = 0; level < levels; level++) {
    const next: IrFunction[] = [];
    // the function's own direct calls may be hot (inlineBudget): their callees go up to
    // the larger size, whose profile only the job reads
    const maxSize = level === 0 ? INLINE_MAX_HOT_CALLEE_SIZE : INLINE_MAX_CALLEE_SIZE;
    const add = (id: number, limit = INLINE_MAX_CALLEE_SIZE): void => {
      const callee = module.functions[id];
      if (callee === undefined || callee === fn || found.has(id) || !isInlinable(callee, limit)) return;
      found.add(id);
      next.push(callee);
    };
    for (const caller of frontier) {
      for (const block of caller.blocks) {
        for (const inst of block.insts) {
          if (inst.op === Op.Call) add(inst.imm, maxSize);
          else if (inst.op === Op.CallIndirect)
            for (const id of staticTargets(module, inst.imm)?.values() ?? []) add(id);
        }
      }
    }
    frontier = next;
  }
  return [...found];
}

/**
 * The functions `speculate-calls` may guard and inline for a job speculating on `input`:
 * the targets its profile recorded (stress mode: any inlinable function in the first
 * SPECULATED_SLOTS_MAX slots, since it picks at random).
 */
export function speculatedTargets(
  module: Module,
  input: { targets?: Int32Array; randomSeed?: number },
): FuncId[] {
  const found = new Set<FuncId>();
  const add = (slot: number): void => {
    const id = functionInSlot(module, slot);
    const callee = id < 0 ? undefined : module.functions[id];
    // up to the size an often-run site may guard (the job reads the counts)
    if (callee !== undefined && isInlinable(callee, INLINE_MAX_HOT_CALLEE_SIZE)) found.add(id);
  };
  if (input.randomSeed !== undefined) {
    for (let slot = 0; slot < Math.min(module.table.length, SPECULATED_SLOTS_MAX); slot++) add(slot);
  } else {
    for (const slot of input.targets ?? []) add(slot);
  }
  return [...found];
}

/** The function in table slot `slot` (a profile's record: any number), or -1 for none. */
export function functionInSlot(module: Module, slot: number): FuncId {
  return slot >= 0 && slot < module.table.length ? module.table[slot]! : -1;
}
