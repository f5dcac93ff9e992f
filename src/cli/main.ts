/**
 * The `tierjit` command (cli.md). Every command returns an exit status; nothing here
 * calls process.exit, so the CLI can also be driven in-process by tests.
 */

import { readFileSync } from "node:fs";
import { Command, CommanderError, Option } from "commander";
import type { FaultKind } from "../engine/jobs.js";
import { PIPELINES } from "../engine/pipelines.js";
import type { Module } from "../ir/ir.js";
import { printFunction, printModule } from "../ir/printer.js";
import { runPasses } from "../opt/pass.js";
import { compileModule } from "../wasm/compile-module.js";
import { disassemble } from "../wasm/disassemble.js";
import { compileTier2, loadBinaryen } from "../wasm/tier2.js";
import { BENCH_MODES, SUITE } from "./bench/suite.js";
import { CliError, EXIT_OK, EXIT_RUNTIME, EXIT_USAGE } from "./errors.js";
import { FUZZ_MODES, type FuzzMode } from "./fuzz/modes.js";
import { stderrSink, stdoutSink } from "./output.js";
import { packagePath } from "./paths.js";
import { entryPoint, loadProgram, reportLoadErrors } from "./program.js";
import { runProgram } from "./run.js";
import { parseDuration, parseSize } from "./units.js";

export function packageVersion(): string {
  return (JSON.parse(readFileSync(packagePath("package.json"), "utf8")) as { version: string }).version;
}

interface BenchFlags {
  modes: string;
  quick?: boolean;
  out: string;
  processes?: string;
  iterations?: string;
  baseline?: string;
}

/** A comma-separated list of names, each one of `allowed`. */
function parseList<T extends string>(text: string, allowed: readonly T[], what: string): T[] {
  const items = text.split(",").map((m) => m.trim());
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item)) {
      throw new CliError(`error: unknown ${what} '${item}' (${what}s: ${allowed.join(", ")})`);
    }
  }
  return items as T[];
}

