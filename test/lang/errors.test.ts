/** One test per kind of compile error, each with its exact line:column. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { compileTj } from "../../src/lang/compile.js";
import { formatDiagnostics } from "../../src/lang/diagnostics.js";
import { compileErrors } from "../support/tj.js";

const M = "export function main() {}\n";

/** [kind, source, the first diagnostic as "line:col: message"] */
const cases: [string, string, string][] = [
  // lexical
  ["unexpected character", "let x = 1 @ 2;", "1:11: unexpected character '@'"],
  ["non-ASCII character", "let x = 1;\nlet é = 2;", "2:5: unexpected character U+00E9"],
  ["unterminated block comment", "/* never closed\nlet x = 1;", "1:1: unterminated comment"],
  ["unterminated string", 'export function main() { print("abc); }', "1:32: unterminated string literal"],
  [
    "invalid escape",
    'export function main() { print("a\\qb"); }',
    "1:34: invalid escape '\\q' (use \\n \\t \\\\ \\\" \\0 or \\xHH)",
  ],
  ["malformed number", "let x = 12abc;", "1:9: malformed number '12abc'"],
  ["misplaced digit separator", "let x = 1__000;", "1:9: malformed number '1__000'"],
  // syntax
  ["missing semicolon", "let x = 1\nlet y = 2;", "2:1: expected ';' after the declaration, found 'let'"],
  ["expected an expression", "let x = ;", "1:9: expected an expression, found ';'"],
  ["not a declaration", "x = 1;", "1:1: expected a declaration (function, let or const), found 'x'"],
  ["missing initializer", "let x: i32;", "1:11: 'x' needs an initial value"],
  [
    "parameter without a type",
    "function f(a) {}",
    "1:13: expected ':' after parameter 'a' (parameters need a type), found ')'",
  ],
  ["keyword as a name", "let if = 1;", "1:5: expected a variable name, found 'if' ('if' is a keyword)"],
  ["unknown type name", "let x: int = 1;", "1:8: unknown type 'int'"],
  ["++ is not TJ", "export function main() { let i = 0; i++; }", "1:38: TJ has no '++'; write 'x += 1'"],
  ["=== is not TJ", "export function main() { let b = 1 === 1; }", "1:36: TJ has no '==='; use '=='"],
  ["unary plus is not TJ", "let x = +1;", "1:9: TJ has no unary '+'"],
  [
    "member other than length",
    "export function main() { let a = new i32[1]; print(a.size); }",
    "1:54: arrays have only '.length', found 'size'",
  ],
  [
    "assignment to a non-variable",
    "export function main() { 1 = 2; }",
    "1:26: the left side of an assignment must be a variable or an array element",
  ],
  [
    "nested function",
    "export function main() { function g() {} }",
    "1:26: functions can only be declared at module level",
  ],
  [
    "extern with a body",
    "extern function f(): i32 { return 1; }",
    "1:26: an extern function has no body; end it with ';'",
  ],
  ["unclosed block", "export function main() {\n  print(1);\n", "3:1: expected '}' before end of file"],
  [
    "nesting too deep",
    `let x = ${"(".repeat(300)}1${")".repeat(300)};`,
    "1:209: nesting is too deep (more than 200 levels)",
  ],
  // names and declarations
  ["unknown name", `${M}function f(): i32 { return y; }`, "2:28: unknown name 'y'"],
  // a function using a global whose initializer failed once lost its own scopes (internal error)
  [
    "unknown name in a global used by a function with locals",
    `${M}let g = nothing;\nfunction f(): i32 { let a = g; if (true) { let b = 1; } let c = 2; return c; }`,
    "2:9: unknown name 'nothing'",
  ],
  ["duplicate module name", "function f() {}\nlet f = 1;\n", "2:5: duplicate name 'f'"],
  [
    "duplicate local in one scope",
    "export function main() { let a = 1; let a = 2; }",
    "1:41: duplicate name 'a' in this scope",
  ],
  [
    "redefining a builtin",
    "function sqrt(x: f64): f64 { return x; }",
    "1:10: 'sqrt' is a builtin and cannot be redefined",
  ],
  [
    "builtin used as a value",
    "export function main() { let f = sqrt; }",
    "1:34: builtin 'sqrt' can only be called",
  ],
  ["exported extern", "export extern function f(): i32;", "1:8: expected 'function' after 'export'"],
  ["global used in its own initializer", "let a = a + 1;", "1:9: 'a' is used in its own initializer"],
  // types
  [
    "initializer type mismatch",
    "let x: i32 = 1.5;",
    "1:14: type mismatch: the initial value of 'x' is f64, expected i32",
  ],
  [
    "assignment type mismatch",
    "export function main() { let x = 1; x = true; }",
    "1:41: type mismatch: the assigned value is bool, expected i32",
  ],
  [
    "argument type mismatch",
    "function f(x: i64) {}\nexport function main() { f(1.0); }",
    "2:28: type mismatch: argument 1 is f64, expected i64",
  ],
  [
    "argument count",
    "function f(x: i64) {}\nexport function main() { f(); }",
    "2:26: expected 1 argument(s), found 0",
  ],
  [
    "return type mismatch",
    "function f(): bool { return 1; }",
    "1:29: type mismatch: the returned value is i32, expected bool",
  ],
  [
    "return without a value",
    "function f(): i32 { return; }",
    "1:21: this function must return a value (i32)",
  ],
  [
    "value returned from a void function",
    "function f() { return 1; }",
    "1:23: a void function cannot return a value",
  ],
  [
    "missing return",
    "function f(x: i32): i32 {\n  if (x > 0) return 1;\n}",
    "3:1: function 'f' can reach its end without returning a value (i32)",
  ],
  [
    "condition is not bool",
    "export function main() { let n = 1; while (n) {} }",
    "1:44: a condition must be bool, found i32 (compare it, e.g. 'x != 0')",
  ],
  [
    "operands of different types",
    "export function main() { let a = 1; let b = 2.0; let c = a + b; }",
    "1:60: the operands of '+' must have the same type, found i32 and f64",
  ],
  [
    "operator not defined for the type",
    "export function main() { let a = true + false; }",
    "1:39: '+' is not defined for bool",
  ],
  ["shift of a float", "export function main() { let a = 1.0 << 2.0; }", "1:38: '<<' is not defined for f64"],
  ["&& on integers", "export function main() { let a = 1 && 2; }", "1:36: '&&' is not defined for i32"],
  ["! on a number", "export function main() { let a = !1; }", "1:34: '!' needs a bool, found i32"],
  ["~ on a float", "export function main() { let a = ~1.5; }", "1:34: '~' needs an integer, found f64"],
  [
    "literal without context does not fit i32",
    "export function main() { let a = 3000000000; }",
    "1:34: integer literal 3000000000 does not fit in i32; give it a type (e.g. 'let x: i64 = ...')",
  ],
  [
    "literal does not fit its context",
    "export function main() { let a: i64 = 99999999999999999999; }",
    "1:39: integer literal 99999999999999999999 does not fit in i64",
  ],
  [
    "hex literal too wide for i32",
    "export function main() { let a: i32 = 0x1_0000_0000; }",
    "1:39: integer literal 0x100000000 does not fit in i32",
  ],
  ["invalid cast", "export function main() { let a = 1.5 as bool; }", "1:38: cannot convert f64 to bool"],
  [
    "cast of an array",
    "export function main() { let a = new i32[1] as i64; }",
    "1:45: cannot convert i32[] to i64",
  ],
  [
    "assignment to a const local",
    "export function main() { const a = 1; a = 2; }",
    "1:39: cannot assign to 'a': it is a const",
  ],
  [
    "assignment to a module const",
    "const K = 1;\nexport function main() { K = 2; }",
    "2:26: cannot assign to 'K': it is a const",
  ],
  [
    "assignment to a function",
    "function f() {}\nexport function main() { f = f; }",
    "2:26: cannot assign to 'f': it is a function",
  ],
  ["break outside a loop", "export function main() { break; }", "1:26: 'break' outside of a loop"],
  ["continue outside a loop", "export function main() { continue; }", "1:26: 'continue' outside of a loop"],
  [
    "const that is not constant",
    "function f(): i32 { return 1; }\nconst K: i32 = f();",
    "2:16: the initializer of const 'K' must be a constant expression (literals, consts, operators, casts)",
  ],
  [
    "const that traps",
    "const K: i32 = 1 / 0;",
    "1:18: the initializer of const 'K' traps: integer divide by zero",
  ],
  [
    "const that depends on itself",
    "const A: i32 = B;\nconst B: i32 = A;",
    "1:7: const 'A' depends on itself",
  ],
  [
    "const of an array type",
    "const A: i32[] = new i32[1];",
    "1:18: const 'A' must have a number or bool type; use 'let' for i32[]",
  ],
  [
    "string outside print",
    'export function main() { let s = "x"; }',
    "1:34: a string literal can only be an argument of print",
  ],
  [
    "print of an array",
    "export function main() { print(new i32[1]); }",
    "1:32: print takes i32, i64, f64, bool or a string literal, found i32[]",
  ],
  [
    "builtin argument count",
    "export function main() { print(1, 2); }",
    "1:26: print takes 1 argument(s), found 2",
  ],
  [
    "integer builtin on floats",
    "export function main() { let a = clz(1.5); }",
    "1:34: clz takes i32 or i64, found f64",
  ],
  [
    "integer builtin with mixed widths",
    "export function main() { let x: i64 = 1; let a = rotl(x, 1.5); }",
    "1:50: the arguments of rotl must have the same integer type",
  ],
  [
    "calling a non-function",
    "export function main() { let x = 1; x(); }",
    "1:37: only functions can be called, found i32",
  ],
  [
    "indexing a non-array",
    "export function main() { let x = 1; let y = x[0]; }",
    "1:46: only arrays can be indexed, found i32",
  ],
  [
    "index that is not i32",
    "export function main() { let a = new i32[1]; let y = a[1.0]; }",
    "1:56: an index must be i32, found f64",
  ],
  [
    "length of a non-array",
    "export function main() { let x = 1; let y = x.length; }",
    "1:47: '.length' needs an array, found i32",
  ],
  [
    "array length that is not i32",
    "export function main() { let n: i64 = 1; let a = new i32[n]; }",
    "1:58: the array length must be i32, found i64",
  ],
  ["arrays of arrays", "let a: i32[][] = new i32[1];", "1:13: arrays of arrays are not supported"],
  [
    "void array elements",
    "export function main() { let a = new void[1]; }",
    "1:38: an array cannot have elements of type void",
  ],
  [
    "void variable",
    "function f() {}\nexport function main() { let a = f(); }",
    "2:34: 'a' cannot have type void",
  ],
  ["void parameter", "function f(a: void) {}", "1:15: parameter 'a' cannot have type void"],
  [
    "?: branches of different types",
    "export function main() { let x = 1; let a = true ? x : 2.0; }",
    "1:50: the branches of '?:' have different types (i32 and f64)",
  ],
  [
    "function value of the wrong type",
    "function f(x: i32): i32 { return x; }\nexport function main() { let g: (i64) => i32 = f; }",
    "2:48: type mismatch: the initial value of 'g' is (i32) => i32, expected (i64) => i32",
  ],
];

