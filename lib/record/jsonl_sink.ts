/**
 * Streams records to a JSON Lines file as they complete, so that a run that
 * is interrupted or whose server crashes leaves every finished measurement on
 * disk. Lines are gathered for at most {@linkcode FLUSH_AFTER_MS} (or 64 KiB)
 * and written together: when a thousand requests of a closed loop finish at
 * once, a write per line would hold the event loop for tens of milliseconds
 * and delay the reads of the requests still running. `close()` writes what
 * is left, so an interrupted run (Ctrl-C) loses nothing; only a crash of
 * splleed itself could lose the last few milliseconds.
 *
 * @module
 */

import { dirname } from "node:path";
import { redactDeep } from "../util/redact.ts";
import type { RequestRecord } from "./record.ts";

const encoder = new TextEncoder();

/** Longest a finished record waits in memory before it is written (ms). */
export const FLUSH_AFTER_MS = 50;
/** Buffered bytes that trigger a write. */
const FLUSH_BYTES = 65536;

/** Header line of a records file: what the relative times mean. */
export interface RunLine {
  /** Line kind. */
  kind: "run";
  /** Records file format version. */
  schemaVersion: 1;
  /** Wall-clock time (ISO-8601) of the monotonic origin. */
  startedAt: string;
  /** The monotonic origin: record times are `performance.now() - originMs`. */
  clock: { originMs: number; originEpochMs: number };
  /** Anything else worth knowing to read the records (backend, levels). */
  [key: string]: unknown;
}

/**
 * Rounds a time to microseconds for compact, exact-enough output.
 *
 * @param ms Milliseconds.
 * @returns The value rounded to 3 decimals.
 *
 * @example
 * ```ts
 * import { roundUs } from "./jsonl_sink.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(roundUs(1.23456), 1.235);
 * ```
 */
export function roundUs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/**
 * Serialises a record as one JSON line, times made relative to the run's
 * monotonic origin and rounded to microseconds.
 *
 * @param rec The record (times absolute, `performance.now()` scale).
 * @param originMs The run's monotonic origin.
 * @returns The line, with its trailing newline.
 *
 * @example
 * ```ts
 * import { recordLine } from "./jsonl_sink.ts";
 * import { newRecord } from "./record.ts";
 * import assert from "node:assert/strict";
 *
 * const line = recordLine(newRecord(1, "measure", 0, 0, 0, 1.0000004));
 * assert.equal(JSON.parse(line).scheduledMs, 1);
 * assert.equal(JSON.parse(line).kind, "request");
 * ```
 */
export function recordLine(rec: RequestRecord, originMs = 0): string {
  const chunks = rec.chunkMs;
  const rounded = new Array<number>(chunks.length);
  for (let i = 0; i < chunks.length; i++) rounded[i] = roundUs(chunks[i] - originMs);
  return JSON.stringify({
    kind: "request",
    id: rec.id,
    phase: rec.phase,
    level: rec.level,
    trial: rec.trial,
    promptIndex: rec.promptIndex,
    scheduledMs: roundUs(rec.scheduledMs - originMs),
    queueMs: roundUs(rec.queueMs),
    sentMs: roundUs(rec.sentMs - originMs),
    headersMs: rec.headersMs === null ? null : roundUs(rec.headersMs - originMs),
    firstTokenMs: rec.firstTokenMs === null ? null : roundUs(rec.firstTokenMs - originMs),
    endMs: rec.endMs === null ? null : roundUs(rec.endMs - originMs),
    outputTokens: rec.outputTokens,
    outputTokensSource: rec.outputTokensSource,
    promptTokens: rec.promptTokens,
    status: rec.status,
    ok: rec.ok,
    error: rec.error,
    flags: rec.flags,
    reasoningTokens: rec.reasoningTokens ?? null,
    hiddenTokens: rec.hiddenTokens,
    attempts: rec.attempts,
    toolCalls: rec.toolCalls,
    structured: rec.structured,
    chunkMs: rounded,
  }) + "\n";
}

