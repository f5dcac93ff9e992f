/**
 * A trace of the engine's work in the Chrome Trace Event format (JSON Object Format), which
 * Perfetto (ui.perfetto.dev) and chrome://tracing open: compile jobs as complete ("X")
 * slices on the track of the thread that ran them, installs and tier changes as instant
 * ("i") events, tier counts as a counter ("C") track. Timestamps are microseconds on one
 * clock shared by all threads (`performance.timeOrigin + performance.now()`).
 */

export interface TraceEvent {
  name: string;
  cat?: string;
  ph: "X" | "i" | "C" | "M";
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  s?: "t" | "p" | "g";
  args?: Record<string, unknown>;
}

const PID = 1;
/** Track of the main thread; worker k (from 1) uses track k. */
export const MAIN_TRACK = 0;

/** Now, in ms on the clock shared by the main thread and the workers. */
export function absoluteNow(): number {
  return performance.timeOrigin + performance.now();
}

export class TraceRecorder {
  private readonly events: TraceEvent[] = [];
  private readonly namedTracks = new Set<number>();
  private readonly origin = absoluteNow();

  private us(absoluteMs: number): number {
    return Math.round((absoluteMs - this.origin) * 1000);
  }

  private nameTrack(tid: number): void {
    if (this.namedTracks.has(tid)) return;
    this.namedTracks.add(tid);
    const name = tid === MAIN_TRACK ? "main thread" : `compile worker ${tid}`;
    this.events.push({ name: "thread_name", ph: "M", ts: 0, pid: PID, tid, args: { name } });
  }

  /** A span of work from `startMs` (absolute) lasting `durationMs`, on track `tid`. */
  slice(
    name: string,
    cat: string,
    tid: number,
    startMs: number,
    durationMs: number,
    args?: Record<string, unknown>,
  ): void {
    this.nameTrack(tid);
    this.events.push({
      name,
      cat,
      ph: "X",
      ts: this.us(startMs),
      dur: Math.max(1, Math.round(durationMs * 1000)),
      pid: PID,
      tid,
      ...(args ? { args } : {}),
    });
  }

  instant(name: string, cat: string, args?: Record<string, unknown>): void {
    this.nameTrack(MAIN_TRACK);
    this.events.push({
      name,
      cat,
      ph: "i",
      s: "t",
      ts: this.us(absoluteNow()),
      pid: PID,
      tid: MAIN_TRACK,
      ...(args ? { args } : {}),
    });
  }

  counter(name: string, values: Record<string, number>): void {
    this.events.push({ name, ph: "C", ts: this.us(absoluteNow()), pid: PID, tid: MAIN_TRACK, args: values });
  }

  toJSON(): { traceEvents: TraceEvent[]; displayTimeUnit: "ms" } {
    return { traceEvents: [...this.events], displayTimeUnit: "ms" };
  }
}