for (const [kind, source, expected] of cases) {
  test(`TJ error: ${kind}`, () => {
    const errors = compileErrors(source);
    assert.ok(errors.length > 0, "compiled without error");
    assert.equal(errors[0], expected);
  });
}

test("TJ errors: several independent errors are reported in one run", () => {
  const source =
    "function f(): i32 {\n  let x: i32 = 1.5;\n  y = 3;\n  return 0;\n}\nfunction g(): bool { return 1; }\n";
  assert.deepEqual(compileErrors(source), [
    "2:16: type mismatch: the initial value of 'x' is f64, expected i32",
    "3:3: unknown name 'y'",
    "6:29: type mismatch: the returned value is i32, expected bool",
  ]);
});

test("TJ errors: syntax errors recover at the next statement and declaration", () => {
  const source = "function f() {\n  let a = ;\n  let b = 1 +;\n}\nlet c = ;\nfunction g() { h(; }\n";
  assert.deepEqual(compileErrors(source), [
    "2:11: expected an expression, found ';'",
    "3:14: expected an expression, found ';'",
    "5:9: expected an expression, found ';'",
    "6:18: expected an expression, found ';'",
  ]);
});

test("TJ errors: the formatted diagnostic shows the source line and a caret", () => {
  const source = "export function main() {\n\tlet x: i32 = true;\n}\n";
  const compiled = compileTj(source, "prog.tj");
  assert.ok(!compiled.ok);
  assert.equal(
    formatDiagnostics("prog.tj", source, compiled.diagnostics),
    "prog.tj:2:15: error: type mismatch: the initial value of 'x' is bool, expected i32\n\tlet x: i32 = true;\n\t             ^",
  );
});

test("TJ errors: hostile input never throws (empty, garbage, deep nesting, long chains)", () => {
  const garbage = Array.from({ length: 4000 }, (_, i) => String.fromCharCode((i * 7919) % 256)).join("");
  const inputs = [
    "",
    "\u0000\u0001\u0002",
    garbage,
    `export function main(): i32 { return ${"(".repeat(100_000)}1${")".repeat(100_000)}; }`,
    `export function main(): i32 { return ${Array(100_000).fill("1").join(" + ")}; }`,
    `export function main(): i32 { return ${"-".repeat(100_000)}1; }`,
    `export function main() { ${"{".repeat(50_000)} }`,
    `let x: ${"(".repeat(10_000)}i32${")".repeat(10_000)} = 1;`,
    "function".repeat(10_000),
  ];
  for (const input of inputs) {
    const result = compileTj(input, "bad.tj");
    if (!result.ok) {
      assert.ok(result.diagnostics.length > 0 && result.diagnostics.length <= 50);
      formatDiagnostics("bad.tj", input, result.diagnostics);
    }
  }
  assert.equal(compileTj("", "empty.tj").ok, true, "an empty file is a valid (empty) module");
});
