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
  type Module,
  makeLoc,
  NO_LOC,
  type Terminator,
} from "./ir.js";
import { Op, OpKind, opByName, opInfo, TermOp, termByName } from "./ops.js";
import { parseTrapName } from "./trap.js";
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

interface Token {
  kind: Tok;
  text: string;
  /** Decoded bytes of a string token. */
  bytes?: Uint8Array;
  line: number;
  col: number;
}

/** Character classes by code unit (the lexer is on the path of every `.tir` load). */
const CHAR_IDENT_START = 1;
const CHAR_IDENT = 2;
const CHAR_DIGIT = 4;
const CHAR_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z_]/.test(ch)) CHAR_CLASS[c]! |= CHAR_IDENT_START | CHAR_IDENT;
  if (/[0-9.]/.test(ch)) CHAR_CLASS[c]! |= CHAR_IDENT;
  if (/[0-9]/.test(ch)) CHAR_CLASS[c]! |= CHAR_DIGIT;
}

function charIs(source: string, pos: number, cls: number): boolean {
  const code = source.charCodeAt(pos);
  return code < 128 && (CHAR_CLASS[code]! & cls) !== 0;
}

/**
 * An on-demand lexer: the parser pulls one token at a time (with one token of lookahead),
 * so tokens die young instead of surviving garbage collections as one large array.
 */
class Lexer {
  private pos = 0;
  private line = 1;
  private lineStart = 0;

  constructor(
    private readonly source: string,
    private readonly file: string,
  ) {}

  scan(): Token {
    const source = this.source;
    const file = this.file;
    let pos = this.pos;
    let line = this.line;
    let lineStart = this.lineStart;
    const emit = (token: Token): Token => {
      this.pos = pos;
      this.line = line;
      this.lineStart = lineStart;
      return token;
    };
    const fail = (message: string): never => {
      throw new IrParseError(file, line, pos - lineStart + 1, message);
    };
    while (pos < source.length) {
      const ch = source[pos]!;
      if (ch === "\n") {
        pos++;
        line++;
        lineStart = pos;
        continue;
      }
      if (ch === " " || ch === "\t" || ch === "\r") {
        pos++;
        continue;
      }
      if (ch === ";") {
        while (pos < source.length && source[pos] !== "\n") pos++;
        continue;
      }
      const col = pos - lineStart + 1;
      const start = pos;
      if (ch === "@" || ch === "$") {
        pos++;
        if (!charIs(source, pos, CHAR_IDENT_START)) fail(`expected a name after '${ch}'`);
        while (pos < source.length && charIs(source, pos, CHAR_IDENT)) pos++;
        return emit({
          kind: ch === "@" ? Tok.FuncName : Tok.GlobalName,
          text: source.slice(start + 1, pos),
          line,
          col,
        });
      }
      if (charIs(source, pos, CHAR_IDENT_START)) {
        while (pos < source.length && charIs(source, pos, CHAR_IDENT)) pos++;
        return emit({ kind: Tok.Ident, text: source.slice(start, pos), line, col });
      }
      if (charIs(source, pos, CHAR_DIGIT) || (ch === "-" && charIs(source, pos + 1, CHAR_DIGIT))) {
        pos++;
        while (
          pos < source.length &&
          (charIs(source, pos, CHAR_IDENT) || source[pos] === "+" || source[pos] === "-")
        ) {
          // a sign is part of a number only right after an exponent marker
          const c = source[pos]!;
          if ((c === "+" || c === "-") && !/[eE]/.test(source[pos - 1]!)) break;
          pos++;
        }
        return emit({ kind: Tok.Number, text: source.slice(start, pos), line, col });
      }
      if (ch === '"') {
        pos++;
        const bytes: number[] = [];
        while (source[pos] !== '"') {
          if (pos >= source.length || source[pos] === "\n") fail("unterminated string");
          if (source[pos] === "\\") {
            const hex = source.slice(pos + 1, pos + 3);
            if (!/^[0-9a-fA-F]{2}$/.test(hex)) fail("a string escape is '\\' and two hex digits");
            bytes.push(Number.parseInt(hex, 16));
            pos += 3;
          } else {
            const code = source.codePointAt(pos)!;
            const char = String.fromCodePoint(code);
            for (const byte of new TextEncoder().encode(char)) bytes.push(byte);
            pos += char.length;
          }
        }
        pos++;
        return emit({
          kind: Tok.String,
          text: source.slice(start, pos),
          bytes: Uint8Array.from(bytes),
          line,
          col,
        });
      }
      if (ch === "-" && source[pos + 1] === ">") {
        pos += 2;
        return emit({ kind: Tok.Punct, text: "->", line, col });
      }
      if ("()[]{},:=!-".includes(ch)) {
        pos++;
        return emit({ kind: Tok.Punct, text: ch, line, col });
      }
      fail(`unexpected character ${JSON.stringify(ch)}`);
    }
    return emit({ kind: Tok.End, text: "end of input", line, col: pos - lineStart + 1 });
  }
}

