/**
 * The timeline of a finished run, written to a file: the results document
 * (its clock and telemetry) and its records file read back
 * (`readRecordsHeader`, `readRecords`), rendered by `lib/trace/timeline.ts`
 * (`perfetto` or `simple`; see there for the formats and how to place them
 * beside an Nsight Systems or PyTorch profiler trace).
 *
 * @module
 */

import { basename, dirname, join, resolve } from "node:path";
import { ConfigError } from "../config/errors.ts";
import type { ResultsDocument } from "../results/document.ts";
import { readRecords, readRecordsHeader, type RequestRecord } from "../results/records.ts";
import { exportTimeline, TIMELINE_FORMATS, type TimelineFormat } from "../trace/timeline.ts";
import { isFile } from "./_files.ts";

export { TIMELINE_FORMATS, type TimelineFormat } from "../trace/timeline.ts";

/** Options of {@linkcode timelineText} and {@linkcode writeTimeline}. */
export interface TimelineExportOptions {
  /** `perfetto` (Chrome Trace Event JSON, opens in ui.perfetto.dev) or `simple` (epoch ns). @default "perfetto" */
  format?: TimelineFormat;
  /**
   * The results file the document was read from: when the records file is
   * not where the document says, it is looked for beside it (a run's
   * folder moved or copied). @default undefined (only the path as written)
   */
  resultsPath?: string;
  /** Called with a message for what is skipped in the records file (a torn last line). @default undefined */
  onWarning?: (message: string) => void;
}

/** The records file of a document: as written, else beside the results file. */
async function recordsPath(doc: ResultsDocument, resultsPath: string | undefined): Promise<string> {
  const written = doc.recordsFile;
  if (written === null || written === undefined) {
    throw new ConfigError("timeline export", [{
      path: "recordsFile",
      expected: "the path of the run's per-request records file (the timeline is drawn from them)",
      received: "none: the run kept no records (run it again without 'records: false')",
    }]);
  }
  const tried = [written];
  if (await isFile(written)) return written;
  if (resultsPath !== undefined) {
    const beside = join(dirname(resolve(resultsPath)), basename(written));
    tried.push(beside);
    if (await isFile(beside)) return beside;
  }
  throw new ConfigError("timeline export", [{
    path: "recordsFile",
    expected: "an existing records file",
    received: `${tried.map((p) => JSON.stringify(p)).join(" and ")}, which ${
      tried.length > 1 ? "do" : "does"
    } not exist`,
  }]);
}

/**
 * The timeline of a run as JSON text, its records read back from the file
 * the document names.
 *
 * @param doc The results document.
 * @param options `format`, `resultsPath`, `onWarning`.
 * @returns The JSON text.
 * @throws {ConfigError} When the run kept no records file, or it cannot
 *   be found; or `format` is unknown.
 * @throws {import("../results/errors.ts").ResultsFormatError} When the
 *   records file is not a splleed records file, or a line is invalid.
 *
 * @example
 * ```ts
 * import { timelineText } from "./timeline.ts";
 * import { fixtureDocument } from "../results/fixtures.ts";
 * import assert from "node:assert/strict";
 *
 * const records = await Deno.makeTempFile({ suffix: ".records.jsonl" });
 * await Deno.writeTextFile(records, [
 *   '{"kind":"run","schemaVersion":1,"startedAt":"2026-01-01T00:00:00.000Z",' +
 *     '"clock":{"originMs":0,"originEpochMs":1767225600000}}',
 *   JSON.stringify({ kind: "request", id: 0, phase: "measure", level: 0, trial: 0, promptIndex: 0,
 *     scheduledMs: 1, queueMs: 0, sentMs: 1, headersMs: 2, firstTokenMs: 3, endMs: 9,
 *     chunkMs: [3, 9], outputTokens: 2, outputTokensSource: "usage", promptTokens: 4,
 *     status: 200, ok: true, error: null }),
 * ].join("\n") + "\n");
 * const doc = { ...fixtureDocument([]), recordsFile: records };
 * const text = await timelineText(doc, { format: "simple" });
 * assert.match(text, /"end_ns":1767225600009000000/);
 * await Deno.remove(records);
 * await assert.rejects(timelineText({ ...doc, recordsFile: null }), /the run kept no records/);
 * ```
 */
export async function timelineText(
  doc: ResultsDocument,
  options: TimelineExportOptions = {},
): Promise<string> {
  const format = options.format ?? "perfetto";
  if (!TIMELINE_FORMATS.includes(format)) {
    throw new ConfigError("timeline export", [{
      path: "format",
      expected: `one of ${TIMELINE_FORMATS.join(", ")}`,
      received: JSON.stringify(format),
    }]);
  }
  const path = await recordsPath(doc, options.resultsPath);
  const header = await readRecordsHeader(path);
  const records: RequestRecord[] = [];
  for await (const r of readRecords(path, { onWarning: options.onWarning })) records.push(r);
  return exportTimeline(doc, header, records, { format });
}

/**
 * Writes the timeline of a run to a file (parent folders created).
 *
 * @param doc The results document.
 * @param path Where to write it.
 * @param options `format`, `resultsPath`, `onWarning`.
 * @throws {ConfigError} As {@linkcode timelineText}.
 * @throws {import("../results/errors.ts").ResultsFormatError} As {@linkcode timelineText}.
 */
export async function writeTimeline(
  doc: ResultsDocument,
  path: string,
  options: TimelineExportOptions = {},
): Promise<void> {
  const text = await timelineText(doc, options);
  await Deno.mkdir(dirname(resolve(path)), { recursive: true });
  await Deno.writeTextFile(path, text);
}
