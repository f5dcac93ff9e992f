import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parseModule } from "../../src/ir/parser.js";
import { printModule } from "../../src/ir/printer.js";
import { compileTj } from "../../src/lang/compile.js";
import { REPO_ROOT, runCli } from "../support/cli.js";

const scratch = mkdtempSync(join(tmpdir(), "tierjit-cli-"));

function program(name: string, source: string): string {
  const path = join(scratch, name);
  writeFileSync(path, source);
  return path;
}

test("check: a valid program prints nothing and exits 0; an invalid one exits 2 with located errors", () => {
  assert.deepEqual(runCli(["check", "examples/fib.tj"]), { status: 0, stdout: "", stderr: "" });
  const bad = runCli(["check", "test/programs/tj/compile-error.tj"]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^test\/programs\/tj\/compile-error\.tj:3:15: error: type mismatch/);
});

test("the IR text is an interchange format: ir FILE.tj, then run the .tir, same output", () => {
  for (const [example, args] of [
    ["fib", ["20"]],
    ["hash", ["1000"]],
    ["dispatch", ["10"]],
    ["mandelbrot", ["24"]],
  ] as const) {
    const ir = runCli(["ir", `examples/${example}.tj`]);
    assert.equal(ir.status, 0);
    const path = program(`${example}.tir`, ir.stdout);
    const viaIr = runCli(["run", "--interp", path, ...args]);
    const expected = readFileSync(`${REPO_ROOT}examples/${example}.out`, "utf8");
    assert.equal(viaIr.stdout, expected, example);
  }
});

test("every example's IR round-trips through the text format exactly", () => {
  for (const example of ["fib", "hash", "dispatch", "mandelbrot", "sieve", "collatz"]) {
    const file = `examples/${example}.tj`;
    const compiled = compileTj(readFileSync(`${REPO_ROOT}${file}`, "utf8"), file);
    assert.ok(compiled.ok);
    const text = printModule(compiled.module);
    const parsed = parseModule(text, file);
    assert.deepEqual(parsed, compiled.module);
    assert.equal(printModule(parsed), text);
  }
});

test("main's arguments: count and parse errors name the parameters", () => {
  const tooFew = runCli(["run", "--interp", "examples/fib.tj"]);
  assert.deepEqual(tooFew, { status: 2, stdout: "", stderr: "error: main takes 1 argument(s) (n), got 0\n" });
  const path = program(
    "args.tj",
    "export function main(flag: bool, x: f64, big: i64): f64 { return flag ? x : big as f64; }\n",
  );
  assert.equal(
    runCli(["run", "--interp", path, "maybe", "1", "2"]).stderr,
    "error: parameter 'flag: bool': 'maybe' is not true or false\n",
  );
  assert.equal(
    runCli(["run", "--interp", path, "true", "x", "2"]).stderr,
    "error: parameter 'x: f64': 'x' is not a number\n",
  );
  assert.equal(
    runCli(["run", "--interp", path, "true", "1", "9223372036854775808"]).stderr,
    "error: parameter 'big: i64': '9223372036854775808' is not a valid i64\n",
  );
  assert.equal(
    runCli(["run", "--interp", path, "false", "1", "-9223372036854775808"]).stdout,
    "-9223372036854776000\n",
  );
  assert.equal(runCli(["run", "--interp", path, "true", "-1.5e3", "0"]).stdout, "-1500\n");
  const arrays = program("arrays.tj", "export function main(a: i32[]) {}\n");
  assert.equal(
    runCli(["run", "--interp", arrays, "1"]).stderr,
    "error: parameter 'a: i32[]': main cannot take an argument of type i32[] from the command line\n",
  );
});

test("a program without export function main is a usage error", () => {
  const path = program("nomain.tj", "function main(): i32 { return 1; }\n");
  assert.deepEqual(runCli(["run", "--interp", path]), {
    status: 2,
    stdout: "",
    stderr: `error: ${path} has no 'export function main'\n`,
  });
});

test("--timeout stops a program inside one long loop", () => {
  const path = program("spin.tj", "export function main() {\n  let x = 0;\n  while (true) { x += 1; }\n}\n");
  const result = runCli(["run", "--interp", "--timeout", "300ms", path]);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /^error: timeout after 300 ms\n {2}at main \(.*spin\.tj:3\)\n$/);
});

