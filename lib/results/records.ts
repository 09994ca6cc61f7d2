/**
 * Reading a records file (`*.records.jsonl`) back, one request at a time:
 * the file is streamed (never held in memory whole), so a run of millions of
 * requests reads in constant memory.
 *
 * - {@linkcode readRecordsHeader} returns the first line, the `run` header
 *   (schema version, the clock origin, tool, backend, levels).
 * - {@linkcode readRecords} yields every request record after it, in file
 *   (completion) order, with times relative to the run's origin as written.
 *
 * A records file of an interrupted run may end in a line cut in half (no
 * trailing newline, not valid JSON): it is skipped and reported through
 * `onWarning`, never fatal. Any other invalid line is an error naming the
 * file and the line. Each record is checked by a type guard on every field of
 * {@linkcode RequestRecord} (the type of each field; `chunkMs` is checked to
 * be a list, not element by element) rather than a zod parse: measured on
 * 200 000 records of 16 chunks, reading costs about 2.5 µs a line (read,
 * decode, `JSON.parse`), the guard about 0.05 µs, a zod parse about 1 µs
 * (more for longer streams, as it checks every chunk time): zod would add
 * some 40 % to reading a large file, for checks the guard mostly makes.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import type { RunLine } from "../record/jsonl_sink.ts";
import type { RequestRecord } from "../record/record.ts";
import { VERSION } from "../version.ts";
import { ResultsFormatError } from "./errors.ts";
import { explainJsonError, renderValue } from "./_format.ts";

export type { RunLine } from "../record/jsonl_sink.ts";
export type { RequestRecord } from "../record/record.ts";

/** Bytes read from the file at a time. */
const READ_BYTES = 256 * 1024;

/**
 * The records-file schema versions this splleed reads.
 *
 * @example
 * ```ts
 * import { SUPPORTED_RECORDS_VERSIONS } from "./records.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(SUPPORTED_RECORDS_VERSIONS, [1]);
 * ```
 */
export const SUPPORTED_RECORDS_VERSIONS: readonly number[] = [1];

/** Options of {@linkcode readRecords}. */
export interface ReadRecordsOptions {
  /**
   * Called with a message when something is skipped: a torn last line (an
   * interrupted write), lines of a kind this splleed does not know.
   * @default undefined (skipped without a word)
   */
  onWarning?: (message: string) => void;
}

/**
 * Reads the first line of a records file: the `run` header.
 *
 * @param path The records file.
 * @returns The header (`kind: "run"`, `schemaVersion`, `startedAt`, `clock`,
 *   and whatever else the run wrote: `tool`, `backend`, `model`, `levels`).
 * @throws {ResultsFormatError} When the file is empty, its first line is not
 *   a complete JSON object, not a `run` header, or of a schema version this
 *   splleed does not read.
 * @throws {Deno.errors.NotFound} When the file does not exist (and other I/O errors).
 *
 * @example
 * ```ts
 * import { readRecordsHeader } from "./records.ts";
 * import assert from "node:assert/strict";
 *
 * const path = await Deno.makeTempFile({ suffix: ".jsonl" });
 * await Deno.writeTextFile(
 *   path,
 *   '{"kind":"run","schemaVersion":1,"startedAt":"2026-01-01T00:00:00.000Z",' +
 *     '"clock":{"originMs":10,"originEpochMs":1767225600000}}\n',
 * );
 * const header = await readRecordsHeader(path);
 * assert.equal(header.clock.originEpochMs, 1767225600000);
 * await Deno.remove(path);
 * ```
 */
export async function readRecordsHeader(path: string | URL): Promise<RunLine> {
  const file = fileName(path);
  using f = await Deno.open(path, { read: true });
  const decoder = new TextDecoder();
  const buf = new Uint8Array(65536);
  let text = "";
  let terminated = false;
  for (;;) {
    const n = await f.read(buf);
    if (n === null) break;
    text += decoder.decode(buf.subarray(0, n), { stream: true });
    const nl = text.indexOf("\n");
    if (nl !== -1) {
      text = text.slice(0, nl);
      terminated = true;
      break;
    }
  }
  if (!terminated) text += decoder.decode();
  return parseHeader(text.replace(/\r$/, ""), file, terminated);
}

