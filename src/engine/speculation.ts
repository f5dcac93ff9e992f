/**
 * The engine's speculation bookkeeping (docs/tiers.md): what each Tier 2 job may speculate
 * on, which installed code holds which guards, and what a deopt changes. The engine asks;
 * this class keeps the per-function tables and the policy:
 *
 * - a function's Tier 2 job speculates on the branch edges its Tier 1 code never ran
 *   (stress mode: edges picked at random from a seed), less those that deoptimized before,
 *   and on the one or two table slots each of its indirect call sites used (guards that
 *   take the generic call when they fail: no deopt); nothing once its guards have
 *   deoptimized `deoptLimit` times;
 * - up to CALLEES_SPECULATED of the callees it may inline are speculated on the same way;
 * - a hot function at Tier 1 waits until its Tier 1 code has profiled for
 *   `profileWindowMs` before it goes to Tier 2;
 * - a deopt marks the edge, and names every installed code holding the guard (to drop).
 */

import { performance } from "node:perf_hooks";
import type { Module } from "../ir/ir.js";
import { Op } from "../ir/ops.js";
import { Type } from "../ir/types.js";
import { globalsWrittenDuring } from "../opt/global-writes.js";
import { inlineCandidates } from "../opt/inline-policy.js";
import type { GlobalValue } from "../opt/pass.js";
import type { Guard } from "../wasm/compile-module.js";
import type { TieredConfig } from "./config.js";
import type { CompileJob } from "./jobs.js";
import { edgesRun, type WasmRuntime } from "./runtime.js";

/** Inlined callees speculated on per Tier 2 compile (each call site adds a caller snapshot). */
const CALLEES_SPECULATED = 2;

export class SpeculationBook {
  /** Per function: deopts of its guards so far, and the edges that deoptimized. */
  private readonly deoptCount: Float64Array;
  private readonly deoptedEdges = new Map<number, Set<number>>();
  /** Calls that each function's Tier 1 code (which counts branch edges) has made, and when the first was reported. */
  private readonly profiledCalls: Float64Array;
  private readonly firstProfiledAt: Float64Array;
  /** Guards in each function's installed code (its own edges, and inlined callees'). */
  private readonly guards = new Map<number, readonly Guard[]>();
  /** Guards in each installed OSR entry that has any, by the engine's key for the entry. */
  private readonly entryGuards = new Map<number, readonly Guard[]>();
  /**
   * Per function: the globals it and its inline candidates read that none of its calls can
   * write (`globalReadsOf`), found once.
   */
  private readonly globalReads = new Map<number, Map<number, number[]>>();

  constructor(
    functions: number,
    private readonly config: TieredConfig,
    /** Whether the engine speculates at all (not pinned, Tier 2 reachable, not switched off). */
    readonly enabled: boolean,
    /** The imports whose host functions never call back into the guest (host.ts). */
    private readonly leafHost: ReadonlySet<number> = new Set(),
  ) {
    this.deoptCount = new Float64Array(functions);
    this.profiledCalls = new Float64Array(functions);
    this.firstProfiledAt = new Float64Array(functions);
  }

  /** `calls` calls of function `id`'s Tier 1 code reached its entry safepoint. */
  countProfiledCalls(id: number, calls: number): void {
    if (this.profiledCalls[id] === 0) this.firstProfiledAt[id] = performance.now();
    this.profiledCalls[id]! += calls;
  }

  /**
   * Whether function `id`'s Tier 1 code counts edges but has not run for `profileWindowMs`
   * since its first call yet (Tier 2 waits; meanwhile that code reports every call).
   */
  awaitsProfile(id: number, runtime: WasmRuntime | null): boolean {
    return (
      this.enabled &&
      this.config.stressSeed === null &&
      runtime?.hasProfile(id) === true &&
      (this.profiledCalls[id] === 0 ||
        performance.now() - this.firstProfiledAt[id]! < this.config.profileWindowMs)
    );
  }

  /**
   * Whether function `id`'s Tier 1 code has been called and is within its profiling window
   * (its frames are recording the profile now).
   */
  profiling(id: number, runtime: WasmRuntime | null): boolean {
    return this.profiledCalls[id]! > 0 && this.awaitsProfile(id, runtime);
  }

