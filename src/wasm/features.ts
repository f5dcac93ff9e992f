/**
 * What the host's WebAssembly engine can run beyond the MVP features every tier uses,
 * detected once per thread by validating a tiny module (never assumed from a version).
 */

import { Type } from "../ir/types.js";
import { encodeModule } from "./encoder.js";
import { SIMD_PREFIX, VALTYPE } from "./opcodes.js";

let simd: boolean | null = null;

/** Whether the host runs 128-bit SIMD (Tier 2's `vectorize` makes f64x2 code only then). */
export function hostSupportsSimd(): boolean {
  if (simd !== null) return simd;
  const F64X2_SPLAT = 0x14;
  // (func (param f64) (result v128) (f64x2.splat (local.get 0)))
  const bytes = encodeModule({
    types: [{ params: [VALTYPE[Type.F64]!], results: [VALTYPE[Type.F64x2]!] }],
    functions: [0],
    exports: [],
    bodies: [{ locals: [], code: Uint8Array.from([0x20, 0, SIMD_PREFIX, F64X2_SPLAT, 0x0b]) }],
  });
  simd = WebAssembly.validate(bytes);
  return simd;
}
