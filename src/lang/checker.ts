/**
 * The TJ type checker: resolves every name to a binding, gives every expression a type,
 * folds `const` declarations, and checks language.md's rules. Errors are collected; an
 * expression that failed gets the `error` type, which silences follow-on errors.
 *
 * Integer literals adapt to their context (language.md): an operator's other operand, the
 * declared type, a parameter type. `checkExpr(e, expected)` passes that context down;
 * operands that are "literal-like" (made only of integer literals and operators) are
 * checked after their sibling so that they can take its type.
 */

import type {
  Binding,
  ConstValue,
  Decl,
  Expr,
  FunctionDecl,
  GlobalDecl,
  Param,
  Program,
  Stmt,
  TypeNode,
} from "./ast.js";
import { BUILTINS } from "./builtins.js";
import { ConstTrap, evaluateConstant } from "./constant.js";
import type { DiagnosticBag, SourceOffset } from "./diagnostics.js";
import {
  BOOL,
  ERROR,
  F64,
  formatType,
  I32,
  I64,
  isInteger,
  isNumeric,
  type TjType,
  typeEquals,
  VOID,
} from "./types.js";

const I32_MAX = (1n << 31n) - 1n;
const I64_MAX = (1n << 63n) - 1n;

export interface CheckedProgram {
  program: Program;
  /** Module-level bindings by name. */
  globals: Map<string, Binding>;
}

type FuncType = TjType & { tag: "func" };

export class Checker {
  private readonly globals = new Map<string, Binding>();
  /**
   * The local scopes, innermost last; a scope's map is made at its first declaration
   * (most blocks declare nothing, and a Map is costly to make while this code runs cold).
   */
  private scopes: (Map<string, Binding> | null)[] = [];
  private resultType: TjType = VOID;
  private loopDepth = 0;
  private nextLocalId = 0;
  /** Globals whose type is being inferred (cycle detection). */
  private readonly inferring = new Set<GlobalDecl>();
  /** Globals whose initializer has been checked (its type may be ERROR: not checked again). */
  private readonly inferred = new Set<GlobalDecl>();
  private readonly folding = new Set<GlobalDecl>();

  constructor(private readonly diagnostics: DiagnosticBag) {}

  private error(pos: SourceOffset, message: string): void {
    this.diagnostics.error(pos, message);
  }

  check(program: Program): CheckedProgram {
    for (const decl of program.decls) this.declare(decl);
    for (const decl of program.decls) {
      if (decl.kind === "global") this.globalType(decl);
    }
    for (const decl of program.decls) {
      if (decl.kind === "global" && decl.constant) this.constValue(decl);
    }
    for (const decl of program.decls) {
      if (decl.kind === "function" && decl.body !== null) this.checkFunction(decl);
    }
    return { program, globals: this.globals };
  }

  // ---- declarations ----

  private declare(decl: Decl): void {
    if (BUILTINS.has(decl.name)) {
      this.error(decl.namePos, `'${decl.name}' is a builtin and cannot be redefined`);
      return;
    }
    if (this.globals.has(decl.name)) {
      this.error(decl.namePos, `duplicate name '${decl.name}'`);
      return;
    }
    let binding: Binding;
    if (decl.kind === "function") {
      const type = this.functionType(decl);
      binding = decl.extern
        ? { kind: "extern", name: decl.name, type, decl }
        : { kind: "function", name: decl.name, type, decl };
      if (decl.extern && decl.exported) this.error(decl.pos, "an extern function cannot be exported");
    } else if (decl.constant) {
      binding = { kind: "const", name: decl.name, type: ERROR, decl };
    } else {
      binding = { kind: "global", name: decl.name, type: ERROR, decl, mutable: true };
    }
    decl.binding = binding;
    this.globals.set(decl.name, binding);
  }

  private functionType(decl: FunctionDecl): FuncType {
    const params = decl.params.map((p) => this.valueType(p.annotation, `parameter '${p.name}'`));
    const result = decl.result === null ? VOID : this.resolveType(decl.result);
    return { tag: "func", params, result };
  }

