/**
 * A WebAssembly binary encoder: a growable byte buffer with LEB128 and IEEE writers, and
 * `encodeModule`, which lays out the sections of a module description in the order the
 * spec requires. It is on the Tier 0 hot path, so it writes into one reusable buffer and
 * allocates per section, not per instruction.
 */

export class ByteBuffer {
  private buffer: Uint8Array<ArrayBuffer>;
  private view: DataView;
  length = 0;

  constructor(capacity = 256) {
    this.buffer = new Uint8Array(capacity);
    this.view = new DataView(this.buffer.buffer);
  }

  private reserve(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
    this.view = new DataView(grown.buffer);
  }

  u8(byte: number): void {
    if (this.length === this.buffer.length) this.reserve(1);
    this.buffer[this.length++] = byte;
  }

  /** Unsigned LEB128 of a non-negative integer below 2^32. */
  u32(value: number): void {
    if (this.length + 5 > this.buffer.length) this.reserve(5);
    value >>>= 0;
    do {
      let byte = value & 0x7f;
      value >>>= 7;
      if (value !== 0) byte |= 0x80;
      this.buffer[this.length++] = byte;
    } while (value !== 0);
  }

  /**
   * An opcode byte and its unsigned LEB128 immediate (`local.get 3`, `call 7`): the most
   * common instruction shape, written with one call.
   */
  opU32(opcode: number, value: number): void {
    if (this.length + 6 > this.buffer.length) this.reserve(6);
    const buffer = this.buffer;
    buffer[this.length++] = opcode;
    value >>>= 0;
    while (value >= 0x80) {
      buffer[this.length++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    buffer[this.length++] = value;
  }

  /** An opcode byte and its signed LEB128 immediate (`i32.const -1`), with one call. */
  opS32(opcode: number, value: number): void {
    if (this.length + 6 > this.buffer.length) this.reserve(6);
    this.buffer[this.length++] = opcode;
    this.s32(value);
  }

  /** Signed LEB128 of a 32-bit integer. */
  s32(value: number): void {
    if (this.length + 5 > this.buffer.length) this.reserve(5);
    value |= 0;
    for (;;) {
      const byte = value & 0x7f;
      value >>= 7;
      if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) {
        this.buffer[this.length++] = byte;
        return;
      }
      this.buffer[this.length++] = byte | 0x80;
    }
  }

  /** Signed LEB128 of a 64-bit integer. */
  s64(value: bigint): void {
    this.reserve(10);
    value = BigInt.asIntN(64, value);
    for (;;) {
      const byte = Number(value & 0x7fn);
      value >>= 7n;
      if ((value === 0n && (byte & 0x40) === 0) || (value === -1n && (byte & 0x40) !== 0)) {
        this.buffer[this.length++] = byte;
        return;
      }
      this.buffer[this.length++] = byte | 0x80;
    }
  }

  f32(value: number): void {
    this.reserve(4);
    this.view.setFloat32(this.length, value, true);
    this.length += 4;
  }

  f64(value: number): void {
    this.reserve(8);
    this.view.setFloat64(this.length, value, true);
    this.length += 8;
  }

  bytes(data: Uint8Array): void {
    this.reserve(data.length);
    this.buffer.set(data, this.length);
    this.length += data.length;
  }

  /** A length-prefixed UTF-8 string (ASCII, the common case, without an encoder call). */
  name(text: string): void {
    let ascii = true;
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (!ascii) {
      const encoded = TEXT_ENCODER.encode(text);
      this.u32(encoded.length);
      this.bytes(encoded);
      return;
    }
    this.u32(text.length);
    this.reserve(text.length);
    for (let i = 0; i < text.length; i++) this.buffer[this.length++] = text.charCodeAt(i);
  }

  /** Appends another buffer's contents, prefixed by their length. */
  sized(inner: ByteBuffer): void {
    this.u32(inner.length);
    this.reserve(inner.length);
    this.buffer.set(inner.buffer.subarray(0, inner.length), this.length);
    this.length += inner.length;
  }

  toBytes(): Uint8Array<ArrayBuffer> {
    return this.buffer.slice(0, this.length);
  }

  reset(): void {
    this.length = 0;
  }
}

const TEXT_ENCODER = new TextEncoder();

export enum ValType {
  I32 = 0x7f,
  I64 = 0x7e,
  F32 = 0x7d,
  F64 = 0x7c,
  FuncRef = 0x70,
}

export interface FuncType {
  params: number[];
  results: number[];
}

export type ImportDesc =
  | { kind: "func"; module: string; field: string; typeIndex: number }
  | { kind: "table"; module: string; field: string; min: number; max?: number }
  | { kind: "memory"; module: string; field: string; min: number; max?: number }
  | { kind: "global"; module: string; field: string; valtype: number; mutable: boolean };

export interface ExportDesc {
  name: string;
  kind: "func" | "table" | "memory" | "global";
  index: number;
}

export interface GlobalDesc {
  valtype: number;
  mutable: boolean;
  /** The constant initialiser expression, without the final `end`. */
  init: Uint8Array;
}

export interface FunctionBody {
  /** Runs of locals beyond the parameters: [count, valtype]. */
  locals: [number, number][];
  /** Instructions including the final `end`. */
  code: Uint8Array;
  /**
   * Offsets in `code` of `if` instructions whose body rarely runs, ascending: they become
   * "unlikely" entries of the `metadata.code.branch_hint` section (the branch hinting
   * proposal; engines that do not read it ignore it).
   */
  unlikely?: readonly number[];
}

export interface NameSection {
  module?: string;
  functions?: [index: number, name: string][];
  /** Per function, the name of each local by index (`undefined`: unnamed). */
  locals?: [funcIndex: number, names: (string | undefined)[]][];
}

export interface ModuleDesc {
  types: FuncType[];
  imports?: ImportDesc[];
  /** Type index of each defined function. */
  functions: number[];
  tables?: { min: number; max?: number }[];
  memories?: { min: number; max?: number }[];
  globals?: GlobalDesc[];
  exports?: ExportDesc[];
  start?: number;
  /** Active element segments: `functions` placed in table `table` (default 0) from `offset`. */
  elements?: { table?: number; offset: number; functions: number[] }[];
  bodies: FunctionBody[];
  data?: { offset: number; bytes: Uint8Array }[];
  /** Custom sections placed just before the code section (e.g. compilation hints). */
  customBeforeCode?: { name: string; payload: Uint8Array }[];
  names?: NameSection;
}

const KIND_BYTE = { func: 0, table: 1, memory: 2, global: 3 } as const;

function limits(out: ByteBuffer, min: number, max?: number): void {
  if (max === undefined) {
    out.u8(0);
    out.u32(min);
  } else {
    out.u8(1);
    out.u32(min);
    out.u32(max);
  }
}

function section(out: ByteBuffer, id: number, content: ByteBuffer): void {
  out.u8(id);
  out.sized(content);
}

/** Filled in by `encodeModule`: where each function's instructions start in the module bytes. */
export interface ModuleLayout {
  /** Absolute byte offset of the first instruction of each defined function's body. */
  codeStarts: number[];
}

function lebLength(value: number): number {
  let length = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    length++;
  }
  return length;
}

