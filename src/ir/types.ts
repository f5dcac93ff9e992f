/**
 * Value types of the IR and the signature shape shared by functions, imports and
 * indirect calls. Types are small integers so that side tables can be typed arrays.
 */

export enum Type {
  I32 = 0,
  I64 = 1,
  F32 = 2,
  F64 = 3,
  /**
   * Two f64 lanes (a Wasm v128): made only by Tier 2's `vectorize`, never by a program
   * (the verifier rejects it there; Tiers 0 and 1 have no SIMD lowering).
   */
  F64x2 = 4,
  /** Marks "no value": the result type of an instruction that produces nothing. */
  None = 255,
}

/** How many value types there are (`Type.None` aside): side tables indexed by type have this many entries. */
export const TYPE_COUNT = 5;

const TYPE_NAMES: Record<number, string> = {
  [Type.I32]: "i32",
  [Type.I64]: "i64",
  [Type.F32]: "f32",
  [Type.F64]: "f64",
  [Type.F64x2]: "f64x2",
  [Type.None]: "none",
};

export function typeName(type: Type): string {
  return TYPE_NAMES[type] ?? `type#${type}`;
}

export function parseTypeName(text: string): Type | undefined {
  switch (text) {
    case "i32":
      return Type.I32;
    case "i64":
      return Type.I64;
    case "f32":
      return Type.F32;
    case "f64":
      return Type.F64;
    case "f64x2":
      return Type.F64x2;
    default:
      return undefined;
  }
}

export function isIntType(type: Type): boolean {
  return type === Type.I32 || type === Type.I64;
}

export function isFloatType(type: Type): boolean {
  return type === Type.F32 || type === Type.F64;
}

/** A lane vector: the compiler's own, never a program's (see `Type.F64x2`). */
export function isVectorType(type: Type): boolean {
  return type === Type.F64x2;
}

/** A scalar type (not a vector): what programs, functions, globals and host calls use. */
export function isValueType(type: Type): boolean {
  return type === Type.I32 || type === Type.I64 || type === Type.F32 || type === Type.F64;
}

/** A function signature: at most one result (the IR, like TJ, has no multi-value returns). */
export interface Signature {
  params: Type[];
  results: Type[];
}

export function signaturesEqual(a: Signature, b: Signature): boolean {
  if (a.params.length !== b.params.length || a.results.length !== b.results.length) return false;
  for (let i = 0; i < a.params.length; i++) if (a.params[i] !== b.params[i]) return false;
  for (let i = 0; i < a.results.length; i++) if (a.results[i] !== b.results[i]) return false;
  return true;
}

export function formatSignature(sig: Signature): string {
  const params = sig.params.map(typeName).join(", ");
  const result = sig.results.length === 0 ? "" : ` -> ${typeName(sig.results[0]!)}`;
  return `(${params})${result}`;
}