  /** The type of a module-level variable, inferring it from the initializer if needed. */
  private globalType(decl: GlobalDecl): TjType {
    const binding = decl.binding;
    if (binding === undefined || (binding.kind !== "global" && binding.kind !== "const")) return ERROR;
    if (binding.type !== ERROR || this.inferring.has(decl) || this.inferred.has(decl)) return binding.type;
    this.inferring.add(decl);
    // an initializer sees no locals; a function's scopes are back when it returns
    const outerScopes = this.scopes;
    this.scopes = [];
    try {
      const declared =
        decl.annotation === null ? undefined : this.valueType(decl.annotation, `'${decl.name}'`);
      // a declared type is known before the initializer is checked (which may refer back to it)
      if (declared !== undefined) binding.type = declared;
      const type = this.checkInitializer(decl.init, declared, decl.name);
      binding.type = declared ?? type;
      return binding.type;
    } finally {
      this.inferring.delete(decl);
      this.inferred.add(decl);
      this.scopes = outerScopes;
    }
  }

  private constValue(decl: GlobalDecl): ConstValue | undefined {
    const binding = decl.binding;
    if (binding === undefined || binding.kind !== "const") return undefined;
    if (binding.value !== undefined) return binding.value;
    if (this.folding.has(decl)) {
      this.error(decl.namePos, `const '${decl.name}' depends on itself`);
      return undefined;
    }
    if (binding.type.tag === "error") return undefined;
    if (binding.type.tag === "array" || binding.type.tag === "func") {
      this.error(
        decl.init.pos,
        `const '${decl.name}' must have a number or bool type; use 'let' for ${formatType(binding.type)}`,
      );
      return undefined;
    }
    this.folding.add(decl);
    try {
      const value = evaluateConstant(decl.init, (name) => this.constOfName(name));
      if (value === undefined) {
        this.error(
          decl.init.pos,
          `the initializer of const '${decl.name}' must be a constant expression (literals, consts, operators, casts)`,
        );
      }
      binding.value = value;
      return value;
    } catch (error) {
      if (!(error instanceof ConstTrap)) throw error;
      this.error(decl.init.pos, `the initializer of const '${decl.name}' traps: ${error.message}`);
      return undefined;
    } finally {
      this.folding.delete(decl);
    }
  }

  private constOfName(name: Expr & { kind: "name" }): ConstValue | undefined {
    const binding = name.binding;
    if (binding?.kind !== "const") return undefined;
    return this.constValue(binding.decl);
  }

  // ---- types ----

  resolveType(node: TypeNode): TjType {
    switch (node.kind) {
      case "named":
        return { i32: I32, i64: I64, f64: F64, bool: BOOL, void: VOID }[node.name];
      case "array": {
        const elem = this.resolveType(node.elem);
        if (elem.tag === "void") {
          this.error(node.pos, "an array cannot have elements of type void");
          return ERROR;
        }
        if (elem.tag === "array") {
          this.error(node.pos, "arrays of arrays are not supported");
          return ERROR;
        }
        return elem.tag === "error" ? ERROR : { tag: "array", elem };
      }
      case "func": {
        const params = node.params.map((p) => this.valueType(p, "a function parameter"));
        return { tag: "func", params, result: this.resolveType(node.result) };
      }
    }
  }

  /** A type that values can have (not void). */
  private valueType(node: TypeNode, what: string): TjType {
    const type = this.resolveType(node);
    if (type.tag === "void") {
      this.error(node.pos, `${what} cannot have type void`);
      return ERROR;
    }
    return type;
  }

  // ---- functions and statements ----

  private checkFunction(decl: FunctionDecl): void {
    const type = (decl.binding as { type: FuncType } | undefined)?.type;
    this.resultType = type?.result ?? ERROR;
    this.scopes = [null];
    this.loopDepth = 0;
    decl.params.forEach((param: Param, i) => {
      const binding = this.declareLocal(param.name, param.pos, type?.params[i] ?? ERROR, true);
      param.binding = binding;
    });
    const body = decl.body!;
    for (let i = 0; i < body.length; i++) this.checkStmt(body[i]!);
    if (
      this.resultType.tag !== "void" &&
      this.resultType.tag !== "error" &&
      blockCompletes(decl.body!, this)
    ) {
      this.error(
        decl.endPos,
        `function '${decl.name}' can reach its end without returning a value (${formatType(this.resultType)})`,
      );
    }
  }

  private declareLocal(name: string, pos: SourceOffset, type: TjType, mutable: boolean): Binding {
    const innermost = this.scopes.length - 1;
    let scope = this.scopes[innermost]!;
    if (scope === null) {
      scope = new Map();
      this.scopes[innermost] = scope;
    }
    if (scope.has(name)) this.error(pos, `duplicate name '${name}' in this scope`);
    const binding: Binding = { kind: "local", name, type, mutable, id: this.nextLocalId++ };
    scope.set(name, binding);
    return binding;
  }

