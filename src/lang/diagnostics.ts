/**
 * Compile diagnostics for TJ: located messages collected (not thrown) and printed like tsc
 * and gcc — `file:line:col: error: message`, the source line, and a caret under the column.
 */

import { makeLoc } from "../ir/ir.js";

/**
 * A position in the source: the offset of a UTF-16 code unit. Tokens and syntax nodes
 * carry offsets, not line and column objects: a number costs the collector nothing, and a
 * syntax node that held its token (as positions once did) kept every token alive. Lines
 * and columns are worked out by `LineMap` where they are shown or go into the IR.
 */
export type SourceOffset = number;

export interface Diagnostic {
  /** 1-based line. */
  line: number;
  /** 1-based column, counted in UTF-16 code units. */
  col: number;
  message: string;
}

/** Turns source offsets into 1-based lines and columns (a line ends at `\n`). */
export class LineMap {
  private readonly starts: Int32Array;
  /** The line of the last lookup: the lowering asks in nearly ascending order. */
  private last = 0;

  constructor(source: string) {
    let count = 1;
    for (let at = source.indexOf("\n"); at >= 0; at = source.indexOf("\n", at + 1)) count++;
    this.starts = new Int32Array(count);
    let line = 1;
    for (let at = source.indexOf("\n"); at >= 0; at = source.indexOf("\n", at + 1))
      this.starts[line++] = at + 1;
  }

  /** Whether line `index` (0-based) holds `offset`. */
  private holds(index: number, offset: SourceOffset): boolean {
    const starts = this.starts;
    return offset >= starts[index]! && (index + 1 === starts.length || offset < starts[index + 1]!);
  }

  /** The 0-based index of the line holding `offset`. */
  private lineIndex(offset: SourceOffset): number {
    if (this.holds(this.last, offset)) return this.last;
    if (this.last + 1 < this.starts.length && this.holds(this.last + 1, offset)) return ++this.last;
    // the last line starting at or before `offset`
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.starts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    this.last = low;
    return low;
  }

  line(offset: SourceOffset): number {
    return this.lineIndex(offset) + 1;
  }

  col(offset: SourceOffset): number {
    return offset - this.starts[this.lineIndex(offset)]! + 1;
  }

  /** The position packed for the IR (`makeLoc`). */
  loc(offset: SourceOffset): number {
    const index = this.lineIndex(offset);
    return makeLoc(index + 1, offset - this.starts[index]! + 1);
  }
}

/** Past this many errors the front end stops: the rest are usually consequences. */
export const MAX_ERRORS = 50;

/** Thrown to abandon compilation once the error limit is reached or input is too deep. */
export class CompileAbort extends Error {
  constructor() {
    super("compilation abandoned");
  }
}

export class DiagnosticBag {
  readonly items: Diagnostic[] = [];

  constructor(readonly lines: LineMap) {}

  error(at: SourceOffset, message: string): void {
    const line = this.lines.line(at);
    const col = this.lines.col(at);
    // one error per position is enough; recovery can land on the same token twice
    if (this.items.some((d) => d.line === line && d.col === col)) return;
    this.items.push({ line, col, message });
    if (this.items.length >= MAX_ERRORS) throw new CompileAbort();
  }

  get hasErrors(): boolean {
    return this.items.length > 0;
  }
}

/** Formats diagnostics with the offending source line and a caret, sorted by position. */
export function formatDiagnostics(file: string, source: string, diagnostics: readonly Diagnostic[]): string {
  const lines = source.split(/\r?\n/);
  const sorted = [...diagnostics].sort((a, b) => a.line - b.line || a.col - b.col);
  const out: string[] = [];
  for (const d of sorted) {
    out.push(`${file}:${d.line}:${d.col}: error: ${d.message}`);
    const text = lines[d.line - 1];
    if (text !== undefined && text.length <= 500) {
      out.push(text);
      // keep tabs so the caret lines up under the column in a terminal
      const prefix = text.slice(0, Math.max(0, d.col - 1)).replace(/[^\t]/g, " ");
      out.push(`${prefix}^`);
    }
  }
  if (diagnostics.length >= MAX_ERRORS) out.push(`${file}: too many errors, stopping`);
  return out.join("\n");
}
