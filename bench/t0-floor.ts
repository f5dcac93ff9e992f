/**
 * The floor under Tier 0's compile-to-first-result (bench/t0-startup.ts): what a run of
 * `tierjit run --tier 0` costs before any of our compiler's work, in a fresh process each
 * time, for the generated 1 000-function program against the trivial one.
 *
 * - read: `readFileSync` of the program as a string (its UTF-8 decoded);
 * - scan: one loop that reads each character of it once (counting lines and XOR-ing the
 *   codes): the least that any compiler must do with its input, run as cold as the
 *   compiler's own code runs;
 * - V8: `new WebAssembly.Module` and `new WebAssembly.Instance` of the code that the real
 *   `tierjit run --tier 0` makes for the program, with V8's lazy compilation off so that
 *   the module's time includes Liftoff compiling every function (the program's own run is
 *   then ~1 ms).
 *
 * Beside it, for scale: the JavaScript parser that Node ships (acorn, reachable with
 * `--expose-internals`; the row is left out where it is not) parsing the program's TJ text
 * with its type annotations removed, in a fresh process, cold, and once more in the same
 * process.
 *
 * And our own compiler's work for the 1k program once V8 has optimized it: front end (IR
 * parse and verify for `.tir`; lex, parse, check, lower and verify for `.tj`) and Tier 0
 * code generation, the fastest of several runs in one process after warm-up.
 *
 * The figures over trivial are a floor: an engine that did nothing else would still take
 * that long. The child process measures its own input first, then runs the CLI with
 * `WebAssembly.Module` and `WebAssembly.Instance` wrapped to time them.
 *
 *   node dist/bench/t0-floor.js [runs]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { parseModule } from "../src/ir/parser.js";
import { verify } from "../src/ir/verifier.js";
import { compileTj } from "../src/lang/compile.js";
import { compileModule } from "../src/wasm/compile-module.js";
import { writeStartupPrograms } from "./startup-program.js";
import { median } from "./util.js";

const SELF = fileURLToPath(import.meta.url);
const REPORT_LINE = "t0-floor: ";

interface FloorParts {
  read: number;
  scan: number;
  v8: number;
}

/** Child mode: measures one cold run and reports it on stderr as it exits. */
async function measureChild(file: string): Promise<void> {
  const readStart = performance.now();
  const text = readFileSync(file, "utf8");
  const scanStart = performance.now();
  // Small-integer operations only: a multiplying hash would allocate a heap number per
  // character while the loop runs in V8's interpreter.
  let checksum = 0;
  let lines = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 10) lines++;
    checksum ^= code;
  }
  const scanEnd = performance.now();
  const parts: FloorParts = { read: scanStart - readStart, scan: scanEnd - scanStart, v8: 0 };

  setFlagsFromString("--no-wasm-lazy-compilation");
  // Subclasses, so that `new` and the static methods behave as before; a derived
  // constructor may run code before `super` as long as it does not touch `this`.
  class TimedModule extends WebAssembly.Module {
    constructor(bytes: BufferSource) {
      const start = performance.now();
      super(bytes);
      parts.v8 += performance.now() - start;
    }
  }
  class TimedInstance extends WebAssembly.Instance {
    constructor(module: WebAssembly.Module, imports?: WebAssembly.Imports) {
      const start = performance.now();
      super(module, imports);
      parts.v8 += performance.now() - start;
    }
  }
  WebAssembly.Module = TimedModule;
  WebAssembly.Instance = TimedInstance;

  const { main } = await import("../src/cli/main.js");
  const status = await main(["run", "--tier", "0", file]);
  if (status !== 0) throw new Error(`${file}: exit status ${status}`);
  process.stderr.write(`${REPORT_LINE}${JSON.stringify({ ...parts, checksum, lines })}\n`);
}

interface AcornParse {
  cold: number;
  again: number;
}

/** Child mode with `--expose-internals`: acorn parsing a TJ file as JavaScript. */
async function measureAcornChild(file: string): Promise<void> {
  const { createRequire } = await import("node:module");
  const acorn = createRequire(import.meta.url)("internal/deps/acorn/acorn/dist/acorn") as {
    parse(text: string, options: { ecmaVersion: "latest"; sourceType: "module" }): unknown;
  };
  const text = readFileSync(file, "utf8").replace(/:\s*(i32|i64|f32|f64|bool)\b/g, "");
  const options = { ecmaVersion: "latest", sourceType: "module" } as const;
  const start = performance.now();
  acorn.parse(text, options);
  const middle = performance.now();
  acorn.parse(text, options);
  const end = performance.now();
  process.stderr.write(`${REPORT_LINE}${JSON.stringify({ cold: middle - start, again: end - middle })}\n`);
}

