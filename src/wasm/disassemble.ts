/**
 * WebAssembly binary → text, for `tierjit wasm`: shows exactly the bytes a tier emitted
 * (no round trip through another toolchain's IR). It reads the sections our encoder writes
 * and prints functions in the linear (non-folded) text format, with names from the name
 * section. Unknown opcodes print as raw bytes rather than failing.
 */

import { Reader } from "./reader.js";

const VALTYPES: Record<number, string> = { 127: "i32", 126: "i64", 125: "f32", 124: "f64", 112: "funcref" };

// prettier-style tables: opcode → mnemonic for the instructions without immediates
const SIMPLE: Record<number, string> = {
  0: "unreachable",
  1: "nop",
  5: "else",
  11: "end",
  15: "return",
  26: "drop",
  27: "select",
};
const NUMERIC = [
  "i32.eqz i32.eq i32.ne i32.lt_s i32.lt_u i32.gt_s i32.gt_u i32.le_s i32.le_u i32.ge_s i32.ge_u",
  "i64.eqz i64.eq i64.ne i64.lt_s i64.lt_u i64.gt_s i64.gt_u i64.le_s i64.le_u i64.ge_s i64.ge_u",
  "f32.eq f32.ne f32.lt f32.gt f32.le f32.ge f64.eq f64.ne f64.lt f64.gt f64.le f64.ge",
  "i32.clz i32.ctz i32.popcnt i32.add i32.sub i32.mul i32.div_s i32.div_u i32.rem_s i32.rem_u i32.and i32.or i32.xor i32.shl i32.shr_s i32.shr_u i32.rotl i32.rotr",
  "i64.clz i64.ctz i64.popcnt i64.add i64.sub i64.mul i64.div_s i64.div_u i64.rem_s i64.rem_u i64.and i64.or i64.xor i64.shl i64.shr_s i64.shr_u i64.rotl i64.rotr",
  "f32.abs f32.neg f32.ceil f32.floor f32.trunc f32.nearest f32.sqrt f32.add f32.sub f32.mul f32.div f32.min f32.max f32.copysign",
  "f64.abs f64.neg f64.ceil f64.floor f64.trunc f64.nearest f64.sqrt f64.add f64.sub f64.mul f64.div f64.min f64.max f64.copysign",
  "i32.wrap_i64 i32.trunc_f32_s i32.trunc_f32_u i32.trunc_f64_s i32.trunc_f64_u i64.extend_i32_s i64.extend_i32_u",
  "i64.trunc_f32_s i64.trunc_f32_u i64.trunc_f64_s i64.trunc_f64_u f32.convert_i32_s f32.convert_i32_u f32.convert_i64_s f32.convert_i64_u f32.demote_f64",
  "f64.convert_i32_s f64.convert_i32_u f64.convert_i64_s f64.convert_i64_u f64.promote_f32",
  "i32.reinterpret_f32 i64.reinterpret_f64 f32.reinterpret_i32 f64.reinterpret_i64",
  "i32.extend8_s i32.extend16_s i64.extend8_s i64.extend16_s i64.extend32_s",
]
  .join(" ")
  .split(" ");
NUMERIC.forEach((name, i) => {
  SIMPLE[0x45 + i] = name;
});
const MEMORY_OPS =
  "i32.load i64.load f32.load f64.load i32.load8_s i32.load8_u i32.load16_s i32.load16_u i64.load8_s i64.load8_u i64.load16_s i64.load16_u i64.load32_s i64.load32_u i32.store i64.store f32.store f64.store i32.store8 i32.store16 i64.store8 i64.store16 i64.store32".split(
    " ",
  );
const SATURATING =
  "i32.trunc_sat_f32_s i32.trunc_sat_f32_u i32.trunc_sat_f64_s i32.trunc_sat_f64_u i64.trunc_sat_f32_s i64.trunc_sat_f32_u i64.trunc_sat_f64_s i64.trunc_sat_f64_u".split(
    " ",
  );

interface Parsed {
  types: string[];
  importedFunctions: number;
  imports: string[];
  functionTypes: number[];
  exports: string[];
  other: string[];
  bodies: { start: number; end: number }[];
  functionNames: Map<number, string>;
  localNames: Map<number, Map<number, string>>;
  moduleName: string;
}

function readLimits(r: Reader): string {
  const flags = r.u8();
  const min = r.u32();
  return flags & 1 ? `${min} ${r.u32()}` : `${min}`;
}