/** Where records go. */
export interface RecordSink {
  /** Path of the file, or null for a sink that keeps nothing. */
  readonly path: string | null;
  /** Number of request lines written. */
  readonly written: number;
  /** Writes one record (on disk within {@linkcode FLUSH_AFTER_MS}, and at `close()`). */
  write(rec: RequestRecord): void;
  /** Closes the file. Further writes are ignored. */
  close(): void;
}

/**
 * Opens (truncating) a JSONL records file and writes its `run` header line,
 * redacted (`redactDeep`: it describes the backend). Record times are
 * written relative to `header.clock.originMs`; record error messages are
 * redacted when recorded (`failRecord`).
 *
 * @param path File path; parent directories are created.
 * @param header The run line.
 * @returns The sink.
 * @throws {Deno.errors.PermissionDenied} Or other I/O errors when the file cannot be created.
 *
 * @example
 * ```ts
 * import { openJsonlSink } from "./jsonl_sink.ts";
 * import { newRecord } from "./record.ts";
 * import assert from "node:assert/strict";
 *
 * const path = await Deno.makeTempFile({ suffix: ".jsonl" });
 * const sink = openJsonlSink(path, {
 *   kind: "run", schemaVersion: 1, startedAt: new Date().toISOString(),
 *   clock: { originMs: 0, originEpochMs: Date.now() },
 * });
 * sink.write(newRecord(0, "measure", 0, 0, 0, 0));
 * sink.close();
 * const lines = (await Deno.readTextFile(path)).trim().split("\n");
 * assert.equal(lines.length, 2);
 * await Deno.remove(path);
 * ```
 */
export function openJsonlSink(path: string, header: RunLine): RecordSink {
  Deno.mkdirSync(dirname(path), { recursive: true });
  const file = Deno.openSync(path, { write: true, create: true, truncate: true });
  let open = true;
  let written = 0;
  const origin = header.clock.originMs;
  // Lines are encoded into one reused buffer: no allocation per record.
  let buf = new Uint8Array(4 * FLUSH_BYTES);
  let used = 0;
  let oldest = 0; // when the oldest buffered line was added
  const flush = () => {
    let off = 0;
    while (off < used) off += file.writeSync(buf.subarray(off, used));
    used = 0;
  };
  const add = (line: string) => {
    // UTF-8 needs at most 3 bytes per UTF-16 unit.
    const need = line.length * 3;
    if (buf.length - used < need) {
      flush();
      if (buf.length < need) buf = new Uint8Array(need);
    }
    if (used === 0) oldest = performance.now();
    used += encoder.encodeInto(line, buf.subarray(used)).written;
    if (used >= FLUSH_BYTES || performance.now() - oldest >= FLUSH_AFTER_MS) flush();
  };
  add(JSON.stringify(redactDeep(header)) + "\n");
  flush();
  // Lines of a quiet stretch are written on a timer that does not keep the
  // process alive.
  const timer = setInterval(() => {
    if (used > 0 && performance.now() - oldest >= FLUSH_AFTER_MS) flush();
  }, FLUSH_AFTER_MS);
  Deno.unrefTimer(timer);
  return {
    path,
    get written() {
      return written;
    },
    write(rec: RequestRecord) {
      if (!open) return;
      add(recordLine(rec, origin));
      written++;
    },
    close() {
      if (!open) return;
      open = false;
      clearInterval(timer);
      flush();
      file.close();
    },
  };
}

/**
 * A sink that keeps nothing (`records: false`).
 *
 * @returns The sink.
 *
 * @example
 * ```ts
 * import { nullSink } from "./jsonl_sink.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(nullSink().path, null);
 * ```
 */
export function nullSink(): RecordSink {
  let written = 0;
  return {
    path: null,
    get written() {
      return written;
    },
    write() {
      written++;
    },
    close() {},
  };
}
