/**
 * The start-up workload: a generated TJ program of N small functions (arithmetic, a
 * branch, a short loop), each called once from main. Deterministic in N.
 */
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