/**
 * Streams the request records of a records file, in file order (the order
 * requests ended). The `run` header is checked first (read it with
 * {@linkcode readRecordsHeader}); lines of other kinds than `request` are
 * skipped (reported once per kind). Times are milliseconds relative to the
 * run's origin, as written: add `header.clock.originEpochMs` for wall-clock
 * time.
 *
 * The file stays open while the generator runs; it is closed when the
 * generator ends, including a `break` out of a `for await` loop or an error.
 *
 * @param path The records file.
 * @param options `onWarning` for what is skipped.
 * @returns An async generator of records.
 * @throws {ResultsFormatError} (when iterated) When the header is missing or
 *   invalid, or a line other than a torn last one is not valid JSON or not a
 *   valid record; the message names the file and the line.
 * @throws {Deno.errors.NotFound} (when iterated) When the file does not exist.
 *
 * @example
 * ```ts
 * import { readRecords } from "./records.ts";
 * import assert from "node:assert/strict";
 *
 * const header = '{"kind":"run","schemaVersion":1,"startedAt":"2026-01-01T00:00:00.000Z",' +
 *   '"clock":{"originMs":0,"originEpochMs":1767225600000}}';
 * const rec = (id: number) => JSON.stringify({
 *   kind: "request", id, phase: "measure", level: 0, trial: 0, promptIndex: id,
 *   scheduledMs: 0, queueMs: 0, sentMs: 0.1, headersMs: 1, firstTokenMs: 5, endMs: 9,
 *   outputTokens: 2, outputTokensSource: "usage", promptTokens: 7, status: 200, ok: true,
 *   error: null, chunkMs: [5, 9],
 * });
 * const path = await Deno.makeTempFile({ suffix: ".jsonl" });
 * // An interrupted run: the last line is cut in half.
 * await Deno.writeTextFile(path, [header, rec(0), rec(1), rec(2).slice(0, 40)].join("\n"));
 * const warnings: string[] = [];
 * const ids: number[] = [];
 * for await (const r of readRecords(path, { onWarning: (m) => warnings.push(m) })) ids.push(r.id);
 * assert.deepEqual(ids, [0, 1]);
 * assert.match(warnings[0], /the last line \(line 4\) is cut short/);
 * await Deno.remove(path);
 * ```
 */
export async function* readRecords(
  path: string | URL,
  options: ReadRecordsOptions = {},
): AsyncGenerator<RequestRecord, void, undefined> {
  const file = fileName(path);
  const onWarning = options.onWarning;
  let rest = "";
  let lineNo = 0;
  let header: RunLine | null = null;
  const skipped = new Set<string>();
  const handle = (line: string, terminated: boolean): RequestRecord | null => {
    lineNo++;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (header === null) {
      header = parseHeader(line, file, terminated);
      return null;
    }
    if (line.trim() === "") return null;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      const p = explainJsonError(line, err);
      if (!terminated) {
        onWarning?.(
          `${file}: the last line (line ${lineNo}) is cut short (an interrupted write?); ` +
            `skipped it: ${p.reason}`,
        );
        return null;
      }
      throw new ResultsFormatError(
        file,
        p.truncated ? "truncated" : "not_json",
        `line ${lineNo} is not valid JSON: ${p.reason}${
          p.column === null ? "" : ` at column ${p.column}`
        }; expected one request record`,
        { line: lineNo, cause: err },
      );
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw lineError(file, lineNo, `expected a JSON object, got ${renderValue(value)}`);
    }
    const o = value as Record<string, unknown>;
    if (o.kind !== "request") {
      if (typeof o.kind !== "string") {
        throw lineError(
          file,
          lineNo,
          `expected a record with "kind": "request", got "kind" ${renderValue(o.kind)}`,
        );
      }
      if (!skipped.has(o.kind)) {
        skipped.add(o.kind);
        onWarning?.(
          `${file}: line ${lineNo}: skipped lines of kind ${
            JSON.stringify(o.kind)
          }, which this splleed (${VERSION}) does not know`,
        );
      }
      return null;
    }
    const problem = recordProblem(o);
    if (problem !== null) throw lineError(file, lineNo, problem);
    return toRecord(o);
  };
  // Read and decode by hand (not through a ReadableStream): the file is
  // closed the moment the loop ends, by a break or an error, not a tick later.
  using f = await Deno.open(path, { read: true });
  const decoder = new TextDecoder();
  const buf = new Uint8Array(READ_BYTES);
  for (;;) {
    const n = await f.read(buf);
    rest += n === null ? decoder.decode() : decoder.decode(buf.subarray(0, n), { stream: true });
    let start = 0;
    for (let nl = rest.indexOf("\n"); nl !== -1; nl = rest.indexOf("\n", start)) {
      const rec = handle(rest.slice(start, nl), true);
      start = nl + 1;
      if (rec !== null) yield rec;
    }
    rest = start === 0 ? rest : rest.slice(start);
    if (n === null) break;
  }
  if (rest !== "") {
    const rec = handle(rest, false);
    if (rec !== null) yield rec;
  }
  if (header === null) {
    throw new ResultsFormatError(
      file,
      "empty",
      'the file is empty; expected a records file whose first line is a "run" header',
      { line: 1 },
    );
  }
}