function parse(bytes: Uint8Array): Parsed {
  const r = new Reader(bytes);
  r.pos = 8;
  const p: Parsed = {
    types: [],
    importedFunctions: 0,
    imports: [],
    functionTypes: [],
    exports: [],
    other: [],
    bodies: [],
    functionNames: new Map(),
    localNames: new Map(),
    moduleName: "",
  };
  while (r.pos < bytes.length) {
    const id = r.u8();
    const size = r.u32();
    const end = r.pos + size;
    switch (id) {
      case 1:
        for (let n = r.u32(); n > 0; n--) {
          r.u8();
          const params = Array.from({ length: r.u32() }, () => VALTYPES[r.u8()]);
          const results = Array.from({ length: r.u32() }, () => VALTYPES[r.u8()]);
          p.types.push(
            `(func${params.length ? ` (param ${params.join(" ")})` : ""}${results.length ? ` (result ${results.join(" ")})` : ""})`,
          );
        }
        break;
      case 2:
        for (let n = r.u32(); n > 0; n--) {
          const where = `"${r.name()}" "${r.name()}"`;
          const kind = r.u8();
          if (kind === 0) {
            const type = r.u32();
            p.imports.push(
              `(import ${where} (func $f${p.importedFunctions} (type ${type})))  ;; ${p.types[type]}`,
            );
            p.importedFunctions++;
          } else if (kind === 1) {
            r.u8();
            p.imports.push(`(import ${where} (table ${readLimits(r)} funcref))`);
          } else if (kind === 2) {
            p.imports.push(`(import ${where} (memory ${readLimits(r)}))`);
          } else {
            const type = VALTYPES[r.u8()];
            p.imports.push(`(import ${where} (global ${r.u8() ? `(mut ${type})` : type}))`);
          }
        }
        break;
      case 3:
        for (let n = r.u32(); n > 0; n--) p.functionTypes.push(r.u32());
        break;
      case 7:
        for (let n = r.u32(); n > 0; n--) {
          const name = r.name();
          const kind = ["func", "table", "memory", "global"][r.u8()];
          p.exports.push(`(export "${name}" (${kind} ${r.u32()}))`);
        }
        break;
      case 9:
        for (let n = r.u32(); n > 0; n--) {
          const flags = r.u8();
          const table = flags === 2 ? r.u32() : 0;
          r.u8();
          const offset = Number(r.s64());
          r.u8();
          if (flags === 2) r.u8();
          const count = r.u32();
          const functions = Array.from({ length: count }, () => r.u32());
          p.other.push(`(elem (table ${table}) (i32.const ${offset}) func ${functions.join(" ")})`);
        }
        break;
      case 10:
        for (let n = r.u32(); n > 0; n--) {
          const bodySize = r.u32();
          p.bodies.push({ start: r.pos, end: r.pos + bodySize });
          r.pos += bodySize;
        }
        break;
      case 11:
        for (let n = r.u32(); n > 0; n--) {
          r.u8();
          r.u8();
          const offset = Number(r.s64());
          r.u8();
          const length = r.u32();
          p.other.push(`(data (i32.const ${offset}) ;; ${length} bytes\n  )`);
          r.pos += length;
        }
        break;
      case 0: {
        const name = r.name();
        if (name === "name") {
          while (r.pos < end) {
            const sub = r.u8();
            const subEnd = r.u32() + r.pos;
            if (sub === 0) p.moduleName = r.name();
            if (sub === 1) for (let k = r.u32(); k > 0; k--) p.functionNames.set(r.u32(), r.name());
            if (sub === 2) {
              for (let k = r.u32(); k > 0; k--) {
                const fn = r.u32();
                const locals = new Map<number, string>();
                for (let m = r.u32(); m > 0; m--) locals.set(r.u32(), r.name());
                p.localNames.set(fn, locals);
              }
            }
            r.pos = subEnd;
          }
        } else {
          p.other.push(`;; custom section "${name}" (${end - r.pos} bytes)`);
        }
        break;
      }
      default:
        break;
    }
    r.pos = end;
  }
  return p;
}

function formatFloat(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  return Object.is(value, -0) ? "-0" : String(value);
}

