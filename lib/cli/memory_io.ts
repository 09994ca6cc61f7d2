/**
 * An in-memory {@linkcode CliIO}: the commands run from a script or a test, their output kept.
 *
 * @module
 */

import type { CliIO } from "./io.ts";

/**
 * A CliIO that keeps what is written; `exit` throws `exit N`.
 *
 * @returns The io, with `stdout` and `stderr` so far.
 *
 * @example
 * ```ts
 * import { memoryIO } from "./memory_io.ts";
 * import assert from "node:assert/strict";
 *
 * const io = memoryIO();
 * io.err("oops\n");
 * assert.equal(io.stderr, "oops\n");
 * assert.throws(() => io.exit(2), /exit 2/);
 * ```
 */
export function memoryIO(): CliIO & { stdout: string; stderr: string } {
  const io = {
    stdout: "",
    stderr: "",
    out: (s: string) => void (io.stdout += s),
    err: (s: string) => void (io.stderr += s),
    exit: ((code: number) => {
      throw new Error(`exit ${code}`);
    }) as (code: number) => never,
    isTerminal: false,
    errIsTerminal: false,
  };
  return io;
}
