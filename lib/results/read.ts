/**
 * Reading a results document back: from `results.json`, from its text, or
 * from a value already parsed (a history store's row). Every finished run
 * can start compare, regression checks and reports this way, exactly as a
 * user's script would.
 *
 * Checks run in order, so that each file gets the message that helps: is it
 * JSON at all (and complete), is it a splleed results document, is its schema
 * version one this splleed reads, and only then are its fields valid.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { VERSION } from "../version.ts";
import type { ResultsDocument } from "./document.ts";
import { ResultsFormatError } from "./errors.ts";
import { explainJsonError, renderValue, zodIssues } from "./_format.ts";
import { resultsDocumentSchema, SUPPORTED_RESULTS_VERSIONS } from "./schema.ts";

/** Issues listed in a message before the rest are counted. */
const MAX_LISTED_ISSUES = 10;

/**
 * Reads a results document back: from a path (or `file:` URL) to
 * `results.json`, or from the document's JSON text (a string whose first
 * character after white space is `{`). Validates it against schema version 1.
 *
 * Metric values written as `null` (NaN or ±Infinity in the run) read back as
 * NaN; keys this splleed does not know are dropped. Relative paths inside the
 * document (`recordsFile`) are returned as written.
 *
 * @param pathOrText A path, a `file:` URL, or the JSON text itself.
 * @returns The document.
 * @throws {ResultsFormatError} When the text is empty, not (complete) JSON,
 *   not a splleed results document, of a schema version this splleed does
 *   not read, or has invalid fields; `problem` says which, and the message
 *   names the file, what was expected and what was found.
 * @throws {Deno.errors.NotFound} When the file does not exist (and other
 *   I/O errors of `Deno.readTextFile`).
 *
 * @example
 * ```ts
 * import { readResults } from "./read.ts";
 * import assert from "node:assert/strict";
 *
 * const doc = {
 *   schemaVersion: 1,
 *   tool: { name: "splleed", version: "0.1.0", deno: "2.9.6" },
 *   config: {}, backend: { kind: "simulator" },
 *   startedAt: "2026-01-01T00:00:00.000Z", finishedAt: "2026-01-01T00:00:01.000Z",
 *   interrupted: false, interruption: null, warnings: [], recordsFile: null,
 *   levels: [{
 *     mode: "latency", concurrency: 1, errors: {},
 *     trials: [{ metrics: { ttft_p50_ms: 12 }, errors: {}, complete: true }],
 *     summary: { ttft_p50_ms: { value: 12, ci: null, trials: [12] } },
 *   }],
 * };
 * const path = await Deno.makeTempFile({ suffix: ".json" });
 * await Deno.writeTextFile(path, JSON.stringify(doc));
 * const read = await readResults(path);
 * assert.equal(read.levels[0].summary.ttft_p50_ms.value, 12);
 *
 * // The text works too; a cut file says so.
 * const text = JSON.stringify(doc, null, 2);
 * assert.deepEqual(await readResults(text), read);
 * await assert.rejects(readResults(text.slice(0, 200)), /not a complete JSON document \(truncated\?\)/);
 * await Deno.remove(path);
 * ```
 */