function fileName(path: string | URL): string {
  return typeof path === "string" ? path : fileURLToPath(path);
}

function lineError(file: string, line: number, detail: string): ResultsFormatError {
  return new ResultsFormatError(file, "invalid_fields", `line ${line}: ${detail}`, { line });
}

/** Validates the first line. */
function parseHeader(line: string, file: string, terminated: boolean): RunLine {
  const expected = 'expected a records file whose first line is a "run" header';
  if (line.trim() === "") {
    const what = terminated ? "the first line is empty" : "the file is empty";
    throw new ResultsFormatError(file, "empty", `${what}; ${expected}`, { line: 1 });
  }
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    const p = explainJsonError(line, err);
    if (line.trim() === "{") {
      throw new ResultsFormatError(
        file,
        "not_splleed",
        `${expected}, got a multi-line JSON document (a results document? read it with readResults())`,
        { line: 1, cause: err },
      );
    }
    const cut = p.truncated && !terminated;
    throw new ResultsFormatError(
      file,
      cut ? "truncated" : "not_json",
      `${expected}, but line 1 is ${
        cut ? "cut short (truncated?)" : "not valid JSON"
      }: ${p.reason}`,
      { line: 1, cause: err },
    );
  }
  const h = value as Record<string, unknown>;
  if (typeof h !== "object" || h === null || Array.isArray(h) || h.kind !== "run") {
    const got = typeof h === "object" && h !== null && !Array.isArray(h)
      ? `a line with "kind" ${renderValue(h.kind)}`
      : renderValue(h);
    throw new ResultsFormatError(file, "not_splleed", `${expected}, got ${got}`, { line: 1 });
  }
  const version = h.schemaVersion;
  if (typeof version !== "number" || !SUPPORTED_RECORDS_VERSIONS.includes(version)) {
    const reads = `this splleed (${VERSION}) reads records schema version ${
      SUPPORTED_RECORDS_VERSIONS.join(", ")
    }`;
    const tool = h.tool as { version?: unknown } | undefined;
    const writer = typeof tool?.version === "string"
      ? `splleed ${tool.version}`
      : "a newer splleed";
    if (
      typeof version === "number" && Number.isInteger(version) &&
      version > Math.max(...SUPPORTED_RECORDS_VERSIONS)
    ) {
      throw new ResultsFormatError(
        file,
        "newer_version",
        `it has records schema version ${version}, written by ${writer}, newer than ${reads}; ` +
          "upgrade splleed to read it",
        { line: 1 },
      );
    }
    throw new ResultsFormatError(
      file,
      "unsupported_version",
      `records schema version ${renderValue(version)} is not supported: ${reads}`,
      { line: 1 },
    );
  }
  const clock = h.clock as Record<string, unknown> | undefined;
  const bad = typeof h.startedAt !== "string"
    ? `'startedAt' must be a string, got ${renderValue(h.startedAt)}`
    : typeof clock !== "object" || clock === null
    ? `'clock' must be an object, got ${renderValue(clock)}`
    : typeof clock.originMs !== "number"
    ? `'clock.originMs' must be a number, got ${renderValue(clock.originMs)}`
    : typeof clock.originEpochMs !== "number"
    ? `'clock.originEpochMs' must be a number, got ${renderValue(clock.originEpochMs)}`
    : null;
  if (bad !== null) {
    throw new ResultsFormatError(file, "invalid_fields", `line 1 (the "run" header): ${bad}`, {
      line: 1,
    });
  }
  return h as RunLine;
}

const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const isNum = (v: unknown): v is number => typeof v === "number";
const isNumOrNull = (v: unknown): boolean => v === null || typeof v === "number";

