import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import fc from "fast-check";
import { randomModule } from "../../src/cli/fuzz/generate.js";
import type { Module } from "../../src/ir/ir.js";
import {
  hasLazyBody,
  IrParseError,
  parseModule,
  parseModuleLazily,
  releaseBody,
} from "../../src/ir/parser.js";
import { printModule } from "../../src/ir/printer.js";
import { formatVerifierError, verify } from "../../src/ir/verifier.js";
import { REPO_ROOT } from "../support/cli.js";

/** What parsing `text` at once gives: the printed module, or the error message. */
function eagerOutcome(text: string): { printed?: string; error?: string } {
  try {
    return { printed: printModule(parseModule(text, "m.tir")) };
  } catch (error) {
    if (error instanceof IrParseError) return { error: error.message };
    throw error;
  }
}

/**
 * The contract of parseModuleLazily against parseModule: the same module when the text is
 * valid; when it is not, the same error, or a module one of whose bodies throws an
 * IrParseError when read.
 */
function checkAgainstEager(text: string, what: string): void {
  const eager = eagerOutcome(text);
  let lazy: Module;
  try {
    lazy = parseModuleLazily(text, "m.tir");
  } catch (error) {
    if (!(error instanceof IrParseError)) throw error;
    assert.equal(error.message, eager.error, `${what}: the lazy parse failed differently`);
    return;
  }
  if (eager.printed === undefined) {
    let bodyError: IrParseError | undefined;
    try {
      for (const fn of lazy.functions) fn.blocks.length;
    } catch (error) {
      if (!(error instanceof IrParseError)) throw error;
      bodyError = error;
    }
    assert.ok(
      bodyError !== undefined,
      `${what}: invalid text (${eager.error}) parsed lazily without an error`,
    );
    // the same first error, but for names: a lazy body resolves them at its end, a whole
    // text at the end of the text
    if (!/unknown (function|global|import)/.test(`${bodyError.message} ${eager.error}`))
      assert.equal(bodyError.message, eager.error, what);
    return;
  }
  assert.equal(printModule(lazy), eager.printed, `${what}: the lazy parse reads another module`);
  assert.deepEqual(
    verify(lazy, true).map(formatVerifierError),
    verify(parseModule(text, "m.tir"), true).map(formatVerifierError),
    what,
  );
}

function repositoryIrFiles(): string[] {
  const files: string[] = [];
  for (const dir of ["test/filetests", "test/programs/ir"]) {
    for (const name of readdirSync(`${REPO_ROOT}${dir}`).sort())
      if (name.endsWith(".tir")) files.push(`${REPO_ROOT}${dir}/${name}`);
  }
  return files;
}

test("every .tir file in the repository parses lazily to what it parses to at once", () => {
  const files = repositoryIrFiles();
  assert.ok(files.length > 50, `found only ${files.length} .tir files`);
  for (const file of files) checkAgainstEager(readFileSync(file, "utf8"), file);
});

test("a released body is parsed again, to the same blocks", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
      const text = printModule(randomModule(seed));
      const lazy = parseModuleLazily(text);
      const first = lazy.functions.map((fn) => fn.blocks);
      assert.ok(lazy.functions.every(hasLazyBody));
      assert.ok(
        lazy.functions.every((fn, f) => fn.blocks === first[f]),
        "a read body is kept",
      );
      for (const fn of lazy.functions) releaseBody(fn);
      assert.ok(
        lazy.functions.every((fn, f) => fn.blocks !== first[f]),
        "a released body is read again",
      );
      assert.equal(printModule(lazy), text, `seed ${seed}`);
    }),
    { numRuns: 60 },
  );
});

test("blocks assigned to a lazily parsed function stay; functions with inline sites or quotes are read at once", () => {
  const text = `func @callee() -> i32 {
block0:
  v0:i32 = const 1 ; a comment with } and " in it
  return v0
}

func @caller() -> i32 {
  inline i0 = @callee !9:3
block0:
  v0:i32 = const 1 !2:3 in i0
  return v0
}
`;
  const lazy = parseModuleLazily(text);
  const [callee, caller] = lazy.functions;
  assert.ok(hasLazyBody(callee!));
  assert.ok(!hasLazyBody(caller!), "a function with inline sites is parsed at once");
  assert.equal(printModule(lazy), printModule(parseModule(text)));
  const replaced = callee!.blocks.slice(0, 1);
  callee!.blocks = replaced;
  releaseBody(callee!);
  assert.equal(callee!.blocks, replaced);
  assert.ok(!hasLazyBody(callee!));
  // a quote in a body (never valid there) makes the scan read that body at once, and fail
  const quoted = 'func @f() {\nblock0:\n  v0:i32 = const "1"\n  return\n}\n';
  assert.throws(() => parseModuleLazily(quoted, "m.tir"), { message: eagerOutcome(quoted).error });
});

const MUTATIONS = ["}", "{", ";", '"', "\n", "inline ", "block9", "@nowhere", "v99", "!", "x", ""];

test("mutated texts: a lazy parse fails as an eager one does, or leaves the error in a body", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.integer({ min: 0, max: 8 }),
      fc.constantFrom(...MUTATIONS),
      (seed, where, cut, insert) => {
        const text = printModule(randomModule(seed));
        const at = Math.floor(where * text.length);
        const mutated = text.slice(0, at) + insert + text.slice(at + cut);
        checkAgainstEager(mutated, `seed ${seed}, at ${at}, cut ${cut}, insert ${JSON.stringify(insert)}`);
      },
    ),
    { numRuns: 400 },
  );
});

test("an error in a later body is reported at the line and column an eager parse gives", () => {
  const header = "; functions before the broken one: } in a comment\n";
  const good = (name: string): string => `func @${name}() {\nblock0: ; }\n\n  return\n}\n\n`;
  const text = `${header}${good("a")}${good("b")}func @c() {\nblock0:\n  v0:i32 = const x\n  return\n}\n`;
  const eager = eagerOutcome(text).error;
  assert.match(eager ?? "", /^m\.tir:16:18: error: expected an integer constant/);
  const lazy = parseModuleLazily(text, "m.tir");
  assert.throws(() => lazy.functions[2]!.blocks, { message: eager });
});