/** A name used before it is known to be declared; resolved when the whole text is read. */
interface Fixup {
  space: "function" | "import" | "global";
  name: string;
  token: Token;
  apply(index: number): void;
}

const VALUE_NAME = /^v(0|[1-9][0-9]*)$/;
const BLOCK_NAME = /^block(0|[1-9][0-9]*)$/;
const TYPE_REF = /^t(0|[1-9][0-9]*)$/;
const SITE_NAME = /^i(0|[1-9][0-9]*)$/;
const INT_TEXT = /^-?(0|[1-9][0-9]*)$/;
const FLOAT_TEXT = /^-?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/;

class Parser {
  private readonly lexer: Lexer;
  private current: Token;
  private ahead: Token | null = null;
  private readonly module: Module = emptyModule();
  private readonly fixups: Fixup[] = [];
  private readonly file: string;

  constructor(source: string, file: string) {
    this.file = file;
    this.lexer = new Lexer(source, file);
    this.current = this.lexer.scan();
  }

  private get token(): Token {
    return this.current;
  }

  /** Moves past the current token. */
  private skip(): void {
    if (this.current.kind === Tok.End) return;
    this.current = this.ahead ?? this.lexer.scan();
    this.ahead = null;
  }

  /** The token after the current one. */
  private lookahead(): Token {
    if (this.ahead === null) this.ahead = this.current.kind === Tok.End ? this.current : this.lexer.scan();
    return this.ahead;
  }

  private fail(message: string, token: Token = this.token): never {
    throw new IrParseError(this.file, token.line, token.col, message);
  }

  private next(): Token {
    const token = this.current;
    this.skip();
    return token;
  }

  private isPunct(text: string): boolean {
    return this.token.kind === Tok.Punct && this.token.text === text;
  }

  private isIdent(text: string): boolean {
    return this.token.kind === Tok.Ident && this.token.text === text;
  }

  private expectPunct(text: string): void {
    if (!this.isPunct(text)) this.fail(`expected '${text}', found '${this.token.text}'`);
    this.skip();
  }

  private expectKind(kind: Tok, what: string): Token {
    if (this.token.kind !== kind) this.fail(`expected ${what}, found '${this.token.text}'`);
    return this.next();
  }

  private expectIdent(text: string): void {
    if (!this.isIdent(text)) this.fail(`expected '${text}', found '${this.token.text}'`);
    this.skip();
  }

  private parseIndexed(pattern: RegExp, what: string): number {
    const token = this.token;
    const match = token.kind === Tok.Ident ? pattern.exec(token.text) : null;
    if (match === null) this.fail(`expected ${what}, found '${token.text}'`);
    this.skip();
    const index = Number(match[1]);
    if (!Number.isSafeInteger(index) || index > 0x7fffffff) this.fail(`${what} number too large`, token);
    return index;
  }

  private parseValue(): number {
    return this.parseIndexed(VALUE_NAME, "a value (vN)");
  }

  private parseType(): Type {
    const token = this.expectKind(Tok.Ident, "a type");
    const type = parseTypeName(token.text);
    if (type === undefined) this.fail(`unknown type '${token.text}'`, token);
    return type;
  }

