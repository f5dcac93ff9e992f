/**
 * Filetests: each `test/filetests/NAME.tir` starts with `; passes: a, b, ...`; its functions
 * go through those passes (verifying after each) and the printed result must equal
 * `NAME.expected.tir`. `; profile: 0, 3` gives speculation a profile (the edges that ran),
 * `; targets: 3 -1, 2 4` one of call targets (two records per indirect call site),
 * `; globals: 0=64 0:10, 1=7n` values of globals by index (`n`: i64), each with words at
 * offsets, `; calls: 500, 0` Tier 1's counts per direct call site, `; branches: 1000 3` per
 * `br_if` edge. `TIERJIT_BLESS=1 npm test` rewrites the expected files: review the diff.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { test } from "node:test";
import { parseModule } from "../../src/ir/parser.js";
import { printModule } from "../../src/ir/printer.js";
import { type GlobalValue, type PassContext, runPasses } from "../../src/opt/pass.js";
import { ALL_PASSES, passByName } from "../../src/opt/pipelines.js";
import { markBranchCounts, markCallCounts } from "../../src/opt/profile-sites.js";
import { REPO_ROOT } from "../support/cli.js";

const DIR = `${REPO_ROOT}test/filetests/`;
const files = readdirSync(DIR).filter((f) => f.endsWith(".tir") && !f.endsWith(".expected.tir"));

test("there are filetests, and every pass has one", () => {
  assert.ok(files.length >= 2);
  const tested = new Set<string>();
  for (const file of files) {
    const header = /^; passes: (.*)$/m.exec(readFileSync(DIR + file, "utf8"));
    for (const name of header?.[1]?.split(",") ?? []) tested.add(name.trim());
  }
  for (const pass of ALL_PASSES) assert.ok(tested.has(pass.name), `no filetest runs ${pass.name}`);
});

for (const file of files) {
  test(`filetest ${file}`, () => {
    const source = readFileSync(DIR + file, "utf8");
    const header = /^; passes: (.*)$/m.exec(source);
    assert.ok(header !== null, "a '; passes:' line");
    const passes = header[1]!.split(",").map((name) => {
      const pass = passByName(name.trim());
      assert.ok(pass !== undefined, `unknown pass '${name.trim()}'`);
      return pass;
    });
    const module = parseModule(source, file);
    // `; profile: 1, 2`: the edges that ran, per function; deopt exits resume an
    // unspeculated copy of each function, added as `<name>_unspeculated`
    // `; targets: 3 -1, 2 -2`: per indirect call site, the two target records (pass.ts)
    const profile = /^; profile: (.*)$/m.exec(source);
    const targets = /^; targets: (.*)$/m.exec(source);
    const globals = /^; globals: (.*)$/m.exec(source);
    const count = module.functions.length;
    for (let f = 0; f < count; f++) {
      const fn = module.functions[f]!;
      const context: PassContext = {};
      if (profile !== null || targets !== null || globals !== null) {
        const taken = new Uint8Array(64);
        for (const edge of profile?.[1]?.split(",") ?? []) taken[Number(edge.trim())] = 1;
        context.speculation = { taken, disabled: [], original: module.functions.length };
        if (targets !== null)
          context.speculation.targets = Int32Array.from(targets[1]!.split(/[ ,]+/).map(Number));
        if (globals !== null) context.speculation.globals = globalValues(globals[1]!);
        module.functions.push({ ...structuredClone(fn), name: `${fn.name}_unspeculated`, exported: false });
      }
      // `; calls: 500, 0`: Tier 1's count per direct call site (profile-sites.ts numbering)
      const calls = /^; calls: (.*)$/m.exec(source);
      if (calls !== null && f < count)
        markCallCounts(fn, Uint32Array.from(calls[1]!.split(",").map((c) => Number(c.trim()))));
      // `; branches: 1000 3, 40 40`: Tier 1's counts of each br_if's then- and else-edge
      const branches = /^; branches: (.*)$/m.exec(source);
      if (branches !== null && f < count)
        markBranchCounts(fn, Uint32Array.from(branches[1]!.split(/[ ,]+/).map(Number)));
      runPasses(fn, module, passes, { verify: true, context });
    }
    const actual = printModule(module);
    const expectedFile = DIR + file.replace(/\.tir$/, ".expected.tir");
    if (process.env.TIERJIT_BLESS === "1" || !existsSync(expectedFile)) writeFileSync(expectedFile, actual);
    assert.equal(actual, readFileSync(expectedFile, "utf8"));
    // what a pass prints (inline sites included) reads back as the same IR
    assert.equal(printModule(parseModule(actual, expectedFile)), actual);
  });
}

/** `0=64 0:10 4:99, 1=7n`: global 0 holds 64, with words 10 at offset 0 and 99 at 4; global 1 the i64 7. */
function globalValues(text: string): GlobalValue[] {
  return text.split(",").map((item) => {
    const [assignment, ...words] = item.trim().split(/\s+/);
    const [global, value] = assignment!.split("=");
    return {
      global: Number(global),
      value: value!.endsWith("n") ? BigInt(value!.slice(0, -1)) : Number(value),
      words: words.map((word) => word.split(":").map(Number) as [number, number]),
    };
  });
}
