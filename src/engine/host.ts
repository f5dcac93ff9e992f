/**
 * The standard host (ir/host-abi.ts) implemented for an output sink: the `print` family of
 * TJ builtins. Formatting follows language.md: f64 like JavaScript's `String(x)`, bool as
 * `true`/`false`, i64 in full decimal, `print_fixed` like `toFixed` with the digit count
 * clamped to 0..100 (where `toFixed` would throw).
 */

import { STANDARD_HOST, STANDARD_HOST_MODULE } from "../ir/host-abi.js";
import type { HostImports } from "../ir/interpreter.js";
import type { Module } from "../ir/ir.js";
import type { Scalar } from "../ir/numeric.js";

export interface OutputSink {
  write(text: string): void;
}

/** Collects output in memory (tests, differential runs). */
export class BufferSink implements OutputSink {
  private parts: string[] = [];
  write(text: string): void {
    this.parts.push(text);
  }
  text(): string {
    return this.parts.join("");
  }
}

const DECODER = new TextDecoder();

export function formatF64(value: number): string {
  return String(value);
}

export function formatFixed(value: number, digits: number): string {
  return value.toFixed(Math.max(0, Math.min(100, digits)));
}

/**
 * Host functions for module `tj`. `memory` returns the guest's current linear memory (it
 * may be replaced when memory grows, so it is called at each use).
 */
export function standardHostFunctions(
  out: OutputSink,
  memory: () => Uint8Array,
): Record<string, (...args: Scalar[]) => unknown> {
  return {
    print_i32: (value) => out.write(`${value as number}\n`),
    print_i64: (value) => out.write(`${(value as bigint).toString()}\n`),
    print_f64: (value) => out.write(`${formatF64(value as number)}\n`),
    print_bool: (value) => out.write(value !== 0 ? "true\n" : "false\n"),
    print_str: (address, length) => {
      const start = (address as number) >>> 0;
      const bytes = memory().subarray(start, start + ((length as number) >>> 0));
      out.write(`${DECODER.decode(bytes)}\n`);
    },
    print_fixed: (value, digits) => out.write(`${formatFixed(value as number, digits as number)}\n`),
    fmod: (a, b) => (a as number) % (b as number),
  };
}

/** Merges the standard host with user host functions (user modules win on a name clash). */
export function withStandardHost(
  out: OutputSink,
  memory: () => Uint8Array,
  user: HostImports = {},
): HostImports {
  return { ...user, tj: { ...standardHostFunctions(out, memory), ...(user.tj ?? {}) } };
}

/**
 * The imports of `module` (by index) whose host functions never call back into the guest:
 * the standard host's own, where `user` does not replace them. Any other host function
 * may call an exported guest function, which may write any global.
 */
export function leafHostImports(module: Module, user: HostImports = {}): Set<number> {
  const leaves = new Set<number>();
  module.imports.forEach((imported, index) => {
    if (imported.module !== STANDARD_HOST_MODULE) return;
    if (!STANDARD_HOST.some((entry) => entry.field === imported.field)) return;
    if (user.tj !== undefined && Object.hasOwn(user.tj, imported.field)) return;
    leaves.add(index);
  });
  return leaves;
}
