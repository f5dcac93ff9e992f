/**
 * `tierjit run`: compile a program, call its `main` with the command-line arguments, print
 * the result, and map traps and errors to exit statuses (cli.md). This build runs programs
 * on the reference interpreter (`--interp`) or as Tier 0 WebAssembly (`--tier 0`); the
 * other modes are not built yet, and asking for them is a usage error that says so.
 */

import { performance } from "node:perf_hooks";
import { withStandardHost } from "../engine/host.js";
import { WasmRuntime } from "../engine/runtime.js";
import { type HostImports, Interpreter, LinkError } from "../ir/interpreter.js";
import { PAGE_SIZE } from "../ir/ir.js";
import type { Scalar } from "../ir/numeric.js";
import { formatGuestFrame, TrapError, TrapKind } from "../ir/trap.js";
import { formatEntryResult, parseEntryArgs } from "./entry-args.js";
import { CliError, EXIT_OK, EXIT_RUNTIME } from "./errors.js";
import { stderrSink, stdoutSink } from "./output.js";
import type { EntryPoint, LoadedProgram } from "./program.js";

export interface RunOptions {
  interp: boolean;
  tier?: string;
  stress: boolean;
  memoryLimitBytes?: number;
  timeoutMs?: number;
}

/** Host functions the command line provides to every program (`extern function now(): f64`). */
export function cliHost(): HostImports {
  return { env: { now: () => performance.now() } };
}

export function runProgram(
  program: LoadedProgram,
  entry: EntryPoint,
  args: string[],
  options: RunOptions,
): number {
  const wasm = !options.interp && options.tier === "0";
  if (!options.interp && !wasm) {
    const mode =
      options.tier !== undefined ? `--tier ${options.tier}` : options.stress ? "--stress" : "tiered mode";
    throw new CliError(`error: ${mode} is not built yet in this version; run with --interp or --tier 0`);
  }
  if (wasm && options.timeoutMs !== undefined) {
    throw new CliError("error: --timeout needs --interp in this version (Wasm code has no safepoints yet)");
  }
  const values = parseEntryArgs(entry, args);
  const maxMemoryPages =
    options.memoryLimitBytes === undefined ? undefined : Math.floor(options.memoryLimitBytes / PAGE_SIZE);
  const limits = maxMemoryPages === undefined ? {} : { maxMemoryPages };
  try {
    let result: Scalar | undefined;
    if (wasm) {
      let runtime: WasmRuntime | undefined;
      const imports = withStandardHost(
        stdoutSink,
        () => runtime?.memoryBytes() ?? new Uint8Array(0),
        cliHost(),
      );
      runtime = WasmRuntime.instantiate(program.module, { imports, ...limits });
      result = runtime.call(entry.funcId, values);
    } else {
      const deadline = options.timeoutMs === undefined ? undefined : performance.now() + options.timeoutMs;
      let interpreter: Interpreter | undefined;
      interpreter = new Interpreter(program.module, {
        imports: withStandardHost(stdoutSink, () => interpreter?.memory ?? new Uint8Array(0), cliHost()),
        ...limits,
        ...(deadline === undefined ? {} : { interrupt: () => performance.now() > deadline }),
      });
      result = interpreter.call(entry.funcId, values);
    }
    const text = formatEntryResult(entry, result);
    if (text !== undefined) stdoutSink.write(`${text}\n`);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof TrapError) {
      stdoutSink.flush();
      const message =
        error.kind === TrapKind.Timeout ? `timeout after ${options.timeoutMs} ms` : error.message;
      stderrSink.write(`error: ${message}\n${formatTrapStack(error)}`);
      return EXIT_RUNTIME;
    }
    if (error instanceof LinkError) {
      stdoutSink.flush();
      stderrSink.write(`error: ${error.message}\n`);
      return EXIT_RUNTIME;
    }
    throw error;
  } finally {
    stdoutSink.flush();
    stderrSink.flush();
  }
}

/** Frames printed for a trap; deeper stacks (a stack overflow) end with `...`. */
export const PRINTED_FRAMES = 20;

function formatTrapStack(error: TrapError): string {
  const lines = error.guestStack.slice(0, PRINTED_FRAMES).map((frame) => `  at ${formatGuestFrame(frame)}\n`);
  if (error.guestStack.length > PRINTED_FRAMES) lines.push("  ...\n");
  return lines.join("");
}
