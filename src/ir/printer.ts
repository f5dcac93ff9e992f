/**
 * The IR text printer. Its output is the canonical text form: `parse(print(m))` rebuilds
 * `m` exactly and `print(parse(t)) === t` for any printed `t` (see docs/ir.md for the
 * grammar). Section order is fixed: source, memory, data, types, imports, globals, table,
 * start, then functions in index order.
 */

import {
  type Block,
  type BlockCall,
  type Inst,
  type IrFunction,
  locCol,
  locLine,
  type Module,
  type Terminator,
} from "./ir.js";
import { OpKind, opInfo, TERM_NAMES, TermOp } from "./ops.js";
import { trapName } from "./trap.js";
import { formatSignature, Type, typeName } from "./types.js";

export function formatFloat(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (value === Number.POSITIVE_INFINITY) return "inf";
  if (value === Number.NEGATIVE_INFINITY) return "-inf";
  if (Object.is(value, -0)) return "-0";
  return String(value);
}

export function formatConst(type: Type, imm: number, big: bigint): string {
  if (type === Type.I64) return big.toString();
  if (type === Type.I32) return String(imm);
  return formatFloat(imm);
}

/** Quotes bytes: printable ASCII as is, anything else (and `"`, `\\`) as `\xx` hex. */
export function formatBytes(bytes: Uint8Array): string {
  let out = '"';
  for (const byte of bytes) {
    if (byte >= 0x20 && byte < 0x7f && byte !== 0x22 && byte !== 0x5c) out += String.fromCharCode(byte);
    else out += `\\${byte.toString(16).padStart(2, "0")}`;
  }
  return `${out}"`;
}

/** Quotes a name or path with the same escapes as data, over its UTF-8 bytes. */
export function formatString(text: string): string {
  return formatBytes(new TextEncoder().encode(text));
}

function formatLoc(loc: number, site?: number): string {
  const position = loc < 0 ? "" : ` !${locLine(loc)}:${locCol(loc)}`;
  return site === undefined ? position : `${position} in i${site}`;
}

function formatBlockCall(call: BlockCall): string {
  if (call.args.length === 0) return `block${call.block}`;
  return `block${call.block}(${call.args.map((v) => `v${v}`).join(", ")})`;
}

function formatArgs(args: readonly number[], from = 0): string {
  const parts: string[] = [];
  for (let i = from; i < args.length; i++) parts.push(`v${args[i]}`);
  return parts.join(", ");
}

export function formatInst(module: Module, inst: Inst): string {
  const info = opInfo(inst.op);
  const lhs = inst.result >= 0 ? `v${inst.result}:${typeName(inst.type)} = ` : "";
  let rhs: string;
  switch (info.kind) {
    case OpKind.Const:
      rhs = `const ${formatConst(inst.type, inst.imm, inst.big)}`;
      break;
    case OpKind.Load:
    case OpKind.Store:
      rhs = `${info.name} ${formatArgs(inst.args)}${inst.imm !== 0 ? ` offset=${inst.imm}` : ""}`;
      if (inst.invariant === true) rhs += " invariant";
      break;
    case OpKind.GlobalGet:
      rhs = `global_get $${globalName(module, inst.imm)}`;
      break;
    case OpKind.GlobalSet:
      rhs = `global_set $${globalName(module, inst.imm)}, ${formatArgs(inst.args)}`;
      break;
    case OpKind.Call:
      rhs = `call @${module.functions[inst.imm]?.name ?? `#${inst.imm}`}(${formatArgs(inst.args)})`;
      break;
    case OpKind.CallHost:
      rhs = `call_host @${module.imports[inst.imm]?.name ?? `#${inst.imm}`}(${formatArgs(inst.args)})`;
      break;
    case OpKind.CallIndirect:
      rhs = `call_indirect t${inst.imm} v${inst.args[0]}(${formatArgs(inst.args, 1)})`;
      break;
    case OpKind.TrapIf:
      rhs = `trap_if ${formatArgs(inst.args)}, ${trapName(inst.imm)}`;
      break;
    case OpKind.MemorySize:
      rhs = "memory_size";
      break;
    case OpKind.ProfileEdge:
      rhs = `profile_edge ${inst.imm}`;
      break;
    case OpKind.ProfileTarget:
      rhs = `profile_target ${inst.imm}, ${formatArgs(inst.args)}`;
      break;
    case OpKind.ProfileCall:
      rhs = `profile_call ${inst.imm}`;
      break;
    case OpKind.OsrPoint:
      rhs = `osr_point block${inst.imm}${inst.args.length > 0 ? `, ${formatArgs(inst.args)}` : ""}`;
      break;
    default:
      rhs = `${info.name} ${formatArgs(inst.args)}`;
  }
  return `${lhs}${rhs}${formatLoc(inst.loc, inst.site)}`;
}