export function encodeModule(desc: ModuleDesc, layout?: ModuleLayout): Uint8Array<ArrayBuffer> {
  const out = new ByteBuffer(1024);
  out.bytes(Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00));
  const s = new ByteBuffer(256);
  const emit = (id: number, count: number, write: () => void): void => {
    if (count === 0) return;
    s.reset();
    s.u32(count);
    write();
    section(out, id, s);
  };
  emit(1, desc.types.length, () => {
    for (const type of desc.types) {
      s.u8(0x60);
      s.u32(type.params.length);
      for (const p of type.params) s.u8(p);
      s.u32(type.results.length);
      for (const r of type.results) s.u8(r);
    }
  });
  const imports = desc.imports ?? [];
  emit(2, imports.length, () => {
    for (const imp of imports) {
      s.name(imp.module);
      s.name(imp.field);
      s.u8(KIND_BYTE[imp.kind]);
      switch (imp.kind) {
        case "func":
          s.u32(imp.typeIndex);
          break;
        case "table":
          s.u8(ValType.FuncRef);
          limits(s, imp.min, imp.max);
          break;
        case "memory":
          limits(s, imp.min, imp.max);
          break;
        case "global":
          s.u8(imp.valtype);
          s.u8(imp.mutable ? 1 : 0);
          break;
      }
    }
  });
  emit(3, desc.functions.length, () => {
    for (let i = 0; i < desc.functions.length; i++) s.u32(desc.functions[i]!);
  });
  const tables = desc.tables ?? [];
  emit(4, tables.length, () => {
    for (const table of tables) {
      s.u8(ValType.FuncRef);
      limits(s, table.min, table.max);
    }
  });
  const memories = desc.memories ?? [];
  emit(5, memories.length, () => {
    for (const memory of memories) limits(s, memory.min, memory.max);
  });
  const globals = desc.globals ?? [];
  emit(6, globals.length, () => {
    for (const global of globals) {
      s.u8(global.valtype);
      s.u8(global.mutable ? 1 : 0);
      s.bytes(global.init);
      s.u8(0x0b);
    }
  });
  const exports = desc.exports ?? [];
  emit(7, exports.length, () => {
    for (let i = 0; i < exports.length; i++) {
      const exp = exports[i]!;
      s.name(exp.name);
      s.u8(KIND_BYTE[exp.kind]);
      s.u32(exp.index);
    }
  });
  if (desc.start !== undefined) {
    s.reset();
    s.u32(desc.start);
    section(out, 8, s);
  }
  const elements = desc.elements ?? [];
  emit(9, elements.length, () => {
    for (const element of elements) {
      const table = element.table ?? 0;
      // flags 0: active in table 0; flags 2: active in an explicit table, with an element kind
      s.u8(table === 0 ? 0 : 2);
      if (table !== 0) s.u32(table);
      s.u8(0x41);
      s.s32(element.offset);
      s.u8(0x0b);
      if (table !== 0) s.u8(0x00); // elemkind funcref
      s.u32(element.functions.length);
      for (let i = 0; i < element.functions.length; i++) s.u32(element.functions[i]!);
    }
  });
  const data = desc.data ?? [];
  if (data.length > 0) {
    // DataCount section (id 12) must precede code when present; it lets validators check
    // data indices early and is required by bulk-memory instructions.
    s.reset();
    s.u32(data.length);
    section(out, 12, s);
  }
  for (const custom of desc.customBeforeCode ?? []) {
    s.reset();
    s.name(custom.name);
    s.bytes(custom.payload);
    section(out, 0, s);
  }
  encodeBranchHints(out, s, desc);
  const body = new ByteBuffer(256);
  const codeStartsInSection: number[] = [];
  emit(10, desc.bodies.length, () => {
    for (let f = 0; f < desc.bodies.length; f++) {
      const fn = desc.bodies[f]!;
      body.reset();
      body.u32(fn.locals.length);
      for (let i = 0; i < fn.locals.length; i++) {
        body.u32(fn.locals[i]![0]);
        body.u8(fn.locals[i]![1]);
      }
      const localsLength = body.length;
      body.bytes(fn.code);
      codeStartsInSection.push(s.length + lebLength(body.length) + localsLength);
      s.sized(body);
    }
  });
  if (layout !== undefined && desc.bodies.length > 0) {
    // the code section was just appended: its content starts after the id byte and the size
    const contentStart = out.length - s.length;
    layout.codeStarts = codeStartsInSection.map((start) => contentStart + start);
  }
  emit(11, data.length, () => {
    for (const segment of data) {
      s.u8(0);
      s.u8(0x41);
      s.s32(segment.offset);
      s.u8(0x0b);
      s.u32(segment.bytes.length);
      s.bytes(segment.bytes);
    }
  });
  if (desc.names !== undefined) encodeNames(out, desc.names);
  return out.toBytes();
}

