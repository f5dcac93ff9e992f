import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { REPO_ROOT, runCli } from "../support/cli.js";

test("--version prints the package version", () => {
  const pkg = JSON.parse(readFileSync(`${REPO_ROOT}package.json`, "utf8")) as { version: string };
  assert.deepEqual(runCli(["--version"]), { status: 0, stdout: `${pkg.version}\n`, stderr: "" });
});

test("--help lists the commands; no arguments prints help and exits 2", () => {
  const help = runCli(["--help"]);
  assert.equal(help.status, 0);
  for (const command of ["run", "check", "ir"]) assert.match(help.stdout, new RegExp(`^  ${command} `, "m"));
  assert.equal(runCli([]).status, 2);
});

test("run --interp on an IR file prints output then the result", () => {
  assert.deepEqual(runCli(["run", "--interp", "test/programs/ir/fib.tir", "20"]), {
    status: 0,
    stdout: "20\n6765\n",
    stderr: "",
  });
});

test("usage errors exit 2 with a message naming the problem", () => {
  const cases: [string[], RegExp][] = [
    [
      ["run", "--interp", "test/programs/ir/fib.tir", "x1"],
      /^error: parameter '#1: i32': 'x1' is not a valid i32$/m,
    ],
    [["run", "--interp", "test/programs/ir/fib.tir"], /^error: main takes 1 argument\(s\) \(#1\), got 0$/m],
    [["run", "--interp", "test/programs/ir/fib.tir", "4294967296"], /is not a valid i32/],
    [["run", "--interp", "no/such/file.tir"], /^error: cannot read 'no\/such\/file.tir': no such file$/m],
    [["run", "--interp", "--timeout", "soon", "test/programs/ir/fib.tir", "1"], /invalid duration 'soon'/],
    [["run", "--interp", "--memory-limit", "12XB", "test/programs/ir/fib.tir", "1"], /invalid size '12XB'/],
    [["frob"], /unknown command 'frob'/],
  ];
  for (const [args, pattern] of cases) {
    const result = runCli(args);
    assert.equal(result.status, 2, args.join(" "));
    assert.match(result.stderr, pattern, args.join(" "));
    assert.equal(result.stdout, "", args.join(" "));
  }
});

test("combinations that cannot work are usage errors that say why", () => {
  for (const [args, message] of [
    [["--stress", "--tier", "1"], /--stress and --tier cannot be combined/],
    [["--tier", "2", "--timeout", "1s"], /--timeout cannot stop Tier 2 code/],
  ] as const) {
    const result = runCli(["run", ...args, "test/programs/ir/fib.tir", "5"]);
    assert.equal(result.status, 2, args.join(" "));
    assert.match(result.stderr, message);
    assert.equal(result.stdout, "");
  }
});

test("hex arguments are bit patterns, like TJ hex literals", () => {
  assert.equal(runCli(["run", "--interp", "test/programs/ir/fib.tir", "0xFFFFFFFF"]).stdout, "-1\n-1\n");
});

test("ir prints the canonical text, and --function one function", () => {
  const source = readFileSync(`${REPO_ROOT}test/programs/ir/fib.tir`, "utf8");
  // the file is canonical text apart from its header comment
  assert.equal(runCli(["ir", "test/programs/ir/fib.tir"]).stdout, source.replace(/^; args: .*\n/, ""));
  const one = runCli(["ir", "--function", "fib", "test/programs/ir/fib.tir"]);
  assert.match(one.stdout, /^func @fib\(i32\) -> i32 \{\n/);
  assert.doesNotMatch(one.stdout, /@main/);
});

test("a verifier error in an IR file is reported with function, block and instruction", () => {
  const result = runCli(["check", "test/programs/ir/bad-types.tir"]);
  assert.equal(result.status, 2);
  assert.equal(
    result.stderr,
    "test/programs/ir/bad-types.tir: error: function @main, block0, inst 1 `v2:i32 = add v0, v1`: operands of add have different types (i32, i64)\n",
  );
  assert.equal(result.stdout, "");
});

test("run reports a bad IR file exactly as check does, at every tier (bodies are read as they compile)", () => {
  const good = (name: string): string => `func @${name}(i32) -> i32 {\nblock0(v0: i32):\n  return v0\n}\n\n`;
  const typeError = (name: string): string =>
    `func @${name}(i32) -> i32 {\nblock0(v0: i32):\n  v1:i64 = const 1\n  return v1\n}\n\n`;
  const main = "export func @main(i32) -> i32 {\nblock0(v0: i32):\n  v1:i32 = call @a(v0)\n  return v1\n}\n";
  const texts = [
    // verifier errors in two bodies: both, in order
    `${good("a")}${typeError("b")}${typeError("c")}${main}`,
    // a syntax error in a later body wins over a verifier error in an earlier one
    `${typeError("b")}${good("a")}func @c() {\nblock0:\n  v0:i32 = const x\n  return\n}\n${main}`,
    // an unknown callee in an early body, a syntax error after it: the syntax error
    `func @b() {\nblock0:\n  call @nowhere()\n  return\n}\n${good("a")}func @c() {\nblock0:\n  oops\n}\n${main}`,
    // no main, and a verifier error: the verifier error
    `${good("a")}${typeError("b")}`,
  ];
  const dir = mkdtempSync(join(tmpdir(), "tierjit-lazy-"));
  try {
    texts.forEach((text, k) => {
      const file = join(dir, `bad${k}.tir`);
      writeFileSync(file, text);
      const check = runCli(["check", file]);
      assert.equal(check.status, 2, text);
      for (const mode of [[], ["--tier", "1"], ["--tier", "2"], ["--interp"]]) {
        // without an argument for main, a usage error of its own: the program's errors come first
        for (const args of [["5"], []]) {
          const run = runCli(["run", ...mode, file, ...args]);
          assert.deepEqual(run, check, `bad${k}.tir, run ${[...mode, ...args].join(" ")}`);
        }
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