  /**
   * Whether function `id` has indirect call sites whose targets its Tier 1 code has not
   * profiled yet: a caller compiled now should not inline it. Inlined unguarded, its call
   * sites stay generic in the caller's code for good (an OSR entry runs until its loop
   * ends: monomorphic-site's main entered one before run had a profile, 2.4x slower);
   * called, it gets Tier 2 code of its own, guarded from its profile.
   */
  targetsPending(id: number, module: Module, runtime: WasmRuntime | null): boolean {
    if (!this.enabled || this.config.stressSeed !== null) return false;
    const calls = module.functions[id]?.blocks.some((b) => b.insts.some((i) => i.op === Op.CallIndirect));
    return (
      calls === true &&
      (runtime === null || runtime.targetProfile(id) === null || this.awaitsProfile(id, runtime))
    );
  }

  /**
   * What a Tier 2 job of function `id` speculates on: the profile's edges and call targets,
   * and the current values of the globals it reads (`withGlobals`; no profile needed).
   */
  speculationFor(
    id: number,
    runtime: WasmRuntime | null,
    withGlobals = true,
  ): Pick<CompileJob, "speculation"> {
    if (!this.enabled || this.deoptCount[id]! >= this.config.deoptLimit) return {};
    const disabled = [...(this.deoptedEdges.get(id) ?? [])];
    const globals =
      withGlobals && this.config.speculateGlobals && runtime !== null ? this.globalValues(id, runtime) : [];
    const withValues = globals.length > 0 ? { globals } : {};
    if (this.config.stressSeed !== null) {
      const randomSeed = (this.config.stressSeed * 31 + id) * 1009 + this.deoptCount[id]!;
      return { speculation: { taken: new Uint8Array(0), disabled, randomSeed, ...withValues } };
    }
    // the counters are read once: which edges ran is derived from how often
    const edgeCounts = runtime?.edgeCounts(id) ?? null;
    const taken = edgeCounts === null ? null : edgesRun(edgeCounts);
    const targets = runtime?.targetProfile(id) ?? null;
    const calls = runtime?.callProfile(id) ?? null;
    const indirectCalls = runtime?.indirectCallProfile(id) ?? null;
    if (taken === null && targets === null && calls === null && globals.length === 0) return {};
    const speculation: NonNullable<CompileJob["speculation"]> = {
      taken: taken ?? new Uint8Array(0),
      disabled,
      ...withValues,
    };
    for (const edge of disabled) if (edge < speculation.taken.length) speculation.taken[edge] = 1;
    if (targets !== null) speculation.targets = targets;
    if (calls !== null) speculation.calls = calls;
    if (indirectCalls !== null) speculation.indirectCalls = indirectCalls;
    if (edgeCounts !== null) speculation.edgeCounts = edgeCounts;
    return { speculation };
  }

  /**
   * The values now of the mutable integer globals that function `id` and the callees it may
   * inline read and no call of it can write, each with the words at the offsets of the i32
   * invariant loads through it (those within memory).
   */
  private globalValues(id: number, runtime: WasmRuntime): GlobalValue[] {
    let reads = this.globalReads.get(id);
    if (reads === undefined) {
      reads = globalReadsOf(runtime.module, id, this.leafHost);
      this.globalReads.set(id, reads);
    }
    const memory = runtime.memory === null ? null : new DataView(runtime.memory.buffer);
    const values: GlobalValue[] = [];
    for (const [global, offsets] of reads) {
      const value = runtime.globals[global]!.value as number | bigint;
      const words: [number, number][] = [];
      if (typeof value === "number" && memory !== null) {
        for (const offset of offsets) {
          const address = (value >>> 0) + offset;
          if (address + 4 <= memory.byteLength) words.push([offset, memory.getInt32(address, true)]);
        }
      }
      values.push({ global, value, words });
    }
    return values;
  }