export function formatTerminator(term: Terminator, module?: Module): string {
  let text = TERM_NAMES[term.op] ?? `term#${term.op}`;
  switch (term.op) {
    case TermOp.Jump:
      text += ` ${formatBlockCall(term.targets[0]!)}`;
      break;
    case TermOp.BrIf:
      text += ` v${term.args[0]}, ${formatBlockCall(term.targets[0]!)}, ${formatBlockCall(term.targets[1]!)}`;
      break;
    case TermOp.BrTable: {
      const cases = term.targets.slice(0, -1).map(formatBlockCall).join(", ");
      text += ` v${term.args[0]}, [${cases}], ${formatBlockCall(term.targets[term.targets.length - 1]!)}`;
      break;
    }
    case TermOp.Return:
      if (term.args.length > 0) text += ` v${term.args[0]}`;
      break;
    case TermOp.Trap:
      text += ` ${trapName(term.imm)}`;
      break;
    case TermOp.Unreachable:
      break;
    case TermOp.Deopt: {
      const func = term.resume?.func ?? -1;
      const name = module?.functions[func]?.name ?? `#${func}`;
      const caller = term.caller;
      const own = caller === undefined ? term.args : term.args.slice(0, term.args.length - caller.args);
      text += ` @${name} block${term.resume?.block ?? -1}(${formatArgs(own)})`;
      if (caller !== undefined) {
        const callerName = module?.functions[caller.func]?.name ?? `#${caller.func}`;
        const passed = term.args.slice(term.args.length - caller.args);
        text += ` then @${callerName} block${caller.block}(${formatArgs(passed)})${formatLoc(caller.loc, caller.site)}`;
      }
      text += `, guard ${term.imm}`;
      break;
    }
  }
  return `${text}${formatLoc(term.loc, term.site)}`;
}

function globalName(module: Module, index: number): string {
  return module.globals[index]?.name ?? `#${index}`;
}

function formatBlockHeader(block: Block, id: number): string {
  if (block.params.length === 0) return `block${id}:`;
  const params = block.params.map((v, i) => `v${v}: ${typeName(block.paramTypes[i]!)}`).join(", ");
  return `block${id}(${params}):`;
}

export function printFunction(module: Module, fn: IrFunction): string {
  const lines: string[] = [];
  const sig = formatSignature({ params: fn.params, results: fn.results });
  lines.push(`${fn.exported ? "export " : ""}func @${fn.name}${sig}${formatLoc(fn.loc)} {`);
  fn.inlineSites?.forEach((site, index) => {
    const callee = `@${module.functions[site.callee]?.name ?? `#${site.callee}`}`;
    lines.push(
      `  inline i${index} = ${callee}${formatLoc(site.loc, site.parent < 0 ? undefined : site.parent)}`,
    );
  });
  fn.blocks.forEach((block, id) => {
    lines.push(formatBlockHeader(block, id));
    for (const inst of block.insts) lines.push(`  ${formatInst(module, inst)}`);
    lines.push(`  ${formatTerminator(block.term, module)}`);
  });
  lines.push("}");
  return lines.join("\n");
}

export function printModule(module: Module): string {
  const lines: string[] = [];
  if (module.sourceFile !== "") lines.push(`source ${formatString(module.sourceFile)}`);
  if (module.memory !== null) {
    const { minPages, maxPages } = module.memory;
    lines.push(maxPages < 0 ? `memory ${minPages}` : `memory ${minPages} ${maxPages}`);
  }
  for (const segment of module.data) lines.push(`data ${segment.offset} ${formatBytes(segment.bytes)}`);
  module.types.forEach((sig, index) => {
    lines.push(`type t${index} = ${formatSignature(sig)}`);
  });
  for (const imp of module.imports) {
    const sig = formatSignature(imp);
    lines.push(`import @${imp.name}${sig} = ${formatString(imp.module)} ${formatString(imp.field)}`);
  }
  for (const global of module.globals) {
    const mut = global.mutable ? " mut" : "";
    const init =
      typeof global.init === "bigint" ? global.init.toString() : formatConst(global.type, global.init, 0n);
    lines.push(`global $${global.name}: ${typeName(global.type)}${mut} = ${init}`);
  }
  if (module.table.length > 0) {
    const entries = module.table.map((f) => (f < 0 ? "null" : `@${module.functions[f]?.name ?? `#${f}`}`));
    lines.push(`table [${entries.join(", ")}]`);
  }
  if (module.start >= 0) lines.push(`start @${module.functions[module.start]?.name ?? `#${module.start}`}`);
  const header = lines.join("\n");
  const functions = module.functions.map((fn) => printFunction(module, fn)).join("\n\n");
  if (header === "") return `${functions}\n`;
  return functions === "" ? `${header}\n` : `${header}\n\n${functions}\n`;
}
