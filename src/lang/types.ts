/** TJ's types (language.md), how they print, and how they map to IR value types. */

import { Type } from "../ir/types.js";

export type TjType =
  | { tag: "i32" }
  | { tag: "i64" }
  | { tag: "f64" }
  | { tag: "bool" }
  | { tag: "void" }
  /** The type of an expression that already failed to check: suppresses follow-on errors. */
  | { tag: "error" }
  | { tag: "array"; elem: TjType }
  | { tag: "func"; params: TjType[]; result: TjType };

export const I32: TjType = { tag: "i32" };
export const I64: TjType = { tag: "i64" };
export const F64: TjType = { tag: "f64" };
export const BOOL: TjType = { tag: "bool" };
export const VOID: TjType = { tag: "void" };
export const ERROR: TjType = { tag: "error" };

export function typeEquals(a: TjType, b: TjType): boolean {
  if (a.tag !== b.tag) return false;
  if (a.tag === "array") return typeEquals(a.elem, (b as typeof a).elem);
  if (a.tag === "func") {
    const f = b as typeof a;
    return (
      a.params.length === f.params.length &&
      a.params.every((p, i) => typeEquals(p, f.params[i]!)) &&
      typeEquals(a.result, f.result)
    );
  }
  return true;
}

export function formatType(type: TjType): string {
  switch (type.tag) {
    case "array": {
      const elem = formatType(type.elem);
      return type.elem.tag === "func" ? `(${elem})[]` : `${elem}[]`;
    }
    case "func":
      return `(${type.params.map(formatType).join(", ")}) => ${formatType(type.result)}`;
    case "error":
      return "<error>";
    default:
      return type.tag;
  }
}

export function isInteger(type: TjType): boolean {
  return type.tag === "i32" || type.tag === "i64";
}

export function isNumeric(type: TjType): boolean {
  return type.tag === "i32" || type.tag === "i64" || type.tag === "f64";
}

/** The IR type that holds a value of `type`: bool, arrays (addresses) and functions (table indices) are i32. */
export function irType(type: TjType): Type {
  switch (type.tag) {
    case "i64":
      return Type.I64;
    case "f64":
      return Type.F64;
    default:
      return Type.I32;
  }
}
