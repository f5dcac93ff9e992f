/**
 * The IR text parser: the inverse of printer.ts. Whitespace and newlines are not
 * significant; `;` starts a comment to the end of the line. Names of functions, imports
 * and globals may be used before their declaration. Parse errors are `IrParseError`s with
 * a 1-based line and column. The parser checks syntax and name resolution only; types and
 * SSA rules are the verifier's job.
 */

import {
  type Block,
  type BlockCall,
  emptyModule,
  type InlineSite,
  type Inst,
  type IrFunction,
  MAX_LOC_COLUMN,
  type Module,
  makeLoc,
  NO_LOC,
  type Terminator,
} from "./ir.js";
import { Op, OpKind, opByName, opInfo, TermOp, termByName } from "./ops.js";
import { parseTrapName, type TrapKind } from "./trap.js";
import { parseTypeName, type Signature, Type } from "./types.js";

export class IrParseError extends Error {
  readonly line: number;
  readonly col: number;
  readonly file: string;

  constructor(file: string, line: number, col: number, message: string) {
    super(`${file}:${line}:${col}: error: ${message}`);
    this.name = "IrParseError";
    this.file = file;
    this.line = line;
    this.col = col;
  }
}

enum Tok {
  Ident,
  FuncName,
  GlobalName,
  Number,
  String,
  Punct,
  End,
}

/** `Tok.Punct`'s code for `->` (the other punctuation is its character code). */
const ARROW = 1;
const BANG = 33;
const LPAREN = 40;
const RPAREN = 41;
const COMMA = 44;
const MINUS = 45;
const COLON = 58;
const EQUALS = 61;
const LBRACKET = 91;
const RBRACKET = 93;
const LBRACE = 123;
const RBRACE = 125;

/** The text of punctuation code `punct`, for messages. */
function punctText(punct: number): string {
  return punct === ARROW ? "->" : String.fromCharCode(punct);
}

/** Character classes by code unit (the lexer is on the path of every `.tir` load). */
const CHAR_IDENT_START = 1;
const CHAR_IDENT = 2;
const CHAR_DIGIT = 4;
const CHAR_PUNCT = 8;
const CHAR_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z_]/.test(ch)) CHAR_CLASS[c]! |= CHAR_IDENT_START | CHAR_IDENT;
  if (/[0-9.]/.test(ch)) CHAR_CLASS[c]! |= CHAR_IDENT;
  if (/[0-9]/.test(ch)) CHAR_CLASS[c]! |= CHAR_DIGIT;
  if ("()[]{},:=!-".includes(ch)) CHAR_CLASS[c]! |= CHAR_PUNCT;
}

// The lexer tests a class as `(CHAR_CLASS[code]! & cls) !== 0`, written out at each use
// rather than as a function: it runs mostly unoptimized (a cold start), where each call
// costs. Past the table (code >= 128, or NaN past the end of input) the lookup reads
// `undefined`, and `undefined & cls` is 0.

const CODE_0 = 48;
const CODE_9 = 57;

/** A name used before it is known to be declared; resolved when the whole text is read. */
interface Fixup {
  space: "function" | "import" | "global";
  name: string;
  line: number;
  col: number;
  apply(index: number): void;
}

/**
 * A copy of the first `count` elements of `scratch` with no spare capacity: arrays grown
 * by `push` keep room for ~17 elements, and a module's many short lists would otherwise
 * carry it for life. Lists are read into scratch arrays the parser reuses, so that each
 * list is one allocation of its final size (not a growing array, then its copy).
 */
function exactly<T>(scratch: T[], count: number): T[] {
  return count === 0 ? [] : scratch.slice(0, count);
}

/** A source position kept for a later error. */
interface Mark {
  line: number;
  col: number;
}

const FLOAT_TEXT = /^-?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/;
/**
 * A placeholder operand list, replaced before `parseInst` returns: every instruction gets
 * an array of its own, made once at its final size.
 */
const NO_OPERANDS: number[] = [];
/** `indexed()`'s answers besides a number. */
const NOT_INDEXED = -1;
const INDEX_TOO_LARGE = -2;

/**
 * Where a lazily parsed function's body is: the lexer's state at its first token, and the
 * offset of the `}` that closes it.
 */
interface BodyRange {
  start: number;
  line: number;
  lineStart: number;
  end: number;
}

/** What a lazily parsed function keeps (under LAZY_BODY, not enumerable: spreads and clones skip it). */
interface LazyBody {
  range: BodyRange;
  /** The module's parser for bodies (it resolves names once every declaration is read). */
  parser: Parser;
  /** The parsed blocks, or null: not parsed yet, or released. */
  blocks: Block[] | null;
  /** Blocks were assigned: they are no longer the text's, and are never released. */
  assigned: boolean;
}

const LAZY_BODY = Symbol("lazyBody");

type LazyFunction = IrFunction & { [LAZY_BODY]: LazyBody };

