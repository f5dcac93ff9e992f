/**
 * The TJ lexer: source text to tokens with 1-based line:column positions. Bad characters,
 * bad escapes and malformed numbers are reported and skipped, so that one run reports as
 * many errors as it sensibly can.
 */

import type { DiagnosticBag, SourcePos } from "./diagnostics.js";

export enum T {
  Ident,
  Keyword,
  Int,
  Float,
  String,
  Punct,
  End,
}

export interface Token extends SourcePos {
  kind: T;
  text: string;
  /** Int: the literal's value (before any sign); hex literals are bit patterns. */
  int?: bigint;
  hex?: boolean;
  float?: number;
  bytes?: Uint8Array;
}

export const KEYWORDS = new Set([
  "function",
  "extern",
  "export",
  "let",
  "const",
  "if",
  "else",
  "while",
  "do",
  "for",
  "break",
  "continue",
  "return",
  "true",
  "false",
  "as",
  "new",
  "void",
  "i32",
  "i64",
  "f64",
  "bool",
]);

// longest first, so that ">>>=" wins over ">>>" over ">>" over ">"
const PUNCTUATORS = [
  ">>>=",
  "===",
  "!==",
  "<<=",
  ">>=",
  ">>>",
  "=>",
  "==",
  "!=",
  "<=",
  ">=",
  "&&",
  "||",
  "+=",
  "-=",
  "*=",
  "/=",
  "%=",
  "&=",
  "|=",
  "^=",
  "<<",
  ">>",
  "++",
  "--",
  "(",
  ")",
  "[",
  "]",
  "{",
  "}",
  ",",
  ";",
  ":",
  ".",
  "?",
  "=",
  "+",
  "-",
  "*",
  "/",
  "%",
  "&",
  "|",
  "^",
  "<",
  ">",
  "!",
  "~",
];

/**
 * Punctuators by their first character code, longest first: a punctuator is found by
 * trying at most four, not all of them (the lexer runs cold, once per program).
 */
const PUNCTUATORS_BY_FIRST: string[][] = [];
for (const punct of PUNCTUATORS) {
  const first = punct.charCodeAt(0);
  if (PUNCTUATORS_BY_FIRST[first] === undefined) PUNCTUATORS_BY_FIRST[first] = [];
  PUNCTUATORS_BY_FIRST[first].push(punct);
}

