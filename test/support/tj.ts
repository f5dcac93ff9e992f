/** Compiles TJ source and runs `main` in-process, on the reference interpreter or at Tier 0. */
import assert from "node:assert/strict";
import { BufferSink, withStandardHost } from "../../src/engine/host.js";
import { WasmRuntime } from "../../src/engine/runtime.js";
import { Interpreter } from "../../src/ir/interpreter.js";
import type { Module } from "../../src/ir/ir.js";
import type { Scalar } from "../../src/ir/numeric.js";
import { TrapError } from "../../src/ir/trap.js";
import { compileTj } from "../../src/lang/compile.js";
import { formatDiagnostics } from "../../src/lang/diagnostics.js";

/** The IR module of TJ source that must compile. */
export function tjModule(source: string, file = "test.tj"): Module {
  const compiled = compileTj(source, file);
  assert.ok(compiled.ok, "compiles");
  return compiled.module;
}

export interface TjRun {
  output: string;
  result: Scalar | undefined;
  /** The trap message, if the run trapped. */
  trap?: string;
  /** Guest stack of the trap: "name:line" innermost first. */
  stack?: string[];
}

export type Mode = "interp" | "tier0";
export const MODES: readonly Mode[] = ["interp", "tier0"];

export function runTj(
  source: string,
  args: Scalar[] = [],
  options: { maxMemoryPages?: number; mode?: Mode } = {},
): TjRun {
  const compiled = compileTj(source, "test.tj");
  if (!compiled.ok)
    assert.fail(`compile errors:\n${formatDiagnostics("test.tj", source, compiled.diagnostics)}`);
  const main = compiled.functions.get("main");
  assert.ok(main !== undefined, "no main");
  const out = new BufferSink();
  const limits = options.maxMemoryPages === undefined ? {} : { maxMemoryPages: options.maxMemoryPages };
  const env = { env: { now: () => 1234.5 } };
  try {
    let result: Scalar | undefined;
    if (options.mode === "tier0") {
      let runtime: WasmRuntime | undefined;
      runtime = WasmRuntime.instantiate(compiled.module, {
        imports: withStandardHost(out, () => runtime!.memoryBytes(), env),
        ...limits,
      });
      result = runtime.call(main.funcId, args);
    } else {
      let interp: Interpreter | undefined;
      interp = new Interpreter(compiled.module, {
        imports: withStandardHost(out, () => interp!.memory, env),
        ...limits,
      });
      result = interp.call(main.funcId, args);
    }
    return { output: out.text(), result };
  } catch (error) {
    if (!(error instanceof TrapError)) throw error;
    return {
      output: out.text(),
      result: undefined,
      trap: error.message,
      stack: error.guestStack.map((f) => `${f.functionName}:${f.line ?? "?"}`),
    };
  }
}

/** The diagnostics of source that must fail to compile, as "line:col: message" lines. */
export function compileErrors(source: string): string[] {
  const compiled = compileTj(source, "test.tj");
  if (compiled.ok) return [];
  return compiled.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`);
}

/** The trap `run` throws (a failed assertion if it returns or throws something else). */
export function trapOf(run: () => unknown): TrapError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof TrapError, `a trap, not ${String(error)}`);
    return error;
  }
  return assert.fail("no trap");
}

/** Asserts that `run` traps with the same message and guest stack as `expected`. */
export function assertSameTrap(run: () => unknown, expected: TrapError): void {
  const actual = trapOf(run);
  assert.equal(actual.message, expected.message);
  assert.deepEqual(actual.guestStack, expected.guestStack);
}
