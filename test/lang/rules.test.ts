/**
 * One test per rule of language.md, run through the front end, then on the reference
 * interpreter and at Tier 0. Each case is a program (or a `main` body) and its exact output.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { BufferSink, withStandardHost } from "../../src/engine/host.js";
import { Interpreter } from "../../src/ir/interpreter.js";
import { compileTj } from "../../src/lang/compile.js";
import { MODES, runTj } from "../support/tj.js";

interface Case {
  rule: string;
  /** Module-level declarations placed before main. */
  decls?: string;
  /** The body of `export function main(): void`. */
  body: string;
  output: string;
}

const cases: Case[] = [
  // lexical
  { rule: "line and block comments", body: "// x\n/* y\n z */ print(1); /**/ print(2);", output: "1\n2\n" },
  {
    rule: "hex literals and _ separators",
    body: "print(0xFF); print(1_000_000); print(0x7fff_ffff);",
    output: "255\n1000000\n2147483647\n",
  },
  {
    rule: "hex literal is a bit pattern for i32",
    body: "print(0xFFFF_FFFF); print(0x8000_0000);",
    output: "-1\n-2147483648\n",
  },
  {
    rule: "hex literal is a bit pattern for i64",
    body: "let h: i64 = 0xcbf29ce484222325; print(h); let m: i64 = 0xFFFF_FFFF_FFFF_FFFF; print(m);",
    output: "-3750763034362895579\n-1\n",
  },
  {
    rule: "float literal forms",
    body: "print(1.5); print(1.); print(.5); print(1e9); print(2.5e-3);",
    output: "1.5\n1\n0.5\n1000000000\n0.0025\n",
  },
  // types and arithmetic
  {
    rule: "i32 arithmetic wraps",
    body: "let x = 2147483647; print(x + 1); print(x * 2); print(-2147483648 - 1);",
    output: "-2147483648\n-2\n2147483647\n",
  },
  {
    rule: "i64 arithmetic wraps",
    body: "let x: i64 = 9223372036854775807; print(x + 1); print(x * 3);",
    output: "-9223372036854775808\n9223372036854775805\n",
  },
  {
    rule: "shift count is taken mod the width",
    body: "print(1 << 33); let y: i64 = 1; print(y << 65); print(-8 >> 1); print(-8 >>> 28);",
    output: "2\n2\n-4\n15\n",
  },
  {
    rule: "% takes the sign of the dividend",
    body: "print(7 % 3); print(-7 % 3); print(7 % -3); print(-7 % -3);",
    output: "1\n-1\n1\n-1\n",
  },
  {
    rule: "integer division truncates toward zero",
    body: "print(7 / 2); print(-7 / 2); let a: i64 = -9; print(a / 4);",
    output: "3\n-3\n-2\n",
  },
  {
    rule: "f64 % is the C/JS remainder",
    body: "print(5.5 % 2.0); print(-5.5 % 2.0); print(1.0 % 0.0);",
    output: "1.5\n-1.5\nNaN\n",
  },
  {
    rule: "IEEE comparisons with NaN",
    body: "let n = 0.0 / 0.0; print(n == n); print(n != n); print(n < 1.0); print(n >= 1.0);",
    output: "false\ntrue\nfalse\nfalse\n",
  },
  {
    rule: "bool is not a number but supports & | ^ == !=",
    body: "print(true & false); print(true | false); print(true ^ true); print(true == false); print(!false);",
    output: "false\ntrue\nfalse\nfalse\ntrue\n",
  },
  {
    rule: "integer literal adapts to i64 operand",
    body: "let x: i64 = 3000000000; print(x + 1); print(1 + x);",
    output: "3000000001\n3000000001\n",
  },
  {
    rule: "integer literal adapts to f64 operand",
    body: "let x = 2.5; print(x + 1); print(3 * x);",
    output: "3.5\n7.5\n",
  },
  {
    rule: "integer literal takes the declared type",
    body: "let x: i64 = 5000000000; let y: f64 = 7; print(x); print(y / 2);",
    output: "5000000000\n3.5\n",
  },
  {
    rule: "literal-only expressions take their context",
    body: "let x: i64 = 3000000000 + 1; print(x);",
    output: "3000000001\n",
  },
  {
    rule: "a negated decimal literal is one literal",
    body: "print(-2147483648); let m: i64 = -9223372036854775808; print(m);",
    output: "-2147483648\n-9223372036854775808\n",
  },
  {
    rule: "unary operators",
    body: "print(-(3)); print(~5); let b = true; print(!b); let f = 2.0; print(-f);",
    output: "-3\n-6\nfalse\n-2\n",
  },
  // casts
  {
    rule: "i32 -> i64 sign-extends",
    body: "print(-5 as i64); print(0xFFFFFFFF as i64);",
    output: "-5\n-1\n",
  },
  {
    rule: "i64 -> i32 wraps",
    body: "let x: i64 = 4294967297; print(x as i32); let y: i64 = 2147483648; print(y as i32);",
    output: "1\n-2147483648\n",
  },
  {
    rule: "int -> f64 is signed conversion",
    body: "print(-1 as f64); let x: i64 = 9007199254740993; print(x as f64);",
    output: "-1\n9007199254740992\n",
  },
  {
    rule: "f64 -> int truncates toward zero and saturates, NaN -> 0",
    body: "print(3.9 as i32); print(-3.9 as i32); print(1e10 as i32); print(-1e10 as i32); print((0.0/0.0) as i32); print(1e30 as i64);",
    output: "3\n-3\n2147483647\n-2147483648\n0\n9223372036854775807\n",
  },
  { rule: "bool -> i32/i64 gives 0/1", body: "print(true as i32); print(false as i64);", output: "1\n0\n" },
  {
    rule: "int -> bool is x != 0",
    body: "print(0 as bool); print(-7 as bool); let x: i64 = 0; print(x as bool);",
    output: "false\ntrue\nfalse\n",
  },
  {
    rule: "casting to the same type is allowed",
    body: "print(5 as i32); print(true as bool); print(1.5 as f64);",
    output: "5\ntrue\n1.5\n",
  },
  {
    rule: "as binds tighter than * and looser than unary minus",
    body: "let a = 3; print(2.0 * a as f64); print(-a as f64);",
    output: "6\n-3\n",
  },
  // precedence
  {
    rule: "operator precedence",
    body: "print(1 + 2 * 3); print(1 << 2 + 1); print(1 + 2 == 3); print(6 & 3 ^ 1 | 8); print(2 < 3 == true); print(false || true && false);",
    output: "7\n8\ntrue\n11\ntrue\nfalse\n",
  },
  {
    rule: "conditional expression is lowest and right-associative",
    body: "let x = 5; print(x > 3 ? 1 : x > 1 ? 2 : 3); print(x > 9 ? 1 : x > 1 ? 2 : 3);",
    output: "1\n2\n",
  },
  // short circuit
  {
    rule: "&& and || short-circuit",
    decls:
      'function t(): bool { print("t"); return true; }\nfunction f(): bool { print("f"); return false; }',
    body: "print(f() && t()); print(t() || f()); print(t() && f());",
    output: "f\nfalse\nt\ntrue\nt\nf\nfalse\n",
  },
  // statements
  {
    rule: "let with inferred type; const locals",
    body: "let a = 1; const b = 2.5; let c = a > 0; print(a); print(b); print(c);",
    output: "1\n2.5\ntrue\n",
  },
  {
    rule: "compound assignment operators",
    body: "let x = 10; x += 5; x -= 3; x *= 2; x /= 5; x %= 3; x <<= 4; x >>= 1; x |= 1; x &= 13; x ^= 6; print(x); let y = -16; y >>>= 28; print(y);",
    // 10 +5 -3 *2 /5 %3 <<4 >>1 |1 &13 ^6: 15 24 4 1 16 8 9 9 15
    output: "15\n15\n",
  },
  {
    rule: "compound assignment on array elements evaluates the index once",
    decls: "let calls = 0;\nfunction idx(): i32 { calls += 1; return 1; }",
    body: "let a = new i32[3]; a[idx()] += 5; a[idx()] *= 3; print(a[1]); print(calls);",
    output: "15\n2\n",
  },
  {
    rule: "if / else",
    body: "let x = 3; if (x > 2) print(1); else print(2); if (x > 5) print(3); else if (x > 1) print(4);",
    output: "1\n4\n",
  },
  {
    rule: "while",
    body: "let i = 0; let s = 0; while (i < 5) { s += i; i += 1; } print(s);",
    output: "10\n",
  },
  {
    rule: "do-while runs at least once",
    body: "let i = 10; do { print(i); i += 1; } while (i < 3);",
    output: "10\n",
  },
  {
    rule: "for with let, and empty parts",
    body: "for (let i = 0; i < 3; i += 1) print(i); let j = 0; for (;;) { j += 1; if (j > 2) break; } print(j);",
    output: "0\n1\n2\n3\n",
  },
  {
    rule: "for with an assignment initializer",
    body: "let i = 7; for (i = 0; i < 2; i += 1) { } print(i);",
    output: "2\n",
  },
  {
    rule: "break and continue",
    body: "let s = 0; for (let i = 0; i < 10; i += 1) { if (i % 2 == 0) continue; if (i > 7) break; s += i; } print(s);",
    output: "16\n",
  },
  {
    rule: "continue in do-while goes to the condition",
    body: "let i = 0; let n = 0; do { i += 1; if (i < 3) continue; n += 1; } while (i < 5); print(n);",
    output: "3\n",
  },
  {
    rule: "nested loops with break in the inner one",
    body: "let c = 0; for (let i = 0; i < 3; i += 1) { for (let j = 0; j < 10; j += 1) { if (j == i) break; c += 1; } } print(c);",
    output: "3\n",
  },
  {
    rule: "blocks have lexical scope; shadowing in inner blocks",
    body: "let x = 1; { let x = 2; print(x); { let x = 3.5; print(x); } } print(x);",
    output: "2\n3.5\n1\n",
  },
  {
    rule: "a variable assigned in a branch keeps its value after the if",
    body: "let x = 1; if (x == 1) { x = 5; } else { x = 6; } print(x); let y = 0; if (x > 100) y = 1; print(y);",
    output: "5\n0\n",
  },
  {
    rule: "return without a value in a void function",
    decls: "function p(x: i32) { if (x > 0) return; print(x); }",
    body: "p(1); p(-1);",
    output: "-1\n",
  },
  {
    rule: "a void function may omit its result type",
    decls: 'function hello() { print("hi"); }',
    body: "hello();",
    output: "hi\n",
  },
  // declarations
  {
    rule: "declarations in any order; all names visible everywhere",
    decls:
      "function a(): i32 { return b() + K; }\nconst K: i32 = J * 2;\nconst J = 3;\nfunction b(): i32 { return 1; }",
    body: "print(a());",
    output: "7\n",
  },
  {
    rule: "globals initialize in declaration order and initializers may call functions",
    decls:
      "let a: i32 = next();\nlet b: i32 = next();\nlet counter: i32 = 0;\nfunction next(): i32 { counter += 1; return counter * 10; }",
    body: "print(a); print(b); print(counter);",
    output: "10\n20\n0\n",
  },
  {
    rule: "mutable module globals",
    decls: "let total: i64 = 0;\nfunction add(x: i64) { total += x; }",
    body: "add(5); add(7); print(total);",
    output: "12\n",
  },
  {
    rule: "const folding of operators and casts",
    decls:
      "const A: i64 = (1 << 40) as i64;\nconst B = 0x10 | 0x01;\nconst C: f64 = 10 as f64 / 4.0;\nconst D: bool = B > 16 && !false;\nconst E = A > 0 ? 1 : 2;",
    body: "print(A); print(B); print(C); print(D); print(E);",
    output: "256\n17\n2.5\ntrue\n1\n",
  },
  // arrays
  {
    rule: "new T[n] is zeroed; length; read and write",
    body: "let a = new i64[4]; a[2] = 9; print(a[0]); print(a[2]); print(a.length);",
    output: "0\n9\n4\n",
  },
  {
    rule: "arrays of every element type",
    body: "let b = new bool[2]; b[1] = true; let f = new f64[2]; f[0] = 0.5; print(b[0]); print(b[1]); print(f[0] + f[1]);",
    output: "false\ntrue\n0.5\n",
  },
  {
    rule: "arrays are references",
    decls: "function fill(a: i32[], v: i32) { for (let i = 0; i < a.length; i += 1) a[i] = v; }",
    body: "let a = new i32[3]; let b = a; fill(b, 7); print(a[0] + a[2]);",
    output: "14\n",
  },
  { rule: "new T[0] is a valid empty array", body: "let a = new f64[0]; print(a.length);", output: "0\n" },
  {
    rule: "many arrays grow memory past one page",
    body: "let s = 0; for (let i = 0; i < 40; i += 1) { let a = new i32[1000]; a[999] = i; s += a[999]; } print(s);",
    output: "780\n",
  },
  // functions
  {
    rule: "function values and indirect calls",
    decls:
      "function sq(x: i32): i32 { return x * x; }\nfunction inc(x: i32): i32 { return x + 1; }\nfunction twice(f: (i32) => i32, x: i32): i32 { return f(f(x)); }",
    body: "let f: (i32) => i32 = sq; print(f(5)); f = inc; print(twice(f, 5)); print(twice(sq, 3));",
    output: "25\n7\n81\n",
  },
  {
    rule: "arrays of functions",
    decls: "function a(): i32 { return 1; }\nfunction b(): i32 { return 2; }",
    body: "let fs = new (() => i32)[2]; fs[0] = a; fs[1] = b; print(fs[0]() + fs[1]()); let g: ((i32) => i32)[] = new ((i32) => i32)[1]; print(g.length);",
    output: "3\n1\n",
  },
  {
    rule: "named parameters in function types",
    decls: "function id(x: i32): i32 { return x; }",
    body: "let f: (value: i32) => i32 = id; print(f(4));",
    output: "4\n",
  },
  {
    rule: "function values compare by identity",
    decls: "function a() {}\nfunction b() {}",
    body: "let f: () => void = a; print(f == a); print(f == b);",
    output: "true\nfalse\n",
  },
  {
    rule: "recursion",
    decls: "function fact(n: i64): i64 { if (n <= 1) return 1; return n * fact(n - 1); }",
    body: "print(fact(20));",
    output: "2432902008176640000\n",
  },
  {
    rule: "an extern can be called and used as a value",
    decls: "extern function now(): f64;",
    body: "print(now()); let f: () => f64 = now; print(f());",
    output: "1234.5\n1234.5\n",
  },
  // builtins
  {
    rule: "print formats",
    body: "print(-0.0); print(1e21); print(123456789012.5); print(0.1 + 0.2); print(1.0 / 0.0); print(-1.0 / 0.0); print(5e-324); let x: i64 = -42; print(x);",
    output: "0\n1e+21\n123456789012.5\n0.30000000000000004\nInfinity\n-Infinity\n5e-324\n-42\n",
  },
  {
    rule: "print_fixed is toFixed",
    body: "print_fixed(3.14159, 2); print_fixed(2.5, 0); print_fixed(-1.005, 2); print_fixed(1e21, 2);",
    output: "3.14\n3\n-1.00\n1e+21\n",
  },
  {
    rule: "f64 math builtins",
    body: "print(sqrt(16.0)); print(abs(-2.5)); print(floor(-1.5)); print(ceil(-1.5)); print(trunc(-1.5)); print(nearest(2.5)); print(nearest(3.5)); print(min(1.0, 2.0)); print(max(-0.0, 0.0)); print(copysign(2.0, -0.0));",
    output: "4\n2.5\n-2\n-1\n-1\n2\n4\n1\n0\n-2\n",
  },
  {
    rule: "f64 builtins accept integer literals",
    body: "print(sqrt(2)); print(max(1, 2.5));",
    output: "1.4142135623730951\n2.5\n",
  },
  {
    rule: "integer builtins, i32 and i64 overloads",
    body: "print(clz(1)); print(ctz(0)); print(popcnt(-1)); let x: i64 = 1; print(clz(x)); print(rotl(0x80000000, 1)); print(rotr(1, 1)); print(rotl(x, 64));",
    output: "31\n32\n32\n63\n1\n-2147483648\n1\n",
  },
  {
    rule: "unsigned operations",
    body: "print(divu(-2, 2)); print(remu(-1, 10)); print(ltu(1, -1)); print(leu(-1, -1)); print(gtu(-1, 0)); print(geu(0, 1)); let y: i64 = -1; print(divu(y, 2));",
    output: "2147483647\n5\ntrue\ntrue\ntrue\nfalse\n9223372036854775807\n",
  },
  {
    rule: "user names may shadow builtins locally",
    decls:
      "function largest(a: i32[]): i32 { let max = a[0]; for (let i = 1; i < a.length; i += 1) if (a[i] > max) max = a[i]; return max; }",
    body: "let a = new i32[3]; a[1] = 8; a[2] = 3; print(largest(a));",
    output: "8\n",
  },
];

