/**
 * The form of IR that crosses a thread or process boundary (a compile job's input).
 *
 * The IR is plain data, so `postMessage` can structured-clone it as it is; this file adds
 * what a boundary needs on top: a format tag and version (so that a job written by one
 * build is refused, not misread, by another), and cutting a module down to a *unit* — the
 * bodies of the functions being compiled plus the declarations they can reference
 * (every signature, import, global and the table layout stay, so indices do not change).
 */

import type { FuncId, Module } from "./ir.js";

export const WIRE_FORMAT = "tierjit-ir";
export const WIRE_VERSION = 1;

export interface WireUnit {
  format: typeof WIRE_FORMAT;
  version: number;
  /** The module with bodies only for `bodies`; other functions are declarations (no blocks). */
  module: Module;
  bodies: FuncId[];
}

/** Cuts `module` down to the bodies of `functions` (all of them by default). */
export function toWire(module: Module, functions?: readonly FuncId[]): WireUnit {
  const bodies = functions === undefined ? module.functions.map((_, i) => i) : [...functions];
  const keep = new Set(bodies);
  return {
    format: WIRE_FORMAT,
    version: WIRE_VERSION,
    module: {
      ...module,
      // a compile job never needs initial memory contents
      data: [],
      functions: module.functions.map((fn, i) => (keep.has(i) ? fn : { ...fn, blocks: [] })),
    },
    bodies,
  };
}

export class WireFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WireFormatError";
  }
}

/** Checks the tag and version of a received unit (after structured clone) and returns it. */
export function fromWire(value: unknown): WireUnit {
  if (typeof value !== "object" || value === null) throw new WireFormatError("not a tierjit IR unit");
  const unit = value as Partial<WireUnit>;
  if (unit.format !== WIRE_FORMAT) throw new WireFormatError("not a tierjit IR unit");
  if (unit.version !== WIRE_VERSION) {
    throw new WireFormatError(
      `IR unit version ${String(unit.version)} is not supported (expected ${WIRE_VERSION})`,
    );
  }
  if (typeof unit.module !== "object" || unit.module === null || !Array.isArray(unit.bodies)) {
    throw new WireFormatError("IR unit is malformed");
  }
  for (const id of unit.bodies) {
    if (!Number.isInteger(id) || unit.module.functions?.[id] === undefined) {
      throw new WireFormatError(`IR unit names function #${String(id)}, which it does not contain`);
    }
  }
  return unit as WireUnit;
}
