/** The engine modes `tierjit fuzz` compares with the interpreter (apart from run.ts, so the CLI loads the fuzzer only when it fuzzes). */
export const FUZZ_MODES = ["tier0", "tier1", "tier2", "tiered-dev", "tiered-prod", "stress"] as const;
export type FuzzMode = (typeof FUZZ_MODES)[number];