/** `{ key: value }`, or nothing when the value is undefined (for exactOptionalPropertyTypes). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}

interface RunFlags {
  profile: string;
  tier?: string;
  interp?: boolean;
  stress?: boolean;
  osr: boolean;
  speculation: boolean;
  stats?: boolean;
  trace?: string;
  verbose: number;
  memoryLimit?: string;
  timeout?: string;
  fault?: string;
}

function buildProgram(setStatus: (status: number) => void): Command {
  const program = new Command("tierjit")
    .description("A tiered JIT compiler from a typed SSA IR (and the TJ language) to WebAssembly")
    .version(packageVersion(), "--version", "print the version")
    .helpOption("-h, --help", "print this help")
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => stdoutSink.write(text),
      writeErr: (text) => stderrSink.write(text),
    });

  program
    .command("run")
    .description("compile FILE (.tj or .tir) and run its exported main(ARGS...)")
    .argument("<file>", "program file (.tj or .tir)")
    .argument("[args...]", "arguments for main")
    .passThroughOptions()
    .addOption(
      new Option("--profile <name>", "configuration preset").choices(["dev", "prod"]).default("prod"),
    )
    .addOption(new Option("--tier <n>", "pin every function to one tier").choices(["0", "1", "2"]))
    .option("--interp", "run on the reference IR interpreter (no Wasm at all)")
    .option("--stress", "tier up at the first call, compile synchronously, deopt at random")
    .option("--no-osr", "no on-stack replacement")
    .option("--no-speculation", "no speculative optimization")
    .option("--stats", "print engine statistics to stderr at the end")
    .option("--trace <file>", "write a Chrome Trace Event file")
    .option(
      "-v, --verbose",
      "log tier decisions to stderr (-vv for more)",
      (_v: string, n: number) => n + 1,
      0,
    )
    .option("--memory-limit <size>", "guest memory limit: bytes, or with KB, MB, GB")
    .option("--timeout <duration>", "stop the program after ms, or with a suffix ms, s")
    .addOption(
      new Option("--fault <kind>", "make compile jobs fail on purpose").choices([
        "worker-crash",
        "compile-error",
        "compile-hang",
      ]),
    )
    .action(async (file: string, args: string[], flags: RunFlags) => {
      // the interpreter runs what it is given: only the engine checks bodies as it compiles them
      const loaded = loadProgram(file, { lazy: flags.interp !== true });
      try {
        const options = {
          interp: flags.interp === true,
          stress: flags.stress === true,
          stats: flags.stats === true,
          osr: flags.osr,
          speculation: flags.speculation,
          verbosity: flags.verbose,
          profile: flags.profile as "dev" | "prod",
          ...(flags.tier === undefined ? {} : { tier: flags.tier }),
          ...(flags.memoryLimit === undefined ? {} : { memoryLimitBytes: parseSize(flags.memoryLimit) }),
          ...(flags.timeout === undefined ? {} : { timeoutMs: parseDuration(flags.timeout) }),
          ...(flags.fault === undefined ? {} : { fault: flags.fault as FaultKind }),
          ...(flags.trace === undefined ? {} : { traceFile: flags.trace }),
        };
        setStatus(await runProgram(loaded, entryPoint(loaded), args, options));
      } catch (error) {
        // runProgram returns traps and link errors as a status; what is thrown (a bad
        // option or argument, a body that does not parse or verify) is reported after a
        // lazily loaded program's own errors, as loading it at once would have (for a
        // program without errors, reportLoadErrors does nothing)
        reportLoadErrors(loaded);
        throw error;
      }
    });

  program
    .command("check")
    .description("parse and type-check FILE only")
    .argument("<file>", "program file (.tj or .tir)")
    .action((file: string) => {
      loadProgram(file);
      setStatus(EXIT_OK);
    });

  program
    .command("ir")
    .description("print the IR that a tier compiles, in the text format")
    .argument("<file>", "program file (.tj or .tir)")
    .addOption(
      new Option("--tier <n>", "the tier whose input to print").choices(["0", "1", "2"]).default("0"),
    )
    .option("--function <name>", "print only this function")
    .option("--passes", "print the function before and after each pass of the tier (needs --function)")
    .action((file: string, flags: { function?: string; tier: string; passes?: boolean }) => {
      const { module: input } = loadProgram(file);
      const tier = Number(flags.tier) as 0 | 1 | 2;
      if (flags.passes === true) {
        if (flags.function === undefined) throw new CliError("error: --passes needs --function NAME");
        stdoutSink.write(passByPass(input, tier, flags.function, file));
        setStatus(EXIT_OK);
        return;
      }
      const module = irForTier(input, tier);
      if (flags.function !== undefined) {
        const fn = module.functions.find((f) => f.name === flags.function);
        if (fn === undefined) throw new CliError(`error: no function '${flags.function}' in ${file}`);
        stdoutSink.write(`${printFunction(module, fn)}\n`);
      } else {
        stdoutSink.write(printModule(module));
      }
      setStatus(EXIT_OK);
    });
  program
    .command("wasm")
    .description("print the WebAssembly text that a tier emits for FILE")
    .argument("<file>", "program file (.tj or .tir)")
    .addOption(new Option("--tier <n>", "the tier whose code to print").choices(["0", "1", "2"]).default("0"))
    .option("--function <name>", "print only this function")
    .action(async (file: string, flags: { function?: string; tier: string }) => {
      const tier = Number(flags.tier) as 0 | 1 | 2;
      const { module } = loadProgram(file);
      const text = await tierWasmText(module, tier, flags.function);
      if (text === "") throw new CliError(`error: no function '${flags.function}' in ${file}`);
      stdoutSink.write(text);
      setStatus(EXIT_OK);
    });
  program
    .command("fuzz")
    .description("differential fuzzing of generated programs against the interpreter")
    .option("--count <n>", "programs to generate", "100")
    .option("--seed <s>", "seed of the first program", "1")
    .option("--modes <list>", `engine modes to compare (${FUZZ_MODES.join(",")})`, FUZZ_MODES.join(","))
    .option("--out <dir>", "where mismatching programs are written", "fuzz-out")
    .option("--no-shrink", "write mismatching programs as generated, without a shrunk copy")
    .action(async (flags: { count: string; seed: string; modes: string; out: string; shrink: boolean }) => {
      const count = Number(flags.count);
      const seed = Number(flags.seed);
      if (!Number.isInteger(count) || count < 0)
        throw new CliError(`error: --count must be a whole number, got '${flags.count}'`);
      if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 31)
        throw new CliError(`error: --seed must be a whole number, got '${flags.seed}'`);
      const modes: FuzzMode[] = parseList(flags.modes, FUZZ_MODES, "mode");
      // the fuzzer and the harness load when asked for: every other command starts sooner
      const { fuzz } = await import("./fuzz/run.js");
      const summary = await fuzz({
        count,
        seed,
        modes,
        outDir: flags.out,
        shrink: flags.shrink,
        report: (line) => stdoutSink.write(`${line}\n`),
      });
      stdoutSink.write(`${summary.programs} programs, ${summary.mismatches} mismatches\n`);
      setStatus(summary.mismatches === 0 ? EXIT_OK : EXIT_RUNTIME);
    });
  program
    .command("bench")
    .description("run the benchmark suite in several modes side by side (docs/benchmarks.md)")
    .argument("[names...]", `benchmarks to run (default: all of ${SUITE.map((p) => p.name).join(", ")})`)
    .option("--modes <list>", `modes to compare (${BENCH_MODES.join(",")})`, BENCH_MODES.join(","))
    .option("--quick", "small sizes, 2 executions x 5 iterations: the suite in about a minute")
    .option("--out <dir>", "where results.json, summary.md and the plots go", "bench-out")
    .option("--processes <n>", "process executions per program and mode (default 3, quick 2)")
    .option("--iterations <n>", "in-process iterations per execution (default 20, quick 5)")
    .option("--baseline <mode>", "the mode ratios are taken against (default c, or js without gcc)")
    .action(async (names: string[], flags: BenchFlags) => {
      const modes = parseList(flags.modes, BENCH_MODES, "mode");
      const whole = (text: string | undefined, name: string): number | undefined => {
        if (text === undefined) return undefined;
        const value = Number(text);
        if (!Number.isInteger(value) || value < 1)
          throw new CliError(`error: ${name} must be a positive whole number, got '${text}'`);
        return value;
      };
      const baseline =
        flags.baseline === undefined ? undefined : parseList(flags.baseline, BENCH_MODES, "baseline mode")[0];
      if (baseline !== undefined && !modes.includes(baseline)) {
        throw new CliError(`error: the baseline '${baseline}' is not among --modes`);
      }
      const { runBench, selectPrograms } = await import("./bench/harness.js");
      try {
        selectPrograms(names, flags.quick === true);
      } catch (error) {
        throw new CliError(`error: ${(error as Error).message}`);
      }
      const result = await runBench({
        names,
        modes,
        quick: flags.quick === true,
        outDir: flags.out,
        ...optional("processes", whole(flags.processes, "--processes")),
        ...optional("iterations", whole(flags.iterations, "--iterations")),
        ...optional("baseline", baseline),
        print: (text) => stdoutSink.write(`${text}\n`),
        progress: process.stderr.isTTY === true,
      });
      setStatus(result.ok ? EXIT_OK : EXIT_RUNTIME);
    });
  return program;
}

/** `ir --passes`: the function as the tier receives it, then after each of its passes. */
function passByPass(input: Module, tier: 0 | 1 | 2, name: string, file: string): string {
  const module = structuredClone(input);
  const fn = module.functions.find((f) => f.name === name);
  if (fn === undefined) throw new CliError(`error: no function '${name}' in ${file}`);
  const parts = [`; input of tier ${tier}\n${printFunction(module, fn)}\n`];
  for (const pass of PIPELINES[tier].passes) {
    const changed = runPasses(fn, module, [pass], { verify: true }).length > 0;
    parts.push(`; after ${pass.name}${changed ? "" : " (no change)"}\n${printFunction(module, fn)}\n`);
  }
  return parts.join("\n");
}

