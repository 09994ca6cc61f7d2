/**
 * The `file` source: prompt files in text (one prompt a line), JSON (an
 * array of strings or of objects), JSONL (one object a line) and CSV (a
 * header row; the prompt in a named column). Objects hold `prompt` (or the
 * field named by `column`) or an OpenAI `messages` history, and optionally
 * `output_len` (or `max_tokens`) and request fields sent with that item
 * under their OpenAI names: `response_format`, `tools`, `tool_choice`,
 * `temperature`, and `extra` (an object merged into its body last). The
 * source's `responseFormat` goes to every item without one of its own, and
 * `schemaColumn` names a field or CSV column holding each item's JSON
 * schema (a `json_schema` response format). Format `prompts` is the older `prompts: { file }` field's
 * (by the name: `.json` a JSON list, `.jsonl`/`.ndjson` JSON lines, else
 * text; items are strings or objects with `prompt` or `text`; see
 * `prompts.ts`): the spec schema turns that field into this source. A file
 * that is not UTF-8 text is refused, whatever its format.
 *
 * @module
 */

import { parse as parseCsv } from "npm:csv-parse@^7.0.3/sync";
import { ConfigError } from "../config/errors.ts";
import { type Draft, lastTurn, toMessages } from "./conversation.ts";
import { decodeTextFile, parsePromptsText } from "./prompts.ts";
import { requestsWorkload } from "./requests.ts";
import type { SourceLoader } from "./source.ts";
import type { ItemRequest, WorkloadItem } from "./types.ts";
import { registerSecretValues } from "../config/json_fields.ts";

/**
 * Loads a prompt file.
 *
 * @param w The validated source (`path`, `format`, `column`).
 * @param ctx The context (the path is resolved against its base folder).
 * @returns The workload; the description has `path`, and `format` and `column` when given.
 * @throws {ConfigError} When the file cannot be read, is not UTF-8 text (see
 *   `decodeTextFile`), or does not fit its format.
 *
 * @example
 * ```ts
 * import { fileSource } from "./file_source.ts";
 * import { sourceContext } from "./source.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/p.txt`, "one\ntwo\n");
 * const w = await fileSource({ source: "file", path: "p.txt" }, sourceContext({ baseDir: dir }));
 * assert.deepEqual(w.items, [{ prompt: "one" }, { prompt: "two" }]);
 * assert.deepEqual(w.description, { source: "file", path: "p.txt", count: 2 });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export const fileSource: SourceLoader<"file"> = async (w, ctx) => {
  const older = w.format === "prompts";
  const field = older ? "prompts.file" : "workload.path";
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(ctx.path(w.path));
  } catch (err) {
    throw new ConfigError("benchmark", [{
      path: field,
      expected: "a readable file",
      received: `${JSON.stringify(w.path)} (${err instanceof Error ? err.message : err})`,
    }]);
  }
  const text = decodeTextFile(bytes, w.path, field);
  const drafts: Draft[] = w.format === "prompts"
    ? parsePromptsText(text, w.path).map((prompt) => ({ item: { prompt } }))
    : parseWorkloadFile(text, w.path, {
      format: w.format,
      column: w.column,
      schemaColumn: w.schemaColumn,
    });
  if (older && w.schemaColumn !== undefined) {
    throw new ConfigError("benchmark", [{
      path: "workload.schemaColumn",
      expected: 'absent with format "prompts" (its items hold no schema; use json, jsonl or csv)',
      received: JSON.stringify(w.schemaColumn),
    }]);
  }
  if (w.responseFormat !== undefined) {
    for (const d of drafts) {
      if (d.item.request?.responseFormat === undefined) {
        d.item.request = { ...d.item.request, responseFormat: w.responseFormat };
      }
    }
  }
  const description: Record<string, unknown> = { path: w.path };
  if (w.format) description.format = w.format;
  if (w.column) description.column = w.column;
  if (w.schemaColumn) description.schemaColumn = w.schemaColumn;
  const structured = drafts.filter((d) => d.item.request?.responseFormat !== undefined).length;
  const tools = drafts.filter((d) => d.item.request?.tools !== undefined).length;
  if (structured > 0) description.structuredItems = structured;
  if (tools > 0) description.toolItems = tools;
  return await requestsWorkload({ drafts, description }, w, ctx);
};

/** A prompt file's format. */
export type FileFormat = "text" | "json" | "jsonl" | "csv";

