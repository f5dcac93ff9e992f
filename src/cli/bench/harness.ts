/**
 * `tierjit bench`: runs the suite (suite.ts) in several modes side by side, each as several
 * fresh process executions of many in-process iterations (child.ts; the C twins through
 * their own loop in harness.h), checks that every mode printed the same output, and writes
 * results.json, summary.md (the tables) and SVG plots (warm-up curves, steady-state ratios)
 * to the output directory. Method: docs/benchmarks.md.
 */

import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import cliProgress from "cli-progress";
import { packagePath } from "../paths.js";
import { analyzeExecution, type Estimate, estimate, median, ratio } from "./analysis.js";
import type { ChildReport } from "./child.js";
import { startupC, startupJs, startupTj } from "./startup.js";
import { type BenchMode, type BenchProgram, programsDir, SUITE } from "./suite.js";
import { ratioBars, warmupPlot } from "./svg.js";

export interface BenchOptions {
  /** Program names; empty for the whole suite. */
  names: readonly string[];
  modes: readonly BenchMode[];
  quick: boolean;
  outDir: string;
  processes?: number;
  iterations?: number;
  /** The mode ratios are taken against (default: c when available, else js). */
  baseline?: BenchMode;
  /** Report lines (tables, notes). */
  print: (text: string) => void;
  /** Draw a progress bar on stderr. */
  progress: boolean;
}

export interface ModeResult {
  executions: ChildReport[];
  /** Why the mode has no figures for this program (skipped or failed), or null. */
  problem: string | null;
}

export interface ProgramResult {
  program: BenchProgram;
  size: number;
  modes: Partial<Record<BenchMode, ModeResult>>;
  /** Every mode printed the same output. */
  outputsAgree: boolean;
}

const GCC_FLAGS = ["-O3", "-ffp-contract=off"];
const CHILD_TIMEOUT_MS = 10 * 60_000;

export function selectPrograms(names: readonly string[], quick: boolean): BenchProgram[] {
  if (names.length === 0) return SUITE.filter((p) => !quick || p.inQuick !== false);
  return names.map((name) => {
    const program = SUITE.find((p) => p.name === name);
    if (program === undefined) {
      throw new Error(`unknown benchmark '${name}' (benchmarks: ${SUITE.map((p) => p.name).join(", ")})`);
    }
    return program;
  });
}

function gccAvailable(): boolean {
  const probe = spawnSync("gcc", ["--version"], { stdio: "ignore" });
  return probe.status === 0;
}

/** Source files of a program in each language (generated ones written into `dir`). */
function sources(program: BenchProgram, dir: string): { tj: string; js: string; c: string } {
  if (program.startupFunctions === undefined) {
    const base = join(programsDir(), program.name);
    return { tj: `${base}.tj`, js: `${base}.js`, c: `${base}.c` };
  }
  const base = join(dir, program.name);
  writeFileSync(`${base}.tj`, startupTj(program.startupFunctions));
  writeFileSync(`${base}.js`, startupJs(program.startupFunctions));
  writeFileSync(`${base}.c`, startupC(program.startupFunctions));
  return { tj: `${base}.tj`, js: `${base}.js`, c: `${base}.c` };
}

function run(
  command: string,
  args: string[],
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], timeout: CHILD_TIMEOUT_MS });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("close", (status) => done({ status, stdout, stderr }));
    child.on("error", (error) => done({ status: -1, stdout, stderr: String(error) }));
  });
}

async function execute(
  mode: BenchMode,
  files: { tj: string; js: string; c: string },
  binary: string | null,
  size: number,
  iterations: number,
): Promise<ChildReport | string> {
  if (mode === "c") {
    if (binary === null) return "no binary";
    const result = await run(binary, [String(size), String(iterations)]);
    if (result.status !== 0) return `exit ${result.status}: ${result.stderr.trim()}`;
    const iterationMs = [...result.stderr.matchAll(/^iteration ([\d.]+)$/gm)].map((m) => Number(m[1]));
    return { output: result.stdout, compileMs: 0, firstResultMs: iterationMs[0] ?? 0, iterationMs };
  }
  // a process of its own, which loads the modules as tsc writes them
  const childPath = packagePath("dist/src/cli/bench/child.js");
  const file = mode === "js" ? files.js : files.tj;
  const result = await run(process.execPath, [childPath, mode, file, String(size), String(iterations)]);
  if (result.status !== 0) return `exit ${result.status}: ${result.stderr.trim().split("\n")[0]}`;
  return JSON.parse(result.stdout) as ChildReport;
}