test("endless recursion in tail position still traps stack overflow once Tier 2 has made it a loop", () => {
  const path = program(
    "endless.tj",
    "function spin(n: i32): i32 {\n  return spin(n + 1) + 1;\n}\nexport function main(): i32 {\n  return spin(0);\n}\n",
  );
  const loop = runCli(["ir", "--tier", "2", "--function", "spin", path]).stdout;
  assert.doesNotMatch(loop, /call @spin\(/, "Tier 2 keeps no call of spin");
  assert.match(loop, /trap_if v\d+, stack_overflow/);
  for (const mode of [["--interp"], ["--tier", "0"], ["--tier", "2"]]) {
    const result = runCli(["run", ...mode, path]);
    assert.equal(result.status, 1, mode.join(" "));
    assert.match(result.stderr, /^error: stack overflow\n {2}at spin/, mode.join(" "));
  }
});

test("--memory-limit makes a large allocation trap with out of memory", () => {
  const path = program(
    "big.tj",
    "export function main(n: i32): i32 {\n  let a = new f64[n];\n  return a.length;\n}\n",
  );
  const result = runCli(["run", "--interp", "--memory-limit", "1MB", path, "200000"]);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /^error: out of memory\n/);
  assert.equal(runCli(["run", "--interp", "--memory-limit", "1MB", path, "1000"]).stdout, "1000\n");
});

test("an extern the host does not provide is an error at instantiation that names it", () => {
  const path = program(
    "extern.tj",
    "extern function frobnicate(x: i32): i32;\nexport function main(): i32 { return frobnicate(1); }\n",
  );
  assert.deepEqual(runCli(["run", "--interp", path]), {
    status: 1,
    stdout: "",
    stderr: "error: missing import env.frobnicate (@frobnicate)\n",
  });
});