/** Options of {@linkcode parseWorkloadFile}. */
export interface ParseFileOptions {
  /** The format. @default from the file name: .json, .jsonl/.ndjson, .csv, else text */
  format?: FileFormat;
  /** Field (json, jsonl) or column (csv) with the prompt. @default "prompt" */
  column?: string;
  /**
   * Field (json, jsonl) or column (csv, as JSON text) with each item's JSON
   * schema, sent as `response_format` `{ type: "json_schema", json_schema:
   * { name: "output", schema } }`. @default none
   */
  schemaColumn?: string;
  /** The config field the file came from, for errors. @default "workload.path" */
  field?: string;
}

/**
 * The format a file name implies.
 *
 * @param path The file name.
 * @returns `json`, `jsonl` (also `.ndjson`), `csv`, else `text`.
 *
 * @example
 * ```ts
 * import { formatFromPath } from "./file_source.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatFromPath("a/b.NDJSON"), "jsonl");
 * assert.equal(formatFromPath("p.txt"), "text");
 * ```
 */
export function formatFromPath(path: string): FileFormat {
  if (/\.(jsonl|ndjson)$/i.test(path)) return "jsonl";
  if (/\.json$/i.test(path)) return "json";
  if (/\.csv$/i.test(path)) return "csv";
  return "text";
}

/**
 * Parses the text of a prompt file.
 *
 * @param text The file's contents.
 * @param name The file's name (picks the format when none is given; names it in errors).
 * @param options Format, column, field.
 * @returns One draft per prompt, in file order.
 * @throws {ConfigError} When the contents do not fit the format, a CSV lacks the column (the message lists the columns present), or there is no prompt.
 *
 * @example
 * ```ts
 * import { parseWorkloadFile } from "./file_source.ts";
 * import assert from "node:assert/strict";
 *
 * const csv = "id,question\n1,What is 2+2?\n2,\"Hello, world\"\n";
 * const d = parseWorkloadFile(csv, "q.csv", { column: "question" });
 * assert.deepEqual(d.map((x) => x.item.prompt), ["What is 2+2?", "Hello, world"]);
 * const j = parseWorkloadFile('{"prompt":"hi","output_len":8}\n', "p.jsonl");
 * assert.deepEqual(j[0].item, { prompt: "hi", outputLen: 8 });
 * const r = parseWorkloadFile(
 *   '{"prompt":"hi","response_format":{"type":"json_object"},"extra":{"top_k":5}}\n',
 *   "p.jsonl",
 * );
 * assert.deepEqual(r[0].item, {
 *   prompt: "hi",
 *   request: { responseFormat: { type: "json_object" }, extra: { top_k: 5 } },
 * });
 * ```
 */
