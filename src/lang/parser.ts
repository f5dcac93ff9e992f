/**
 * The TJ parser: tokens to a syntax tree, by recursive descent with precedence climbing
 * for binary operators (language.md's table). On an error it reports, skips to the next
 * statement or declaration boundary and goes on. Nesting deeper than MAX_DEPTH (parentheses,
 * blocks, types) is an error, not a host stack overflow.
 */

import type {
  AssignOp,
  BinaryOp,
  Decl,
  Expr,
  FunctionDecl,
  GlobalDecl,
  Param,
  Program,
  Stmt,
  TypeNode,
} from "./ast.js";
import { CompileAbort, type DiagnosticBag, type SourceOffset } from "./diagnostics.js";
import { Lexer, T, type Token } from "./lexer.js";

/** Deepest nesting of expressions, statements or types accepted. */
export const MAX_DEPTH = 200;

const BINARY_PRECEDENCE: Record<string, number> = {
  "||": 1,
  "&&": 2,
  "|": 3,
  "^": 4,
  "&": 5,
  "==": 6,
  "!=": 6,
  "<": 7,
  "<=": 7,
  ">": 7,
  ">=": 7,
  "<<": 8,
  ">>": 8,
  ">>>": 8,
  "+": 9,
  "-": 9,
  "*": 10,
  "/": 10,
  "%": 10,
};

const ASSIGN_OPS = new Set(["=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>=", ">>>="]);

/** Raised to unwind to the nearest recovery point after an error has been reported. */
class Recover extends Error {}

class Parser {
  /** How many tokens have been consumed: recovery compares it to see progress. */
  private pos = 0;
  private depth = 0;
  /** The current token, and the one after it once `peek` has looked. */
  private tok: Token;
  private ahead: Token | null = null;

  constructor(
    private readonly lexer: Lexer,
    private readonly diagnostics: DiagnosticBag,
  ) {
    this.tok = lexer.next();
  }

  private peek(): Token {
    if (this.ahead === null) this.ahead = this.tok.kind === T.End ? this.tok : this.lexer.next();
    return this.ahead;
  }

  private advance(): Token {
    const token = this.tok;
    if (token.kind !== T.End) {
      this.pos++;
      this.tok = this.peek();
      this.ahead = null;
    }
    return token;
  }

  private is(text: string): boolean {
    const token = this.tok;
    return (token.kind === T.Punct || token.kind === T.Keyword) && token.text === text;
  }

  private accept(text: string): boolean {
    if (!this.is(text)) return false;
    this.advance();
    return true;
  }

  private fail(message: string, at: SourceOffset = this.tok.start): never {
    this.diagnostics.error(at, message);
    throw new Recover();
  }

  private describe(token: Token): string {
    if (token.kind === T.End) return "end of file";
    return `'${token.text}'`;
  }

  private expect(text: string, context = ""): Token {
    if (!this.is(text)) {
      this.fail(`expected '${text}'${context === "" ? "" : ` ${context}`}, found ${this.describe(this.tok)}`);
    }
    return this.advance();
  }

  private expectIdent(what: string): Token {
    const token = this.tok;
    if (token.kind !== T.Ident) {
      const reserved = token.kind === T.Keyword ? ` ('${token.text}' is a keyword)` : "";
      this.fail(`expected ${what}, found ${this.describe(token)}${reserved}`);
    }
    return this.advance();
  }

  private enter(at: SourceOffset): void {
    if (++this.depth > MAX_DEPTH) {
      this.diagnostics.error(at, `nesting is too deep (more than ${MAX_DEPTH} levels)`);
      throw new CompileAbort();
    }
  }

  private leave(): void {
    this.depth--;
  }

  // ---- declarations ----

  parseProgram(): Program {
    const decls: Decl[] = [];
    while (this.tok.kind !== T.End) {
      const start = this.pos;
      try {
        decls.push(this.parseDecl());
      } catch (error) {
        if (!(error instanceof Recover)) throw error;
        this.depth = 0;
        this.skipToDeclaration(start);
      }
    }
    return { decls };
  }

  /** After an error at module level: skip to the next `function`/`let`/... at the start of a line or after `}`/`;`. */
  private skipToDeclaration(start: number): void {
    if (this.pos === start) this.advance();
    let braces = 0;
    while (this.tok.kind !== T.End) {
      if (this.is("{")) braces++;
      if (this.is("}")) {
        braces--;
        if (braces <= 0) {
          this.advance();
          if (braces < 0) braces = 0;
          if (braces === 0 && this.startsDeclaration()) return;
          continue;
        }
      }
      if (braces === 0 && this.is(";")) {
        this.advance();
        if (this.startsDeclaration()) return;
        continue;
      }
      if (braces === 0 && this.startsDeclaration() && this.pos !== start) return;
      this.advance();
    }
  }

