/**
 * Host values passed to a guest function, checked and converted to IR scalars. Shared by
 * the interpreter and the Wasm runtime, so every tier refuses the same bad calls with the
 * same message: i32 takes an integer number in [-2^31, 2^32) (wrapping, like a hex literal),
 * i64 a bigint (or a safe-integer number), f32 and f64 any number.
 */

import { coerce, type Scalar } from "./numeric.js";
import { Type, typeName } from "./types.js";

function describe(value: unknown): string {
  if (typeof value === "string")
    return `string ${JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}…` : value)}`;
  if (typeof value === "bigint") return `bigint ${value}n`;
  if (value === null) return "null";
  return `${typeof value} ${String(value)}`;
}

function argument(type: Type, value: unknown): Scalar | undefined {
  switch (type) {
    case Type.I32:
      if (typeof value === "number" && Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 32)
        return coerce(type, value);
      if (typeof value === "bigint" && value >= -(1n << 31n) && value < 1n << 32n) return coerce(type, value);
      return undefined;
    case Type.I64:
      if (typeof value === "bigint" && value >= -(1n << 63n) && value < 1n << 64n) return coerce(type, value);
      if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
      return undefined;
    default:
      return typeof value === "number" ? coerce(type, value) : undefined;
  }
}

/** Checks `args` against `fn`'s parameters; throws a TypeError naming the first bad one. */
export function convertArguments(
  fn: { name: string; params: readonly Type[] },
  args: readonly unknown[],
): Scalar[] {
  if (args.length !== fn.params.length) {
    throw new TypeError(`@${fn.name} takes ${fn.params.length} argument(s), got ${args.length}`);
  }
  return args.map((value, i) => {
    const type = fn.params[i]!;
    const converted = argument(type, value);
    if (converted === undefined) {
      const wanted = type === Type.I64 ? "a bigint" : type === Type.I32 ? "an integer number" : "a number";
      throw new TypeError(
        `@${fn.name} argument ${i + 1} (${typeName(type)}): expected ${wanted}, got ${describe(value)}`,
      );
    }
    return converted;
  });
}
