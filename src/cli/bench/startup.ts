/**
 * The start-up workload: a program of N small functions (arithmetic, a branch, a short
 * loop), each called once from main, in TJ and as its plain-JS and C twins. Deterministic in N.
 */

function constants(i: number): { factor: number; offset: number } {
  return { factor: (i % 7) + 1, offset: i };
}

export function startupTj(functions: number): string {
  const parts: string[] = [];
  for (let i = 0; i < functions; i++) {
    const { factor, offset } = constants(i);
    parts.push(
      `function fn${i}(x: i32): i32 {\n  let y = x * ${factor} + ${offset};\n  if (y > 1000) { y = y % 97; }\n  for (let k = 0; k < 3; k += 1) y += k;\n  return y;\n}\n`,
    );
  }
  parts.push("export function main(n: i32): i32 {\n  let acc = n;\n");
  for (let i = 0; i < functions; i++) parts.push(`  acc += fn${i}(${i});\n`);
  parts.push("  return acc;\n}\n");
  return parts.join("");
}

export function startupJs(functions: number): string {
  const parts: string[] = [];
  for (let i = 0; i < functions; i++) {
    const { factor, offset } = constants(i);
    parts.push(
      `function fn${i}(x) {\n  let y = (Math.imul(x, ${factor}) + ${offset}) | 0;\n  if (y > 1000) { y = y % 97; }\n  for (let k = 0; k < 3; k++) y = (y + k) | 0;\n  return y;\n}\n`,
    );
  }
  parts.push("export function main(n, _print) {\n  let acc = n;\n");
  for (let i = 0; i < functions; i++) parts.push(`  acc = (acc + fn${i}(${i})) | 0;\n`);
  parts.push("  return acc;\n}\n");
  return parts.join("");
}

export function startupC(functions: number): string {
  const parts: string[] = ['#include "harness.h"\n'];
  for (let i = 0; i < functions; i++) {
    const { factor, offset } = constants(i);
    parts.push(
      `static int32_t fn${i}(int32_t x) {\n  int32_t y = (int32_t)((uint32_t)x * ${factor}u + ${offset}u);\n  if (y > 1000) { y = y % 97; }\n  for (int k = 0; k < 3; k++) y += k;\n  return y;\n}\n`,
    );
  }
  parts.push("static void run(int n) {\n  int32_t acc = n;\n");
  for (let i = 0; i < functions; i++)
    parts.push(`  acc = (int32_t)((uint32_t)acc + (uint32_t)fn${i}(${i}));\n`);
  parts.push('  printf("%d\\n", acc);\n}\n\nBENCH_MAIN(run)\n');
  return parts.join("");
}
