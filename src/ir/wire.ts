/**
 * The form of IR that crosses a thread or process boundary (a compile job's input).
 *
 * The IR is plain data, so `postMessage` can structured-clone it as it is; this file adds
 * what a boundary needs on top: a format tag and version (so that a job written by one
 * build is refused, not misread, by another), and cutting a module down to a *unit* — the
 * bodies of the functions being compiled plus the declarations they can reference
 * (every signature, import, global and the table layout stay, so indices do not change).
 */

import type { FuncId, IrFunction, Module } from "./ir.js";
import type { Type } from "./types.js";

export const WIRE_FORMAT = "tierjit-ir";
export const WIRE_VERSION = 2;

/**
 * A unit as it crosses the boundary. The functions without a body travel packed — their
 * names in one string, their signatures in one byte array — because structured clone pays
 * per object: a job for one function of a 10 000-function module cost 16 ms to clone when
 * every declaration was an object of its own.
 */
export interface WireUnit {
  format: typeof WIRE_FORMAT;
  version: number;
  /** The module without `data` and with `functions` empty (see `bodyFunctions`, `declarations`). */
  module: Module;
  bodies: FuncId[];
  /** The functions named in `bodies`, in that order. */
  bodyFunctions: IrFunction[];
  declarations: {
    /** Every function's name, joined by NUL. */
    names: string;
    /** Per function: exported (0/1), parameter count, result count, then their types. */
    signatures: Uint8Array;
  };
}

/** A received unit: the module with every function (bodies only for `bodies`; others have no blocks). */
export interface DecodedUnit {
  module: Module;
  bodies: FuncId[];
}

/**
 * Cuts `module` down to the bodies of `functions` (all of them by default). `declarations`
 * may be passed in from an earlier `packDeclarations(module)`: a module's declarations do
 * not change, and packing them is O(functions) per unit.
 */
export function toWire(
  module: Module,
  functions?: readonly FuncId[],
  declarations: WireUnit["declarations"] = packDeclarations(module),
): WireUnit {
  const bodies = functions === undefined ? module.functions.map((_, i) => i) : [...functions];
  return {
    format: WIRE_FORMAT,
    version: WIRE_VERSION,
    // a compile job never needs initial memory contents
    module: { ...module, data: [], functions: [] },
    bodies,
    bodyFunctions: bodies.map((id) => module.functions[id]!),
    declarations,
  };
}

/** Every function's name and signature, packed for `toWire`. */
export function packDeclarations(module: Module): WireUnit["declarations"] {
  let size = 0;
  for (const fn of module.functions) size += 3 + fn.params.length + fn.results.length;
  const signatures = new Uint8Array(size);
  let at = 0;
  for (const fn of module.functions) {
    signatures[at++] = fn.exported ? 1 : 0;
    signatures[at++] = fn.params.length;
    signatures[at++] = fn.results.length;
    for (const t of fn.params) signatures[at++] = t;
    for (const t of fn.results) signatures[at++] = t;
  }
  return { names: module.functions.map((fn) => fn.name).join("\0"), signatures };
}

export class WireFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WireFormatError";
  }
}

/** Checks the tag and version of a received unit (after structured clone) and unpacks it. */
export function fromWire(value: unknown): DecodedUnit {
  if (typeof value !== "object" || value === null) throw new WireFormatError("not a tierjit IR unit");
  const unit = value as Partial<WireUnit>;
  if (unit.format !== WIRE_FORMAT) throw new WireFormatError("not a tierjit IR unit");
  if (unit.version !== WIRE_VERSION) {
    throw new WireFormatError(
      `IR unit version ${String(unit.version)} is not supported (expected ${WIRE_VERSION})`,
    );
  }
  const declarations = unit.declarations;
  if (
    typeof unit.module !== "object" ||
    unit.module === null ||
    !Array.isArray(unit.bodies) ||
    !Array.isArray(unit.bodyFunctions) ||
    unit.bodyFunctions.length !== unit.bodies.length ||
    typeof declarations?.names !== "string" ||
    !(declarations.signatures instanceof Uint8Array)
  ) {
    throw new WireFormatError("IR unit is malformed");
  }
  const names = declarations.names.split("\0");
  const signatures = declarations.signatures;
  const functions: IrFunction[] = [];
  let at = 0;
  for (const name of names) {
    const exported = signatures[at++] === 1;
    const paramCount = signatures[at++] ?? 0;
    const resultCount = signatures[at++] ?? 0;
    const params = [...signatures.subarray(at, at + paramCount)] as Type[];
    at += paramCount;
    const results = [...signatures.subarray(at, at + resultCount)] as Type[];
    at += resultCount;
    functions.push({ name, params, results, exported, blocks: [], loc: -1 });
  }
  if (at !== signatures.length) throw new WireFormatError("IR unit is malformed");
  unit.bodies.forEach((id, i) => {
    if (!Number.isInteger(id) || functions[id] === undefined) {
      throw new WireFormatError(`IR unit names function #${String(id)}, which it does not contain`);
    }
    functions[id] = unit.bodyFunctions![i]!;
  });
  return { module: { ...unit.module, functions }, bodies: unit.bodies };
}
