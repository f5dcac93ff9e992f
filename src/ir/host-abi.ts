/**
 * The standard host interface: host functions that every tierjit embedding provides under
 * the import module `tj`, with fixed signatures. TJ's builtins lower to calls of these
 * (lang/), the engine's standard host implements them (engine/host.ts), and hand-written
 * IR may import them too. It lives in ir/ because both sides depend on it and ir/ is the
 * one layer they share.
 */

import { Type } from "./types.js";

export const STANDARD_HOST_MODULE = "tj";

export interface HostAbiEntry {
  field: string;
  params: Type[];
  results: Type[];
}

export const STANDARD_HOST: readonly HostAbiEntry[] = [
  { field: "print_i32", params: [Type.I32], results: [] },
  { field: "print_i64", params: [Type.I64], results: [] },
  { field: "print_f64", params: [Type.F64], results: [] },
  { field: "print_bool", params: [Type.I32], results: [] },
  /** (address, byte length) of UTF-8 text in linear memory. */
  { field: "print_str", params: [Type.I32, Type.I32], results: [] },
  { field: "print_fixed", params: [Type.F64, Type.I32], results: [] },
  /** f64 remainder with the sign of the dividend (C's fmod; JavaScript's `%`). */
  { field: "fmod", params: [Type.F64, Type.F64], results: [Type.F64] },
];
