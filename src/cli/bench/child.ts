/**
 * One process execution of one benchmark in one mode (`node child.js MODE FILE SIZE
 * ITERATIONS`): loads the program, calls `main(SIZE)` ITERATIONS times in this process and
 * prints one JSON line — the first iteration's output, the time to load and compile,
 * the time to the first result, and every iteration's time. Run as a separate process by
 * the harness (harness.ts), so that each execution starts cold, as Barrett et al. ask.
 *
 * Times start after Node and tierjit's own modules are loaded (the same for every mode): for
 * TJ modes they include parsing, checking and compiling the program and creating the engine;
 * for `js` importing the twin.
 */

import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { TieredBackend } from "../../engine/backend.js";
import { TieredConfig } from "../../engine/config.js";
import { BufferSink } from "../../engine/host.js";
import { compileTj } from "../../lang/compile.js";
import { formatDiagnostics } from "../../lang/diagnostics.js";

export interface ChildReport {
  output: string;
  /** Load and compile, before the first call (ms). */
  compileMs: number;
  /** From the start of loading to the end of the first iteration (ms). */
  firstResultMs: number;
  iterationMs: number[];
}

/** Calls main with the size argument; returns its result as the CLI prints it ("" for none). */
type Run = (n: number) => string;

function format(value: unknown): string {
  return value === undefined ? "" : `${String(value)}\n`;
}

function configFor(mode: string): TieredConfig {
  const config = mode === "tiered-dev" ? TieredConfig.development() : TieredConfig.production();
  config.verbosity = 0;
  if (mode === "tier0" || mode === "tier1" || mode === "tier2") {
    config.pinnedTier = Number(mode.slice(4)) as 0 | 1 | 2;
  } else if (mode !== "tiered" && mode !== "tiered-dev") {
    throw new Error(`unknown mode '${mode}'`);
  }
  return config;
}

async function load(
  mode: string,
  file: string,
  sink: BufferSink,
): Promise<{ run: Run; close: () => Promise<void> }> {
  if (mode === "js") {
    const twin = (await import(pathToFileURL(file).href)) as {
      main: (n: number, print: (s: string) => void) => unknown;
    };
    return {
      run: (n) => format(twin.main(n, (s) => sink.write(`${s}\n`))),
      close: async () => {},
    };
  }
  const source = readFileSync(file, "utf8");
  const compiled = compileTj(source, file);
  if (!compiled.ok) throw new Error(formatDiagnostics(file, source, compiled.diagnostics));
  const backend = await TieredBackend.create(configFor(mode), { output: sink });
  backend.compileModule(compiled.module);
  const entry = backend.getFunction("main");
  return { run: (n) => format(entry(n)), close: () => backend.shutdown() };
}

export async function runChild(
  mode: string,
  file: string,
  size: number,
  iterations: number,
): Promise<ChildReport> {
  const sink = new BufferSink();
  const started = performance.now();
  const { run, close } = await load(mode, file, sink);
  const compileMs = performance.now() - started;
  const iterationMs: number[] = [];
  let output = "";
  let firstResultMs = 0;
  try {
    for (let i = 0; i < iterations; i++) {
      const start = performance.now();
      const result = run(size);
      const end = performance.now();
      iterationMs.push(end - start);
      if (i === 0) {
        output = sink.text() + result;
        firstResultMs = end - started;
      }
    }
  } finally {
    await close();
  }
  return { output, compileMs, firstResultMs, iterationMs };
}

const [, , mode, file, size, iterations] = process.argv;
if (mode !== undefined && file !== undefined && process.argv[1]?.endsWith("child.js")) {
  runChild(mode, file, Number(size), Number(iterations)).then(
    (report) => process.stdout.write(`${JSON.stringify(report)}\n`),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