  private startsDeclaration(): boolean {
    return ["function", "extern", "export", "let", "const"].some((k) => this.is(k));
  }

  private parseDecl(): Decl {
    const start = this.tok;
    if (this.is("let") || this.is("const")) return this.parseGlobal();
    const exported = this.accept("export");
    const extern = !exported && this.accept("extern");
    if (!this.is("function")) {
      if (exported || extern) this.fail(`expected 'function' after '${exported ? "export" : "extern"}'`);
      this.fail(`expected a declaration (function, let or const), found ${this.describe(this.tok)}`);
    }
    this.advance();
    const nameToken = this.expectIdent("a function name");
    const params = this.parseParams();
    let result: TypeNode | null = null;
    if (this.accept(":")) result = this.parseType();
    const decl: FunctionDecl = {
      kind: "function",
      pos: start.start,
      name: nameToken.text,
      namePos: nameToken.start,
      exported,
      extern,
      params,
      result,
      body: null,
      endPos: this.tok.start,
      binding: undefined,
    };
    if (extern) {
      if (this.is("{")) this.fail("an extern function has no body; end it with ';'");
      this.expect(";", "after an extern function");
      return decl;
    }
    const body = this.parseBlock();
    decl.body = body.body;
    decl.endPos = body.end;
    return decl;
  }

  private parseParams(): Param[] {
    this.expect("(", "to start the parameter list");
    const params: Param[] = [];
    while (!this.is(")")) {
      if (params.length > 0) this.expect(",", "between parameters");
      const name = this.expectIdent("a parameter name");
      this.expect(":", `after parameter '${name.text}' (parameters need a type)`);
      params.push({ pos: name.start, name: name.text, annotation: this.parseType(), binding: undefined });
    }
    this.advance();
    return params;
  }

  private parseGlobal(): GlobalDecl {
    const start = this.advance();
    const name = this.expectIdent("a variable name");
    const annotation = this.accept(":") ? this.parseType() : null;
    if (!this.is("=")) this.fail(`'${name.text}' needs an initial value`);
    this.advance();
    const init = this.parseExpr();
    this.expect(";", "after the declaration");
    return {
      kind: "global",
      pos: start.start,
      name: name.text,
      namePos: name.start,
      constant: start.text === "const",
      annotation,
      init,
      binding: undefined,
    };
  }

  // ---- types ----

  parseType(): TypeNode {
    this.enter(this.tok.start);
    try {
      let type = this.parseTypeAtom();
      while (this.is("[") && this.peek().text === "]") {
        const at = this.advance();
        this.advance();
        type = { kind: "array", pos: at.start, elem: type };
      }
      return type;
    } finally {
      this.leave();
    }
  }

  /** A type without `[]` suffixes: a named type, or a parenthesised type or function type. */
  private parseTypeAtom(): TypeNode {
    const token = this.tok;
    if (token.kind === T.Keyword && ["i32", "i64", "f64", "bool", "void"].includes(token.text)) {
      this.advance();
      return { kind: "named", pos: token.start, name: token.text as "i32" };
    }
    if (this.is("(")) {
      this.advance();
      const params: TypeNode[] = [];
      let named = false;
      while (!this.is(")")) {
        if (params.length > 0) this.expect(",", "between parameter types");
        if (this.tok.kind === T.Ident && this.peek().text === ":") {
          this.advance();
          this.advance();
          named = true;
        }
        params.push(this.parseType());
      }
      this.advance();
      if (this.accept("=>")) return { kind: "func", pos: token.start, params, result: this.parseType() };
      if (params.length === 1 && !named) return params[0]!;
      this.fail("expected '=>' after a function type's parameters");
    }
    if (token.kind === T.Ident) this.fail(`unknown type '${token.text}'`);
    this.fail(`expected a type, found ${this.describe(token)}`);
  }

  // ---- statements ----

  private parseBlock(): { body: Stmt[]; end: SourceOffset } {
    this.expect("{", "to start a block");
    const body: Stmt[] = [];
    while (!this.is("}")) {
      if (this.tok.kind === T.End) this.fail("expected '}' before end of file");
      const start = this.pos;
      try {
        body.push(this.parseStmt());
      } catch (error) {
        if (!(error instanceof Recover)) throw error;
        this.skipToStatement(start);
      }
    }
    return { body, end: this.advance().start };
  }

  /** After an error in a statement: skip past the next `;` at this nesting, or stop before `}`. */
  private skipToStatement(start: number): void {
    if (this.pos === start && !this.is("}")) this.advance();
    let depth = 0;
    while (this.tok.kind !== T.End) {
      if (this.is("{") || this.is("(") || this.is("[")) depth++;
      else if (this.is(")") || this.is("]")) depth = Math.max(0, depth - 1);
      else if (this.is("}")) {
        if (depth === 0) return;
        depth--;
        if (depth === 0) {
          this.advance();
          return;
        }
      } else if (this.is(";") && depth === 0) {
        this.advance();
        return;
      }
      this.advance();
    }
  }

