/**
 * The start-up workload: a generated TJ program of N small functions (arithmetic, a
 * branch, a short loop), each called once from main. Deterministic in N.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The `tierjit` command, run as a child process by the start-up benchmarks. */
export const TIERJIT_BIN = fileURLToPath(new URL("../../bin/tierjit.js", import.meta.url));

export function startupProgram(functions: number): string {
  const parts: string[] = [];
  for (let i = 0; i < functions; i++) {
    parts.push(
      `function fn${i}(x: i32): i32 {\n  let y = x * ${(i % 7) + 1} + ${i};\n  if (y > 1000) { y = y % 97; }\n  for (let k = 0; k < 3; k += 1) y += k;\n  return y;\n}\n`,
    );
  }
  parts.push("export function main(): i32 {\n  let acc = 0;\n");
  for (let i = 0; i < functions; i++) parts.push(`  acc += fn${i}(${i});\n`);
  parts.push("  return acc;\n}\n");
  return parts.join("");
}

/** The same shape of program with one function: the baseline that start-up is measured against. */
export const TRIVIAL_PROGRAM = "export function main(): i32 {\n  return 1;\n}\n";

/**
 * Writes the trivial program and the generated ones of the given sizes into `dir`, each as
 * TJ source (`NAME.tj`) and as the IR text `tierjit ir` prints for it (`NAME.tir`). Returns
 * the paths by `NAME.ext`; `NAME` is "trivial" or the size in thousands ("1k").
 */
export function writeStartupPrograms(dir: string, sizes: number[]): Record<string, string> {
  const files: Record<string, string> = {};
  const programs: [string, string][] = [["trivial", TRIVIAL_PROGRAM]];
  for (const size of sizes) programs.push([`${size / 1000}k`, startupProgram(size)]);
  for (const [name, source] of programs) {
    const tjFile = join(dir, `${name}.tj`);
    writeFileSync(tjFile, source);
    const tirFile = join(dir, `${name}.tir`);
    writeFileSync(
      tirFile,
      execFileSync(process.execPath, [TIERJIT_BIN, "ir", tjFile], { maxBuffer: 1 << 28 }),
    );
    files[`${name}.tj`] = tjFile;
    files[`${name}.tir`] = tirFile;
  }
  return files;
}