  /**
   * What the inlined callees of function `id` speculate on: each callee with a profile of its
   * own (stress mode: any), at most CALLEES_SPECULATED of them, since every call site of one
   * brings a snapshot of the caller (and its resume function) into the unit.
   */
  calleeSpeculationFor(
    id: number,
    module: Module,
    runtime: WasmRuntime | null,
  ): Pick<CompileJob, "calleeSpeculation"> {
    if (!this.enabled) return {};
    const callees: NonNullable<CompileJob["calleeSpeculation"]> = [];
    for (const callee of new Set(inlineCandidates(module, module.functions[id]!))) {
      if (
        callee === id ||
        callees.length >= CALLEES_SPECULATED ||
        this.targetsPending(callee, module, runtime)
      )
        continue;
      const { speculation } = this.speculationFor(callee, runtime, false);
      if (speculation !== undefined) callees.push({ func: callee, speculation });
    }
    return callees.length === 0 ? {} : { calleeSpeculation: callees };
  }

  /** Function `id` now runs code holding `guards` (none: unspeculated code). */
  codeInstalled(id: number, guards: readonly Guard[]): void {
    if (guards.length > 0) this.guards.set(id, guards);
    else this.guards.delete(id);
  }

  /** The OSR entry known as `key` is now installed, holding `guards`. */
  entryInstalled(key: number, guards: readonly Guard[]): void {
    if (guards.length > 0) this.entryGuards.set(key, guards);
    else this.entryGuards.delete(key);
  }

  /**
   * A guard on edge `edge` of function `funcId` failed: the edge is never speculated on
   * again. Returns the functions whose installed code holds that guard (to be dropped; they
   * hold no guards afterwards), the keys of the OSR entries holding it (forgotten here, to
   * be forgotten by the engine), and whether `funcId` just reached the deopt limit.
   */
  deopt(funcId: number, edge: number): { holders: number[]; entries: number[]; limitReached: boolean } {
    this.deoptCount[funcId]!++;
    let edges = this.deoptedEdges.get(funcId);
    if (edges === undefined) {
      edges = new Set();
      this.deoptedEdges.set(funcId, edges);
    }
    edges.add(edge);
    const holds = (guards: readonly Guard[]): boolean =>
      guards.some((g) => g.func === funcId && g.edge === edge);
    const holders: number[] = [];
    for (const [holder, guards] of this.guards) if (holds(guards)) holders.push(holder);
    const entries: number[] = [];
    for (const [key, guards] of this.entryGuards) if (holds(guards)) entries.push(key);
    for (const key of entries) this.entryGuards.delete(key);
    return { holders, entries, limitReached: this.deoptCount[funcId] === this.config.deoptLimit };
  }

  /** Function `id`'s speculative code was dropped. */
  dropped(id: number): void {
    this.guards.delete(id);
  }
}

/**
 * The mutable integer globals that function `id`, or a callee it may inline, reads and that
 * no call of `id` can write, each with the offsets of the i32 invariant loads whose address
 * is such a read.
 */
function globalReadsOf(module: Module, id: number, leafHost: ReadonlySet<number>): Map<number, number[]> {
  const reads = new Map<number, number[]>();
  const written = globalsWrittenDuring(module, id, leafHost);
  if (written === "all") return reads;
  for (const f of [id, ...inlineCandidates(module, module.functions[id]!)]) {
    const readOf = new Map<number, number>();
    for (const block of module.functions[f]!.blocks) {
      for (const inst of block.insts) {
        if (inst.op === Op.GlobalGet) {
          const global = module.globals[inst.imm];
          const integer = global?.type === Type.I32 || global?.type === Type.I64;
          if (global === undefined || !global.mutable || !integer || written.has(inst.imm)) continue;
          readOf.set(inst.result, inst.imm);
          if (!reads.has(inst.imm)) reads.set(inst.imm, []);
        } else if (inst.op === Op.Load && inst.invariant === true && inst.type === Type.I32) {
          const global = readOf.get(inst.args[0]!);
          const offsets = global === undefined ? undefined : reads.get(global);
          if (offsets !== undefined && !offsets.includes(inst.imm)) offsets.push(inst.imm);
        }
      }
    }
  }
  return reads;
}
