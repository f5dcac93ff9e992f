/**
 * Maps errors raised by the host's Wasm engine to IR trap kinds, and V8 stack frames of
 * our compiled modules back to IR functions and source lines.
 */

import { TrapKind } from "../ir/trap.js";

/** The trap kind of a WebAssembly RuntimeError or stack-overflow RangeError, if it is one. */
export function trapKindOfEngineError(error: unknown): TrapKind | undefined {
  if (error instanceof RangeError && /call stack/i.test(error.message)) return TrapKind.StackOverflow;
  if (!(error instanceof WebAssembly.RuntimeError)) return undefined;
  const message = error.message;
  if (/divide by zero|remainder by zero/.test(message)) return TrapKind.IntegerDivideByZero;
  if (/divide result unrepresentable|integer overflow/.test(message)) return TrapKind.IntegerOverflow;
  // NaN is checked explicitly before a trapping truncation, so this is an overflow
  if (/float unrepresentable|invalid conversion/.test(message)) return TrapKind.IntegerOverflow;
  if (/memory access out of bounds/.test(message)) return TrapKind.MemoryOutOfBounds;
  if (/table index is out of bounds|undefined element/.test(message)) return TrapKind.TableOutOfBounds;
  if (/null function|signature mismatch/.test(message)) return TrapKind.NullFunction;
  if (/unreachable/.test(message)) return TrapKind.Unreachable;
  if (/stack overflow/i.test(message)) return TrapKind.StackOverflow;
  return undefined;
}

export interface WasmFrame {
  moduleName: string;
  functionIndex: number;
  offset: number;
}

const FRAME = /wasm:\/\/wasm\/(.+?)-[0-9a-f]+:wasm-function\[(\d+)\]:0x([0-9a-f]+)/;

/** The Wasm frames in a V8 `error.stack`, innermost first. */
export function wasmFrames(stack: string | undefined): WasmFrame[] {
  if (stack === undefined) return [];
  const frames: WasmFrame[] = [];
  for (const line of stack.split("\n")) {
    const match = FRAME.exec(line);
    if (match === null) continue;
    frames.push({
      moduleName: match[1]!,
      functionIndex: Number(match[2]),
      offset: Number.parseInt(match[3]!, 16),
    });
  }
  return frames;
}

/** The source-map entry in effect at `offset`: the last whose offset is at or before it, or -1. */
export function entryAt(offsets: readonly number[], offset: number): number {
  let lo = 0;
  let hi = offsets.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (offsets[mid]! <= offset) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}
