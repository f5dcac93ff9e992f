/** Test worker: receives an IR unit, checks it, and answers with the verifier's verdict and a call result. */
import { parentPort } from "node:worker_threads";
import { Interpreter } from "../../src/ir/interpreter.js";
import { printFunction } from "../../src/ir/printer.js";
import { verifyFunction } from "../../src/ir/verifier.js";
import { fromWire } from "../../src/ir/wire.js";

parentPort!.on("message", (message: { unit: unknown; call?: [number, number[]] }) => {
  try {
    const unit = fromWire(message.unit);
    const errors = unit.bodies.flatMap((id) => verifyFunction(unit.module, unit.module.functions[id]!));
    const text = unit.bodies.map((id) => printFunction(unit.module, unit.module.functions[id]!));
    let result: unknown;
    if (message.call !== undefined)
      result = new Interpreter(unit.module).call(message.call[0], message.call[1]);
    parentPort!.postMessage({ ok: true, errors: errors.length, text, result });
  } catch (error) {
    parentPort!.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) });
  }
});