  private parseUint(what: string): number {
    const token = this.expectKind(Tok.Number, what);
    if (!/^(0|[1-9][0-9]*)$/.test(token.text)) this.fail(`expected ${what}, found '${token.text}'`, token);
    const value = Number(token.text);
    if (value > 0xffffffff) this.fail(`${what} out of range`, token);
    return value;
  }

  private parseSignature(): Signature {
    this.expectPunct("(");
    const params: Type[] = [];
    if (!this.isPunct(")")) {
      params.push(this.parseType());
      while (this.isPunct(",")) {
        this.skip();
        params.push(this.parseType());
      }
    }
    this.expectPunct(")");
    const results: Type[] = [];
    if (this.isPunct("->")) {
      this.skip();
      results.push(this.parseType());
    }
    return { params, results };
  }

  /** A constant of `type`: integers in decimal, floats also as inf/nan, optionally signed. */
  private parseConst(type: Type): { imm: number; big: bigint } {
    let negative = false;
    const first = this.token;
    if (this.isPunct("-")) {
      this.skip();
      negative = true;
    }
    const token = this.next();
    if (type === Type.I32 || type === Type.I64) {
      if (token.kind !== Tok.Number || !INT_TEXT.test(token.text) || negative) {
        this.fail(`expected an integer constant, found '${token.text}'`, first);
      }
      const value = BigInt(token.text);
      if (type === Type.I32) {
        if (value < -(1n << 31n) || value >= 1n << 31n) this.fail("i32 constant out of range", first);
        return { imm: Number(value), big: 0n };
      }
      if (value < -(1n << 63n) || value >= 1n << 63n) this.fail("i64 constant out of range", first);
      return { imm: 0, big: value };
    }
    let value: number;
    if (token.kind === Tok.Ident && (token.text === "inf" || token.text === "nan")) {
      value = token.text === "inf" ? Number.POSITIVE_INFINITY : Number.NaN;
    } else if (token.kind === Tok.Number && FLOAT_TEXT.test(token.text)) {
      value = Number(token.text);
    } else {
      return this.fail(`expected a float constant, found '${token.text}'`, first);
    }
    if (negative) value = -value;
    if (type === Type.F32 && !Number.isNaN(value) && Math.fround(value) !== value) {
      this.fail("f32 constant is not exactly representable", first);
    }
    return { imm: value, big: 0n };
  }

  private parseLoc(): number {
    if (!this.isPunct("!")) return NO_LOC;
    this.skip();
    const line = this.parseUint("a line number");
    this.expectPunct(":");
    const col = this.parseUint("a column number");
    if (col > 65535) this.fail("column out of range");
    return makeLoc(line, col);
  }

  /** An optional `in iN` after a position: the inline site the code came from. */
  private parseSite(): number | undefined {
    if (this.token.kind !== Tok.Ident || this.token.text !== "in") return undefined;
    this.skip();
    return this.parseIndexed(SITE_NAME, "an inline site (iN)");
  }

  private refer(space: Fixup["space"], token: Token, apply: (index: number) => void): void {
    this.fixups.push({ space, name: token.text, token, apply });
  }

