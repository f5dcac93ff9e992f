/**
 * Differential testing of Tier 0 against the reference interpreter on generated IR: the
 * result or trap, every host call with its arguments, the final globals and the final
 * memory must be identical.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { TieredBackend } from "../../src/engine/backend.js";
import { TieredConfig } from "../../src/engine/config.js";
import { WasmRuntime } from "../../src/engine/runtime.js";
import { Interpreter } from "../../src/ir/interpreter.js";
import type { Module } from "../../src/ir/ir.js";
import type { Scalar } from "../../src/ir/numeric.js";
import { printModule } from "../../src/ir/printer.js";
import { TrapError } from "../../src/ir/trap.js";
import { Type } from "../../src/ir/types.js";
import { formatScalar, randomHost, randomModule } from "../support/random-ir.js";

interface Outcome {
  result: string;
  log: string[];
  globals: string[];
  memory: string;
}

function argsFor(module: Module): Scalar[] {
  return module.functions[0]!.params.map((t, i) =>
    t === Type.I64 ? BigInt(i * 977 - 13) : t === Type.I32 ? i * 31 - 5 : i * 1.25 - 0.5,
  );
}

function digest(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex").slice(0, 16);
}

function onInterpreter(module: Module): Outcome {
  const log: string[] = [];
  let interp: Interpreter | undefined;
  let result: string;
  try {
    interp = new Interpreter(module, { imports: randomHost(module, log) });
    result = formatScalar(interp.call(0, argsFor(module)));
  } catch (error) {
    if (!(error instanceof TrapError)) throw error;
    result = `trap: ${error.message}`;
  }
  return {
    result,
    log,
    globals: interp === undefined ? [] : interp.globals.map(formatScalar),
    memory: interp === undefined ? "" : digest(interp.memory),
  };
}

function onTier0(module: Module): Outcome {
  const log: string[] = [];
  let runtime: WasmRuntime | undefined;
  let result: string;
  try {
    runtime = WasmRuntime.instantiate(module, { imports: randomHost(module, log) });
    result = formatScalar(runtime.call(0, argsFor(module)));
  } catch (error) {
    if (!(error instanceof TrapError)) throw error;
    result = `trap: ${error.message}`;
  }
  return {
    result,
    log,
    globals:
      runtime === undefined
        ? []
        : runtime.globals.map((g, i) =>
            formatScalar(module.globals[i]!.type === Type.F32 ? Math.fround(g.value) : g.value),
          ),
    memory: runtime === undefined ? "" : digest(runtime.memoryBytes()),
  };
}

test("Tier 0 agrees with the interpreter on 400 generated modules", () => {
  let traps = 0;
  for (let seed = 1; seed <= 400; seed++) {
    const module = randomModule(seed);
    const expected = onInterpreter(module);
    const actual = onTier0(module);
    if (expected.result.startsWith("trap")) traps++;
    assert.deepEqual(actual, expected, `seed ${seed}\n${printModule(module)}`);
  }
  // the generator must exercise both paths
  assert.ok(traps > 20 && traps < 380, `traps in ${traps} of 400`);
});

/** Through the engine: `main` called 12 times, so that functions tier up between and during calls. */
let installs = 0;

async function onEngine(module: Module, pinnedTier: 0 | 1 | 2 | null): Promise<Outcome[]> {
  const config = TieredConfig.development();
  config.verbosity = 0;
  config.enableBackgroundOptimization = false;
  config.pinnedTier = pinnedTier;
  const log: string[] = [];
  const backend = await TieredBackend.create(config, { imports: randomHost(module, log) });
  try {
    backend.compileModule(module);
  } catch (error) {
    if (!(error instanceof TrapError)) throw error;
    await backend.shutdown();
    return [{ result: `trap: ${error.message}`, log, globals: [], memory: "" }];
  }
  const outcomes: Outcome[] = [];
  for (let call = 0; call < 12; call++) {
    let result: string;
    try {
      result = formatScalar(backend.getFunction(module.functions[0]!.name)(...argsFor(module)));
    } catch (error) {
      if (!(error instanceof TrapError)) throw error;
      result = `trap: ${error.message}`;
    }
    outcomes.push({ result, log: [...log], globals: [], memory: digest(backend.memory()) });
  }
  installs += backend.getStatistics().installs;
  await backend.shutdown();
  return outcomes;
}

/** The interpreter's outcomes for the same 12 calls (state carries over between calls). */
function onInterpreterRepeated(module: Module): Outcome[] {
  const log: string[] = [];
  let interp: Interpreter;
  try {
    interp = new Interpreter(module, { imports: randomHost(module, log) });
  } catch (error) {
    if (!(error instanceof TrapError)) throw error;
    return [{ result: `trap: ${error.message}`, log, globals: [], memory: "" }];
  }
  const outcomes: Outcome[] = [];
  for (let call = 0; call < 12; call++) {
    let result: string;
    try {
      result = formatScalar(interp.call(0, argsFor(module)));
    } catch (error) {
      if (!(error instanceof TrapError)) throw error;
      result = `trap: ${error.message}`;
    }
    outcomes.push({ result, log: [...log], globals: [], memory: digest(interp.memory) });
  }
  return outcomes;
}

test("the engine (pinned T0, T1, T2, and tiered) agrees with the interpreter over 12 calls of 150 generated modules", async () => {
  for (let seed = 1; seed <= 150; seed++) {
    const module = randomModule(seed);
    const expected = onInterpreterRepeated(module);
    for (const pinned of [0, 1, 2, null] as const) {
      const actual = await onEngine(module, pinned);
      assert.deepEqual(actual, expected, `seed ${seed}, pinned tier ${pinned}\n${printModule(module)}`);
    }
  }
  // tiered runs must really have switched code between and during calls
  assert.ok(installs > 150, `only ${installs} installs`);
});
