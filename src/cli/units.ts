/** Parsing of `--memory-limit SIZE` and `--timeout DURATION` (cli.md). */

import { CliError } from "./errors.js";

const SIZE_UNITS: Record<string, number> = { "": 1, B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };

export function parseSize(text: string): number {
  const match = /^([0-9]+)\s*([KMG]?B?)$/i.exec(text.trim());
  const unit = match?.[2]?.toUpperCase() ?? "";
  if (match === null || !(unit in SIZE_UNITS)) {
    throw new CliError(`error: invalid size '${text}' (bytes, or with a suffix KB, MB, GB, e.g. 64MB)`);
  }
  return Number(match[1]) * SIZE_UNITS[unit]!;
}

export function parseDuration(text: string): number {
  const match = /^([0-9]+(?:\.[0-9]+)?)\s*(ms|s)?$/i.exec(text.trim());
  if (match === null)
    throw new CliError(`error: invalid duration '${text}' (ms, or with a suffix ms, s, e.g. 500ms, 2s)`);
  const value = Number(match[1]);
  return match[2]?.toLowerCase() === "s" ? value * 1000 : value;
}
