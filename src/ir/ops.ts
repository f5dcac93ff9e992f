/**
 * Opcodes and the one metadata table that describes them.
 *
 * Ops are generic over their operand type (like Wasm's `i32.add`/`f64.add` collapsed into
 * `add`): the type comes from the operands and the result. The table below is the single
 * source of facts about each op — its text name, its shape, which operand types it takes,
 * and its effects — and is read by the verifier, the printer/parser, the interpreter and
 * later by the optimizer and the encoder. Nothing compares op names as strings at runtime.
 */

export enum Op {
  // constants
  Const = 0,
  // binary arithmetic (result type = operand type)
  Add,
  Sub,
  Mul,
  DivS,
  DivU,
  RemS,
  RemU,
  And,
  Or,
  Xor,
  Shl,
  ShrS,
  ShrU,
  Rotl,
  Rotr,
  Div,
  Min,
  Max,
  Copysign,
  // unary (result type = operand type, except eqz)
  Clz,
  Ctz,
  Popcnt,
  Eqz,
  Extend8S,
  Extend16S,
  Extend32S,
  Neg,
  Abs,
  Sqrt,
  Ceil,
  Floor,
  Trunc,
  Nearest,
  // comparisons (result i32)
  Eq,
  Ne,
  LtS,
  LtU,
  GtS,
  GtU,
  LeS,
  LeU,
  GeS,
  GeU,
  Lt,
  Gt,
  Le,
  Ge,
  // conversions between types
  Wrap,
  ExtendS,
  ExtendU,
  TruncS,
  TruncU,
  TruncSatS,
  TruncSatU,
  ConvertS,
  ConvertU,
  Demote,
  Promote,
  Reinterpret,
  // other
  Select,
  Load,
  Load8S,
  Load8U,
  Load16S,
  Load16U,
  Load32S,
  Load32U,
  Store,
  Store8,
  Store16,
  Store32,
  MemorySize,
  MemoryGrow,
  GlobalGet,
  GlobalSet,
  Call,
  CallIndirect,
  CallHost,
  TrapIf,
  ProfileEdge,
  ProfileTarget,
  OsrPoint,
  // lane vectors (Tier 2's vectorize only)
  Splat,
  // profiling (Tier 1): counts a direct call site
  ProfileCall,
}

/** Terminators end every block. */
export enum TermOp {
  Jump = 0,
  BrIf,
  BrTable,
  Return,
  Trap,
  Unreachable,
  Deopt,
}

/** The shape of an op: how many operands, what the immediate means, how types relate. */
export enum OpKind {
  Const,
  Binary,
  Unary,
  Compare,
  Convert,
  Select,
  Load,
  Store,
  MemorySize,
  MemoryGrow,
  GlobalGet,
  GlobalSet,
  Call,
  CallIndirect,
  CallHost,
  TrapIf,
  ProfileEdge,
  ProfileTarget,
  OsrPoint,
  ProfileCall,
}

/** Which operand types an arithmetic op accepts. */
export enum OperandClass {
  Any,
  Int,
  Float,
  I64Only,
}

export interface OpInfo {
  name: string;
  kind: OpKind;
  operands: OperandClass;
  /** Commutative binary op (for GVN canonicalisation later). */
  commutative: boolean;
  /** Writes memory/globals, calls, or otherwise changes state: never removed when unused. */
  sideEffects: boolean;
  /** May trap for some operand values (division, trapping conversion, memory access). */
  canTrap: boolean;
  /** For loads and stores: the bytes accessed (0 = the full width of the value type). */
  accessBytes: number;
  /** For narrow loads: sign-extend (true) or zero-extend (false). */
  signedAccess: boolean;
  /** Has a lane-wise form over `f64x2` (the vector ops Tier 2's `vectorize` makes). */
  lanes: boolean;
}

function info(name: string, kind: OpKind, operands: OperandClass, flags: Partial<OpInfo> = {}): OpInfo {
  return {
    name,
    kind,
    operands,
    commutative: flags.commutative ?? false,
    sideEffects: flags.sideEffects ?? false,
    canTrap: flags.canTrap ?? false,
    accessBytes: flags.accessBytes ?? 0,
    signedAccess: flags.signedAccess ?? false,
    lanes: flags.lanes ?? false,
  };
}

const { Any, Int, Float, I64Only } = OperandClass;
const C = { commutative: true };
const T = { canTrap: true };
const S = { sideEffects: true };
const L = { lanes: true };
const CL = { commutative: true, lanes: true };