  parseModule(): Module {
    const m = this.module;
    while (this.token.kind !== Tok.End) {
      const token = this.token;
      if (token.kind !== Tok.Ident) this.fail(`expected a declaration, found '${token.text}'`);
      switch (token.text) {
        case "source":
          this.skip();
          m.sourceFile = new TextDecoder().decode(this.expectKind(Tok.String, "a string").bytes);
          break;
        case "memory": {
          this.skip();
          const minPages = this.parseUint("a page count");
          const maxPages = this.token.kind === Tok.Number ? this.parseUint("a page count") : -1;
          m.memory = { minPages, maxPages };
          break;
        }
        case "data": {
          this.skip();
          const offset = this.parseUint("a data offset");
          const bytes = this.expectKind(Tok.String, "a string").bytes!;
          m.data.push({ offset, bytes });
          break;
        }
        case "type": {
          this.skip();
          const index = this.parseIndexed(TYPE_REF, "a type name (tN)");
          if (index !== m.types.length)
            this.fail(`type t${index} out of order: expected t${m.types.length}`, token);
          this.expectPunct("=");
          m.types.push(this.parseSignature());
          break;
        }
        case "import": {
          this.skip();
          const name = this.expectKind(Tok.FuncName, "an @name").text;
          const sig = this.parseSignature();
          this.expectPunct("=");
          const moduleName = new TextDecoder().decode(this.expectKind(Tok.String, "a module name").bytes);
          const field = new TextDecoder().decode(this.expectKind(Tok.String, "a field name").bytes);
          m.imports.push({ name, module: moduleName, field, params: sig.params, results: sig.results });
          break;
        }
        case "global": {
          this.skip();
          const name = this.expectKind(Tok.GlobalName, "a $name").text;
          this.expectPunct(":");
          const type = this.parseType();
          let mutable = false;
          if (this.isIdent("mut")) {
            this.skip();
            mutable = true;
          }
          this.expectPunct("=");
          const { imm, big } = this.parseConst(type);
          m.globals.push({ name, type, mutable, init: type === Type.I64 ? big : imm });
          break;
        }
        case "table": {
          this.skip();
          this.expectPunct("[");
          while (!this.isPunct("]")) {
            if (m.table.length > 0) this.expectPunct(",");
            const slot = m.table.length;
            if (this.isIdent("null")) {
              this.skip();
              m.table.push(-1);
            } else {
              m.table.push(-1);
              this.refer("function", this.expectKind(Tok.FuncName, "an @name or null"), (index) => {
                m.table[slot] = index;
              });
            }
          }
          this.skip();
          break;
        }
        case "start":
          this.skip();
          this.refer("function", this.expectKind(Tok.FuncName, "an @name"), (index) => {
            m.start = index;
          });
          break;
        case "export":
        case "func":
          m.functions.push(this.parseFunction());
          break;
        default:
          this.fail(`expected a declaration, found '${token.text}'`);
      }
    }
    this.resolve();
    return m;
  }

  private resolve(): void {
    const m = this.module;
    const spaces = {
      function: new Map(m.functions.map((f, i) => [f.name, i])),
      import: new Map(m.imports.map((f, i) => [f.name, i])),
      global: new Map(m.globals.map((g, i) => [g.name, i])),
    };
    for (const fixup of this.fixups) {
      const index = spaces[fixup.space].get(fixup.name);
      if (index === undefined) {
        const sigil = fixup.space === "global" ? "$" : "@";
        this.fail(`unknown ${fixup.space} ${sigil}${fixup.name}`, fixup.token);
      }
      fixup.apply(index);
    }
  }

  private parseFunction(): IrFunction {
    let exported = false;
    if (this.isIdent("export")) {
      this.skip();
      exported = true;
    }
    this.expectIdent("func");
    const name = this.expectKind(Tok.FuncName, "an @name").text;
    const sig = this.parseSignature();
    const loc = this.parseLoc();
    this.expectPunct("{");
    const fn: IrFunction = { name, params: sig.params, results: sig.results, exported, blocks: [], loc };
    const blockRefs: { token: Token; block: number }[] = [];
    while (this.token.kind === Tok.Ident && this.token.text === "inline") {
      this.skip();
      const sites = fn.inlineSites ?? [];
      fn.inlineSites = sites;
      const siteToken = this.token;
      const index = this.parseIndexed(SITE_NAME, "an inline site (iN)");
      if (index !== sites.length) this.fail(`i${index} out of order: expected i${sites.length}`, siteToken);
      this.expectPunct("=");
      const site: InlineSite = { callee: -1, loc: NO_LOC, parent: -1 };
      this.refer("function", this.expectKind(Tok.FuncName, "an @name"), (callee) => {
        site.callee = callee;
      });
      site.loc = this.parseLoc();
      const parentToken = this.token;
      const parent = this.parseSite();
      if (parent !== undefined) {
        if (parent >= index) this.fail(`an inline site's parent must come before it`, parentToken);
        site.parent = parent;
      }
      sites.push(site);
    }
    while (!this.isPunct("}")) {
      const labelToken = this.token;
      const id = this.parseIndexed(BLOCK_NAME, "a block label (blockN:)");
      if (id !== fn.blocks.length)
        this.fail(`block${id} out of order: expected block${fn.blocks.length}`, labelToken);
      fn.blocks.push(this.parseBlock(blockRefs));
    }
    this.skip();
    for (const ref of blockRefs) {
      if (ref.block >= fn.blocks.length) this.fail(`unknown block block${ref.block}`, ref.token);
    }
    return fn;
  }