export async function readResults(pathOrText: string | URL): Promise<ResultsDocument> {
  if (typeof pathOrText === "string" && /^\s*\{/.test(pathOrText)) {
    return parseResultsText(pathOrText, "the results text");
  }
  const file = typeof pathOrText === "string" ? pathOrText : fileURLToPath(pathOrText);
  const text = await Deno.readTextFile(pathOrText);
  return parseResultsText(text, file);
}

/**
 * Parses the JSON text of a results document and validates it.
 *
 * @param text The text.
 * @param file The file it came from, for messages.
 * @returns The document.
 * @throws {ResultsFormatError} As {@linkcode readResults}.
 *
 * @example
 * ```ts
 * import { parseResultsText } from "./read.ts";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => parseResultsText("[1, 2]", "a.json"), /Cannot read a.json: expected a splleed results document/);
 * ```
 */
export function parseResultsText(text: string, file: string): ResultsDocument {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte-order mark
  if (text.trim() === "") {
    throw new ResultsFormatError(
      file,
      "empty",
      "the file is empty; expected a splleed results document (JSON)",
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw jsonError(text, file, err);
  }
  return parseResults(value, file);
}

/**
 * Validates a value that is already parsed (a row of a history store, a
 * document received over the network) as a results document.
 *
 * @param value The parsed JSON value.
 * @param file What it came from, for messages.
 * @returns The document (a new object; `null` metrics become NaN).
 * @throws {ResultsFormatError} When it is not a splleed results document, is
 *   of a schema version this splleed does not read, or has invalid fields.
 *
 * @example
 * ```ts
 * import { parseResults } from "./read.ts";
 * import assert from "node:assert/strict";
 *
 * assert.throws(
 *   () => parseResults({ schemaVersion: 9, tool: { name: "splleed", version: "3.0.0" } }, "old.json"),
 *   /written by splleed 3.0.0, newer than this splleed/,
 * );
 * ```
 */
export function parseResults(value: unknown, file = "the results document"): ResultsDocument {
  checkIdentity(value, file);
  const r = resultsDocumentSchema.safeParse(value, { reportInput: true });
  if (r.success) return r.data;
  const issues = zodIssues(r.error.issues);
  const lines = issues.slice(0, MAX_LISTED_ISSUES).map((i) =>
    i.path === ""
      ? `the document must be ${i.expected}, got ${i.received}`
      : `'${i.path}' must be ${i.expected}, got ${i.received}`
  );
  if (issues.length > MAX_LISTED_ISSUES) {
    lines.push(`... and ${issues.length - MAX_LISTED_ISSUES} more`);
  }
  const head = "not a valid splleed results document (schema version 1):";
  throw new ResultsFormatError(
    file,
    "invalid_fields",
    lines.length === 1
      ? `${head} ${lines[0]}`
      : `${head}\n${lines.map((l) => `  - ${l}`).join("\n")}`,
    { issues },
  );
}

/** Is it splleed's, and of a version this splleed reads? */
function checkIdentity(value: unknown, file: string): void {
  const expected = 'expected a splleed results document (an object with "schemaVersion" and ' +
    '"tool": { "name": "splleed" })';
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ResultsFormatError(file, "not_splleed", `${expected}, got ${kindOf(value)}`);
  }
  const doc = value as Record<string, unknown>;
  if (doc.kind === "run") {
    throw new ResultsFormatError(
      file,
      "not_splleed",
      `${expected}, got the header of a records file (JSON Lines): read it with readRecords()`,
    );
  }
  const tool = doc.tool as Record<string, unknown> | undefined;
  const name = typeof tool === "object" && tool !== null ? tool.name : undefined;
  if (name !== "splleed" || !("schemaVersion" in doc)) {
    const found = name !== "splleed"
      ? (tool === undefined ? 'no "tool"' : `"tool.name" ${renderValue(name)}`)
      : 'no "schemaVersion"';
    const keys = Object.keys(doc);
    throw new ResultsFormatError(
      file,
      "not_splleed",
      `${expected}, got an object with ${found} (its keys: ${
        keys.length === 0 ? "none" : keys.slice(0, 8).join(", ") + (keys.length > 8 ? ", ..." : "")
      })`,
    );
  }
  const version = doc.schemaVersion;
  if (typeof version === "number" && SUPPORTED_RESULTS_VERSIONS.includes(version)) return;
  const reads = `this splleed (${VERSION}) reads schema version ${
    SUPPORTED_RESULTS_VERSIONS.join(", ")
  }`;
  const newest = Math.max(...SUPPORTED_RESULTS_VERSIONS);
  if (typeof version === "number" && Number.isInteger(version) && version > newest) {
    const writer = typeof tool?.version === "string"
      ? `splleed ${tool.version}`
      : "a newer splleed";
    throw new ResultsFormatError(
      file,
      "newer_version",
      `it has schema version ${version}, written by ${writer}, newer than ${reads}; ` +
        `upgrade splleed${
          typeof tool?.version === "string" ? ` to ${tool.version} or later` : ""
        } to read it`,
    );
  }
  throw new ResultsFormatError(
    file,
    "unsupported_version",
    `schema version ${renderValue(version)} is not supported: ${reads}`,
  );
}

function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  return `${typeof v === "object" ? "an" : "a"} ${typeof v} (${renderValue(v)})`;
}

function jsonError(text: string, file: string, err: unknown): ResultsFormatError {
  const p = explainJsonError(text, err);
  const where = p.line === null
    ? ""
    : ` at line ${p.line}${p.truncated ? "" : ` column ${p.column}`}`;
  // A records file given by mistake: its first line is a "run" header.
  const first = text.slice(0, text.indexOf("\n") >>> 0);
  if (!p.truncated && /^\s*\{\s*"kind"\s*:\s*"run"/.test(first)) {
    return new ResultsFormatError(
      file,
      "not_splleed",
      "expected a splleed results document (one JSON object), got a records file " +
        "(JSON Lines, one request per line): read it with readRecords()",
      { cause: err, line: p.line },
    );
  }
  return p.truncated
    ? new ResultsFormatError(
      file,
      "truncated",
      `it is not a complete JSON document (truncated?): ${p.reason}${where}`,
      { cause: err, line: p.line },
    )
    : new ResultsFormatError(file, "not_json", `it is not valid JSON: ${p.reason}${where}`, {
      cause: err,
      line: p.line,
    });
}