test("wasm prints the Tier 0 WebAssembly text, whole or one function, with TJ names", () => {
  const whole = runCli(["wasm", "examples/fib.tj"]);
  assert.equal(whole.status, 0);
  assert.match(whole.stdout, /^\(module \$tier0\n/);
  // fib, main and the allocator's three: tj.alloc_array, tj.grow_memory, tj.zero_elements
  assert.match(whole.stdout, /\(import "rt" "dispatch" \(table 5 funcref\)\)/);
  assert.match(whole.stdout, /\(func \$fib \(param i32\) \(result i32\)/);
  const one = runCli(["wasm", "--tier", "0", "--function", "fib", "examples/fib.tj"]);
  assert.equal(one.status, 0);
  assert.match(one.stdout, /^\(func \$fib /);
  assert.match(one.stdout, /call_indirect 0 \(type \d+\)/);
  assert.match(one.stdout, /local\.get \$v0/);
  assert.doesNotMatch(one.stdout, /\$main/);
  assert.equal(runCli(["wasm", "--function", "nope", "examples/fib.tj"]).status, 2);
});

test("wasm --tier N prints the code each tier emits", () => {
  const tier0 = runCli(["wasm", "--tier", "0", "--function", "fib", "examples/fib.tj"]);
  const tier1 = runCli(["wasm", "--tier", "1", "--function", "fib", "examples/fib.tj"]);
  assert.equal(tier1.status, 0);
  assert.match(tier1.stdout, /^\(func \$fib/);
  // Tier 0 counts loop back-edges and calls, Tier 1 calls only: Tier 1's code is not Tier 0's
  assert.notEqual(tier1.stdout, tier0.stdout);
  const tier2 = runCli(["wasm", "--tier", "2", "--function", "fib", "examples/fib.tj"]);
  assert.equal(tier2.status, 0, tier2.stderr);
  assert.match(tier2.stdout, /^;; fib\n\(module \$tier2_fib/);
  assert.match(tier2.stdout, /\(func \$fib/);
  assert.doesNotMatch(tier2.stdout, /func \$main/);
  assert.equal(runCli(["wasm", "--tier", "2", "--function", "nope", "examples/fib.tj"]).status, 2);
});

test("ir --tier 1|2 prints the optimized IR", () => {
  assert.equal(
    runCli(["ir", "--tier", "0", "examples/fib.tj"]).stdout,
    runCli(["ir", "examples/fib.tj"]).stdout,
  );
  const path = program(
    "fold.tj",
    "export function main(n: i32): i32 {\n  let k = 3 * 4 + 1;\n  let unused = n * 7;\n  return n + k;\n}\n",
  );
  const optimized = runCli(["ir", "--tier", "1", path]);
  assert.equal(optimized.status, 0);
  assert.match(optimized.stdout, /const 13/);
  assert.doesNotMatch(optimized.stdout, /mul/);
  assert.equal(runCli(["ir", "--tier", "2", path]).stdout, optimized.stdout);
  assert.match(runCli(["ir", "--tier", "0", path]).stdout, /mul/);
});

test("--fault: compile jobs fail on purpose and the program's output does not change", () => {
  const expected = readFileSync(`${REPO_ROOT}examples/dispatch.out`, "utf8");
  for (const fault of ["compile-error", "worker-crash", "compile-hang"]) {
    const result = runCli([
      "run",
      "--profile",
      "dev",
      "--fault",
      fault,
      "--stats",
      "examples/dispatch.tj",
      "10",
    ]);
    assert.equal(result.status, 0, fault);
    assert.equal(result.stdout, expected, fault);
    // no job can succeed; the failures themselves are counted when they arrive, which in a
    // program this short may be after it has ended (test/engine/background.test.ts counts them)
    assert.match(result.stderr, /^Installs: 0$/m, fault);
  }
});

test("--trace writes a Chrome Trace Event file", () => {
  const file = join(scratch, "trace.json");
  const result = runCli(["run", "--tier", "0", "--trace", file, "examples/fib.tj", "10"]);
  assert.equal(result.status, 0);
  const trace = JSON.parse(readFileSync(file, "utf8")) as { traceEvents: { name: string; ph: string }[] };
  assert.ok(trace.traceEvents.some((e) => e.ph === "X" && e.name === "compile module T0"));
  assert.ok(trace.traceEvents.some((e) => e.ph === "C"));
});

test("fuzz: generated programs in every mode agree with the interpreter; the last line counts them", () => {
  const result = runCli(["fuzz", "--count", "40", "--seed", "500", "--out", join(scratch, "fuzz")]);
  assert.equal(result.status, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /^40 programs, 0 mismatches\n$/m);
  assert.equal(runCli(["fuzz", "--count", "1", "--modes", "tier9"]).status, 2);
});

test("bench through the command (one bundled file) finds the checked-in programs and its child process", () => {
  const out = join(scratch, "bench");
  const args = ["bench", "--quick", "--modes", "js,tier0", "--processes", "1", "--iterations", "1"];
  const result = runCli([...args, "--out", out, "fib"]);
  assert.equal(result.status, 0, result.stdout + result.stderr);
  const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as {
    results: { program: { name: string }; modes: Record<string, { executions: { output: string }[] }> }[];
  };
  const fib = results.results.find((r) => r.program.name === "fib")!;
  // fib(27) in plain JavaScript and in Tier 0 code: the programs and the child were found
  assert.equal(fib.modes.js!.executions[0]!.output, "196418\n");
  assert.equal(fib.modes.tier0!.executions[0]!.output, "196418\n");
});

test("ir --passes shows a function before and after each pass of the tier", () => {
  const path = program(
    "passes.tj",
    "export function main(n: i32): i32 {\n  let k = 3 * 4;\n  return n + k;\n}\n",
  );
  const result = runCli(["ir", "--tier", "1", "--passes", "--function", "main", path]);
  assert.equal(result.status, 0);
  const headers = result.stdout.split("\n").filter((line) => line.startsWith("; "));
  assert.deepEqual(headers, [
    "; input of tier 1",
    "; after osr-points (no change)",
    "; after profile-branches (no change)",
    "; after profile-calls (no change)",
    "; after inline-loop-free (no change)",
    "; after const-fold",
    "; after thread-jumps (no change)",
    "; after copy-prop (no change)",
    "; after local-cse (no change)",
    "; after simplify-branches (no change)",
    "; after merge-blocks (no change)",
    "; after dce",
  ]);
  assert.match(
    result.stdout,
    /; after dce\nexport func @main\(i32\) -> i32 !1:1 \{\nblock0\(v0: i32\):\n {2}v3:i32 = const 12/,
  );
  assert.equal(runCli(["ir", "--passes", path]).status, 2, "--passes needs --function");
});