for (const c of cases) {
  test(`TJ: ${c.rule}`, () => {
    const source = `${c.decls ?? ""}\nexport function main(): void {\n${c.body}\n}\n`;
    for (const mode of MODES) {
      const run = runTj(source, [], { mode });
      assert.equal(run.trap, undefined, `${mode} trapped: ${run.trap}`);
      assert.equal(run.output, c.output, mode);
    }
  });
}

test('TJ: string escapes \\n \\t \\\\ \\" \\0 \\xHH', () => {
  for (const mode of MODES) {
    const source =
      'export function main() { print("a\\nb"); print("t\\tt"); print("q\\"\\\\"); print("x\\x41y\\0z"); }';
    assert.equal(runTj(source, [], { mode }).output, 'a\nb\nt\tt\nq"\\\nxAy\0z\n', mode);
  }
});

test("TJ: main's arguments and result", () => {
  for (const mode of MODES) {
    const run = runTj(
      "export function main(a: i32, b: i64, c: f64, d: bool): i64 { print(c); print(d); return a as i64 + b; }",
      [2, 40n, 0.5, 1],
      { mode },
    );
    assert.equal(run.output, "0.5\ntrue\n", mode);
    assert.equal(run.result, 42n, mode);
  }
});

interface TrapCase {
  rule: string;
  source: string;
  trap: string;
  stack: string[];
  output?: string;
}