  private parseBlock(blockRefs: { token: Token; block: number }[]): Block {
    const block: Block = { params: [], paramTypes: [], insts: [], term: undefined as unknown as Terminator };
    if (this.isPunct("(")) {
      this.skip();
      while (!this.isPunct(")")) {
        if (block.params.length > 0) this.expectPunct(",");
        block.params.push(this.parseValue());
        this.expectPunct(":");
        block.paramTypes.push(this.parseType());
      }
      this.skip();
    }
    this.expectPunct(":");
    for (;;) {
      const token = this.token;
      if (token.kind !== Tok.Ident) this.fail(`expected an instruction, found '${token.text}'`);
      const term = termByName(token.text);
      if (term !== undefined) {
        this.skip();
        block.term = this.parseTerminator(term, blockRefs);
        return block;
      }
      block.insts.push(this.parseInst());
    }
  }

  private parseBlockCall(blockRefs: { token: Token; block: number }[]): BlockCall {
    const token = this.token;
    const block = this.parseIndexed(BLOCK_NAME, "a block (blockN)");
    blockRefs.push({ token, block });
    const args: number[] = [];
    if (this.isPunct("(")) {
      this.skip();
      args.push(...this.parseValueList(")"));
    }
    return { block, args };
  }

  /** Values separated by commas up to and including `close`. */
  private parseValueList(close: string): number[] {
    const values: number[] = [];
    while (!this.isPunct(close)) {
      if (values.length > 0) this.expectPunct(",");
      values.push(this.parseValue());
    }
    this.skip();
    return values;
  }

