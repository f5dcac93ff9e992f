import assert from "node:assert/strict";
import { test } from "node:test";
import { leafHostImports } from "../../src/engine/host.js";
import { findFunction } from "../../src/ir/ir.js";
import { parseModule } from "../../src/ir/parser.js";
import { globalsWrittenDuring } from "../../src/opt/global-writes.js";

const MODULE = `import @print_i32(i32) = "tj" "print_i32"
import @poke(i32) = "env" "poke"
type t0 = (i32) -> i32
table [@double, @keep]
global $a: i32 mut = 0
global $b: i32 mut = 0
global $c: i32 mut = 0
export func @direct(i32) -> i32 {
block0(v0: i32):
  global_set $a, v0
  v1:i32 = call @setter(v0)
  call_host @print_i32(v1)
  return v1
}
export func @indirect(i32) -> i32 {
block0(v0: i32):
  v1:i32 = call_indirect t0 v0(v0)
  return v1
}
export func @host(i32) -> i32 {
block0(v0: i32):
  call_host @poke(v0)
  return v0
}
func @setter(i32) -> i32 {
block0(v0: i32):
  global_set $b, v0
  v1:i32 = call @setter(v0)
  return v1
}
func @double(i32) -> i32 {
block0(v0: i32):
  global_set $c, v0
  v1:i32 = add v0, v0
  return v1
}
func @keep(i32) -> i32 {
block0(v0: i32):
  return v0
}
`;

test("a call may write its own globals, its callees' (recursion too) and its table targets'", () => {
  const module = parseModule(MODULE, "writes.tir");
  const leaves = leafHostImports(module);
  assert.deepEqual(leaves, new Set([0]), "the standard host's print_i32 does not call back");
  assert.deepEqual(globalsWrittenDuring(module, findFunction(module, "direct"), leaves), new Set([0, 1]));
  assert.deepEqual(globalsWrittenDuring(module, findFunction(module, "indirect"), leaves), new Set([2]));
  assert.deepEqual(globalsWrittenDuring(module, findFunction(module, "keep"), leaves), new Set());
});

test("a host function that may call back into the guest, or a callee without a body, may write anything", () => {
  const module = parseModule(MODULE, "writes.tir");
  assert.equal(globalsWrittenDuring(module, findFunction(module, "host"), leafHostImports(module)), "all");
  // an embedder's own print_i32 may call back
  const replaced = leafHostImports(module, { tj: { print_i32: () => undefined } });
  assert.deepEqual(replaced, new Set());
  assert.equal(globalsWrittenDuring(module, findFunction(module, "direct"), replaced), "all");
  const declared = structuredClone(module);
  declared.functions[findFunction(module, "setter")]!.blocks = [];
  assert.equal(
    globalsWrittenDuring(declared, findFunction(module, "direct"), leafHostImports(module)),
    "all",
  );
});
