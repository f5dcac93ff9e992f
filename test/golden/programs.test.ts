/**
 * Every program in the repo (examples/, test/programs/tj/, test/programs/ir/, and the
 * benchmarks in bench/programs/ at a small size) runs through
 * the real command in every mode this build has, and must give exactly the stdout, stderr
 * and exit status recorded beside it:
 *
 *   NAME.tj / NAME.tir   the program; a header comment `// args: ...` (`; args:` in IR)
 *                        gives main's arguments, `// exit: N` the expected status (default 0)
 *   NAME.out             expected stdout
 *   NAME.err             expected stderr (absent: stderr must be empty)
 *
 * Each mode added by a later tier goes into MODES, so that every program is checked at
 * every tier against the same expectations (and so against the interpreter).
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { REPO_ROOT, runCli } from "../support/cli.js";

const MODES: string[][] = [
  ["--interp"],
  ["--tier", "0"],
  ["--tier", "1"],
  ["--tier", "2"],
  ["--profile", "dev"],
  [],
  ["--stress"],
  // the switches of OSR and speculation: each path on its own
  ["--stress", "--no-osr"],
  ["--profile", "dev", "--no-osr"],
  ["--profile", "dev", "--no-speculation"],
];
const DIRECTORIES = ["examples", "test/programs/tj", "test/programs/ir", "bench/programs"];

interface Program {
  path: string;
  args: string[];
  status: number;
  stdout: string;
  stderr: string;
}

function header(source: string, key: string): string | undefined {
  const match = new RegExp(`^(?://|;) ${key}: (.*)$`, "m").exec(source);
  return match?.[1]?.trim();
}

function programs(): Program[] {
  const found: Program[] = [];
  for (const dir of DIRECTORIES) {
    for (const name of readdirSync(`${REPO_ROOT}${dir}`).sort()) {
      if (!name.endsWith(".tj") && !name.endsWith(".tir")) continue;
      const path = `${dir}/${name}`;
      const base = `${REPO_ROOT}${path.replace(/\.(tj|tir)$/, "")}`;
      const source = readFileSync(`${REPO_ROOT}${path}`, "utf8");
      const args = header(source, "args");
      found.push({
        path,
        args: args === undefined || args === "" ? [] : args.split(/\s+/),
        status: Number(header(source, "exit") ?? "0"),
        stdout: readFileSync(`${base}.out`, "utf8"),
        stderr: existsSync(`${base}.err`) ? readFileSync(`${base}.err`, "utf8") : "",
      });
    }
  }
  return found;
}

const all = programs();

test("the golden corpus is not empty and every example has expected output", () => {
  assert.ok(all.filter((p) => p.path.startsWith("examples/")).length >= 5);
  assert.ok(all.length >= 10);
});

for (const program of all) {
  for (const mode of MODES) {
    test(`${program.path} ${mode.join(" ")}`, () => {
      const result = runCli(["run", ...mode, program.path, ...program.args]);
      assert.equal(result.stdout, program.stdout, "stdout");
      assert.equal(result.stderr, program.stderr, "stderr");
      assert.equal(result.status, program.status, "exit status");
    });
  }
}
