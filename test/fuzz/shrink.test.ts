import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { randomModule } from "../../src/cli/fuzz/generate.js";
import { engineOutcomes, fuzz } from "../../src/cli/fuzz/run.js";
import { shrink } from "../../src/cli/fuzz/shrink.js";
import type { Module } from "../../src/ir/ir.js";
import { Op } from "../../src/ir/ops.js";
import { parseModule } from "../../src/ir/parser.js";
import { printModule } from "../../src/ir/printer.js";
import { Type } from "../../src/ir/types.js";
import { verify } from "../../src/ir/verifier.js";
import { mergeStraightLines, removeUnreachableBlocks } from "../../src/opt/passes/merge-blocks.js";

const isI64Mul = (m: Module): boolean =>
  m.functions.some((fn) =>
    fn.blocks.some((b) => b.insts.some((i) => i.op === Op.Mul && i.type === Type.I64)),
  );

function instructionCount(m: Module): number {
  let n = 0;
  for (const fn of m.functions) for (const b of fn.blocks) n += b.insts.length + 1;
  return n;
}

test("shrink keeps what the predicate needs and removes the rest", async () => {
  let seed = 1;
  while (!isI64Mul(randomModule(seed))) seed++;
  const original = randomModule(seed);
  // a "bug" that shows from the third call of main on, in any module with an i64 multiply
  const result = await shrink(original, 12, async (m, calls) => isI64Mul(m) && calls >= 3);
  assert.equal(result.calls, 3, "the fewest calls that still fail");
  assert.ok(isI64Mul(result.module));
  assert.deepEqual(verify(result.module), []);
  assert.ok(instructionCount(result.module) <= instructionCount(original) / 2, "much smaller");
  // nothing left that could go: every instruction but the multiply is a constant or a return
  const ops = result.module.functions.flatMap((fn) => fn.blocks.flatMap((b) => b.insts.map((i) => i.op)));
  assert.deepEqual(
    ops.filter((op) => op !== Op.Const),
    [Op.Mul],
  );
  // every function but the one with the multiply (which may sit in an unreachable block,
  // which must then stay) is down to one block
  const singleBlock = result.module.functions.filter((fn) => fn.blocks.length === 1);
  assert.ok(singleBlock.length >= result.module.functions.length - 1);
});

test("an injected miscompilation is found by fuzz, written out, and shrunk to a small reproducer", async () => {
  const outDir = mkdtempSync(join(tmpdir(), "tierjit-shrink-"));
  const lines: string[] = [];
  const summary = await fuzz({
    count: 6,
    seed: 1,
    modes: ["tier0"],
    outDir,
    report: (line) => lines.push(line),
    runMode: async (m, mode, calls) => {
      const actual = await engineOutcomes(m, mode, calls);
      if (isI64Mul(m)) actual.outcomes[0]!.result = "corrupted";
      return actual;
    },
  });
  assert.ok(summary.mismatches > 0);
  assert.equal(lines.length, summary.mismatches);
  assert.match(
    lines[0]!,
    /^mismatch: seed \d+ in tier0; IR in .*seed-\d+\.tir; shrunk: .*seed-\d+\.min\.tir; replay: /,
  );
  const minFiles = readdirSync(outDir).filter((f) => f.endsWith(".min.tir"));
  assert.equal(minFiles.length, summary.mismatches);
  for (const file of minFiles) {
    const text = readFileSync(join(outDir, file), "utf8");
    assert.match(text, /^; seed \d+, shrunk .* within 1 call\(s\) of main\n/);
    const shrunk = parseModule(text);
    const original = parseModule(readFileSync(join(outDir, file.replace(".min", "")), "utf8"));
    assert.ok(isI64Mul(shrunk));
    assert.ok(instructionCount(shrunk) < instructionCount(original));
    assert.equal(printModule(shrunk), text.slice(text.indexOf("\n") + 1), "the reproducer round-trips");
  }
});

test("unreachable blocks are removed, the rest renumbered, and jump chains merged", () => {
  const m = parseModule(
    "func @f(i32) -> i32 {\nblock0(v0: i32):\n  jump block2(v0)\nblock1:\n  return v0\nblock2(v1: i32):\n  return v1\n}\n",
  );
  removeUnreachableBlocks(m.functions[0]!);
  assert.deepEqual(verify(m), []);
  assert.equal(
    printModule(m),
    "func @f(i32) -> i32 {\nblock0(v0: i32):\n  jump block1(v0)\nblock1(v1: i32):\n  return v1\n}\n",
  );
  mergeStraightLines(m.functions[0]!);
  assert.equal(printModule(m), "func @f(i32) -> i32 {\nblock0(v0: i32):\n  return v0\n}\n");
});
