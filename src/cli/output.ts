/**
 * Program output for the command line: buffered, written synchronously to file descriptors
 * so that output and exit status are ordered even when stdout is a pipe.
 */

import { writeSync } from "node:fs";
import type { OutputSink } from "../engine/host.js";

export class FdSink implements OutputSink {
  private pending = "";
  constructor(private readonly fd: number) {}

  write(text: string): void {
    this.pending += text;
    if (this.pending.length >= 1 << 16) this.flush();
  }

  flush(): void {
    let bytes = Buffer.from(this.pending, "utf8");
    this.pending = "";
    while (bytes.length > 0) {
      try {
        const written = writeSync(this.fd, bytes);
        bytes = bytes.subarray(written);
      } catch (error) {
        // a full non-blocking pipe: retry; a closed pipe: drop the rest, like `head` expects
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "EAGAIN") continue;
        if (code === "EPIPE") return;
        throw error;
      }
    }
  }
}

export const stdoutSink = new FdSink(1);
export const stderrSink = new FdSink(2);
