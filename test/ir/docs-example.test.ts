import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { BufferSink, withStandardHost } from "../../src/engine/host.js";
import { Interpreter } from "../../src/ir/interpreter.js";
import { parseModule } from "../../src/ir/parser.js";
import { verify } from "../../src/ir/verifier.js";
import { REPO_ROOT } from "../support/cli.js";

test("the example in docs/ir.md parses, verifies and runs", () => {
  const doc = readFileSync(`${REPO_ROOT}docs/ir.md`, "utf8");
  const example = /```\n(source "example\.tj"[\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(example !== undefined, "example block not found");
  const module = parseModule(example, "docs/ir.md");
  assert.deepEqual(verify(module), []);
  const out = new BufferSink();
  let interp: Interpreter | undefined;
  interp = new Interpreter(module, { imports: withStandardHost(out, () => interp!.memory) });
  // main(3): squares 3 times starting from 3: 9, 81, 6561
  assert.equal(interp.call("main", [3]), 6561);
  assert.equal(out.text(), "6561\n");
  assert.equal(interp.memory[0], "h".charCodeAt(0));
});
