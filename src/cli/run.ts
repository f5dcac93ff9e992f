/**
 * `tierjit run`: compile a program, call its `main` with the command-line arguments, print
 * the result, and map traps and errors to exit statuses (cli.md). Programs run on the
 * reference interpreter (`--interp`) or in the tiered engine (the default, or pinned to a
 * tier with `--tier`); modes not built yet are a usage error that says so.
 */

import { writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { TieredBackend } from "../engine/backend.js";
import { TieredConfig, type TierNumber } from "../engine/config.js";
import { withStandardHost } from "../engine/host.js";
import type { FaultKind } from "../engine/jobs.js";
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
  profile: "dev" | "prod";
  stress: boolean;
  stats: boolean;
  /** On-stack replacement (`--no-osr`: false). */
  osr: boolean;
  /** Speculation with deopt (`--no-speculation`: false); absent: on. */
  speculation?: boolean;
  verbosity: number;
  memoryLimitBytes?: number;
  timeoutMs?: number;
  fault?: FaultKind;
  /** Write a Chrome Trace Event file here when the program ends. */
  traceFile?: string;
}

/** Host functions the command line provides to every program (`extern function now(): f64`). */
export function cliHost(): HostImports {
  return { env: { now: () => performance.now() } };
}

function engineConfig(options: RunOptions): TieredConfig {
  let config = options.profile === "dev" ? TieredConfig.development() : TieredConfig.production();
  if (options.stress) {
    if (options.tier !== undefined)
      throw new CliError("error: --stress and --tier cannot be combined (stress changes tiers)");
    config = TieredConfig.stress();
  }
  // the command line logs only when asked (-v), whatever the preset's verbosity
  config.verbosity = Math.min(2, options.verbosity) as 0 | 1 | 2;
  config.pinnedTier = options.tier === undefined ? null : (Number(options.tier) as TierNumber);
  config.timeoutMs = options.timeoutMs ?? null;
  config.memoryLimitBytes = options.memoryLimitBytes ?? null;
  config.fault = options.fault ?? null;
  config.trace = options.traceFile !== undefined;
  config.osr = options.osr;
  config.speculation = options.speculation !== false;
  if (config.pinnedTier === 2 && config.timeoutMs !== null) {
    throw new CliError(
      "error: --timeout cannot stop Tier 2 code (it has no safepoints): use --tier 0 or 1, or run tiered",
    );
  }
  return config;
}

export async function runProgram(
  program: LoadedProgram,
  entry: EntryPoint,
  args: string[],
  options: RunOptions,
): Promise<number> {
  const config = options.interp ? null : engineConfig(options);
  const values = parseEntryArgs(entry, args);
  let backend: TieredBackend | null = null;
  try {
    let result: Scalar | undefined;
    if (config !== null) {
      backend = await TieredBackend.create(config, {
        imports: cliHost(),
        output: stdoutSink,
        log: (line) => stderrSink.write(`${line}\n`),
      });
      // loadProgram verified it, unless it left the bodies to the engine
      backend.compileModule(program.module, { verified: program.lazySource === undefined });
      result = backend.getFunction(program.module.functions[entry.funcId]!.name)(...values);
    } else {
      const maxMemoryPages =
        options.memoryLimitBytes === undefined ? undefined : Math.floor(options.memoryLimitBytes / PAGE_SIZE);
      const deadline = options.timeoutMs === undefined ? undefined : performance.now() + options.timeoutMs;
      let interpreter: Interpreter | undefined;
      interpreter = new Interpreter(program.module, {
        imports: withStandardHost(stdoutSink, () => interpreter?.memory ?? new Uint8Array(0), cliHost()),
        ...(maxMemoryPages === undefined ? {} : { maxMemoryPages }),
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
    if (options.stats && backend !== null) stderrSink.write(`${backend.getStatistics().format()}\n`);
    if (options.traceFile !== undefined && backend !== null) writeTrace(options.traceFile, backend);
    if (backend !== null) await backend.shutdown();
    stderrSink.flush();
  }
}

function writeTrace(file: string, backend: TieredBackend): void {
  try {
    writeFileSync(file, `${JSON.stringify(backend.getTrace())}\n`);
  } catch (error) {
    stderrSink.write(
      `tierjit: cannot write the trace to '${file}': ${(error as NodeJS.ErrnoException).code ?? String(error)}\n`,
    );
  }
}

/** Frames printed for a trap; deeper stacks (a stack overflow) end with `...`. */
export const PRINTED_FRAMES = 20;

function formatTrapStack(error: TrapError): string {
  const lines = error.guestStack.slice(0, PRINTED_FRAMES).map((frame) => `  at ${formatGuestFrame(frame)}\n`);
  if (error.guestStack.length > PRINTED_FRAMES) lines.push("  ...\n");
  return lines.join("");
}
