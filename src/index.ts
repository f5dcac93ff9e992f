/** The public API of tierjit. */

export { type BackendOptions, TieredBackend } from "./engine/backend.js";
export { ProfileConfig, TieredConfig, type TierNumber } from "./engine/config.js";
export { BufferSink, type OutputSink, standardHostFunctions, withStandardHost } from "./engine/host.js";
export type { FaultKind } from "./engine/jobs.js";
export { Statistics } from "./engine/stats.js";
export * from "./ir/host-abi.js";
export * from "./ir/index.js";
export * from "./ir/wire.js";
export { compileTj } from "./lang/compile.js";
