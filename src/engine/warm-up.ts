/**
 * A Tier 2 compile of a small function, run by each worker once Binaryen has loaded and
 * before its first job: the first -O3 in a fresh thread pays for warming Binaryen's and
 * our own code (measured on fib: 115 ms cold, 25–35 ms warm), and that should not land
 * on the first hot function's tier-up latency.
 */

import { parseModule } from "../ir/parser.js";
import { runPasses } from "../opt/pass.js";
import { type Binaryen, compileTier2 } from "../wasm/tier2.js";
import { PIPELINES } from "./pipelines.js";

// a loop, a call, a trap check, i32 and f64 arithmetic: the paths real functions take
const WARM_UP_PROGRAM = `
memory 1
export func @main(i32) -> i32 {
block0(v0: i32):
  v1:i32 = const 0
  jump block1(v1, v1)
block1(v2: i32, v3: i32):
  v4:i32 = lt_s v2, v0
  br_if v4, block2, block3
block2:
  v5:i32 = call @step(v3, v2)
  v6:i32 = const 1
  v7:i32 = add v2, v6
  jump block1(v7, v5)
block3:
  return v3
}

func @step(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
  v2:i32 = load v1 offset=8
  v3:f64 = convert_s v2
  v4:f64 = const 0.5
  v5:f64 = mul v3, v4
  v6:i32 = trunc_sat_s v5
  v7:i32 = div_s v0, v1
  v8:i32 = add v6, v7
  return v8
}
`;

export function warmUpTier2(binaryen: Binaryen): void {
  const module = parseModule(WARM_UP_PROGRAM, "<warm-up>");
  runPasses(module.functions[0]!, module, PIPELINES[2].passes);
  compileTier2(binaryen, module, 0, "warm_up", PIPELINES[2].compilationHint);
}