export async function runBench(options: BenchOptions): Promise<{ ok: boolean; results: ProgramResult[] }> {
  const programs = selectPrograms(options.names, options.quick);
  const processes = options.processes ?? (options.quick ? 2 : 3);
  const iterations = options.iterations ?? (options.quick ? 5 : 20);
  const outDir = resolve(options.outDir);
  const srcDir = join(outDir, "src");
  const binDir = join(outDir, "bin");
  mkdirSync(srcDir, { recursive: true });
  mkdirSync(binDir, { recursive: true });
  const hasGcc = options.modes.includes("c") && gccAvailable();
  if (options.modes.includes("c") && !hasGcc) options.print("note: gcc not found: the c column is skipped");
  const baseline =
    options.baseline ?? (hasGcc ? "c" : options.modes.includes("js") ? "js" : options.modes[0]!);

  const results: ProgramResult[] = [];
  const files = new Map<string, { tj: string; js: string; c: string }>();
  const binaries = new Map<string, string | null>();
  for (const program of programs) {
    const programFiles = sources(program, srcDir);
    files.set(program.name, programFiles);
    const modes: Partial<Record<BenchMode, ModeResult>> = {};
    for (const mode of options.modes) modes[mode] = { executions: [], problem: null };
    if (modes.c !== undefined) {
      if (!hasGcc) modes.c.problem = "skipped: gcc not found";
      else {
        const binary = join(binDir, program.name);
        const compiled = spawnSync(
          "gcc",
          [...GCC_FLAGS, `-I${programsDir()}`, "-o", binary, programFiles.c, "-lm"],
          { encoding: "utf8" },
        );
        if (compiled.status === 0) binaries.set(program.name, binary);
        else modes.c.problem = `gcc failed: ${compiled.stderr.trim().split("\n")[0]}`;
      }
    }
    const size = options.quick ? program.size.quick : program.size.full;
    results.push({ program, size, modes, outputsAgree: true });
  }

  const total = processes * programs.length * options.modes.length;
  const bar = options.progress
    ? new cliProgress.SingleBar(
        { format: "bench [{bar}] {value}/{total} {task}", stream: process.stderr, hideCursor: true },
        cliProgress.Presets.shades_classic,
      )
    : null;
  bar?.start(total, 0, { task: "" });
  // process executions interleaved (all programs and modes once, then again), so that a
  // slow drift of the machine spreads over every mode instead of biasing one
  for (let p = 0; p < processes; p++) {
    for (const result of results) {
      for (const mode of options.modes) {
        const entry = result.modes[mode]!;
        bar?.increment(0, { task: `${result.program.name} ${mode}` });
        if (entry.problem === null) {
          const report = await execute(
            mode,
            files.get(result.program.name)!,
            binaries.get(result.program.name) ?? null,
            result.size,
            iterations,
          );
          if (typeof report === "string") entry.problem = `failed: ${report}`;
          else entry.executions.push(report);
        }
        bar?.increment(1);
      }
    }
  }
  bar?.stop();

  let ok = true;
  for (const result of results) {
    const outputs = new Set(
      Object.values(result.modes).flatMap((m) => (m?.executions ?? []).map((e) => e.output.trimEnd())),
    );
    result.outputsAgree = outputs.size <= 1;
    if (!result.outputsAgree) ok = false;
    for (const m of Object.values(result.modes)) if (m?.problem?.startsWith("failed") === true) ok = false;
  }
  writeReports(
    outDir,
    results,
    options.modes,
    baseline,
    { processes, iterations, quick: options.quick },
    options.print,
  );
  return { ok, results };
}

interface Summary {
  steady: Estimate;
  firstResultMs: number;
  timeToSteadyMs: number;
  classifications: string;
}

function summarize(mode: ModeResult | undefined): Summary | null {
  if (mode === undefined || mode.executions.length === 0) return null;
  const analyses = mode.executions.map((e) => analyzeExecution(e.iterationMs, e.compileMs));
  const counts = new Map<string, number>();
  for (const a of analyses) counts.set(a.classification, (counts.get(a.classification) ?? 0) + 1);
  return {
    steady: estimate(analyses.map((a) => a.steadyMs)),
    firstResultMs: median(mode.executions.map((e) => e.firstResultMs)),
    timeToSteadyMs: median(analyses.map((a) => a.timeToSteadyMs)),
    classifications: [...counts].map(([c, n]) => (counts.size === 1 ? c : `${n} ${c}`)).join(", "),
  };
}