  private lookup(name: string): Binding | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const found = this.scopes[i]?.get(name);
      if (found !== undefined) return found;
    }
    const global = this.globals.get(name);
    if (global !== undefined) return global;
    return BUILTINS.has(name) ? { kind: "builtin", name } : undefined;
  }

  /**
   * `stmt` in a scope of its own. No `finally` pops the scope: an exception abandons the
   * whole check (CompileAbort, or a stack overflow), never one statement.
   */
  private checkScoped(stmt: Stmt, loopBody: boolean): void {
    this.scopes.push(null);
    if (loopBody) this.checkLoopBody(stmt);
    else this.checkStmt(stmt);
    this.scopes.pop();
  }

  private checkCondition(expr: Expr): void {
    const type = this.checkExpr(expr, BOOL);
    if (type.tag !== "bool" && type.tag !== "error") {
      this.error(
        expr.pos,
        `a condition must be bool, found ${formatType(type)}${isNumeric(type) ? " (compare it, e.g. 'x != 0')" : ""}`,
      );
    }
  }

  private checkLoopBody(body: Stmt): void {
    this.loopDepth++;
    try {
      this.checkStmt(body);
    } finally {
      this.loopDepth--;
    }
  }

  checkStmt(stmt: Stmt): void {
    switch (stmt.kind) {
      case "let": {
        const declared =
          stmt.annotation === null ? undefined : this.valueType(stmt.annotation, `'${stmt.name}'`);
        const type = this.checkInitializer(stmt.init, declared, stmt.name);
        stmt.binding = this.declareLocal(stmt.name, stmt.pos, declared ?? type, !stmt.constant);
        return;
      }
      case "assign":
        this.checkAssign(stmt);
        return;
      case "expr":
        this.checkExpr(stmt.expr, undefined);
        return;
      case "if":
        this.checkCondition(stmt.test);
        this.checkScoped(stmt.then, false);
        if (stmt.else !== null) this.checkScoped(stmt.else, false);
        return;
      case "while":
        this.checkCondition(stmt.test);
        this.checkScoped(stmt.body, true);
        return;
      case "do":
        this.checkScoped(stmt.body, true);
        this.checkCondition(stmt.test);
        return;
      case "for":
        this.scopes.push(null);
        if (stmt.init !== null) this.checkStmt(stmt.init);
        if (stmt.test !== null) this.checkCondition(stmt.test);
        if (stmt.step !== null) this.checkStmt(stmt.step);
        this.checkScoped(stmt.body, true);
        this.scopes.pop();
        return;
      case "break":
      case "continue":
        if (this.loopDepth === 0) this.error(stmt.pos, `'${stmt.kind}' outside of a loop`);
        return;
      case "return": {
        const result = this.resultType;
        if (stmt.value === null) {
          if (result.tag !== "void" && result.tag !== "error") {
            this.error(stmt.pos, `this function must return a value (${formatType(result)})`);
          }
          return;
        }
        const type = this.checkExpr(stmt.value, result.tag === "void" ? undefined : result);
        if (result.tag === "void") {
          if (type.tag !== "void" && type.tag !== "error")
            this.error(stmt.value.pos, "a void function cannot return a value");
          return;
        }
        this.expectType(stmt.value, type, result, "the returned value");
        return;
      }
      case "block":
        this.scopes.push(null);
        for (let i = 0; i < stmt.body.length; i++) this.checkStmt(stmt.body[i]!);
        this.scopes.pop();
        return;
    }
  }

  private checkInitializer(init: Expr, declared: TjType | undefined, name: string): TjType {
    const type = this.checkExpr(init, declared);
    if (declared !== undefined) {
      this.expectType(init, type, declared, `the initial value of '${name}'`);
      return declared;
    }
    if (type.tag === "void") {
      this.error(init.pos, `'${name}' cannot have type void`);
      return ERROR;
    }
    return type;
  }

  private checkAssign(stmt: Stmt & { kind: "assign" }): void {
    const target = stmt.target;
    let targetType: TjType;
    if (target.kind === "name") {
      const binding = this.resolveName(target);
      targetType = binding === undefined ? ERROR : this.typeOfBinding(binding);
      target.type = targetType;
      if (binding !== undefined) {
        const assignable = (binding.kind === "local" || binding.kind === "global") && binding.mutable;
        if (!assignable) {
          const what = {
            local: "a const",
            global: "",
            const: "a const",
            function: "a function",
            extern: "a function",
            builtin: "a builtin",
          }[binding.kind];
          this.error(target.pos, `cannot assign to '${target.name}': it is ${what}`);
        }
      }
    } else {
      targetType = this.checkExpr(target, undefined);
    }
    if (stmt.op === "=") {
      const type = this.checkExpr(stmt.value, targetType.tag === "error" ? undefined : targetType);
      this.expectType(stmt.value, type, targetType, "the assigned value");
      return;
    }
    const op = stmt.op.slice(0, -1);
    const valueType = this.checkExpr(stmt.value, targetType.tag === "error" ? undefined : targetType);
    if (targetType.tag === "error" || valueType.tag === "error") return;
    if (!typeEquals(targetType, valueType)) {
      this.error(
        stmt.value.pos,
        `'${stmt.op}' needs both sides of the same type, found ${formatType(targetType)} and ${formatType(valueType)}`,
      );
      return;
    }
    const result = this.binaryResult(op, targetType, stmt.pos);
    if (result.tag !== "error" && !typeEquals(result, targetType)) {
      this.error(stmt.pos, `'${stmt.op}' is not defined for ${formatType(targetType)}`);
    }
  }

  private expectType(expr: Expr, actual: TjType, expected: TjType, what: string): void {
    if (actual.tag === "error" || expected.tag === "error") return;
    if (!typeEquals(actual, expected)) {
      this.error(
        expr.pos,
        `type mismatch: ${what} is ${formatType(actual)}, expected ${formatType(expected)}`,
      );
    }
  }

  // ---- expressions ----

  private resolveName(expr: Expr & { kind: "name" }): Binding | undefined {
    const binding = this.lookup(expr.name);
    if (binding === undefined) {
      this.error(expr.pos, `unknown name '${expr.name}'`);
      return undefined;
    }
    expr.binding = binding;
    return binding;
  }

  private typeOfBinding(binding: Binding): TjType {
    switch (binding.kind) {
      case "builtin":
        return ERROR;
      case "global":
      case "const":
        return this.globalType(binding.decl);
      default:
        return binding.type;
    }
  }

  checkExpr(expr: Expr, expected: TjType | undefined): TjType {
    const type = this.checkExprInner(expr, expected);
    expr.type = type;
    return type;
  }

  private checkExprInner(expr: Expr, expected: TjType | undefined): TjType {
    switch (expr.kind) {
      case "int":
        return this.checkIntLiteral(expr, expected);
      case "float":
        return F64;
      case "bool":
        return BOOL;
      case "string":
        this.error(expr.pos, "a string literal can only be an argument of print");
        return ERROR;
      case "name": {
        const binding = this.resolveName(expr);
        if (binding === undefined) return ERROR;
        if (binding.kind === "builtin") {
          this.error(expr.pos, `builtin '${expr.name}' can only be called`);
          return ERROR;
        }
        if (binding.kind === "global" && this.inferring.has(binding.decl)) {
          this.error(expr.pos, `'${expr.name}' is used in its own initializer`);
          return ERROR;
        }
        return this.typeOfBinding(binding);
      }
      case "call":
        return this.checkCall(expr);
      case "index": {
        const arrayType = this.checkExpr(expr.array, undefined);
        this.checkIndex(expr.index);
        if (arrayType.tag === "error") return ERROR;
        if (arrayType.tag !== "array") {
          this.error(expr.pos, `only arrays can be indexed, found ${formatType(arrayType)}`);
          return ERROR;
        }
        return arrayType.elem;
      }
      case "length": {
        const arrayType = this.checkExpr(expr.array, undefined);
        if (arrayType.tag !== "array" && arrayType.tag !== "error") {
          this.error(expr.pos, `'.length' needs an array, found ${formatType(arrayType)}`);
        }
        return I32;
      }
      case "new": {
        const elem = this.resolveType(expr.elem);
        this.checkIndex(expr.size, "the array length");
        if (elem.tag === "void") {
          this.error(expr.elem.pos, "an array cannot have elements of type void");
          return ERROR;
        }
        if (elem.tag === "array") {
          this.error(expr.elem.pos, "arrays of arrays are not supported");
          return ERROR;
        }
        if (elem.tag === "error") return ERROR;
        expr.elemType = elem;
        return { tag: "array", elem };
      }
      case "unary":
        return this.checkUnary(expr, expected);
      case "cast":
        return this.checkCast(expr);
      case "binary":
        return this.checkBinary(expr, expected);
      case "cond": {
        this.checkCondition(expr.test);
        const type = this.checkSameType(expr.then, expr.else, expected);
        if (type === undefined) {
          this.error(
            expr.pos,
            `the branches of '?:' have different types (${formatType(expr.then.type!)} and ${formatType(expr.else.type!)})`,
          );
          return ERROR;
        }
        if (type.tag === "void") {
          this.error(expr.pos, "the branches of '?:' cannot be void");
          return ERROR;
        }
        return type;
      }
    }
  }

  private checkIndex(index: Expr, what = "an index"): void {
    const type = this.checkExpr(index, I32);
    if (type.tag !== "i32" && type.tag !== "error")
      this.error(index.pos, `${what} must be i32, found ${formatType(type)}`);
  }

  private checkIntLiteral(expr: Expr & { kind: "int" }, expected: TjType | undefined): TjType {
    const value = expr.value;
    const target = expected !== undefined && isNumeric(expected) ? expected : I32;
    if (target.tag === "f64") return F64;
    const max = target.tag === "i64" ? I64_MAX : I32_MAX;
    const hexMax = target.tag === "i64" ? (1n << 64n) - 1n : (1n << 32n) - 1n;
    const fits = expr.hex ? value <= hexMax : value >= -max - 1n && value <= max;
    if (fits) return target;
    if (expected === undefined || !isNumeric(expected)) {
      const fitsI64 = expr.hex ? value <= (1n << 64n) - 1n : value >= -I64_MAX - 1n && value <= I64_MAX;
      this.error(
        expr.pos,
        `integer literal ${expr.hex ? `0x${value.toString(16)}` : value} does not fit in i32; give it a type${fitsI64 ? " (e.g. 'let x: i64 = ...')" : ""}`,
      );
    } else {
      this.error(
        expr.pos,
        `integer literal ${expr.hex ? `0x${value.toString(16)}` : value} does not fit in ${formatType(target)}`,
      );
    }
    return ERROR;
  }

  /**
   * Checks expressions that must share one type; literal-like ones take their type from the
   * others (or `expected`). Returns the common type, or undefined on a mismatch.
   */
  /**
   * The type `a` and `b` (if any) both have — a literal-like one takes the other's —,
   * ERROR, or undefined if they differ.
   */
  private checkSameType(a: Expr, b: Expr | undefined, expected: TjType | undefined): TjType | undefined {
    const aLiteral = isLiteralLike(a);
    const bLiteral = b !== undefined && isLiteralLike(b);
    let common: TjType | undefined;
    // the operands that are not literals first: they give the literals their type
    for (let pass = 0; pass < 2; pass++) {
      const literals = pass === 1;
      if (aLiteral === literals) {
        const type = this.checkExpr(a, common ?? expected);
        if (common === undefined && type.tag !== "error") common = type;
      }
      if (b !== undefined && bLiteral === literals) {
        const type = this.checkExpr(b, common ?? expected);
        if (common === undefined && type.tag !== "error") common = type;
      }
    }
    if (a.type!.tag === "error" || (b !== undefined && b.type!.tag === "error")) return ERROR;
    return typeEquals(a.type!, common!) && (b === undefined || typeEquals(b.type!, common!))
      ? common
      : undefined;
  }

  private checkUnary(expr: Expr & { kind: "unary" }, expected: TjType | undefined): TjType {
    const operand = this.checkExpr(expr.operand, expr.op === "!" ? BOOL : expected);
    if (operand.tag === "error") return ERROR;
    switch (expr.op) {
      case "-":
        if (isNumeric(operand)) return operand;
        break;
      case "~":
        if (isInteger(operand)) return operand;
        break;
      case "!":
        if (operand.tag === "bool") return BOOL;
        break;
    }
    const needs = { "-": "a number", "~": "an integer", "!": "a bool" }[expr.op];
    this.error(expr.pos, `'${expr.op}' needs ${needs}, found ${formatType(operand)}`);
    return ERROR;
  }

  private checkCast(expr: Expr & { kind: "cast" }): TjType {
    const from = this.checkExpr(expr.operand, undefined);
    const to = this.resolveType(expr.target);
    if (from.tag === "error" || to.tag === "error") return ERROR;
    if (typeEquals(from, to)) return to;
    const ok =
      (isNumeric(from) && isNumeric(to)) ||
      (from.tag === "bool" && isInteger(to)) ||
      (isInteger(from) && to.tag === "bool");
    if (!ok) {
      this.error(expr.pos, `cannot convert ${formatType(from)} to ${formatType(to)}`);
      return ERROR;
    }
    return to;
  }

  private checkBinary(expr: Expr & { kind: "binary" }, expected: TjType | undefined): TjType {
    const op = expr.op;
    const isComparison = ["<", "<=", ">", ">=", "==", "!="].includes(op);
    const isLogical = op === "&&" || op === "||";
    const operandContext = isLogical ? BOOL : isComparison ? undefined : expected;
    const type = this.checkSameType(expr.left, expr.right, operandContext);
    if (type === undefined) {
      this.error(
        expr.pos,
        `the operands of '${op}' must have the same type, found ${formatType(expr.left.type!)} and ${formatType(expr.right.type!)}`,
      );
      return ERROR;
    }
    if (type.tag === "error") return ERROR;
    return this.binaryResult(op, type, expr.pos);
  }

  /** The result type of `op` on two operands of `type`, reporting an error if undefined. */
  private binaryResult(op: string, type: TjType, pos: SourceOffset): TjType {
    switch (op) {
      case "+":
      case "-":
      case "*":
      case "/":
      case "%":
        if (isNumeric(type)) return type;
        break;
      case "<<":
      case ">>":
      case ">>>":
        if (isInteger(type)) return type;
        break;
      case "&":
      case "|":
      case "^":
        if (isInteger(type) || type.tag === "bool") return type;
        break;
      case "<":
      case "<=":
      case ">":
      case ">=":
        if (isNumeric(type)) return BOOL;
        break;
      case "==":
      case "!=":
        if (type.tag !== "void") return BOOL;
        break;
      case "&&":
      case "||":
        if (type.tag === "bool") return BOOL;
        break;
    }
    this.error(pos, `'${op}' is not defined for ${formatType(type)}`);
    return ERROR;
  }

  private checkCall(expr: Expr & { kind: "call" }): TjType {
    const callee = expr.callee;
    if (callee.kind === "name") {
      const binding = this.lookup(callee.name);
      if (binding?.kind === "builtin") {
        callee.binding = binding;
        return this.checkBuiltin(expr, callee.name);
      }
    }
    const calleeType = this.checkExpr(callee, undefined);
    if (calleeType.tag === "error") {
      for (const arg of expr.args) this.checkExpr(arg, undefined);
      return ERROR;
    }
    if (calleeType.tag !== "func") {
      this.error(expr.pos, `only functions can be called, found ${formatType(calleeType)}`);
      for (const arg of expr.args) this.checkExpr(arg, undefined);
      return ERROR;
    }
    this.checkArgs(expr, calleeType.params);
    return calleeType.result;
  }

  private checkArgs(expr: Expr & { kind: "call" }, params: TjType[]): void {
    if (expr.args.length !== params.length) {
      this.error(expr.pos, `expected ${params.length} argument(s), found ${expr.args.length}`);
    }
    expr.args.forEach((arg, i) => {
      const param = params[i];
      const type = this.checkExpr(arg, param);
      if (param !== undefined) this.expectType(arg, type, param, `argument ${i + 1}`);
    });
  }

  private checkBuiltin(expr: Expr & { kind: "call" }, name: string): TjType {
    const shape = BUILTINS.get(name)!;
    const args = expr.args;
    const arity = {
      print: 1,
      print_fixed: 2,
      f64_unary: 1,
      f64_binary: 2,
      int_unary: 1,
      int_binary: 2,
      int_compare: 2,
      unreachable: 0,
    }[shape];
    if (args.length !== arity) {
      this.error(expr.pos, `${name} takes ${arity} argument(s), found ${args.length}`);
      for (const arg of args) if (arg.kind !== "string") this.checkExpr(arg, undefined);
      return shape === "int_compare" ? BOOL : shape === "f64_unary" || shape === "f64_binary" ? F64 : ERROR;
    }
    switch (shape) {
      case "print": {
        const arg = args[0]!;
        if (arg.kind === "string") {
          arg.type = VOID;
          return VOID;
        }
        const type = this.checkExpr(arg, undefined);
        if (type.tag !== "error" && !isNumeric(type) && type.tag !== "bool") {
          this.error(
            arg.pos,
            `print takes i32, i64, f64, bool or a string literal, found ${formatType(type)}`,
          );
        }
        return VOID;
      }
      case "print_fixed":
        this.checkArgs(expr, [F64, I32]);
        return VOID;
      case "f64_unary":
        this.checkArgs(expr, [F64]);
        return F64;
      case "f64_binary":
        this.checkArgs(expr, [F64, F64]);
        return F64;
      case "unreachable":
        return VOID;
      default: {
        const type = this.checkSameType(args[0]!, args[1], undefined);
        if (type === undefined) {
          this.error(expr.pos, `the arguments of ${name} must have the same integer type`);
          return ERROR;
        }
        if (type.tag === "error") return shape === "int_compare" ? BOOL : ERROR;
        if (!isInteger(type)) {
          this.error(expr.pos, `${name} takes i32 or i64, found ${formatType(type)}`);
          return ERROR;
        }
        return shape === "int_compare" ? BOOL : type;
      }
    }
  }

  /** The folded value of a condition, if it is a constant expression. */
  constantCondition(expr: Expr | null): ConstValue | undefined {
    if (expr === null) return 1;
    try {
      return evaluateConstant(expr, (name) => this.constOfName(name));
    } catch {
      return undefined;
    }
  }
}