/** Indexed by `Op`. The order must match the enum (checked at load time below). */
export const OP_INFO: readonly OpInfo[] = [
  info("const", OpKind.Const, Any),
  info("add", OpKind.Binary, Any, CL),
  info("sub", OpKind.Binary, Any, L),
  info("mul", OpKind.Binary, Any, CL),
  info("div_s", OpKind.Binary, Int, T),
  info("div_u", OpKind.Binary, Int, T),
  info("rem_s", OpKind.Binary, Int, T),
  info("rem_u", OpKind.Binary, Int, T),
  info("and", OpKind.Binary, Int, C),
  info("or", OpKind.Binary, Int, C),
  info("xor", OpKind.Binary, Int, C),
  info("shl", OpKind.Binary, Int),
  info("shr_s", OpKind.Binary, Int),
  info("shr_u", OpKind.Binary, Int),
  info("rotl", OpKind.Binary, Int),
  info("rotr", OpKind.Binary, Int),
  info("div", OpKind.Binary, Float, L),
  info("min", OpKind.Binary, Float, L),
  info("max", OpKind.Binary, Float, L),
  info("copysign", OpKind.Binary, Float),
  info("clz", OpKind.Unary, Int),
  info("ctz", OpKind.Unary, Int),
  info("popcnt", OpKind.Unary, Int),
  info("eqz", OpKind.Unary, Int),
  info("extend8_s", OpKind.Unary, Int),
  info("extend16_s", OpKind.Unary, Int),
  info("extend32_s", OpKind.Unary, I64Only),
  info("neg", OpKind.Unary, Float, L),
  info("abs", OpKind.Unary, Float, L),
  info("sqrt", OpKind.Unary, Float, L),
  info("ceil", OpKind.Unary, Float, L),
  info("floor", OpKind.Unary, Float, L),
  info("trunc", OpKind.Unary, Float, L),
  info("nearest", OpKind.Unary, Float, L),
  info("eq", OpKind.Compare, Any, C),
  info("ne", OpKind.Compare, Any, C),
  info("lt_s", OpKind.Compare, Int),
  info("lt_u", OpKind.Compare, Int),
  info("gt_s", OpKind.Compare, Int),
  info("gt_u", OpKind.Compare, Int),
  info("le_s", OpKind.Compare, Int),
  info("le_u", OpKind.Compare, Int),
  info("ge_s", OpKind.Compare, Int),
  info("ge_u", OpKind.Compare, Int),
  info("lt", OpKind.Compare, Float),
  info("gt", OpKind.Compare, Float),
  info("le", OpKind.Compare, Float),
  info("ge", OpKind.Compare, Float),
  info("wrap", OpKind.Convert, I64Only),
  info("extend_s", OpKind.Convert, Int),
  info("extend_u", OpKind.Convert, Int),
  info("trunc_s", OpKind.Convert, Float, T),
  info("trunc_u", OpKind.Convert, Float, T),
  info("trunc_sat_s", OpKind.Convert, Float),
  info("trunc_sat_u", OpKind.Convert, Float),
  info("convert_s", OpKind.Convert, Int),
  info("convert_u", OpKind.Convert, Int),
  info("demote", OpKind.Convert, Float),
  info("promote", OpKind.Convert, Float),
  info("reinterpret", OpKind.Convert, Any),
  info("select", OpKind.Select, Any),
  info("load", OpKind.Load, Any, { canTrap: true, lanes: true }),
  info("load8_s", OpKind.Load, Int, { canTrap: true, accessBytes: 1, signedAccess: true }),
  info("load8_u", OpKind.Load, Int, { canTrap: true, accessBytes: 1 }),
  info("load16_s", OpKind.Load, Int, { canTrap: true, accessBytes: 2, signedAccess: true }),
  info("load16_u", OpKind.Load, Int, { canTrap: true, accessBytes: 2 }),
  info("load32_s", OpKind.Load, I64Only, { canTrap: true, accessBytes: 4, signedAccess: true }),
  info("load32_u", OpKind.Load, I64Only, { canTrap: true, accessBytes: 4 }),
  info("store", OpKind.Store, Any, { canTrap: true, sideEffects: true, lanes: true }),
  info("store8", OpKind.Store, Int, { canTrap: true, sideEffects: true, accessBytes: 1 }),
  info("store16", OpKind.Store, Int, { canTrap: true, sideEffects: true, accessBytes: 2 }),
  info("store32", OpKind.Store, I64Only, { canTrap: true, sideEffects: true, accessBytes: 4 }),
  info("memory_size", OpKind.MemorySize, Any),
  info("memory_grow", OpKind.MemoryGrow, Any, S),
  info("global_get", OpKind.GlobalGet, Any),
  info("global_set", OpKind.GlobalSet, Any, S),
  info("call", OpKind.Call, Any, { sideEffects: true, canTrap: true }),
  info("call_indirect", OpKind.CallIndirect, Any, { sideEffects: true, canTrap: true }),
  info("call_host", OpKind.CallHost, Any, { sideEffects: true, canTrap: true }),
  info("trap_if", OpKind.TrapIf, Any, { sideEffects: true, canTrap: true }),
  // profiling: records that a branch edge ran (imm: the edge's number); the guest cannot see it
  info("profile_edge", OpKind.ProfileEdge, Any, S),
  // profiling: records the table index an indirect call site used (imm: the site's number)
  info("profile_target", OpKind.ProfileTarget, Any, S),
  // Tier 1's OSR exit: a loop header of the program's function (imm) starts here, with its
  // parameters and live-ins as the operands; the guest cannot see it
  info("osr_point", OpKind.OsrPoint, Any, S),
  // an f64 in both lanes of an f64x2
  info("splat", OpKind.Convert, Float, L),
  // profiling: counts the runs of the direct call site whose number is imm (the next call
  // in its block); the guest cannot see it
  info("profile_call", OpKind.ProfileCall, Any, S),
];

export const TERM_NAMES: readonly string[] = [
  "jump",
  "br_if",
  "br_table",
  "return",
  "trap",
  "unreachable",
  "deopt",
];

const OP_BY_NAME = new Map<string, Op>(OP_INFO.map((entry, index) => [entry.name, index as Op]));
const TERM_BY_NAME = new Map<string, TermOp>(TERM_NAMES.map((name, index) => [name, index as TermOp]));

if (OP_INFO.length !== Op.ProfileCall + 1) throw new Error("OP_INFO does not match the Op enum");

export function opInfo(op: Op): OpInfo {
  return OP_INFO[op]!;
}

export function opName(op: Op): string {
  return OP_INFO[op]?.name ?? `op#${op}`;
}

export function opByName(name: string): Op | undefined {
  return OP_BY_NAME.get(name);
}

export function termByName(name: string): TermOp | undefined {
  return TERM_BY_NAME.get(name);
}
