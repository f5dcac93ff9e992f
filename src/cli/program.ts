/**
 * Loads a program for the command line: a `.tir` file (IR text) or a `.tj` file (TJ
 * source), verified, with a description of its entry point `main` for argument parsing
 * and result printing.
 */

import { readFileSync } from "node:fs";
import type { IrFunction, Module } from "../ir/ir.js";
import { IrParseError, parseModule, parseModuleLazily } from "../ir/parser.js";
import type { Type } from "../ir/types.js";
import { formatVerifierError, verify } from "../ir/verifier.js";
import { compileTj } from "../lang/compile.js";
import { formatDiagnostics } from "../lang/diagnostics.js";
import type { EntryInfo } from "../lang/lower.js";
import { formatType, irType } from "../lang/types.js";
import { CliError } from "./errors.js";

export interface EntryParam {
  name: string;
  type: Type;
  /** A TJ `bool` (an i32 in the IR) is parsed and printed as true/false. */
  bool: boolean;
  /** The parameter's type as the user wrote it, for messages (default: the IR type). */
  tjType?: string;
}

export interface EntryPoint {
  funcId: number;
  params: EntryParam[];
  result: { type: Type; bool: boolean } | null;
}

export interface LoadedProgram {
  file: string;
  module: Module;
  /** For TJ programs: every function with its parameter names and TJ types. */
  tjFunctions?: Map<string, EntryInfo>;
  /**
   * A `.tir` program loaded lazily (`loadProgram`'s `lazy`): its text. Its function bodies
   * are parsed and verified as the engine compiles them, so it is not known to be valid
   * until then (see `reportLoadErrors`).
   */
  lazySource?: string;
}

export function readSource(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : String(code ?? error);
    throw new CliError(`error: cannot read '${file}': ${reason}`);
  }
}

export function loadIrProgram(file: string, source: string, lazy = false): LoadedProgram {
  let module: Module;
  try {
    module = lazy ? parseModuleLazily(source, file) : parseModule(source, file);
  } catch (error) {
    if (error instanceof IrParseError) throw new CliError(error.message);
    throw error;
  }
  if (lazy) return { file, module, lazySource: source };
  const errors = verify(module, true);
  if (errors.length > 0) {
    throw new CliError(errors.map((e) => `${file}: error: ${formatVerifierError(e)}`).join("\n"));
  }
  return { file, module };
}

export function loadTjProgram(file: string, source: string): LoadedProgram {
  const result = compileTj(source, file);
  if (!result.ok) throw new CliError(formatDiagnostics(file, source, result.diagnostics));
  return { file, module: result.module, tjFunctions: result.functions };
}

/**
 * Loads `file`. `lazy`: a `.tir` program's function bodies are left to the engine, which
 * parses, verifies and compiles them one at a time (`TieredBackend.compileModule`); the
 * caller must then call `reportLoadErrors` on any failure before the program runs.
 */
export function loadProgram(file: string, options: { lazy?: boolean } = {}): LoadedProgram {
  if (file.endsWith(".tir")) return loadIrProgram(file, readSource(file), options.lazy === true);
  if (file.endsWith(".tj")) return loadTjProgram(file, readSource(file));
  throw new CliError(`error: '${file}': expected a .tj or .tir file`);
}

/**
 * For a program loaded lazily, whose start failed: throws the first error that loading it
 * at once would have reported (parse, then verifier errors, as a CliError), so that the
 * command reports exactly what it does for a program loaded at once. Returns when there is
 * none: the failure was something else.
 */
export function reportLoadErrors(program: LoadedProgram): void {
  if (program.lazySource !== undefined) loadIrProgram(program.file, program.lazySource);
}

/** The program's `export function main`, described for argument parsing and result printing. */
export function entryPoint(program: LoadedProgram): EntryPoint {
  if (program.tjFunctions === undefined) return irEntryPoint(program.module);
  const main = program.tjFunctions.get("main");
  if (main === undefined || !program.module.functions[main.funcId]!.exported) {
    throw new CliError(`error: ${program.file} has no 'export function main'`);
  }
  return {
    funcId: main.funcId,
    params: main.params.map((p) => ({
      name: p.name,
      type: irType(p.type),
      bool: p.type.tag === "bool",
      tjType: formatType(p.type),
    })),
    result:
      main.result.tag === "void" ? null : { type: irType(main.result), bool: main.result.tag === "bool" },
  };
}

/** The exported `main` of an IR module, with positional parameter names. */
export function irEntryPoint(module: Module): EntryPoint {
  const funcId = module.functions.findIndex((fn: IrFunction) => fn.name === "main" && fn.exported);
  if (funcId < 0) throw new CliError("error: the program has no exported function 'main'");
  const fn = module.functions[funcId]!;
  return {
    funcId,
    params: fn.params.map((type, i) => ({ name: `#${i + 1}`, type, bool: false })),
    result: fn.results.length === 0 ? null : { type: fn.results[0]!, bool: false },
  };
}