function ms(value: number): string {
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function times(value: number): string {
  return `${value >= 10 ? value.toFixed(1) : value.toFixed(2)}×`;
}

function geomean(values: readonly number[]): number {
  return Math.exp(values.reduce((sum, v) => sum + Math.log(v), 0) / values.length);
}

function writeReports(
  outDir: string,
  results: readonly ProgramResult[],
  modes: readonly BenchMode[],
  baseline: BenchMode,
  method: { processes: number; iterations: number; quick: boolean },
  print: (text: string) => void,
): void {
  const summaries = results.map((r) => modes.map((m) => summarize(r.modes[m])));
  const baseIndex = modes.indexOf(baseline);
  const header = `| program | ${modes.join(" | ")} |\n| --- | ${modes.map(() => "---").join(" | ")} |`;
  const problemCell = (r: ProgramResult, m: BenchMode): string => r.modes[m]?.problem ?? "—";
  const table = (cell: (s: Summary, base: Summary | null) => string): string[] =>
    results.map((r, i) => {
      const base = baseIndex < 0 ? null : (summaries[i]![baseIndex] ?? null);
      const cells = modes.map((m, k) => {
        const s = summaries[i]![k];
        return s === null || s === undefined ? problemCell(r, m) : cell(s, base);
      });
      const flag = r.outputsAgree ? "" : " (OUTPUTS DIFFER)";
      return `| ${r.program.name}${flag} | ${cells.join(" | ")} |`;
    });
  const steadyRows = table((s, base) => {
    const ci = Number.isNaN(s.steady.ci95) ? "" : ` ±${ms(s.steady.ci95)}`;
    const rel = base === null ? "" : ` (${times(ratio(s.steady, base.steady).mean)})`;
    return `${ms(s.steady.mean)}${ci}${rel}`;
  });
  const kernels = results
    .map((r, i) => ({ r, i }))
    .filter(({ r }) => r.program.startupFunctions === undefined);
  const geo = modes.map((_m, k) => {
    if (baseIndex < 0) return "";
    const ratios = kernels
      .map(({ i }) => {
        const s = summaries[i]![k];
        const base = summaries[i]![baseIndex];
        return s && base ? s.steady.mean / base.steady.mean : null;
      })
      .filter((v): v is number => v !== null);
    return ratios.length === kernels.length && ratios.length > 0 ? times(geomean(ratios)) : "—";
  });
  const firstRows = table((s, base) => {
    const rel =
      base === null || base.firstResultMs <= 0 ? "" : ` (${times(s.firstResultMs / base.firstResultMs)})`;
    return `${ms(s.firstResultMs)}${rel}`;
  });
  const warmRows = table((s) => `${ms(s.timeToSteadyMs)}, ${s.classifications}`);
  const sizes = results.map((r) => `${r.program.name} ${r.size}`).join(", ");
  const md = [
    `Method: ${method.processes} process executions × ${method.iterations} in-process iterations per program and mode${method.quick ? " (--quick)" : ""}; sizes: ${sizes}. Ratios are to \`${baseline}\`.`,
    "",
    "Steady state: ms per iteration, mean over executions ± 95% CI (ratio to baseline)",
    "",
    header,
    ...steadyRows,
    `| geomean of kernels | ${geo.join(" | ")} |`,
    "",
    "Time to first result: ms from loading the program to the end of the first iteration, median (ratio to baseline; c: the first iteration only, compiled ahead of time)",
    "",
    header,
    ...firstRows,
    "",
    "Warm-up: ms until the first steady iteration (compile included), median; how executions behaved",
    "",
    header,
    ...warmRows,
    "",
  ].join("\n");
  writeFileSync(join(outDir, "summary.md"), md);
  writeFileSync(
    join(outDir, "results.json"),
    `${JSON.stringify({ method, baseline, modes, results }, null, 1)}\n`,
  );
  for (const r of results) {
    const series = modes
      .map((m) => {
        const executions = r.modes[m]?.executions ?? [];
        if (executions.length === 0) return null;
        const length = Math.min(...executions.map((e) => e.iterationMs.length));
        const values = Array.from({ length }, (_, i) => median(executions.map((e) => e.iterationMs[i]!)));
        return { label: m, values };
      })
      .filter((s) => s !== null);
    if (series.length > 0) {
      writeFileSync(
        join(outDir, `warmup-${r.program.name}.svg`),
        warmupPlot(`${r.program.name} (${r.size}): iteration times, median over executions`, series),
      );
    }
  }
  if (baseIndex >= 0) {
    const others = modes.filter((m) => m !== baseline);
    const ratios = results.map((_r, i) =>
      others.map((m) => {
        const s = summaries[i]![modes.indexOf(m)];
        const base = summaries[i]![baseIndex];
        return s && base ? s.steady.mean / base.steady.mean : null;
      }),
    );
    writeFileSync(
      join(outDir, "ratios.svg"),
      ratioBars(
        `Steady-state time relative to ${baseline} (log scale; left of the line is faster)`,
        results.map((r) => r.program.name),
        others,
        ratios,
      ),
    );
  }
  print(md);
  print(`results, plots and summary.md in ${outDir}`);
}