/**
 * `blocks` of a lazily parsed function: parsed from the text at the first read, kept until
 * `releaseBody`. An own, enumerable accessor, so that spreads, structured clone (a compile
 * job) and deep comparisons read the blocks like those of any other function.
 */
const LAZY_BLOCKS: PropertyDescriptor = {
  enumerable: true,
  get(this: LazyFunction): Block[] {
    const body = this[LAZY_BODY];
    if (body.blocks === null) body.blocks = body.parser.parseBody(body.range);
    return body.blocks;
  },
  set(this: LazyFunction, blocks: Block[]) {
    const body = this[LAZY_BODY];
    body.blocks = blocks;
    body.assigned = true;
  },
};

/**
 * The parser pulls tokens from an on-demand lexer whose current token is a few fields of
 * the parser itself (kind, source range, position): reading a module allocates for what it
 * builds, not per token, and names like `v12` or `block3` are read from the source's code
 * units without making strings.
 */
class Parser {
  private readonly source: string;
  private readonly module: Module;
  private readonly fixups: Fixup[] = [];
  /** Name → index per space, made at the first resolution (the declarations are known by then). */
  private spaces: Record<Fixup["space"], Map<string, number>> | null = null;
  /** Read function bodies later (`parseModuleLazily`), with this parser; null: now. */
  private readonly bodyParser: Parser | null;
  /** Scratch lists (see `exactly`): values, types, a block's instructions. */
  private readonly valueScratch: number[] = [];
  private readonly typeScratch: Type[] = [];
  private readonly instScratch: Inst[] = [];
  private readonly file: string;
  /** The lexer's position. */
  private pos = 0;
  private line = 1;
  private lineStart = 0;
  /** The current token. */
  private kind = Tok.End;
  private start = 0;
  private end = 0;
  private tokenLine = 1;
  private tokenCol = 1;
  /** `Tok.Punct`: the character code, or ARROW. */
  private punct = 0;
  /** `Tok.String`: the decoded bytes. */
  private bytes: Uint8Array = new Uint8Array(0);
  /** The constant `parseConst` read last. */
  private constImm = 0;
  private constBig = 0n;

  constructor(source: string, file: string, module = emptyModule(), bodyParser: Parser | null = null) {
    this.source = source;
    this.file = file;
    this.module = module;
    this.bodyParser = bodyParser;
    this.skip();
  }

  /**
   * Moves past the current token: reads the next one into the current-token fields (at
   * the end of input, the end again).
   */
  private skip(): void {
    const source = this.source;
    const length = source.length;
    let pos = this.pos;
    for (;;) {
      const code = source.charCodeAt(pos);
      if (code === 10) {
        pos++;
        this.line++;
        this.lineStart = pos;
      } else if (code === 32 || code === 9 || code === 13) {
        pos++;
      } else if (code === 59) {
        // `;` comment
        while (pos < length && source.charCodeAt(pos) !== 10) pos++;
      } else {
        break;
      }
    }
    this.start = pos;
    this.tokenLine = this.line;
    this.tokenCol = pos - this.lineStart + 1;
    if (pos >= length) {
      this.kind = Tok.End;
      this.pos = this.end = pos;
      return;
    }
    const code = source.charCodeAt(pos);
    if (code === 64 || code === 36) {
      // `@name` or `$name`
      pos++;
      if ((CHAR_CLASS[source.charCodeAt(pos)]! & CHAR_IDENT_START) === 0) {
        this.failAt(`expected a name after '${source[pos - 1]}'`, this.line, pos - this.lineStart + 1);
      }
      while ((CHAR_CLASS[source.charCodeAt(pos)]! & CHAR_IDENT) !== 0) pos++;
      this.kind = code === 64 ? Tok.FuncName : Tok.GlobalName;
    } else if ((CHAR_CLASS[code]! & CHAR_IDENT_START) !== 0) {
      while ((CHAR_CLASS[source.charCodeAt(pos)]! & CHAR_IDENT) !== 0) pos++;
      this.kind = Tok.Ident;
    } else if (
      (CHAR_CLASS[code]! & CHAR_DIGIT) !== 0 ||
      (code === 45 && (CHAR_CLASS[source.charCodeAt(pos + 1)]! & CHAR_DIGIT) !== 0)
    ) {
      pos++;
      for (;;) {
        const c = source.charCodeAt(pos);
        if ((CHAR_CLASS[c]! & CHAR_IDENT) !== 0) {
          pos++;
          continue;
        }
        // a sign is part of a number only right after an exponent marker
        const previous = source.charCodeAt(pos - 1);
        if ((c === 43 || c === 45) && (previous === 101 || previous === 69)) {
          pos++;
          continue;
        }
        break;
      }
      this.kind = Tok.Number;
    } else if (code === 34) {
      pos = this.scanString(pos);
      this.kind = Tok.String;
    } else if (code === 45 && source.charCodeAt(pos + 1) === 62) {
      pos += 2;
      this.kind = Tok.Punct;
      this.punct = ARROW;
    } else if ((CHAR_CLASS[code]! & CHAR_PUNCT) !== 0) {
      pos++;
      this.kind = Tok.Punct;
      this.punct = code;
    } else {
      this.failAt(`unexpected character ${JSON.stringify(source[pos])}`, this.line, this.tokenCol);
    }
    this.pos = this.end = pos;
  }