/**
 * What is wrong with a `request` line, or null when its every field has the
 * type {@linkcode RequestRecord} says. Cheap: no allocation on success.
 */
function recordProblem(o: Record<string, unknown>): string | null {
  const must = (field: string, expected: string) =>
    `'${field}' must be ${expected}, got ${renderValue(o[field])}`;
  if (!isCount(o.id)) return must("id", "a non-negative integer");
  if (o.phase !== "measure" && o.phase !== "warmup") return must("phase", '"measure" or "warmup"');
  if (!isCount(o.level)) return must("level", "a non-negative integer");
  if (!Number.isInteger(o.trial) || (o.trial as number) < -1) {
    return must("trial", "an integer >= -1");
  }
  if (!isCount(o.promptIndex)) return must("promptIndex", "a non-negative integer");
  if (!isNum(o.scheduledMs)) return must("scheduledMs", "a number");
  if (!isNum(o.queueMs)) return must("queueMs", "a number");
  if (!isNum(o.sentMs)) return must("sentMs", "a number");
  if (!isNumOrNull(o.headersMs)) return must("headersMs", "a number or null");
  if (!isNumOrNull(o.firstTokenMs)) return must("firstTokenMs", "a number or null");
  if (!isNumOrNull(o.endMs)) return must("endMs", "a number or null");
  if (!Array.isArray(o.chunkMs)) return must("chunkMs", "a list of numbers");
  if (!isNumOrNull(o.outputTokens)) return must("outputTokens", "a number or null");
  const src = o.outputTokensSource;
  if (src !== null && src !== "usage" && src !== "chunks") {
    return must("outputTokensSource", '"usage", "chunks" or null');
  }
  if (!isNumOrNull(o.promptTokens)) return must("promptTokens", "a number or null");
  if (!isNumOrNull(o.status)) return must("status", "a number or null");
  if (typeof o.ok !== "boolean") return must("ok", "true or false");
  const e = o.error as Record<string, unknown> | null;
  if (
    e !== null &&
    (typeof e !== "object" || typeof e.reason !== "string" || typeof e.message !== "string")
  ) {
    return must("error", 'null or { "reason": string, "message": string }');
  }
  if (o.toolCalls !== undefined && !isCount(o.toolCalls)) {
    return must("toolCalls", "a non-negative integer (or absent)");
  }
  const st = o.structured as Record<string, unknown> | undefined;
  if (
    st !== undefined &&
    (st === null || typeof st !== "object" || typeof st.valid !== "boolean" ||
      (st.error !== undefined && typeof st.error !== "string"))
  ) {
    return must("structured", '{ "valid": boolean, "error"?: string } (or absent)');
  }
  return null;
}

/** The record, fields in {@linkcode RequestRecord}'s order, without `kind`. */
function toRecord(o: Record<string, unknown>): RequestRecord {
  return {
    id: o.id as number,
    phase: o.phase as RequestRecord["phase"],
    level: o.level as number,
    trial: o.trial as number,
    promptIndex: o.promptIndex as number,
    scheduledMs: o.scheduledMs as number,
    queueMs: o.queueMs as number,
    sentMs: o.sentMs as number,
    headersMs: o.headersMs as number | null,
    firstTokenMs: o.firstTokenMs as number | null,
    endMs: o.endMs as number | null,
    chunkMs: o.chunkMs as number[],
    outputTokens: o.outputTokens as number | null,
    outputTokensSource: o.outputTokensSource as RequestRecord["outputTokensSource"],
    promptTokens: o.promptTokens as number | null,
    status: o.status as number | null,
    ok: o.ok as boolean,
    error: o.error as RequestRecord["error"],
    // Fields added later in version 1: present only when the writer knew them.
    ...(Array.isArray(o.flags) ? { flags: o.flags as RequestRecord["flags"] } : {}),
    ...(o.reasoningTokens !== undefined
      ? { reasoningTokens: o.reasoningTokens as number | null }
      : {}),
    ...(typeof o.hiddenTokens === "number" ? { hiddenTokens: o.hiddenTokens } : {}),
    ...(typeof o.attempts === "number" ? { attempts: o.attempts } : {}),
    ...(o.toolCalls !== undefined ? { toolCalls: o.toolCalls as number } : {}),
    ...(o.structured !== undefined
      ? { structured: o.structured as NonNullable<RequestRecord["structured"]> }
      : {}),
  };
}