const traps: TrapCase[] = [
  {
    rule: "index out of bounds (too large)",
    source: "export function main() {\n  let a = new i32[2];\n  a[2] = 1;\n}",
    trap: "index out of bounds",
    stack: ["main:3"],
  },
  {
    rule: "index out of bounds (negative)",
    source: "export function main(): i32 {\n  let a = new i32[2];\n  return a[-1];\n}",
    trap: "index out of bounds",
    stack: ["main:3"],
  },
  {
    rule: "negative array length",
    source: "export function main() {\n  let n = -1;\n  let a = new f64[n];\n}",
    trap: "negative array length",
    stack: ["main:3"],
  },
  {
    rule: "integer divide by zero",
    source: "export function main(): i32 {\n  let z = 0;\n  return 5 / z;\n}",
    trap: "integer divide by zero",
    stack: ["main:3"],
  },
  {
    rule: "remainder by zero",
    source: "export function main(): i64 {\n  let z: i64 = 0;\n  return 5 % z;\n}",
    trap: "integer divide by zero",
    stack: ["main:3"],
  },
  {
    rule: "divu by zero",
    source: "export function main(): i32 {\n  return divu(1, 0 * 3);\n}",
    trap: "integer divide by zero",
    stack: ["main:2"],
  },
  {
    rule: "i32.MIN / -1",
    source: "export function main(): i32 {\n  let m = -2147483648;\n  return m / -1;\n}",
    trap: "integer overflow",
    stack: ["main:3"],
  },
  {
    rule: "unreachable()",
    source: "export function main(): i32 {\n  print(1);\n  unreachable();\n}",
    trap: "unreachable",
    stack: ["main:3"],
    output: "1\n",
  },
  {
    rule: "calling the null function",
    source: "export function main(): i32 {\n  let fs = new ((i32) => i32)[1];\n  return fs[0](3);\n}",
    trap: "null function",
    stack: ["main:3"],
  },
  {
    rule: "stack overflow from deep recursion",
    source:
      "function down(n: i32): i32 {\n  return down(n + 1) + 1;\n}\nexport function main(): i32 {\n  return down(0);\n}",
    trap: "stack overflow",
    stack: [],
  },
  {
    rule: "a trap's stack names every guest frame with its line",
    source:
      "function inner(a: i32[]): i32 {\n  return a[5];\n}\nfunction outer(): i32 {\n  let a = new i32[1];\n  return inner(a);\n}\nexport function main(): i32 {\n  return outer();\n}",
    trap: "index out of bounds",
    stack: ["inner:2", "outer:6", "main:9"],
  },
  {
    rule: "a trap in a global initializer",
    source: "let a: i32[] = new i32[1];\nlet b: i32 = a[3];\nexport function main() {}",
    trap: "index out of bounds",
    stack: ["tj.init:2"],
  },
];

