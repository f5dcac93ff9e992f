/**
 * The TJ lexer: source text to tokens, one at a time as the parser asks, each with the
 * source offset where it starts. Bad characters, bad escapes and malformed numbers are
 * reported and skipped, so that one run reports as many errors as it sensibly can.
 *
 * Tokens are made on demand and nothing keeps them (syntax nodes hold offsets), so they
 * die young: a list of all of them, held through parsing, was copied by every scavenge.
 */

import type { DiagnosticBag, SourceOffset } from "./diagnostics.js";

export enum T {
  Ident,
  Keyword,
  Int,
  Float,
  String,
  Punct,
  End,
}

export interface Token {
  kind: T;
  text: string;
  start: SourceOffset;
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

export class Lexer {
  private pos = 0;

  constructor(
    private readonly source: string,
    private readonly diagnostics: DiagnosticBag,
  ) {}

  /** The next token; at the end of the source, an `End` token every time. */
  next(): Token {
    const source = this.source;
    const diagnostics = this.diagnostics;
    let pos = this.pos;
    while (pos < source.length) {
      // character codes, not one-character strings: this loop runs once per program, cold
      const code = source.charCodeAt(pos);
      if (
        code === 10 ||
        code === 32 ||
        code === 9 ||
        code === 13 ||
        code === 12 ||
        code === 11 ||
        code === 0xfeff
      ) {
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
        const start = pos;
        pos += 2;
        while (pos < source.length && !(source.charCodeAt(pos) === 42 && source.charCodeAt(pos + 1) === 47))
          pos++;
        if (pos >= source.length) diagnostics.error(start, "unterminated comment");
        pos += 2;
        continue;
      }
      const start = pos;
      if ((code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 95) {
        pos++;
        while (isIdentCode(source.charCodeAt(pos))) pos++;
        const text = source.slice(start, pos);
        this.pos = pos;
        return { kind: KEYWORDS.has(text) ? T.Keyword : T.Ident, text, start };
      }
      const candidates = PUNCTUATORS_BY_FIRST[code];
      if (candidates !== undefined && !(code === 46 && isDigitCode(source.charCodeAt(pos + 1)))) {
        let punct: string | undefined;
        for (let k = 0; k < candidates.length && punct === undefined; k++)
          if (source.startsWith(candidates[k]!, pos)) punct = candidates[k];
        if (punct !== undefined) {
          this.pos = pos + punct.length;
          return { kind: T.Punct, text: punct, start };
        }
      }
      if (isDigitCode(code) || code === 46) {
        // a digit, or `.` before one (a lone `.` is punctuation, found above)
        return this.lexNumber(start);
      }
      if (code === 34) return this.lexString(start);
      const point = source.codePointAt(pos)!;
      const shown =
        point >= 0x20 && point < 0x7f
          ? `'${source[pos]}'`
          : `U+${point.toString(16).toUpperCase().padStart(4, "0")}`;
      diagnostics.error(start, `unexpected character ${shown}`);
      pos += point > 0xffff ? 2 : 1;
    }
    this.pos = pos;
    return { kind: T.End, text: "end of file", start: pos };
  }

  private lexNumber(start: SourceOffset): Token {
    const source = this.source;
    let pos = start;
    if (source[pos] === "0" && (source[pos + 1] === "x" || source[pos + 1] === "X")) {
      pos += 2;
      while (pos < source.length && /[0-9a-fA-F_]/.test(source[pos]!)) pos++;
      const text = source.slice(start, pos);
      const digits = text.slice(2);
      if (isIdentChar(source[pos] ?? "") || digits.replaceAll("_", "") === "" || !validSeparators(digits)) {
        while (pos < source.length && isIdentChar(source[pos]!)) pos++;
        this.diagnostics.error(start, `malformed number '${source.slice(start, pos)}'`);
        this.pos = pos;
        return { kind: T.Int, text, start, int: 0n, hex: true };
      }
      this.pos = pos;
      return { kind: T.Int, text, start, int: BigInt(`0x${digits.replaceAll("_", "")}`), hex: true };
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
      this.diagnostics.error(start, `malformed number '${source.slice(start, pos)}'`);
      this.pos = pos;
      return { kind: T.Int, text, start, int: 0n, hex: false };
    }
    this.pos = pos;
    const clean = text.replaceAll("_", "");
    if (isFloat) return { kind: T.Float, text, start, float: Number(clean) };
    return { kind: T.Int, text, start, int: BigInt(clean), hex: false };
  }

  private lexString(start: SourceOffset): Token {
    const source = this.source;
    let pos = start + 1;
    const bytes: number[] = [];
    const encoder = new TextEncoder();
    for (;;) {
      if (pos >= source.length || source[pos] === "\n") {
        this.diagnostics.error(start, "unterminated string literal");
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
        this.diagnostics.error(pos, `invalid escape '\\${e}' (use \\n \\t \\\\ \\" \\0 or \\xHH)`);
        pos += e === "" ? 1 : 2;
        continue;
      }
      const code = source.codePointAt(pos)!;
      const ch = String.fromCodePoint(code);
      for (const byte of encoder.encode(ch)) bytes.push(byte);
      pos += ch.length;
    }
    this.pos = pos;
    return { kind: T.String, text: source.slice(start, pos), start, bytes: Uint8Array.from(bytes) };
  }
}

/** `_` only between digits: not leading, trailing, doubled, or next to `.`/`e`. */
function validSeparators(text: string): boolean {
  return !/(^_|_$|__|_[.eE]|[.eE+-]_)/.test(text);
}
