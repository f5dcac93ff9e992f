/**
 * Trap kinds and the typed error that every tier raises for a guest trap.
 *
 * The interpreter, the Wasm tiers and the CLI all report a trap as a `TrapError` with
 * the same kind, the same message, and a stack of guest function names (innermost
 * first), so that differential tests can compare traps exactly.
 */

export enum TrapKind {
  Unreachable = 0,
  IntegerDivideByZero = 1,
  IntegerOverflow = 2,
  InvalidConversion = 3,
  MemoryOutOfBounds = 4,
  IndexOutOfBounds = 5,
  NegativeArrayLength = 6,
  OutOfMemory = 7,
  NullFunction = 8,
  SignatureMismatch = 9,
  TableOutOfBounds = 10,
  StackOverflow = 11,
  Timeout = 12,
  Interrupted = 13,
}

interface TrapInfo {
  /** Identifier used in the IR text format (`trap index_out_of_bounds`). */
  name: string;
  /** The message users see, as language.md spells it. */
  message: string;
}

const TRAP_INFO: readonly TrapInfo[] = [
  { name: "unreachable", message: "unreachable" },
  { name: "integer_divide_by_zero", message: "integer divide by zero" },
  { name: "integer_overflow", message: "integer overflow" },
  { name: "invalid_conversion", message: "invalid conversion to integer" },
  { name: "memory_out_of_bounds", message: "out of bounds memory access" },
  { name: "index_out_of_bounds", message: "index out of bounds" },
  { name: "negative_array_length", message: "negative array length" },
  { name: "out_of_memory", message: "out of memory" },
  { name: "null_function", message: "null function" },
  { name: "signature_mismatch", message: "indirect call signature mismatch" },
  { name: "table_out_of_bounds", message: "undefined table element" },
  { name: "stack_overflow", message: "stack overflow" },
  { name: "timeout", message: "timeout" },
  { name: "interrupted", message: "interrupted" },
];

export const TRAP_KIND_COUNT = TRAP_INFO.length;

export function trapName(kind: TrapKind): string {
  return TRAP_INFO[kind]?.name ?? `trap#${kind}`;
}

export function trapMessage(kind: TrapKind): string {
  return TRAP_INFO[kind]?.message ?? `trap #${kind}`;
}

export function parseTrapName(name: string): TrapKind | undefined {
  const index = TRAP_INFO.findIndex((info) => info.name === name);
  return index < 0 ? undefined : (index as TrapKind);
}

/** One frame of a guest stack: the function name and, where known, its source position. */
export interface GuestFrame {
  functionName: string;
  file?: string;
  line?: number;
}

export function formatGuestFrame(frame: GuestFrame): string {
  if (frame.line === undefined) return frame.functionName;
  return `${frame.functionName} (${frame.file ?? "<input>"}:${frame.line})`;
}

/** A trap in guest code. `guestStack` lists the innermost frame first. */
export class TrapError extends Error {
  readonly kind: TrapKind;
  readonly guestStack: GuestFrame[];

  constructor(kind: TrapKind, guestStack: GuestFrame[], detail?: string) {
    super(detail === undefined ? trapMessage(kind) : `${trapMessage(kind)}: ${detail}`);
    this.name = "TrapError";
    this.kind = kind;
    this.guestStack = guestStack;
  }

  /** The stack as printed by the CLI: one `  at name (file:line)` line per frame. */
  formatStack(): string {
    return this.guestStack.map((frame) => `  at ${formatGuestFrame(frame)}`).join("\n");
  }
}
