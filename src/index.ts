/** The public API of tierjit. */

export { BufferSink, type OutputSink, standardHostFunctions, withStandardHost } from "./engine/host.js";
export * from "./ir/host-abi.js";
export * from "./ir/index.js";
export * from "./ir/wire.js";