/** Operators whose result stays literal-like when both operands are. */
const LITERAL_OPERATORS: ReadonlySet<string> = new Set([
  "+",
  "-",
  "*",
  "/",
  "%",
  "&",
  "|",
  "^",
  "<<",
  ">>",
  ">>>",
]);

/** Made only of integer literals and operators, so its type comes from context. */
export function isLiteralLike(expr: Expr): boolean {
  switch (expr.kind) {
    case "int":
      return true;
    case "unary":
      return expr.op !== "!" && isLiteralLike(expr.operand);
    case "binary":
      return LITERAL_OPERATORS.has(expr.op) && isLiteralLike(expr.left) && isLiteralLike(expr.right);
    case "cond":
      return isLiteralLike(expr.then) && isLiteralLike(expr.else);
    default:
      return false;
  }
}

// ---- "can reach its end" analysis (for non-void functions) ----

function blockCompletes(body: Stmt[], checker: Checker): boolean {
  for (let i = 0; i < body.length; i++) if (!completes(body[i]!, checker)) return false;
  return true;
}

function isConstantTrue(test: Expr | null, checker: Checker): boolean {
  const value = checker.constantCondition(test);
  return value !== undefined && value !== 0;
}

/** Whether control can flow past `stmt` (language.md: a non-void function must not). */
function completes(stmt: Stmt, checker: Checker): boolean {
  switch (stmt.kind) {
    case "return":
    case "break":
    case "continue":
      return false;
    case "expr":
      return !(
        stmt.expr.kind === "call" &&
        stmt.expr.callee.kind === "name" &&
        stmt.expr.callee.binding?.kind === "builtin" &&
        stmt.expr.callee.name === "unreachable"
      );
    case "block":
      return blockCompletes(stmt.body, checker);
    case "if":
      return stmt.else === null || completes(stmt.then, checker) || completes(stmt.else, checker);
    case "while":
      return !isConstantTrue(stmt.test, checker) || breaksOut(stmt.body);
    case "for":
      return !isConstantTrue(stmt.test, checker) || breaksOut(stmt.body);
    case "do":
      return (
        breaksOut(stmt.body) ||
        ((completes(stmt.body, checker) || continues(stmt.body)) && !isConstantTrue(stmt.test, checker))
      );
    default:
      return true;
  }
}

/** Whether `stmt` contains a `break` for the loop around it (not one of an inner loop). */
function breaksOut(stmt: Stmt): boolean {
  return containsJump(stmt, "break");
}

function continues(stmt: Stmt): boolean {
  return containsJump(stmt, "continue");
}

function containsJump(stmt: Stmt, kind: "break" | "continue"): boolean {
  switch (stmt.kind) {
    case "break":
    case "continue":
      return stmt.kind === kind;
    case "block":
      return stmt.body.some((s) => containsJump(s, kind));
    case "if":
      return containsJump(stmt.then, kind) || (stmt.else !== null && containsJump(stmt.else, kind));
    default:
      return false;
  }
}