function disassembleBody(bytes: Uint8Array, p: Parsed, index: number): string[] {
  const body = p.bodies[index - p.importedFunctions]!;
  const r = new Reader(bytes.subarray(0, body.end));
  r.pos = body.start;
  const name = (f: number): string => `$${p.functionNames.get(f) ?? `f${f}`}`;
  const localNames = p.localNames.get(index);
  const local = (i: number): string => (localNames?.has(i) ? `$${localNames.get(i)}` : `${i}`);
  const lines: string[] = [];
  const type = p.types[p.functionTypes[index - p.importedFunctions]!]!;
  lines.push(`(func ${name(index)} ${type.slice(6, -1)}`.trimEnd());
  const locals: string[] = [];
  for (let runs = r.u32(); runs > 0; runs--) {
    const count = r.u32();
    const valtype = VALTYPES[r.u8()];
    for (let k = 0; k < count; k++) locals.push(valtype!);
  }
  if (locals.length > 0) lines.push(`  (local ${locals.join(" ")})`);
  let depth = 1;
  while (r.pos < body.end) {
    const at = r.pos;
    const op = r.u8();
    let text: string;
    if (op === 0x02 || op === 0x03 || op === 0x04) {
      const blocktype = r.u8();
      text = `${["block", "loop", "if"][op - 2]}${blocktype === 0x40 ? "" : ` (result ${VALTYPES[blocktype]})`}`;
    } else if (op === 0x0c || op === 0x0d) text = `${op === 0x0c ? "br" : "br_if"} ${r.u32()}`;
    else if (op === 0x0e) {
      const targets = Array.from({ length: r.u32() }, () => r.u32());
      text = `br_table ${targets.join(" ")} ${r.u32()}`;
    } else if (op === 0x10) text = `call ${name(r.u32())}`;
    else if (op === 0x11) {
      const typeIndex = r.u32();
      text = `call_indirect ${r.u32()} (type ${typeIndex})`;
    } else if (op >= 0x20 && op <= 0x22) text = `local.${["get", "set", "tee"][op - 0x20]} ${local(r.u32())}`;
    else if (op === 0x23 || op === 0x24) text = `global.${op === 0x23 ? "get" : "set"} ${r.u32()}`;
    else if (op >= 0x28 && op <= 0x3e) {
      const align = r.u32();
      const offset = r.u32();
      text = `${MEMORY_OPS[op - 0x28]}${offset ? ` offset=${offset}` : ""} align=${2 ** align}`;
    } else if (op === 0x3f || op === 0x40) {
      r.u8();
      text = op === 0x3f ? "memory.size" : "memory.grow";
    } else if (op === 0x41 || op === 0x42) text = `${op === 0x41 ? "i32" : "i64"}.const ${r.s64()}`;
    else if (op === 0x43) text = `f32.const ${formatFloat(r.f32())}`;
    else if (op === 0x44) text = `f64.const ${formatFloat(r.f64())}`;
    else if (op === 0xfc) {
      const sub = r.u32();
      text = SATURATING[sub] ?? `0xfc ${sub}`;
    } else text = SIMPLE[op] ?? `(; unknown opcode 0x${op.toString(16)} ;)`;
    if (op === 0x0b || op === 0x05) depth--;
    if (!(op === 0x0b && r.pos === body.end))
      lines.push(`${"  ".repeat(Math.max(depth, 1))}${text}  ;; @${at.toString(16)}`);
    if (op === 0x02 || op === 0x03 || op === 0x04 || op === 0x05) depth++;
  }
  lines.push(")");
  return lines;
}

/**
 * The module as text. With `functionName`, only that function's code (matched against
 * the name section).
 */
export function disassemble(bytes: Uint8Array, functionName?: string): string {
  const p = parse(bytes);
  const defined = p.bodies.map((_, i) => p.importedFunctions + i);
  if (functionName !== undefined) {
    const index = defined.find((f) => p.functionNames.get(f) === functionName);
    if (index === undefined) return "";
    return `${disassembleBody(bytes, p, index).join("\n")}\n`;
  }
  const lines = [`(module${p.moduleName === "" ? "" : ` $${p.moduleName}`}`];
  p.types.forEach((type, i) => {
    lines.push(`  (type ${i} ${type})`);
  });
  for (const imp of p.imports) lines.push(`  ${imp}`);
  for (const exp of p.exports) lines.push(`  ${exp}`);
  for (const other of p.other) lines.push(`  ${other}`);
  for (const f of defined) for (const line of disassembleBody(bytes, p, f)) lines.push(`  ${line}`);
  lines.push(")");
  return `${lines.join("\n")}\n`;
}