for (const c of traps) {
  test(`TJ trap: ${c.rule}`, () => {
    for (const mode of MODES) {
      const run = runTj(c.source, [], { mode });
      assert.equal(run.trap, c.trap, mode);
      if (c.stack.length > 0) assert.deepEqual(run.stack, c.stack, mode);
      assert.equal(run.output, c.output ?? "", mode);
    }
  });
}

test("TJ trap: out of memory at the memory limit, and usable after", () => {
  const source = "export function main(n: i32): i32 {\n  let a = new f64[n];\n  return a.length;\n}";
  for (const mode of MODES) {
    assert.equal(runTj(source, [100_000], { maxMemoryPages: 4, mode }).trap, "out of memory", mode);
    assert.equal(runTj(source, [1000], { maxMemoryPages: 4, mode }).result, 1000, mode);
    assert.equal(runTj(source, [2_000_000_000], { mode }).trap, "out of memory", mode);
  }
});

test("allocation: elements 16-byte aligned, memory grown by half at least, by what fits at the limit", () => {
  const source = `export function main(n: i32): i32 {
  let small = new bool[5];
  let odd = new i32[3];
  let big = new f64[n];
  return small.length + odd.length + big.length;
}`;
  const compiled = compileTj(source, "alloc.tj");
  assert.ok(compiled.ok);
  const heap = compiled.module.globals.findIndex((g) => g.name === "tj.heap");
  const interp = new Interpreter(compiled.module, {
    imports: withStandardHost(new BufferSink(), () => interp.memory),
  });
  const sizes = new Set<number>();
  for (let call = 0; call < 40; call++) {
    assert.equal(interp.call("main", [9000]), 9008);
    // every array starts 8 bytes (its length) before a multiple of 16
    assert.equal((interp.globals[heap] as number) % 16, 8);
    sizes.add(interp.memory.length);
  }
  // 40 allocations of 72 KB each (44 pages in all): grown by half the memory or more each
  // time, 1, 2, 3, 4, 6, 9, ... pages, about ten times; by what each needed, forty
  assert.ok(sizes.size <= 12, `the memory grew ${sizes.size} times`);
  // at a limit that leaves no room for half, the memory grows by what is needed
  const limited = `export function main(n: i32): i32 {
  let a = new f64[n];
  return a.length;
}`;
  for (const mode of MODES) {
    // 3.4 pages (the memory grows to 4), then a page more: 5 pages fit, 6 (4 and half of 4) do not
    const first = runTj(
      limited.replace("main(n: i32)", "first(n: i32)").concat(`
export function main(n: i32): i32 {
  let a = first(28000);
  return first(n) + a;
}`),
      [8000],
      { maxMemoryPages: 5, mode },
    );
    assert.equal(first.result, 36000, mode);
  }
});
