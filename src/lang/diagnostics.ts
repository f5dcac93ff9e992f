/**
 * Compile diagnostics for TJ: located messages collected (not thrown) and printed like tsc
 * and gcc — `file:line:col: error: message`, the source line, and a caret under the column.
 */

export interface SourcePos {
  /** 1-based line. */
  line: number;
  /** 1-based column, counted in UTF-16 code units. */
  col: number;
}

export interface Diagnostic extends SourcePos {
  message: string;
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

  error(pos: SourcePos, message: string): void {
    // one error per position is enough; recovery can land on the same token twice
    if (this.items.some((d) => d.line === pos.line && d.col === pos.col)) return;
    this.items.push({ line: pos.line, col: pos.col, message });
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