export function parseWorkloadFile(
  text: string,
  name: string,
  options: ParseFileOptions = {},
): Draft[] {
  const format = options.format ?? formatFromPath(name);
  const field = options.field ?? "workload.path";
  const column = options.column ?? "prompt";
  const schemaColumn = options.schemaColumn;
  if (schemaColumn !== undefined && format === "text") {
    throw new ConfigError("benchmark", [{
      path: "workload.schemaColumn",
      expected: `absent for a text file (${name} holds one prompt a line and no schema; ` +
        "use json, jsonl or csv)",
      received: JSON.stringify(schemaColumn),
    }]);
  }
  const bad = (where: string, expected: string, received: string): never => {
    throw new ConfigError("benchmark", [{
      path: `${field} (${name}${where})`,
      expected,
      received: received.length > 80 ? `${received.slice(0, 77)}...` : received,
    }]);
  };
  let out: Draft[];
  switch (format) {
    case "text":
      out = text.split(/\r?\n/).filter((l) => l.trim() !== "").map((prompt) => ({
        item: { prompt },
      }));
      break;
    case "jsonl": {
      out = [];
      const lines = text.split(/\r?\n/);
      for (let i = 0; i < lines.length; i++) {
        if (lines[i].trim() === "") continue;
        let v: unknown;
        try {
          v = JSON.parse(lines[i]);
        } catch {
          bad(` line ${i + 1}`, "a JSON object", lines[i]);
        }
        out.push(fromObject(v, column, schemaColumn, (e, r) => bad(` line ${i + 1}`, e, r)));
      }
      break;
    }
    case "json": {
      let v: unknown;
      try {
        v = JSON.parse(text);
      } catch (err) {
        bad("", "valid JSON", err instanceof Error ? err.message : String(err));
      }
      if (!Array.isArray(v)) bad("", "a JSON array of prompts or objects", text.slice(0, 80));
      out = (v as unknown[]).map((x, i) =>
        typeof x === "string" && x !== ""
          ? { item: { prompt: x } }
          : fromObject(x, column, schemaColumn, (e, r) => bad(` item ${i}`, e, r))
      );
      break;
    }
    case "csv": {
      let rows: Record<string, string>[];
      try {
        rows = parseCsv(text, {
          columns: true,
          bom: true,
          skip_empty_lines: true,
          relax_column_count: true,
        }) as Record<string, string>[];
      } catch (err) {
        return bad(
          "",
          "valid CSV with a header row",
          err instanceof Error ? err.message : `${err}`,
        );
      }
      const header = csvHeader(text);
      for (const [option, col] of [["column", column], ["schemaColumn", schemaColumn]]) {
        if (col !== undefined && !header.includes(col)) {
          throw new ConfigError("benchmark", [{
            path: `workload.${option}`,
            expected: `a column of ${name} (its columns: ${
              header.map((h) => JSON.stringify(h)).join(", ")
            }; name one with '${option}')`,
            received: JSON.stringify(col),
          }]);
        }
      }
      out = [];
      rows.forEach((row, i) => {
        const prompt = row[column];
        if (prompt === undefined || prompt === "") return; // an empty cell: no prompt
        const where = (e: string, r: string) => bad(` row ${i + 2}`, e, r);
        const len = row.output_len === undefined || row.output_len === ""
          ? undefined
          : outputLen(row.output_len, where);
        const item: WorkloadItem = len === undefined ? { prompt } : { prompt, outputLen: len };
        const cell = schemaColumn === undefined ? undefined : row[schemaColumn];
        if (cell !== undefined && cell.trim() !== "") {
          let schema: unknown;
          try {
            schema = JSON.parse(cell);
          } catch {
            where(`a JSON schema (an object, as JSON text) in column "${schemaColumn}"`, cell);
          }
          item.request = { responseFormat: schemaFormat(schema, schemaColumn!, where) };
        }
        out.push({ item });
      });
      break;
    }
  }
  if (out.length === 0) bad("", "a file with at least one prompt", "none");
  return out;
}

/** The CSV header's column names. */
function csvHeader(text: string): string[] {
  const rows = parseCsv(text, { bom: true, to_line: 1, relax_column_count: true }) as string[][];
  return rows[0] ?? [];
}