  /** Decodes the string starting at the quote at `pos` into `bytes`; returns the position after it. */
  private scanString(pos: number): number {
    const source = this.source;
    const bytes: number[] = [];
    pos++;
    while (source[pos] !== '"') {
      const col = pos - this.lineStart + 1;
      if (pos >= source.length || source[pos] === "\n") this.failAt("unterminated string", this.line, col);
      if (source[pos] === "\\") {
        const hex = source.slice(pos + 1, pos + 3);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) {
          this.failAt("a string escape is '\\' and two hex digits", this.line, col);
        }
        bytes.push(Number.parseInt(hex, 16));
        pos += 3;
      } else {
        const char = String.fromCodePoint(source.codePointAt(pos)!);
        for (const byte of new TextEncoder().encode(char)) bytes.push(byte);
        pos += char.length;
      }
    }
    this.bytes = Uint8Array.from(bytes);
    return pos + 1;
  }

  /** The current token's text, for messages and for names (`@`/`$` names without their sigil). */
  private text(): string {
    switch (this.kind) {
      case Tok.End:
        return "end of input";
      case Tok.Punct:
        return punctText(this.punct);
      case Tok.FuncName:
      case Tok.GlobalName:
        return this.source.slice(this.start + 1, this.end);
      default:
        return this.source.slice(this.start, this.end);
    }
  }

  private mark(): Mark {
    return { line: this.tokenLine, col: this.tokenCol };
  }

  private failAt(message: string, line: number, col: number): never {
    throw new IrParseError(this.file, line, col, message);
  }

  /** Fails at `at`, by default the current token. */
  private fail(message: string, at?: Mark): never {
    return this.failAt(message, at?.line ?? this.tokenLine, at?.col ?? this.tokenCol);
  }

  /** Whether the current token is punctuation `punct` (a character code, or ARROW). */
  private isPunct(punct: number): boolean {
    return this.kind === Tok.Punct && this.punct === punct;
  }

  private isIdent(text: string): boolean {
    return (
      this.kind === Tok.Ident &&
      this.end - this.start === text.length &&
      this.source.startsWith(text, this.start)
    );
  }

  private expectPunct(punct: number): void {
    if (!this.isPunct(punct)) this.fail(`expected '${punctText(punct)}', found '${this.text()}'`);
    this.skip();
  }

  private expectKind(kind: Tok, what: string): void {
    if (this.kind !== kind) this.fail(`expected ${what}, found '${this.text()}'`);
  }

  /** The text of a token of `kind` (a name without its sigil), moving past it. */
  private expectText(kind: Tok, what: string): string {
    this.expectKind(kind, what);
    const text = this.text();
    this.skip();
    return text;
  }

  /** A string token's bytes decoded as UTF-8, moving past it. */
  private expectString(what: string): string {
    this.expectKind(Tok.String, what);
    const text = new TextDecoder().decode(this.bytes);
    this.skip();
    return text;
  }

  private expectIdent(text: string): void {
    if (!this.isIdent(text)) this.fail(`expected '${text}', found '${this.text()}'`);
    this.skip();
  }

  /**
   * N when the current token is the identifier `<prefix>N` (decimal, no leading zeros);
   * NOT_INDEXED when it is something else, INDEX_TOO_LARGE above 2^31 - 1.
   */
  private indexed(prefix: string): number {
    if (this.kind !== Tok.Ident || !this.source.startsWith(prefix, this.start)) return NOT_INDEXED;
    return this.digitsValue(this.start + prefix.length, this.end, 0x7fffffff);
  }

  /** The decimal number in source[from, to) (no sign, no leading zeros), NOT_INDEXED, or INDEX_TOO_LARGE above `max`. */
  private digitsValue(from: number, to: number, max: number): number {
    const source = this.source;
    if (from >= to || (source.charCodeAt(from) === CODE_0 && to - from > 1)) return NOT_INDEXED;
    let value = 0;
    for (let at = from; at < to; at++) {
      const code = source.charCodeAt(at);
      if (code < CODE_0 || code > CODE_9) return NOT_INDEXED;
      value = value * 10 + (code - CODE_0);
    }
    // beyond 2^53 the sum is inexact, but then it is far above any `max`
    return value > max ? INDEX_TOO_LARGE : value;
  }

  private parseIndexed(prefix: string, what: string): number {
    const index = this.indexed(prefix);
    if (index === NOT_INDEXED) this.fail(`expected ${what}, found '${this.text()}'`);
    if (index === INDEX_TOO_LARGE) this.fail(`${what} number too large`);
    this.skip();
    return index;
  }

  private parseValue(): number {
    return this.parseIndexed("v", "a value (vN)");
  }

  private isValueName(): boolean {
    return this.indexed("v") !== NOT_INDEXED;
  }

  private parseType(): Type {
    this.expectKind(Tok.Ident, "a type");
    const source = this.source;
    const at = this.start;
    let type: Type | undefined;
    // i32, i64, f32, f64 without making a string
    if (this.end - at === 3) {
      const first = source.charCodeAt(at);
      const bits = (source.charCodeAt(at + 1) - CODE_0) * 10 + (source.charCodeAt(at + 2) - CODE_0);
      if (first === 105) type = bits === 32 ? Type.I32 : bits === 64 ? Type.I64 : undefined;
      else if (first === 102) type = bits === 32 ? Type.F32 : bits === 64 ? Type.F64 : undefined;
    }
    if (type === undefined) type = parseTypeName(this.text());
    if (type === undefined) this.fail(`unknown type '${this.text()}'`);
    this.skip();
    return type;
  }

  private parseUint(what: string): number {
    this.expectKind(Tok.Number, what);
    const value = this.digitsValue(this.start, this.end, 0xffffffff);
    if (value === NOT_INDEXED) this.fail(`expected ${what}, found '${this.text()}'`);
    if (value === INDEX_TOO_LARGE) this.fail(`${what} out of range`);
    this.skip();
    return value;
  }

  private parseSignature(): Signature {
    this.expectPunct(LPAREN);
    const params: Type[] = [];
    if (!this.isPunct(RPAREN)) {
      params.push(this.parseType());
      while (this.isPunct(COMMA)) {
        this.skip();
        params.push(this.parseType());
      }
    }
    this.expectPunct(RPAREN);
    const results: Type[] = [];
    if (this.isPunct(ARROW)) {
      this.skip();
      results.push(this.parseType());
    }
    return { params, results };
  }

  /**
   * A constant of `type`: integers in decimal, floats also as inf/nan, optionally signed.
   * The value goes to `constImm` / `constBig` (no object per constant).
   */
  private parseConst(type: Type): void {
    let negative = false;
    const firstLine = this.tokenLine;
    const firstCol = this.tokenCol;
    if (this.isPunct(MINUS)) {
      this.skip();
      negative = true;
    }
    if (type === Type.I32 || type === Type.I64) {
      const minus = this.source.charCodeAt(this.start) === 45;
      const digits =
        this.kind === Tok.Number && !negative
          ? this.digitsValue(this.start + (minus ? 1 : 0), this.end, Number.MAX_SAFE_INTEGER)
          : NOT_INDEXED;
      if (digits === NOT_INDEXED)
        this.failAt(`expected an integer constant, found '${this.text()}'`, firstLine, firstCol);
      if (type === Type.I32) {
        // 0 - 0 is +0: an i32 constant is never -0
        const value = digits === INDEX_TOO_LARGE ? Number.POSITIVE_INFINITY : minus ? 0 - digits : digits;
        if (value < -(2 ** 31) || value >= 2 ** 31)
          this.failAt("i32 constant out of range", firstLine, firstCol);
        this.skip();
        this.constImm = value;
        this.constBig = 0n;
        return;
      }
      const value = BigInt(this.text());
      if (value < -(1n << 63n) || value >= 1n << 63n)
        this.failAt("i64 constant out of range", firstLine, firstCol);
      this.skip();
      this.constImm = 0;
      this.constBig = value;
      return;
    }
    const kind = this.kind;
    const text = this.text();
    this.skip();
    let value: number;
    if (kind === Tok.Ident && (text === "inf" || text === "nan")) {
      value = text === "inf" ? Number.POSITIVE_INFINITY : Number.NaN;
    } else if (kind === Tok.Number && FLOAT_TEXT.test(text)) {
      value = Number(text);
    } else {
      this.failAt(`expected a float constant, found '${text}'`, firstLine, firstCol);
    }
    if (negative) value = -value;
    if (type === Type.F32 && !Number.isNaN(value) && Math.fround(value) !== value) {
      this.failAt("f32 constant is not exactly representable", firstLine, firstCol);
    }
    this.constImm = value;
    this.constBig = 0n;
  }

  private parseLoc(): number {
    if (!this.isPunct(BANG)) return NO_LOC;
    this.skip();
    const line = this.parseUint("a line number");
    this.expectPunct(COLON);
    const colLine = this.tokenLine;
    const colCol = this.tokenCol;
    const col = this.parseUint("a column number");
    if (col > MAX_LOC_COLUMN) this.failAt("column out of range", colLine, colCol);
    return makeLoc(line, col);
  }

  /** An optional `in iN` after a position: the inline site the code came from. */
  private parseSite(): number | undefined {
    if (!this.isIdent("in")) return undefined;
    this.skip();
    return this.parseIndexed("i", "an inline site (iN)");
  }

  /** Records the current `kind` token's name for resolution at the end, and moves past it. */
  private refer(kind: Tok, what: string, space: Fixup["space"], apply: (index: number) => void): void {
    this.expectKind(kind, what);
    this.fixups.push({ space, name: this.text(), line: this.tokenLine, col: this.tokenCol, apply });
    this.skip();
  }

  parseModule(): Module {
    const m = this.module;
    while (this.kind !== Tok.End) {
      const declaration = this.mark();
      const keyword = this.text();
      if (this.kind !== Tok.Ident) this.fail(`expected a declaration, found '${keyword}'`);
      switch (keyword) {
        case "source":
          this.skip();
          m.sourceFile = this.expectString("a string");
          break;
        case "memory": {
          this.skip();
          const minPages = this.parseUint("a page count");
          const maxPages = (this.kind as Tok) === Tok.Number ? this.parseUint("a page count") : -1;
          m.memory = { minPages, maxPages };
          break;
        }
        case "data": {
          this.skip();
          const offset = this.parseUint("a data offset");
          this.expectKind(Tok.String, "a string");
          m.data.push({ offset, bytes: this.bytes });
          this.skip();
          break;
        }
        case "type": {
          this.skip();
          const index = this.parseIndexed("t", "a type name (tN)");
          if (index !== m.types.length)
            this.fail(`type t${index} out of order: expected t${m.types.length}`, declaration);
          this.expectPunct(EQUALS);
          m.types.push(this.parseSignature());
          break;
        }
        case "import": {
          this.skip();
          const name = this.expectText(Tok.FuncName, "an @name");
          const sig = this.parseSignature();
          this.expectPunct(EQUALS);
          const moduleName = this.expectString("a module name");
          const field = this.expectString("a field name");
          m.imports.push({ name, module: moduleName, field, params: sig.params, results: sig.results });
          break;
        }
        case "global": {
          this.skip();
          const name = this.expectText(Tok.GlobalName, "a $name");
          this.expectPunct(COLON);
          const type = this.parseType();
          let mutable = false;
          if (this.isIdent("mut")) {
            this.skip();
            mutable = true;
          }
          this.expectPunct(EQUALS);
          this.parseConst(type);
          m.globals.push({ name, type, mutable, init: type === Type.I64 ? this.constBig : this.constImm });
          break;
        }
        case "table": {
          this.skip();
          this.expectPunct(LBRACKET);
          while (!this.isPunct(RBRACKET)) {
            if (m.table.length > 0) this.expectPunct(COMMA);
            const slot = m.table.length;
            if (this.isIdent("null")) {
              this.skip();
              m.table.push(-1);
            } else {
              m.table.push(-1);
              this.refer(Tok.FuncName, "an @name or null", "function", (index) => {
                m.table[slot] = index;
              });
            }
          }
          this.skip();
          break;
        }
        case "start":
          this.skip();
          this.refer(Tok.FuncName, "an @name", "function", (index) => {
            m.start = index;
          });
          break;
        case "export":
        case "func":
          m.functions.push(this.parseFunction());
          break;
        default:
          this.fail(`expected a declaration, found '${keyword}'`);
      }
    }
    this.resolve();
    return m;
  }

  /** Resolves the names recorded since the last resolution (every declaration is known). */
  private resolve(): void {
    const m = this.module;
    this.spaces ??= {
      function: new Map(m.functions.map((f, i) => [f.name, i])),
      import: new Map(m.imports.map((f, i) => [f.name, i])),
      global: new Map(m.globals.map((g, i) => [g.name, i])),
    };
    const spaces = this.spaces;
    for (const fixup of this.fixups) {
      const index = spaces[fixup.space].get(fixup.name);
      if (index === undefined) {
        const sigil = fixup.space === "global" ? "$" : "@";
        this.fail(`unknown ${fixup.space} ${sigil}${fixup.name}`, fixup);
      }
      fixup.apply(index);
    }
    this.fixups.length = 0;
  }

  private parseFunction(): IrFunction {
    let exported = false;
    if (this.isIdent("export")) {
      this.skip();
      exported = true;
    }
    this.expectIdent("func");
    const name = this.expectText(Tok.FuncName, "an @name");
    const sig = this.parseSignature();
    const loc = this.parseLoc();
    this.expectPunct(LBRACE);
    if (this.bodyParser !== null && !this.isIdent("inline")) {
      const range: BodyRange = {
        start: this.start,
        line: this.tokenLine,
        lineStart: this.start - this.tokenCol + 1,
        end: 0,
      };
      range.end = this.skipBody();
      if (range.end >= 0) {
        this.skip();
        const fn = { name, params: sig.params, results: sig.results, exported } as LazyFunction;
        Object.defineProperty(fn, "blocks", LAZY_BLOCKS);
        fn.loc = loc;
        const body: LazyBody = { range, parser: this.bodyParser, blocks: null, assigned: false };
        Object.defineProperty(fn, LAZY_BODY, { value: body });
        return fn;
      }
      // a body this scan cannot delimit is read now, and reports its own errors
      this.restart(range);
    }
    const fn: IrFunction = { name, params: sig.params, results: sig.results, exported, blocks: [], loc };
    // (block, line, col) of every branch target, checked once the blocks are known
    const blockRefs: number[] = [];
    while (this.isIdent("inline")) {
      this.skip();
      const sites = fn.inlineSites ?? [];
      fn.inlineSites = sites;
      const siteMark = this.mark();
      const index = this.parseIndexed("i", "an inline site (iN)");
      if (index !== sites.length) this.fail(`i${index} out of order: expected i${sites.length}`, siteMark);
      this.expectPunct(EQUALS);
      const site: InlineSite = { callee: -1, loc: NO_LOC, parent: -1 };
      this.refer(Tok.FuncName, "an @name", "function", (callee) => {
        site.callee = callee;
      });
      site.loc = this.parseLoc();
      const parentMark = this.mark();
      const parent = this.parseSite();
      if (parent !== undefined) {
        if (parent >= index) this.fail(`an inline site's parent must come before it`, parentMark);
        site.parent = parent;
      }
      sites.push(site);
    }
    this.parseBlocks(fn.blocks, blockRefs);
    this.skip();
    return fn;
  }

  /** Blocks up to the function's closing `}` (the current token after). */
  private parseBlocks(blocks: Block[], blockRefs: number[]): void {
    while (!this.isPunct(RBRACE)) {
      const label = this.indexed("block");
      if (label >= 0 && label !== blocks.length)
        this.fail(`block${label} out of order: expected block${blocks.length}`);
      this.parseIndexed("block", "a block label (blockN:)");
      blocks.push(this.parseBlock(blockRefs));
    }
    for (let i = 0; i < blockRefs.length; i += 3) {
      const block = blockRefs[i]!;
      if (block >= blocks.length)
        this.fail(`unknown block block${block}`, { line: blockRefs[i + 1]!, col: blockRefs[i + 2]! });
    }
  }

  /**
   * Moves the lexer to the `}` that closes the body starting at the current token, without
   * reading the body: `}` is a token wherever it appears outside a comment, and a body has
   * no strings. Returns the `}`'s offset, or -1 (the lexer unmoved) for a body with a quote
   * or without an end, which the caller parses now.
   */
  private skipBody(): number {
    const source = this.source;
    const length = source.length;
    let pos = this.start;
    let line = this.tokenLine;
    let lineStart = this.start - this.tokenCol + 1;
    for (;;) {
      if (pos >= length) return -1;
      const code = source.charCodeAt(pos);
      if (code === RBRACE) break;
      if (code === 10) {
        line++;
        lineStart = pos + 1;
      } else if (code === 59) {
        while (pos + 1 < length && source.charCodeAt(pos + 1) !== 10) pos++;
      } else if (code === 34) {
        return -1;
      }
      pos++;
    }
    this.pos = pos;
    this.line = line;
    this.lineStart = lineStart;
    this.skip();
    return pos;
  }

  /** Puts the lexer back at the start of `range` (its first token current). */
  private restart(range: BodyRange): void {
    this.pos = range.start;
    this.line = range.line;
    this.lineStart = range.lineStart;
    this.skip();
  }

  /** The blocks of a body that `parseModuleLazily` skipped, with its names resolved. */
  parseBody(range: BodyRange): Block[] {
    // names recorded by a body that failed are not this body's
    this.fixups.length = 0;
    this.restart(range);
    const blocks: Block[] = [];
    this.parseBlocks(blocks, []);
    if (this.start !== range.end) this.fail("expected the end of the function body");
    this.resolve();
    return blocks;
  }

  private parseBlock(blockRefs: number[]): Block {
    const block: Block = { params: [], paramTypes: [], insts: [], term: undefined as unknown as Terminator };
    if (this.isPunct(LPAREN)) {
      this.skip();
      const values = this.valueScratch;
      const types = this.typeScratch;
      let count = 0;
      while (!this.isPunct(RPAREN)) {
        if (count > 0) this.expectPunct(COMMA);
        values[count] = this.parseValue();
        this.expectPunct(COLON);
        types[count++] = this.parseType();
      }
      this.skip();
      block.params = exactly(values, count);
      block.paramTypes = exactly(types, count);
    }
    this.expectPunct(COLON);
    const insts = this.instScratch;
    let instCount = 0;
    for (;;) {
      if (this.kind !== Tok.Ident) this.fail(`expected an instruction, found '${this.text()}'`);
      // `vN:type = op ...` defines a value; otherwise the op or terminator comes first
      const defined = this.indexed("v");
      const term = defined !== NOT_INDEXED ? undefined : termByName(this.text());
      if (term !== undefined) {
        this.skip();
        block.insts = exactly(insts, instCount);
        block.term = this.parseTerminator(term, blockRefs);
        return block;
      }
      insts[instCount++] = this.parseInst(defined);
    }
  }

  private parseBlockCall(blockRefs: number[]): BlockCall {
    const line = this.tokenLine;
    const col = this.tokenCol;
    const block = this.parseIndexed("block", "a block (blockN)");
    blockRefs.push(block, line, col);
    const args: number[] = [];
    if (this.isPunct(LPAREN)) {
      this.skip();
      return { block, args: this.parseValueList(RPAREN) };
    }
    return { block, args };
  }

  /** Values separated by commas up to and including `close`. */
  private parseValueList(close: number): number[] {
    const values = this.valueScratch;
    let count = 0;
    while (!this.isPunct(close)) {
      if (count > 0) this.expectPunct(COMMA);
      values[count++] = this.parseValue();
    }
    this.skip();
    return exactly(values, count);
  }

  private parseTerminator(op: TermOp, blockRefs: number[]): Terminator {
    const term: Terminator = { op, args: [], targets: [], imm: 0, loc: NO_LOC };
    switch (op) {
      case TermOp.Jump:
        term.targets = [this.parseBlockCall(blockRefs)];
        break;
      case TermOp.BrIf: {
        term.args = [this.parseValue()];
        this.expectPunct(COMMA);
        const then = this.parseBlockCall(blockRefs);
        this.expectPunct(COMMA);
        term.targets = [then, this.parseBlockCall(blockRefs)];
        break;
      }
      case TermOp.BrTable:
        term.args.push(this.parseValue());
        this.expectPunct(COMMA);
        this.expectPunct(LBRACKET);
        while (!this.isPunct(RBRACKET)) {
          if (term.targets.length > 0) this.expectPunct(COMMA);
          term.targets.push(this.parseBlockCall(blockRefs));
        }
        this.skip();
        this.expectPunct(COMMA);
        term.targets.push(this.parseBlockCall(blockRefs));
        break;
      case TermOp.Return:
        // a block label or `}` follows a terminator, so a value here is the returned one
        if (this.isValueName()) term.args = [this.parseValue()];
        break;
      case TermOp.Trap:
        term.imm = this.parseTrapKind();
        break;
      case TermOp.Unreachable:
        break;
      case TermOp.Deopt: {
        const resume = { func: -1, block: 0 };
        term.resume = resume;
        this.refer(Tok.FuncName, "an @name", "function", (index) => {
          resume.func = index;
        });
        // a block of the resumed function, not of this one
        resume.block = this.parseIndexed("block", "a block (blockN)");
        this.expectPunct(LPAREN);
        term.args = this.parseValueList(RPAREN);
        if (this.isIdent("then")) {
          this.skip();
          const caller: Terminator["caller"] = { func: -1, block: 0, args: 0, loc: NO_LOC };
          this.refer(Tok.FuncName, "an @name", "function", (index) => {
            caller!.func = index;
          });
          caller.block = this.parseIndexed("block", "a block (blockN)");
          this.expectPunct(LPAREN);
          const passed = this.parseValueList(RPAREN);
          caller.args = passed.length;
          term.args = term.args.concat(passed);
          caller.loc = this.parseLoc();
          const site = this.parseSite();
          if (site !== undefined) caller.site = site;
          term.caller = caller;
        }
        this.expectPunct(COMMA);
        this.expectIdent("guard");
        term.imm = this.parseUint("a guard number");
        break;
      }
    }
    term.loc = this.parseLoc();
    const termSite = this.parseSite();
    if (termSite !== undefined) term.site = termSite;
    return term;
  }

  private parseTrapKind(): TrapKind {
    const at = this.mark();
    const name = this.expectText(Tok.Ident, "a trap kind");
    const kind = parseTrapName(name);
    if (kind === undefined) this.fail(`unknown trap kind '${name}'`, at);
    return kind;
  }

  /** An instruction; `defined`: `indexed("v")` of its first token (the caller has looked). */
  private parseInst(defined: number): Inst {
    let result = -1;
    let type = Type.None;
    if (defined !== NOT_INDEXED) {
      if (defined === INDEX_TOO_LARGE) this.fail("a value (vN) number too large");
      result = defined;
      this.skip();
      this.expectPunct(COLON);
      type = this.parseType();
      this.expectPunct(EQUALS);
    }
    const opLine = this.tokenLine;
    const opCol = this.tokenCol;
    const opName = this.expectText(Tok.Ident, "an op");
    const op = opByName(opName);
    if (op === undefined) this.failAt(`unknown op '${opName}'`, opLine, opCol);
    const inst: Inst = { op, type, result, args: NO_OPERANDS, imm: 0, big: 0n, loc: NO_LOC };
    const m = this.module;
    switch (opInfo(op).kind) {
      case OpKind.Const: {
        if (result < 0) this.failAt("const needs a result", opLine, opCol);
        this.parseConst(type);
        inst.imm = this.constImm;
        inst.big = this.constBig;
        inst.args = [];
        break;
      }
      case OpKind.Load:
      case OpKind.Store: {
        const address = this.parseValue();
        if (opInfo(op).kind === OpKind.Store) {
          this.expectPunct(COMMA);
          inst.args = [address, this.parseValue()];
        } else {
          inst.args = [address];
        }
        if (this.isIdent("offset")) {
          this.skip();
          this.expectPunct(EQUALS);
          inst.imm = this.parseUint("an offset");
        }
        if (opInfo(op).kind === OpKind.Load && this.isIdent("invariant")) {
          this.skip();
          inst.invariant = true;
        }
        break;
      }
      case OpKind.GlobalGet:
        this.refer(Tok.GlobalName, "a $global", "global", (index) => {
          inst.imm = index;
        });
        inst.args = [];
        break;
      case OpKind.GlobalSet:
        this.refer(Tok.GlobalName, "a $global", "global", (index) => {
          inst.imm = index;
        });
        this.expectPunct(COMMA);
        inst.args = [this.parseValue()];
        break;
      case OpKind.Call:
      case OpKind.CallHost:
        this.refer(Tok.FuncName, "an @name", op === Op.Call ? "function" : "import", (index) => {
          inst.imm = index;
        });
        this.expectPunct(LPAREN);
        inst.args = this.parseValueList(RPAREN);
        break;
      case OpKind.CallIndirect: {
        const typeMark = this.mark();
        inst.imm = this.parseIndexed("t", "a type (tN)");
        if (inst.imm >= m.types.length) this.fail(`unknown type t${inst.imm}`, typeMark);
        const index = this.parseValue();
        this.expectPunct(LPAREN);
        inst.args = [index].concat(this.parseValueList(RPAREN));
        break;
      }
      case OpKind.TrapIf: {
        inst.args = [this.parseValue()];
        this.expectPunct(COMMA);
        inst.imm = this.parseTrapKind();
        break;
      }
      case OpKind.MemorySize:
        inst.args = [];
        break;
      case OpKind.ProfileEdge:
        inst.imm = this.parseUint("an edge number");
        inst.args = [];
        break;
      case OpKind.ProfileCall:
        inst.imm = this.parseUint("a call site number");
        inst.args = [];
        break;
      case OpKind.OsrPoint: {
        // a block of the program's function, not of this one
        inst.imm = this.parseIndexed("block", "a loop header (blockN)");
        const args = this.valueScratch;
        let count = 0;
        while (this.isPunct(COMMA)) {
          this.skip();
          args[count++] = this.parseValue();
        }
        inst.args = exactly(args, count);
        break;
      }
      case OpKind.ProfileTarget:
        inst.imm = this.parseUint("a call site number");
        this.expectPunct(COMMA);
        inst.args = [this.parseValue()];
        break;
      default: {
        // one or two operands but for select's three
        const first = this.parseValue();
        if (!this.isPunct(COMMA)) {
          inst.args = [first];
          break;
        }
        this.skip();
        const second = this.parseValue();
        if (!this.isPunct(COMMA)) {
          inst.args = [first, second];
          break;
        }
        const args = this.valueScratch;
        args[0] = first;
        args[1] = second;
        let count = 2;
        while (this.isPunct(COMMA)) {
          this.skip();
          args[count++] = this.parseValue();
        }
        inst.args = exactly(args, count);
      }
    }
    if (inst.args === NO_OPERANDS) throw new Error(`internal: no operands read for ${opName}`);
    inst.loc = this.parseLoc();
    const site = this.parseSite();
    if (site !== undefined) inst.site = site;
    return inst;
  }
}

