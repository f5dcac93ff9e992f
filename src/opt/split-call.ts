/**
 * Splitting a block at a call, for passes that replace the call by new blocks (inline,
 * devirtualize): room is made for the new blocks right after the call's block, and the
 * rest of the block moves to a continuation that receives the call's result.
 */

import type { Block, IrFunction } from "../ir/ir.js";

/**
 * Renumbers every branch to a block after `b` by `added` (the new blocks will sit right
 * after `b`), and returns the continuation of block `b`'s call at index `k`: the call's
 * result as its parameter, the instructions after the call, block `b`'s terminator. The
 * caller inserts it (and its other new blocks) and rewrites block `b` itself.
 */
export function continuationAfterCall(fn: IrFunction, b: number, k: number, added: number): Block {
  const block = fn.blocks[b]!;
  const call = block.insts[k]!;
  const moved = (id: number): number => (id > b ? id + added : id);
  for (const other of fn.blocks) {
    other.term.targets = other.term.targets.map((t) => ({ block: moved(t.block), args: t.args }));
  }
  return {
    params: call.result < 0 ? [] : [call.result],
    paramTypes: call.result < 0 ? [] : [call.type],
    insts: block.insts.slice(k + 1),
    term: block.term,
  };
}
