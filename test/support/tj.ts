/** Compiles TJ source and runs `main` on the reference interpreter, in-process. */
import assert from "node:assert/strict";
import { BufferSink, withStandardHost } from "../../src/engine/host.js";
import { Interpreter } from "../../src/ir/interpreter.js";
import type { Scalar } from "../../src/ir/numeric.js";
import { TrapError } from "../../src/ir/trap.js";
import { compileTj } from "../../src/lang/compile.js";
import { formatDiagnostics } from "../../src/lang/diagnostics.js";

export interface TjRun {
  output: string;
  result: Scalar | undefined;
  /** The trap message, if the run trapped. */
  trap?: string;
  /** Guest stack of the trap: "name:line" innermost first. */
  stack?: string[];
}

export function runTj(source: string, args: Scalar[] = [], options: { maxMemoryPages?: number } = {}): TjRun {
  const compiled = compileTj(source, "test.tj");
  if (!compiled.ok)
    assert.fail(`compile errors:\n${formatDiagnostics("test.tj", source, compiled.diagnostics)}`);
  const out = new BufferSink();
  let interp: Interpreter | undefined;
  try {
    interp = new Interpreter(compiled.module, {
      imports: withStandardHost(out, () => interp!.memory, { env: { now: () => 1234.5 } }),
      ...options,
    });
    const main = compiled.functions.get("main");
    assert.ok(main !== undefined, "no main");
    const result = interp.call(main.funcId, args);
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