/** Parses IR text; throws `IrParseError` (with line:col) on malformed input. */
export function parseModule(source: string, file = "<input>"): Module {
  return new Parser(source, file).parseModule();
}

/**
 * Parses IR text's declarations and function signatures, and each function body only when
 * its `blocks` are first read; `releaseBody` drops a body until the next read. A program's
 * Tier 0 compile reads each body once, just before compiling it, so that the IR dies
 * young instead of the whole module's outliving every collection (docs/tiers.md).
 *
 * Errors outside function bodies are thrown here, and are those of `parseModule`. An
 * error inside a body is thrown by the read of its `blocks`, and may not be the first error
 * of the text: a caller that reads bodies lazily reports errors by running `parseModule`.
 * Functions with inline sites are parsed at once.
 */
export function parseModuleLazily(source: string, file = "<input>"): Module {
  try {
    // both parsers fill one module: bodies are read once its declarations are
    const module = emptyModule();
    return new Parser(source, file, module, new Parser(source, file, module)).parseModule();
  } catch (error) {
    // the first error in the text's order, whichever part of it holds it
    if (error instanceof IrParseError) parseModule(source, file);
    throw error;
  }
}

/** Whether `fn` is a lazily parsed function whose body can be released and read again. */
export function hasLazyBody(fn: IrFunction): boolean {
  const body = (fn as Partial<LazyFunction>)[LAZY_BODY];
  return body !== undefined && !body.assigned;
}

/**
 * Drops the parsed body of a lazily parsed function (`parseModuleLazily`); its next read of
 * `blocks` parses it again, from the text: changes made to the blocks in place are lost
 * (the engine releases a body right after Tier 0 has compiled it, before anything else
 * reads it). Does nothing to other functions, and to a body that was assigned.
 */
export function releaseBody(fn: IrFunction): void {
  const body = (fn as Partial<LazyFunction>)[LAZY_BODY];
  if (body !== undefined && !body.assigned) body.blocks = null;
}
