/** The IR: data structures, builder, verifier, text format, interpreter, worker form. */
export * from "./arguments.js";
export * from "./builder.js";
export * from "./dominance.js";
export * from "./interpreter.js";
export * from "./ir.js";
export * from "./numeric.js";
export * from "./ops.js";
export * from "./parser.js";
export * from "./printer.js";
export * from "./trap.js";
export * from "./types.js";
export * from "./verifier.js";
