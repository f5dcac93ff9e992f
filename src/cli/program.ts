/**
 * Loads a program for the command line: a `.tir` file (IR text) or a `.tj` file (TJ
 * source), verified, with a description of its entry point `main` for argument parsing
 * and result printing.
 */

import { readFileSync } from "node:fs";
import type { IrFunction, Module } from "../ir/ir.js";
import { IrParseError, parseModule } from "../ir/parser.js";
import type { Type } from "../ir/types.js";
import { formatVerifierError, verify } from "../ir/verifier.js";
import { CliError } from "./errors.js";

export interface EntryParam {
  name: string;
  type: Type;
  /** A TJ `bool` (an i32 in the IR) is parsed and printed as true/false. */
  bool: boolean;
}

export interface EntryPoint {
  funcId: number;
  params: EntryParam[];
  result: { type: Type; bool: boolean } | null;
}

export interface LoadedProgram {
  file: string;
  module: Module;
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

export function loadIrProgram(file: string, source: string): LoadedProgram {
  let module: Module;
  try {
    module = parseModule(source, file);
  } catch (error) {
    if (error instanceof IrParseError) throw new CliError(error.message);
    throw error;
  }
  const errors = verify(module);
  if (errors.length > 0) {
    throw new CliError(errors.map((e) => `${file}: error: ${formatVerifierError(e)}`).join("\n"));
  }
  return { file, module };
}

export function loadProgram(file: string): LoadedProgram {
  const source = readSource(file);
  if (file.endsWith(".tir")) return loadIrProgram(file, source);
  throw new CliError(`error: '${file}': expected a .tir file`);
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
