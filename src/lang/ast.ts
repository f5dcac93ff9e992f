/**
 * The TJ syntax tree. The parser builds it; the checker fills in `type` on expressions
 * and `binding` on names and declarations; the lowering reads both.
 *
 * The parser makes every node with those fields already there (`undefined`): a field
 * added to an object literal afterwards gives each node an extra property store and a
 * new shape, which cost the 1k start-up program's front end ~30 ms.
 */

import type { SourceOffset } from "./diagnostics.js";
import type { TjType } from "./types.js";

export type TypeNode =
  | { kind: "named"; pos: SourceOffset; name: "i32" | "i64" | "f64" | "bool" | "void" }
  | { kind: "array"; pos: SourceOffset; elem: TypeNode }
  | { kind: "func"; pos: SourceOffset; params: TypeNode[]; result: TypeNode };

export type BinaryOp =
  | "*"
  | "/"
  | "%"
  | "+"
  | "-"
  | "<<"
  | ">>"
  | ">>>"
  | "<"
  | "<="
  | ">"
  | ">="
  | "=="
  | "!="
  | "&"
  | "^"
  | "|"
  | "&&"
  | "||";

export type UnaryOp = "-" | "!" | "~";

interface ExprBase {
  pos: SourceOffset;
  /** Set by the checker. */
  type?: TjType;
}

export type Expr =
  | (ExprBase & { kind: "int"; value: bigint; hex: boolean })
  | (ExprBase & { kind: "float"; value: number })
  | (ExprBase & { kind: "bool"; value: boolean })
  | (ExprBase & { kind: "string"; bytes: Uint8Array })
  | (ExprBase & { kind: "name"; name: string; binding?: Binding })
  | (ExprBase & { kind: "call"; callee: Expr; args: Expr[] })
  | (ExprBase & { kind: "index"; array: Expr; index: Expr })
  | (ExprBase & { kind: "length"; array: Expr })
  | (ExprBase & { kind: "new"; elem: TypeNode; size: Expr; elemType?: TjType })
  | (ExprBase & { kind: "unary"; op: UnaryOp; operand: Expr })
  | (ExprBase & { kind: "cast"; operand: Expr; target: TypeNode })
  | (ExprBase & { kind: "binary"; op: BinaryOp; left: Expr; right: Expr })
  | (ExprBase & { kind: "cond"; test: Expr; then: Expr; else: Expr });

export type AssignOp = "=" | "+=" | "-=" | "*=" | "/=" | "%=" | "&=" | "|=" | "^=" | "<<=" | ">>=" | ">>>=";

export type Stmt =
  | {
      kind: "let";
      pos: SourceOffset;
      constant: boolean;
      name: string;
      annotation: TypeNode | null;
      init: Expr;
      binding?: Binding;
    }
  | { kind: "assign"; pos: SourceOffset; op: AssignOp; target: Expr; value: Expr }
  | { kind: "expr"; pos: SourceOffset; expr: Expr }
  | { kind: "if"; pos: SourceOffset; test: Expr; then: Stmt; else: Stmt | null }
  | { kind: "while"; pos: SourceOffset; test: Expr; body: Stmt }
  | { kind: "do"; pos: SourceOffset; body: Stmt; test: Expr }
  | { kind: "for"; pos: SourceOffset; init: Stmt | null; test: Expr | null; step: Stmt | null; body: Stmt }
  | { kind: "break"; pos: SourceOffset }
  | { kind: "continue"; pos: SourceOffset }
  | { kind: "return"; pos: SourceOffset; value: Expr | null }
  | { kind: "block"; pos: SourceOffset; body: Stmt[] };

export interface Param {
  pos: SourceOffset;
  name: string;
  annotation: TypeNode;
  binding?: Binding;
}

export interface FunctionDecl {
  kind: "function";
  pos: SourceOffset;
  name: string;
  namePos: SourceOffset;
  exported: boolean;
  extern: boolean;
  params: Param[];
  result: TypeNode | null;
  /** null for an extern. */
  body: Stmt[] | null;
  /** Position of the closing brace (for "can reach its end" errors). */
  endPos: SourceOffset;
  binding?: Binding;
}

export interface GlobalDecl {
  kind: "global";
  pos: SourceOffset;
  name: string;
  namePos: SourceOffset;
  constant: boolean;
  annotation: TypeNode | null;
  init: Expr;
  binding?: Binding;
}

export type Decl = FunctionDecl | GlobalDecl;

export interface Program {
  decls: Decl[];
}

/** What a name refers to, after resolution. */
export type Binding =
  | { kind: "function"; name: string; type: TjType & { tag: "func" }; decl: FunctionDecl }
  | { kind: "extern"; name: string; type: TjType & { tag: "func" }; decl: FunctionDecl }
  | { kind: "global"; name: string; type: TjType; decl: GlobalDecl; mutable: boolean }
  | { kind: "const"; name: string; type: TjType; decl: GlobalDecl; value?: ConstValue }
  | { kind: "local"; name: string; type: TjType; mutable: boolean; id: number }
  | { kind: "builtin"; name: string };

/** A folded constant: i32 and bool as number, i64 as bigint, f64 as number. */
export type ConstValue = number | bigint;