  private parseTerminator(op: TermOp, blockRefs: { token: Token; block: number }[]): Terminator {
    const term: Terminator = { op, args: [], targets: [], imm: 0, loc: NO_LOC };
    switch (op) {
      case TermOp.Jump:
        term.targets.push(this.parseBlockCall(blockRefs));
        break;
      case TermOp.BrIf:
        term.args.push(this.parseValue());
        this.expectPunct(",");
        term.targets.push(this.parseBlockCall(blockRefs));
        this.expectPunct(",");
        term.targets.push(this.parseBlockCall(blockRefs));
        break;
      case TermOp.BrTable:
        term.args.push(this.parseValue());
        this.expectPunct(",");
        this.expectPunct("[");
        while (!this.isPunct("]")) {
          if (term.targets.length > 0) this.expectPunct(",");
          term.targets.push(this.parseBlockCall(blockRefs));
        }
        this.skip();
        this.expectPunct(",");
        term.targets.push(this.parseBlockCall(blockRefs));
        break;
      case TermOp.Return:
        // `return vN` — but not when vN starts the next definition (`vN:type = ...`)
        if (this.token.kind === Tok.Ident && VALUE_NAME.test(this.token.text)) {
          const after = this.lookahead();
          if (!(after.kind === Tok.Punct && after.text === ":")) term.args.push(this.parseValue());
        }
        break;
      case TermOp.Trap: {
        const token = this.expectKind(Tok.Ident, "a trap kind");
        const kind = parseTrapName(token.text);
        if (kind === undefined) this.fail(`unknown trap kind '${token.text}'`, token);
        term.imm = kind;
        break;
      }
      case TermOp.Unreachable:
        break;
      case TermOp.Deopt: {
        const resume = { func: -1, block: 0 };
        term.resume = resume;
        this.refer("function", this.expectKind(Tok.FuncName, "an @name"), (index) => {
          resume.func = index;
        });
        // a block of the resumed function, not of this one
        resume.block = this.parseIndexed(BLOCK_NAME, "a block (blockN)");
        this.expectPunct("(");
        term.args.push(...this.parseValueList(")"));
        if (this.isIdent("then")) {
          this.skip();
          const caller: Terminator["caller"] = { func: -1, block: 0, args: 0, loc: NO_LOC };
          this.refer("function", this.expectKind(Tok.FuncName, "an @name"), (index) => {
            caller!.func = index;
          });
          caller.block = this.parseIndexed(BLOCK_NAME, "a block (blockN)");
          this.expectPunct("(");
          const passed = this.parseValueList(")");
          caller.args = passed.length;
          term.args.push(...passed);
          caller.loc = this.parseLoc();
          const site = this.parseSite();
          if (site !== undefined) caller.site = site;
          term.caller = caller;
        }
        this.expectPunct(",");
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

  private parseInst(): Inst {
    let result = -1;
    let type = Type.None;
    if (VALUE_NAME.test(this.token.text) && this.lookahead().text === ":") {
      result = this.parseValue();
      this.expectPunct(":");
      type = this.parseType();
      this.expectPunct("=");
    }
    const opToken = this.expectKind(Tok.Ident, "an op");
    const op = opByName(opToken.text);
    if (op === undefined) this.fail(`unknown op '${opToken.text}'`, opToken);
    const inst: Inst = { op, type, result, args: [], imm: 0, big: 0n, loc: NO_LOC };
    const m = this.module;
    switch (opInfo(op).kind) {
      case OpKind.Const: {
        if (result < 0) this.fail("const needs a result", opToken);
        const { imm, big } = this.parseConst(type);
        inst.imm = imm;
        inst.big = big;
        break;
      }
      case OpKind.Load:
      case OpKind.Store:
        inst.args.push(this.parseValue());
        if (opInfo(op).kind === OpKind.Store) {
          this.expectPunct(",");
          inst.args.push(this.parseValue());
        }
        if (this.isIdent("offset")) {
          this.skip();
          this.expectPunct("=");
          inst.imm = this.parseUint("an offset");
        }
        if (opInfo(op).kind === OpKind.Load && this.isIdent("invariant")) {
          this.skip();
          inst.invariant = true;
        }
        break;
      case OpKind.GlobalGet:
        this.refer("global", this.expectKind(Tok.GlobalName, "a $global"), (index) => {
          inst.imm = index;
        });
        break;
      case OpKind.GlobalSet:
        this.refer("global", this.expectKind(Tok.GlobalName, "a $global"), (index) => {
          inst.imm = index;
        });
        this.expectPunct(",");
        inst.args.push(this.parseValue());
        break;
      case OpKind.Call:
      case OpKind.CallHost:
        this.refer(
          op === Op.Call ? "function" : "import",
          this.expectKind(Tok.FuncName, "an @name"),
          (index) => {
            inst.imm = index;
          },
        );
        this.expectPunct("(");
        inst.args.push(...this.parseValueList(")"));
        break;
      case OpKind.CallIndirect: {
        const typeToken = this.token;
        inst.imm = this.parseIndexed(TYPE_REF, "a type (tN)");
        if (inst.imm >= m.types.length) this.fail(`unknown type t${inst.imm}`, typeToken);
        inst.args.push(this.parseValue());
        this.expectPunct("(");
        inst.args.push(...this.parseValueList(")"));
        break;
      }
      case OpKind.TrapIf: {
        inst.args.push(this.parseValue());
        this.expectPunct(",");
        const token = this.expectKind(Tok.Ident, "a trap kind");
        const kind = parseTrapName(token.text);
        if (kind === undefined) this.fail(`unknown trap kind '${token.text}'`, token);
        inst.imm = kind;
        break;
      }
      case OpKind.MemorySize:
        break;
      case OpKind.ProfileEdge:
        inst.imm = this.parseUint("an edge number");
        break;
      case OpKind.ProfileTarget:
        inst.imm = this.parseUint("a call site number");
        this.expectPunct(",");
        inst.args.push(this.parseValue());
        break;
      default:
        inst.args.push(this.parseValue());
        while (this.isPunct(",")) {
          this.skip();
          inst.args.push(this.parseValue());
        }
    }
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
