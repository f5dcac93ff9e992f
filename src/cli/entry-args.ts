/** Converts command-line arguments to the parameter types of `main`, and formats its result. */

import { formatF64 } from "../engine/host.js";
import type { Scalar } from "../ir/numeric.js";
import { Type, typeName } from "../ir/types.js";
import { CliError } from "./errors.js";
import type { EntryParam, EntryPoint } from "./program.js";

const INTEGER = /^[+-]?(0[xX][0-9a-fA-F_]+|[0-9][0-9_]*)$/;

function parseInteger(text: string, bits: 32 | 64): bigint | undefined {
  if (!INTEGER.test(text)) return undefined;
  const negative = text.startsWith("-");
  const digits = text.replace(/^[+-]/, "").replaceAll("_", "");
  const magnitude = BigInt(digits);
  const value = negative ? -magnitude : magnitude;
  const min = -(1n << BigInt(bits - 1));
  const maxUnsigned = (1n << BigInt(bits)) - 1n;
  // hex is a bit pattern (as in TJ source), decimal must fit the signed range
  const isHex = /^[+-]?0[xX]/.test(text);
  if (isHex ? value < 0n || value > maxUnsigned : value < min || value > -min - 1n) return undefined;
  return BigInt.asIntN(bits, value);
}

function describe(param: EntryParam): string {
  return `parameter '${param.name}: ${param.tjType ?? typeName(param.type)}'`;
}

export function parseEntryArgs(entry: EntryPoint, args: string[]): Scalar[] {
  if (args.length !== entry.params.length) {
    const names = entry.params.map((p) => p.name).join(", ");
    throw new CliError(
      `error: main takes ${entry.params.length} argument(s)${names === "" ? "" : ` (${names})`}, got ${args.length}`,
    );
  }
  return entry.params.map((param, i) => {
    const text = args[i]!;
    if (param.bool) {
      if (text === "true") return 1;
      if (text === "false") return 0;
      throw new CliError(`error: ${describe(param)}: '${text}' is not true or false`);
    }
    if (param.tjType !== undefined && param.tjType !== typeName(param.type)) {
      throw new CliError(
        `error: ${describe(param)}: main cannot take an argument of type ${param.tjType} from the command line`,
      );
    }
    if (param.type === Type.I32 || param.type === Type.I64) {
      const value = parseInteger(text, param.type === Type.I32 ? 32 : 64);
      if (value === undefined)
        throw new CliError(`error: ${describe(param)}: '${text}' is not a valid ${typeName(param.type)}`);
      return param.type === Type.I32 ? Number(value) : value;
    }
    const trimmed = text.trim();
    const value = /^[+-]?(Infinity|NaN)$/.test(trimmed)
      ? Number(trimmed)
      : Number(trimmed === "" ? "x" : trimmed);
    if (Number.isNaN(value) && !/^[+-]?NaN$/.test(trimmed)) {
      throw new CliError(`error: ${describe(param)}: '${text}' is not a number`);
    }
    return param.type === Type.F32 ? Math.fround(value) : value;
  });
}

export function formatEntryResult(entry: EntryPoint, value: Scalar | undefined): string | undefined {
  if (entry.result === null || value === undefined) return undefined;
  if (entry.result.bool) return value !== 0 ? "true" : "false";
  if (typeof value === "bigint") return value.toString();
  return entry.result.type === Type.F32 || entry.result.type === Type.F64 ? formatF64(value) : String(value);
}