function isDigitCode(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** Whether code unit `code` can continue an identifier: a letter, a digit or `_`. */
function isIdentCode(code: number): boolean {
  return (
    (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95
  );
}

function isIdentStart(c: string): boolean {
  return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_";
}

function isDigit(c: string): boolean {
  return c >= "0" && c <= "9";
}

function isIdentChar(c: string): boolean {
  return isIdentStart(c) || isDigit(c);
}

export function lex(source: string, diagnostics: DiagnosticBag): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  let line = 1;
  let lineStart = 0;
  const here = (at: number): SourcePos => ({ line, col: at - lineStart + 1 });

  while (pos < source.length) {
    // character codes, not one-character strings: this loop runs once per program, cold
    const code = source.charCodeAt(pos);
    if (code === 10) {
      pos++;
      line++;
      lineStart = pos;
      continue;
    }
    if (code === 32 || code === 9 || code === 13 || code === 12 || code === 11 || code === 0xfeff) {
      pos++;
      continue;
    }
    if (code === 47 && source.charCodeAt(pos + 1) === 47) {
      // `//` comment
      while (pos < source.length && source.charCodeAt(pos) !== 10) pos++;
      continue;
    }
    if (code === 47 && source.charCodeAt(pos + 1) === 42) {
      // `/*` comment
      const start = here(pos);
      pos += 2;
      while (pos < source.length && !(source.charCodeAt(pos) === 42 && source.charCodeAt(pos + 1) === 47)) {
        if (source.charCodeAt(pos) === 10) {
          line++;
          lineStart = pos + 1;
        }
        pos++;
      }
      if (pos >= source.length) diagnostics.error(start, "unterminated comment");
      pos += 2;
      continue;
    }
    const start = pos;
    const col = pos - lineStart + 1;
    if ((code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 95) {
      pos++;
      while (isIdentCode(source.charCodeAt(pos))) pos++;
      const text = source.slice(start, pos);
      tokens.push({ kind: KEYWORDS.has(text) ? T.Keyword : T.Ident, text, line, col });
      continue;
    }
    const candidates = PUNCTUATORS_BY_FIRST[code];
    if (candidates !== undefined && !(code === 46 && isDigitCode(source.charCodeAt(pos + 1)))) {
      let punct: string | undefined;
      for (let k = 0; k < candidates.length && punct === undefined; k++)
        if (source.startsWith(candidates[k]!, pos)) punct = candidates[k];
      if (punct !== undefined) {
        pos += punct.length;
        tokens.push({ kind: T.Punct, text: punct, line, col });
        continue;
      }
    }
    const at: SourcePos = { line, col };
    if (isDigitCode(code) || code === 46) {
      // a digit, or `.` before one (a lone `.` is punctuation, found above)
      pos = lexNumber(source, pos, at, tokens, diagnostics);
      continue;
    }
    if (code === 34) {
      pos = lexString(source, pos, at, tokens, diagnostics);
      continue;
    }
    const point = source.codePointAt(pos)!;
    const shown =
      point >= 0x20 && point < 0x7f
        ? `'${source[pos]}'`
        : `U+${point.toString(16).toUpperCase().padStart(4, "0")}`;
    diagnostics.error(at, `unexpected character ${shown}`);
    pos += point > 0xffff ? 2 : 1;
  }
  tokens.push({ kind: T.End, text: "end of file", ...here(pos) });
  return tokens;
}

function lexNumber(
  source: string,
  pos: number,
  at: SourcePos,
  tokens: Token[],
  diagnostics: DiagnosticBag,
): number {
  const start = pos;
  if (source[pos] === "0" && (source[pos + 1] === "x" || source[pos + 1] === "X")) {
    pos += 2;
    while (pos < source.length && /[0-9a-fA-F_]/.test(source[pos]!)) pos++;
    const text = source.slice(start, pos);
    const digits = text.slice(2);
    if (isIdentChar(source[pos] ?? "") || digits.replaceAll("_", "") === "" || !validSeparators(digits)) {
      while (pos < source.length && isIdentChar(source[pos]!)) pos++;
      diagnostics.error(at, `malformed number '${source.slice(start, pos)}'`);
      tokens.push({ kind: T.Int, text, int: 0n, hex: true, line: at.line, col: at.col });
      return pos;
    }
    tokens.push({
      kind: T.Int,
      text,
      int: BigInt(`0x${digits.replaceAll("_", "")}`),
      hex: true,
      line: at.line,
      col: at.col,
    });
    return pos;
  }
  let isFloat = false;
  while (pos < source.length && (isDigit(source[pos]!) || source[pos] === "_")) pos++;
  if (source[pos] === "." && !isIdentStart(source[pos + 1] ?? "")) {
    isFloat = true;
    pos++;
    while (pos < source.length && (isDigit(source[pos]!) || source[pos] === "_")) pos++;
  }
  if (source[pos] === "e" || source[pos] === "E") {
    const save = pos;
    pos++;
    if (source[pos] === "+" || source[pos] === "-") pos++;
    if (isDigit(source[pos] ?? "")) {
      isFloat = true;
      while (pos < source.length && isDigit(source[pos]!)) pos++;
    } else {
      pos = save;
    }
  }
  const text = source.slice(start, pos);
  if (isIdentChar(source[pos] ?? "") || !validSeparators(text)) {
    while (pos < source.length && isIdentChar(source[pos]!)) pos++;
    diagnostics.error(at, `malformed number '${source.slice(start, pos)}'`);
    tokens.push({ kind: T.Int, text, int: 0n, hex: false, line: at.line, col: at.col });
    return pos;
  }
  const clean = text.replaceAll("_", "");
  if (isFloat) tokens.push({ kind: T.Float, text, float: Number(clean), line: at.line, col: at.col });
  else tokens.push({ kind: T.Int, text, int: BigInt(clean), hex: false, line: at.line, col: at.col });
  return pos;
}

/** `_` only between digits: not leading, trailing, doubled, or next to `.`/`e`. */
function validSeparators(text: string): boolean {
  return !/(^_|_$|__|_[.eE]|[.eE+-]_)/.test(text);
}

function lexString(
  source: string,
  pos: number,
  at: SourcePos,
  tokens: Token[],
  diagnostics: DiagnosticBag,
): number {
  const start = pos;
  pos++;
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (;;) {
    if (pos >= source.length || source[pos] === "\n") {
      diagnostics.error(at, "unterminated string literal");
      break;
    }
    const c = source[pos]!;
    if (c === '"') {
      pos++;
      break;
    }
    if (c === "\\") {
      const e = source[pos + 1] ?? "";
      const simple: Record<string, number> = { n: 10, t: 9, "\\": 92, '"': 34, "0": 0 };
      if (e in simple) {
        bytes.push(simple[e]!);
        pos += 2;
        continue;
      }
      if (e === "x" && /^[0-9a-fA-F]{2}$/.test(source.slice(pos + 2, pos + 4))) {
        bytes.push(Number.parseInt(source.slice(pos + 2, pos + 4), 16));
        pos += 4;
        continue;
      }
      diagnostics.error(
        { line: at.line, col: at.col + (pos - start) },
        `invalid escape '\\${e}' (use \\n \\t \\\\ \\" \\0 or \\xHH)`,
      );
      pos += e === "" ? 1 : 2;
      continue;
    }
    const code = source.codePointAt(pos)!;
    const ch = String.fromCodePoint(code);
    for (const byte of encoder.encode(ch)) bytes.push(byte);
    pos += ch.length;
  }
  tokens.push({
    kind: T.String,
    text: source.slice(start, pos),
    bytes: Uint8Array.from(bytes),
    line: at.line,
    col: at.col,
  });
  return pos;
}