/** One JSON object (or non-object) to a draft. */
function fromObject(
  v: unknown,
  column: string,
  schemaColumn: string | undefined,
  bad: (expected: string, received: string) => never,
): Draft {
  const shown = () => JSON.stringify(v) ?? String(v);
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    return bad(`an object with "${column}" or "messages"`, shown());
  }
  const o = v as Record<string, unknown>;
  const rawLen = o.output_len ?? o.outputLen;
  let len = rawLen === undefined ? undefined : outputLen(rawLen, bad);
  if (o.max_tokens !== undefined) {
    const max = outputLen(o.max_tokens, bad, "max_tokens");
    if (len !== undefined && len !== max) {
      return bad(
        `"max_tokens" equal to "output_len" when both are given (they are the same field)`,
        shown(),
      );
    }
    len = max;
  }
  let draft: Draft | null = null;
  if (typeof o[column] === "string" && o[column] !== "") {
    draft = { item: { prompt: o[column] as string } };
  } else if (o.messages !== undefined) {
    const m = toMessages(o.messages);
    if (m === null) {
      return bad('"messages" as a list of { role, content } (system, user, assistant)', shown());
    }
    draft = lastTurn(m);
    if (draft === null) return bad('"messages" with a user turn', shown());
  }
  if (draft === null) {
    return bad(`an object with a non-empty string "${column}" or "messages"`, shown());
  }
  if (len !== undefined) draft.item.outputLen = len;
  const request = requestFields(o, schemaColumn, bad);
  if (request !== undefined) draft.item.request = request;
  return draft;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** An object's request fields (OpenAI names), or undefined when it has none. */
function requestFields(
  o: Record<string, unknown>,
  schemaColumn: string | undefined,
  bad: (expected: string, received: string) => never,
): ItemRequest | undefined {
  const r: ItemRequest = {};
  const rf = o.response_format;
  if (rf !== undefined && rf !== null) {
    if (!isPlainObject(rf) || typeof rf.type !== "string") {
      return bad(
        '"response_format" as an object with a "type" ({ "type": "json_object" } or ' +
          '{ "type": "json_schema", "json_schema": { "name", "schema" } })',
        JSON.stringify(rf),
      );
    }
    r.responseFormat = rf;
  }
  if (schemaColumn !== undefined && o[schemaColumn] !== undefined && o[schemaColumn] !== null) {
    if (r.responseFormat !== undefined) {
      return bad(
        `either "response_format" or a schema in "${schemaColumn}", not both`,
        JSON.stringify(o[schemaColumn]),
      );
    }
    r.responseFormat = schemaFormat(o[schemaColumn], schemaColumn, bad);
  }
  if (o.tools !== undefined && o.tools !== null) {
    if (!Array.isArray(o.tools)) return bad('"tools" as a list of tools', JSON.stringify(o.tools));
    r.tools = o.tools;
  }
  if (o.tool_choice !== undefined && o.tool_choice !== null) r.toolChoice = o.tool_choice;
  if (o.temperature !== undefined && o.temperature !== null) {
    if (typeof o.temperature !== "number" || !(o.temperature >= 0)) {
      return bad('"temperature" as a number of at least 0', JSON.stringify(o.temperature));
    }
    r.temperature = o.temperature;
  }
  if (o.extra !== undefined && o.extra !== null) {
    if (!isPlainObject(o.extra)) {
      return bad('"extra" as an object of request fields', JSON.stringify(o.extra));
    }
    registerSecretValues(o.extra);
    r.extra = o.extra;
  }
  return Object.keys(r).length > 0 ? r : undefined;
}

/** The `json_schema` response format of a schema (an object, or JSON text of one). */
function schemaFormat(
  v: unknown,
  schemaColumn: string,
  bad: (expected: string, received: string) => never,
): Record<string, unknown> {
  let schema = v;
  if (typeof schema === "string") {
    try {
      schema = JSON.parse(schema);
    } catch {
      // Reported below.
    }
  }
  if (!isPlainObject(schema)) {
    return bad(
      `a JSON schema (an object) in "${schemaColumn}"`,
      typeof v === "string" ? v : JSON.stringify(v),
    );
  }
  return { type: "json_schema", json_schema: { name: "output", schema } };
}

function outputLen(
  v: unknown,
  bad: (expected: string, received: string) => never,
  name = "output_len",
): number {
  const n = typeof v === "string" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1) {
    return bad(`"${name}" as a positive integer`, JSON.stringify(v));
  }
  return n;
}