  private parseStmt(): Stmt {
    this.enter(this.tok.start);
    try {
      return this.parseStmtInner();
    } finally {
      this.leave();
    }
  }

  private parseStmtInner(): Stmt {
    const token = this.tok;
    if (token.kind === T.Keyword) {
      switch (token.text) {
        case "let":
        case "const": {
          const stmt = this.parseLet();
          this.expect(";", "after the declaration");
          return stmt;
        }
        case "if": {
          this.advance();
          this.expect("(", "after 'if'");
          const test = this.parseExpr();
          this.expect(")", "after the condition");
          const then = this.parseStmt();
          const otherwise = this.accept("else") ? this.parseStmt() : null;
          return { kind: "if", pos: token.start, test, then, else: otherwise };
        }
        case "while": {
          this.advance();
          this.expect("(", "after 'while'");
          const test = this.parseExpr();
          this.expect(")", "after the condition");
          return { kind: "while", pos: token.start, test, body: this.parseStmt() };
        }
        case "do": {
          this.advance();
          const body = this.parseStmt();
          this.expect("while", "after the body of 'do'");
          this.expect("(", "after 'while'");
          const test = this.parseExpr();
          this.expect(")", "after the condition");
          this.expect(";", "after 'do ... while (...)'");
          return { kind: "do", pos: token.start, body, test };
        }
        case "for":
          return this.parseFor();
        case "break":
        case "continue":
          this.advance();
          this.expect(";", `after '${token.text}'`);
          return { kind: token.text, pos: token.start };
        case "return": {
          this.advance();
          const value = this.is(";") ? null : this.parseExpr();
          this.expect(";", "after 'return'");
          return { kind: "return", pos: token.start, value };
        }
        case "function":
        case "extern":
        case "export":
          this.fail("functions can only be declared at module level");
      }
    }
    if (this.is("{")) {
      const block = this.parseBlock();
      return { kind: "block", pos: token.start, body: block.body };
    }
    if (this.is(";")) {
      this.advance();
      return { kind: "block", pos: token.start, body: [] };
    }
    const stmt = this.parseSimple();
    this.expect(";", "after the statement");
    return stmt;
  }

  private parseLet(): Stmt {
    const start = this.advance();
    const name = this.expectIdent("a variable name");
    const annotation = this.accept(":") ? this.parseType() : null;
    if (!this.is("=")) this.fail(`'${name.text}' needs an initial value`);
    this.advance();
    return {
      kind: "let",
      pos: name.start,
      constant: start.text === "const",
      name: name.text,
      annotation,
      init: this.parseExpr(),
      binding: undefined,
    };
  }

  /** An assignment or an expression statement (also the init and step of `for`). */
  private parseSimple(): Stmt {
    const start = this.tok;
    if (this.is("++") || this.is("--")) {
      this.fail(`TJ has no '${start.text}'; write 'x ${start.text[0]}= 1'`);
    }
    const target = this.parseExpr();
    if (this.is("++") || this.is("--")) {
      this.fail(`TJ has no '${this.tok.text}'; write 'x ${this.tok.text[0]}= 1'`);
    }
    if (this.tok.kind === T.Punct && ASSIGN_OPS.has(this.tok.text)) {
      const op = this.advance().text as AssignOp;
      if (target.kind !== "name" && target.kind !== "index") {
        this.fail("the left side of an assignment must be a variable or an array element", target.pos);
      }
      return { kind: "assign", pos: start.start, op, target, value: this.parseExpr() };
    }
    return { kind: "expr", pos: start.start, expr: target };
  }

  private parseFor(): Stmt {
    const token = this.advance();
    this.expect("(", "after 'for'");
    let init: Stmt | null = null;
    if (!this.is(";")) init = this.is("let") || this.is("const") ? this.parseLet() : this.parseSimple();
    this.expect(";", "after the initializer of 'for'");
    const test = this.is(";") ? null : this.parseExpr();
    this.expect(";", "after the condition of 'for'");
    const step = this.is(")") ? null : this.parseSimple();
    this.expect(")", "to close 'for (...)'");
    return { kind: "for", pos: token.start, init, test, step, body: this.parseStmt() };
  }

  // ---- expressions ----

  parseExpr(): Expr {
    this.enter(this.tok.start);
    try {
      return this.parseConditional();
    } finally {
      this.leave();
    }
  }