/** The IR a tier compiles: the front end's output after that tier's passes (on a copy). */
function irForTier(module: Module, tier: 0 | 1 | 2): Module {
  const copy = structuredClone(module);
  for (const fn of copy.functions) runPasses(fn, copy, PIPELINES[tier].passes, { verify: true });
  return copy;
}

/**
 * `wasm --tier N`: the code tier N emits. Tiers 0 and 1 are one module from our encoder
 * (Tier 1 after its passes, with its entry counters), shown by our disassembler; Tier 2
 * compiles each function into its own module through Binaryen, shown as Binaryen's text.
 */
async function tierWasmText(input: Module, tier: 0 | 1 | 2, only: string | undefined): Promise<string> {
  const pipeline = PIPELINES[tier];
  const module = irForTier(input, tier);
  if (pipeline.emitter === "baseline") {
    const compiled = compileModule(module, {
      moduleName: `tier${tier}`,
      base: true,
      instrument: pipeline.instrument,
      ...(pipeline.compilationHint === null ? {} : { compilationHint: pipeline.compilationHint }),
    });
    return disassemble(compiled.bytes, only);
  }
  const binaryen = await loadBinaryen();
  const parts: string[] = [];
  module.functions.forEach((fn, id) => {
    if (only !== undefined && fn.name !== only) return;
    const compiled = compileTier2(binaryen, module, id, `tier2_${fn.name}`, pipeline.compilationHint);
    const read = binaryen.readBinary(compiled.bytes);
    try {
      parts.push(`;; ${fn.name}\n${read.emitText()}`);
    } finally {
      read.dispose();
    }
  });
  return parts.join("\n");
}

/** Runs the command line; resolves to the exit status. */
export async function main(argv: string[]): Promise<number> {
  let status = EXIT_OK;
  const program = buildProgram((s) => {
    status = s;
  });
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT_USAGE;
    }
    await program.parseAsync(argv, { from: "user" });
    return status;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with exit code 0; everything else is a usage error
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (error instanceof CliError) {
      stderrSink.write(`${error.message}\n`);
      return error.status;
    }
    throw error;
  } finally {
    stdoutSink.flush();
    stderrSink.flush();
  }
}
