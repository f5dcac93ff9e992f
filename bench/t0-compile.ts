/**
 * Tier 0 compile throughput: µs per function and ns per IR instruction of our code
 * generator (IR → Wasm bytes), and of V8 accepting the bytes (`new WebAssembly.Module`,
 * which is lazy: Liftoff compiles each function at its first call). Measured in-process
 * after warm-up; the median of several repetitions.
 *
 *   node dist/bench/t0-compile.js
 */
import type { Module } from "../src/ir/ir.js";
import { compileTj } from "../src/lang/compile.js";
import { compileModule } from "../src/wasm/compile-module.js";
import { startupProgram } from "./startup-program.js";
import { median } from "./util.js";

function instructionCount(module: Module): number {
  let count = 0;
  for (const fn of module.functions) for (const block of fn.blocks) count += block.insts.length + 1;
  return count;
}

export function measureT0Compile(functions: number, repetitions: number): Record<string, number> {
  const compiled = compileTj(startupProgram(functions), "startup.tj");
  if (!compiled.ok) throw new Error("the start-up program does not compile");
  const module = compiled.module;
  const instructions = instructionCount(module);
  for (let i = 0; i < 3; i++) compileModule(module, { moduleName: `warm${i}`, base: true });
  const codegen: number[] = [];
  const v8: number[] = [];
  for (let i = 0; i < repetitions; i++) {
    const t0 = performance.now();
    const result = compileModule(module, { moduleName: `m${i}`, base: true });
    const t1 = performance.now();
    new WebAssembly.Module(result.bytes);
    const t2 = performance.now();
    codegen.push(t1 - t0);
    v8.push(t2 - t1);
  }
  const ms = median(codegen);
  return {
    functions: module.functions.length,
    instructions,
    codegenMs: ms,
    usPerFunction: (ms * 1000) / module.functions.length,
    nsPerInstruction: (ms * 1e6) / instructions,
    v8ModuleMs: median(v8),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(
    "| functions | IR instructions | T0 codegen (ms) | µs / function | ns / instruction | V8 module (ms) |",
  );
  console.log("| ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const n of [1000, 10000]) {
    const r = measureT0Compile(n, n > 5000 ? 5 : 11);
    console.log(
      `| ${r.functions} | ${r.instructions} | ${r.codegenMs!.toFixed(1)} | ${r.usPerFunction!.toFixed(2)} | ${r.nsPerInstruction!.toFixed(0)} | ${r.v8ModuleMs!.toFixed(1)} |`,
    );
  }
}