  private parseConditional(): Expr {
    const test = this.parseBinary(1);
    if (!this.is("?")) return test;
    const at = this.advance();
    const then = this.parseExpr();
    this.expect(":", "in a conditional expression");
    const otherwise = this.parseExpr();
    return { kind: "cond", pos: at.start, type: undefined, test, then, else: otherwise };
  }

  private parseBinary(minPrecedence: number): Expr {
    let left = this.parseCast();
    for (;;) {
      const token = this.tok;
      if (token.kind !== T.Punct) return left;
      if (token.text === "===" || token.text === "!==") {
        this.fail(`TJ has no '${token.text}'; use '${token.text.slice(0, 2)}'`);
      }
      const precedence = BINARY_PRECEDENCE[token.text];
      if (precedence === undefined || precedence < minPrecedence) return left;
      this.advance();
      const right = this.parseBinary(precedence + 1);
      left = { kind: "binary", pos: token.start, type: undefined, op: token.text as BinaryOp, left, right };
    }
  }

  private parseCast(): Expr {
    let operand = this.parseUnary();
    while (this.is("as")) {
      const at = this.advance();
      operand = { kind: "cast", pos: at.start, type: undefined, operand, target: this.parseType() };
    }
    return operand;
  }

  private parseUnary(): Expr {
    const token = this.tok;
    if (
      token.kind === T.Punct &&
      token.text === "-" &&
      this.peek().kind === T.Int &&
      this.peek().hex !== true
    ) {
      // a negated decimal literal is one literal, so that -2147483648 fits in i32
      this.advance();
      const literal = this.advance();
      return this.parsePostfix({
        kind: "int",
        pos: token.start,
        type: undefined,
        value: -literal.int!,
        hex: false,
      });
    }
    if (token.kind === T.Punct && (token.text === "-" || token.text === "!" || token.text === "~")) {
      this.advance();
      this.enter(token.start);
      try {
        return {
          kind: "unary",
          pos: token.start,
          type: undefined,
          op: token.text,
          operand: this.parseUnary(),
        };
      } finally {
        this.leave();
      }
    }
    if (token.kind === T.Punct && token.text === "+") this.fail("TJ has no unary '+'");
    return this.parsePostfix(this.parsePrimary());
  }

  private parsePostfix(expr: Expr): Expr {
    for (;;) {
      const token = this.tok;
      if (this.is("(")) {
        this.advance();
        const args: Expr[] = [];
        while (!this.is(")")) {
          if (args.length > 0) this.expect(",", "between arguments");
          args.push(this.parseExpr());
        }
        this.advance();
        // a call is located at its callee, like tsc does
        expr = { kind: "call", pos: expr.pos, type: undefined, callee: expr, args };
      } else if (this.is("[")) {
        this.advance();
        const index = this.parseExpr();
        this.expect("]", "after the index");
        expr = { kind: "index", pos: token.start, type: undefined, array: expr, index };
      } else if (this.is(".")) {
        this.advance();
        const member = this.tok;
        if (member.kind !== T.Ident || member.text !== "length") {
          this.fail(`arrays have only '.length', found ${this.describe(member)}`);
        }
        this.advance();
        expr = { kind: "length", pos: member.start, type: undefined, array: expr };
      } else {
        return expr;
      }
    }
  }

  private parsePrimary(): Expr {
    const token = this.tok;
    switch (token.kind) {
      case T.Int:
        this.advance();
        return { kind: "int", pos: token.start, type: undefined, value: token.int!, hex: token.hex === true };
      case T.Float:
        this.advance();
        return { kind: "float", pos: token.start, type: undefined, value: token.float! };
      case T.String:
        this.advance();
        return { kind: "string", pos: token.start, type: undefined, bytes: token.bytes! };
      case T.Ident:
        this.advance();
        return { kind: "name", pos: token.start, name: token.text, type: undefined, binding: undefined };
      case T.Keyword:
        if (token.text === "true" || token.text === "false") {
          this.advance();
          return { kind: "bool", pos: token.start, type: undefined, value: token.text === "true" };
        }
        if (token.text === "new") {
          this.advance();
          const elem = this.parseTypeAtom();
          this.expect("[", "after the element type of 'new'");
          const size = this.parseExpr();
          this.expect("]", "after the array length");
          return { kind: "new", pos: token.start, elem, size, type: undefined, elemType: undefined };
        }
        break;
      case T.Punct:
        if (token.text === "(") {
          this.advance();
          const inner = this.parseExpr();
          this.expect(")", "to close '('");
          return inner;
        }
        break;
      default:
        break;
    }
    this.fail(`expected an expression, found ${this.describe(token)}`);
  }
}

/** Parses TJ source; syntax errors go to `diagnostics`. */
export function parseProgram(source: string, diagnostics: DiagnosticBag): Program {
  return new Parser(new Lexer(source, diagnostics), diagnostics).parseProgram();
}