/** Branch hints, before the code section; offsets count from the body's start (its local declarations included). */
function encodeBranchHints(out: ByteBuffer, s: ByteBuffer, desc: ModuleDesc): void {
  const hinted = desc.bodies.filter((body) => (body.unlikely?.length ?? 0) > 0).length;
  if (hinted === 0) return;
  const importedFunctions = (desc.imports ?? []).filter((entry) => entry.kind === "func").length;
  s.reset();
  s.name("metadata.code.branch_hint");
  s.u32(hinted);
  for (let index = 0; index < desc.bodies.length; index++) {
    const body = desc.bodies[index]!;
    const unlikely = body.unlikely;
    if (unlikely === undefined || unlikely.length === 0) continue;
    // the size of the local declarations the code section writes before the code
    let localsLength = lebLength(body.locals.length);
    for (let i = 0; i < body.locals.length; i++) localsLength += lebLength(body.locals[i]![0]) + 1;
    s.u32(importedFunctions + index);
    s.u32(unlikely.length);
    for (let i = 0; i < unlikely.length; i++) {
      s.u32(localsLength + unlikely[i]!);
      s.u32(1); // the hint's size
      s.u8(0); // unlikely
    }
  }
  section(out, 0, s);
}

function encodeNames(out: ByteBuffer, names: NameSection): void {
  const content = new ByteBuffer(256);
  content.name("name");
  const sub = new ByteBuffer(256);
  if (names.module !== undefined) {
    sub.reset();
    sub.name(names.module);
    content.u8(0);
    content.sized(sub);
  }
  if (names.functions !== undefined && names.functions.length > 0) {
    sub.reset();
    sub.u32(names.functions.length);
    for (let i = 0; i < names.functions.length; i++) {
      sub.u32(names.functions[i]![0]);
      sub.name(names.functions[i]![1]);
    }
    content.u8(1);
    content.sized(sub);
  }
  if (names.locals !== undefined && names.locals.length > 0) {
    sub.reset();
    sub.u32(names.locals.length);
    // the same local names recur in every function (v0, v1, ...): each is encoded once
    const encoded = new Map<string, Uint8Array>();
    for (let f = 0; f < names.locals.length; f++) {
      const locals = names.locals[f]![1];
      sub.u32(names.locals[f]![0]);
      let named = 0;
      for (let i = 0; i < locals.length; i++) if (locals[i] !== undefined) named++;
      sub.u32(named);
      for (let i = 0; i < locals.length; i++) {
        const name = locals[i];
        if (name === undefined) continue;
        sub.u32(i);
        let bytes = encoded.get(name);
        if (bytes === undefined) {
          const one = new ByteBuffer(name.length + 5);
          one.name(name);
          bytes = one.toBytes();
          encoded.set(name, bytes);
        }
        sub.bytes(bytes);
      }
    }
    content.u8(2);
    content.sized(sub);
  }
  section(out, 0, content);
}

/** A complete custom section (id 0, size, name, payload), to splice into a module. */
export function customSection(name: string, payload: Uint8Array): Uint8Array {
  const content = new ByteBuffer(name.length + payload.length + 8);
  content.name(name);
  content.bytes(payload);
  const out = new ByteBuffer(content.length + 6);
  section(out, 0, content);
  return out.toBytes();
}

/** A complete `name` custom section (id, size, contents), to append to a module. */
export function encodeNameSection(names: NameSection): Uint8Array {
  const out = new ByteBuffer(64);
  encodeNames(out, names);
  return out.toBytes();
}