function runChild<T>(flags: string[], mode: string, file: string): T | undefined {
  const result = spawnSync(process.execPath, [...flags, SELF, mode, file], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  const line = result.stderr.split("\n").find((text) => text.startsWith(REPORT_LINE));
  if (result.status !== 0 || line === undefined) return undefined;
  return JSON.parse(line.slice(REPORT_LINE.length)) as T;
}

/** Front end and Tier 0 code generation of `file`, warm: the fastest of `runs` after warm-up. */
function measureWarm(file: string, runs: number): { front: number; codegen: number } {
  const text = readFileSync(file, "utf8");
  let front = Number.POSITIVE_INFINITY;
  let codegen = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs + 3; i++) {
    const start = performance.now();
    let module: ReturnType<typeof parseModule>;
    if (file.endsWith(".tir")) {
      module = parseModule(text, file);
      if (verify(module, true).length > 0) throw new Error(`${file} does not verify`);
    } else {
      const compiled = compileTj(text, file);
      if (!compiled.ok) throw new Error(`${file} does not compile`);
      module = compiled.module;
    }
    const middle = performance.now();
    compileModule(module, { moduleName: `warm${i}`, base: true });
    const end = performance.now();
    if (i >= 3) {
      front = Math.min(front, middle - start);
      codegen = Math.min(codegen, end - middle);
    }
  }
  return { front, codegen };
}

function measureAll(runs: number): void {
  const dir = mkdtempSync(join(tmpdir(), "tierjit-floor-"));
  const files = writeStartupPrograms(dir, [1000]);
  const samples: Record<string, FloorParts[]> = {};
  for (const key of Object.keys(files)) samples[key] = [];
  for (let i = 0; i < runs; i++) {
    for (const [key, file] of Object.entries(files)) {
      const parts = runChild<FloorParts>([], "--child", file);
      if (parts === undefined) throw new Error(`${file}: the measuring run failed`);
      samples[key]!.push(parts);
    }
  }
  const acornRuns: AcornParse[] = [];
  for (let i = 0; i < runs; i++) {
    const parse = runChild<AcornParse>(["--expose-internals"], "--acorn", files["1k.tj"]!);
    if (parse !== undefined) acornRuns.push(parse);
  }
  console.log("| program | input | read (ms) | scan (ms) | V8 (ms) | sum | sum minus trivial (ms) |");
  console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
  const floors: Record<string, number> = {};
  for (const ext of ["tir", "tj"]) {
    const sums: Record<string, number> = {};
    for (const name of ["trivial", "1k"]) {
      const runsOf = samples[`${name}.${ext}`]!;
      const read = median(runsOf.map((run) => run.read));
      const scan = median(runsOf.map((run) => run.scan));
      const v8 = median(runsOf.map((run) => run.v8));
      sums[name] = median(runsOf.map((run) => run.read + run.scan + run.v8));
      if (name !== "trivial") floors[ext] = sums[name]! - sums.trivial!;
      const over = name === "trivial" ? "—" : floors[ext]!.toFixed(1);
      console.log(
        `| ${name} | .${ext} | ${read.toFixed(1)} | ${scan.toFixed(1)} | ${v8.toFixed(1)} | ${sums[name]!.toFixed(1)} | ${over} |`,
      );
    }
  }
  console.log(
    "\n| input | front end, warm (ms) | Tier 0 codegen, warm (ms) | floor over trivial + both (ms) |",
  );
  console.log("| --- | ---: | ---: | ---: |");
  for (const ext of ["tir", "tj"]) {
    const warm = measureWarm(files[`1k.${ext}`]!, runs);
    const floor = floors[ext]!;
    console.log(
      `| .${ext} | ${warm.front.toFixed(1)} | ${warm.codegen.toFixed(1)} | ${(floor + warm.front + warm.codegen).toFixed(1)} |`,
    );
  }
  if (acornRuns.length > 0) {
    const cold = median(acornRuns.map((run) => run.cold));
    const again = median(acornRuns.map((run) => run.again));
    console.log(
      `\nacorn parsing the 1k program's TJ text as JavaScript: ${cold.toFixed(1)} ms cold, ${again.toFixed(1)} ms again`,
    );
  }
}

if (process.argv[2] === "--child") await measureChild(process.argv[3]!);
else if (process.argv[2] === "--acorn") await measureAcornChild(process.argv[3]!);
else measureAll(Number(process.argv[2] ?? 7));
