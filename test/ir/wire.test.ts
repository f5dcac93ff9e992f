import assert from "node:assert/strict";
import { test } from "node:test";
import { MessageChannel, receiveMessageOnPort, Worker } from "node:worker_threads";
import { randomModule } from "../../src/cli/fuzz/generate.js";
import { parseModule } from "../../src/ir/parser.js";
import { printFunction } from "../../src/ir/printer.js";
import { fromWire, toWire, WIRE_VERSION } from "../../src/ir/wire.js";

test("a module survives structured clone exactly (i64 bigints, data bytes, -0, NaN)", () => {
  for (let seed = 1; seed <= 50; seed++) {
    const module = randomModule(seed);
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(toWire(module));
    const received = fromWire(receiveMessageOnPort(port2)!.message);
    port1.close();
    assert.deepEqual(received.module, { ...module, data: [] }, `seed ${seed}`);
  }
});

test("a unit keeps indices but carries only the bodies asked for", () => {
  const module = randomModule(7, { functions: 3 });
  const wire = toWire(module, [1]);
  assert.equal(wire.module.functions.length, 0, "declarations travel packed, not as objects");
  assert.deepEqual(wire.bodyFunctions, [module.functions[1]]);
  const unit = fromWire(structuredClone(wire));
  assert.deepEqual(unit.bodies, [1]);
  assert.equal(unit.module.functions.length, 3);
  assert.equal(unit.module.functions[0]!.blocks.length, 0);
  assert.equal(unit.module.functions[2]!.blocks.length, 0);
  assert.deepEqual(unit.module.functions[1], module.functions[1]);
  for (const i of [0, 2]) {
    const { name, params, results, exported } = module.functions[i]!;
    assert.deepEqual(unit.module.functions[i], { name, params, results, exported, blocks: [], loc: -1 });
  }
});

test("a unit from another format version is refused with a clear message", () => {
  const unit = { ...toWire(randomModule(3)), version: WIRE_VERSION + 1 };
  assert.throws(
    () => fromWire(unit),
    new RegExp(`IR unit version ${WIRE_VERSION + 1} is not supported \\(expected ${WIRE_VERSION}\\)`),
  );
  assert.throws(() => fromWire({ hello: 1 }), /not a tierjit IR unit/);
  assert.throws(() => fromWire({ ...toWire(randomModule(3)), bodies: [99] }), /IR unit is malformed/);
  const one = toWire(randomModule(3), [0]);
  assert.throws(() => fromWire({ ...one, bodies: [99] }), /names function #99/);
  assert.throws(
    () => fromWire({ ...one, declarations: { ...one.declarations, signatures: new Uint8Array(2) } }),
    /IR unit is malformed/,
  );
});

test("a worker thread receives a unit, verifies it and runs it", async () => {
  const module = parseModule(`func @sq(i32) -> i32 {
block0(v0: i32):
  v1:i32 = mul v0, v0
  return v1
}
export func @main(i32) -> i32 {
block0(v0: i32):
  v1:i32 = call @sq(v0)
  return v1
}
`);
  const worker = new Worker(new URL("../support/wire-worker.js", import.meta.url));
  try {
    const reply = await new Promise<{ ok: boolean; errors: number; text: string[]; result: unknown }>(
      (resolve, reject) => {
        worker.once("message", resolve);
        worker.once("error", reject);
        worker.postMessage({ unit: toWire(module), call: [1, [12]] });
      },
    );
    assert.equal(reply.ok, true);
    assert.equal(reply.errors, 0);
    assert.equal(reply.result, 144);
    assert.deepEqual(reply.text, [
      printFunction(module, module.functions[0]!),
      printFunction(module, module.functions[1]!),
    ]);
  } finally {
    await worker.terminate();
  }
});
