/**
 * `tierjit run`: compile a program, call its `main` with the command-line arguments, print
 * the result, and map traps and errors to exit statuses (cli.md). This build runs programs
 * on the reference interpreter (`--interp`); the Wasm tiers are not built yet, and asking
 * for them is a usage error that says so.
 */

import { performance } from "node:perf_hooks";
import { withStandardHost } from "../engine/host.js";
import { type HostImports, Interpreter, LinkError } from "../ir/interpreter.js";
import { PAGE_SIZE } from "../ir/ir.js";
import { TrapError, TrapKind } from "../ir/trap.js";
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
  if (!options.interp) {
    const mode =
      options.tier !== undefined ? `--tier ${options.tier}` : options.stress ? "--stress" : "tiered mode";
    throw new CliError(
      `error: ${mode} is not built yet in this version; run with --interp (the reference interpreter)`,
    );
  }
  const values = parseEntryArgs(entry, args);
  const deadline = options.timeoutMs === undefined ? undefined : performance.now() + options.timeoutMs;
  let interpreter: Interpreter | undefined;
  try {
    interpreter = new Interpreter(program.module, {
      imports: withStandardHost(stdoutSink, () => interpreter?.memory ?? new Uint8Array(0), cliHost()),
      ...(options.memoryLimitBytes === undefined
        ? {}
        : { maxMemoryPages: Math.floor(options.memoryLimitBytes / PAGE_SIZE) }),
      ...(deadline === undefined ? {} : { interrupt: () => performance.now() > deadline }),
    });
    const result = interpreter.call(entry.funcId, values);
    const text = formatEntryResult(entry, result);
    if (text !== undefined) stdoutSink.write(`${text}\n`);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof TrapError) {
      stdoutSink.flush();
      const message =
        error.kind === TrapKind.Timeout ? `timeout after ${options.timeoutMs} ms` : error.message;
      const stack = error.formatStack();
      stderrSink.write(`error: ${message}\n${stack === "" ? "" : `${stack}\n`}`);
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
