/**
 * The TJ front end as one call: source text to a verified IR module, or located
 * diagnostics. It never throws for bad input: every error becomes a diagnostic, including
 * input nested too deeply for the host's stack.
 */

import type { Module } from "../ir/ir.js";
import { formatVerifierError, verify } from "../ir/verifier.js";
import { Checker } from "./checker.js";
import { CompileAbort, type Diagnostic, DiagnosticBag, LineMap } from "./diagnostics.js";
import { type EntryInfo, lowerProgram } from "./lower.js";
import { parseProgram } from "./parser.js";

export type CompileResult =
  | { ok: true; module: Module; functions: Map<string, EntryInfo> }
  | { ok: false; diagnostics: Diagnostic[] };

/** Thrown when the front end produced IR that fails verification: a bug in tierjit. */
export class InternalCompilerError extends Error {}

export function compileTj(source: string, file: string): CompileResult {
  const diagnostics = new DiagnosticBag(new LineMap(source));
  try {
    const program = parseProgram(source, diagnostics);
    if (diagnostics.hasErrors) return { ok: false, diagnostics: diagnostics.items };
    const checked = new Checker(diagnostics).check(program);
    if (diagnostics.hasErrors) return { ok: false, diagnostics: diagnostics.items };
    const { module, functions } = lowerProgram(checked, file, diagnostics.lines);
    const errors = verify(module, true);
    if (errors.length > 0) {
      throw new InternalCompilerError(
        `the TJ front end produced invalid IR:\n${errors.map(formatVerifierError).join("\n")}`,
      );
    }
    return { ok: true, module, functions };
  } catch (error) {
    if (error instanceof CompileAbort) return { ok: false, diagnostics: diagnostics.items };
    if (error instanceof RangeError && /call stack/i.test(error.message)) {
      const items = [
        ...diagnostics.items,
        { line: 1, col: 1, message: "the program is nested too deeply to compile" },
      ];
      return { ok: false, diagnostics: items };
    }
    throw error;
  }
}
