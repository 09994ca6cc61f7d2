/**
 * The `parquet` source: parquet files (what Hugging Face datasets are stored as), read with
 * `hyparquet` and every common codec (`hyparquet-compressors`: snappy,
 * gzip, zstd, brotli, lz4). One column holds the prompt (text) or the
 * conversation (ShareGPT turns or OpenAI messages); an `output_len` column,
 * when present, gives output lengths.
 *
 * @module
 */

import { join, relative } from "node:path";
import {
  asyncBufferFromFile,
  parquetMetadataAsync,
  parquetReadObjects,
  parquetSchema,
} from "npm:hyparquet@^1.31.5";
import { compressors } from "npm:hyparquet-compressors@^1.1.2";
import { ConfigError } from "../config/errors.ts";
import type { WorkloadSource } from "../config/workload.ts";
import { type Draft, toMessages } from "./conversation.ts";
import { requestsWorkload } from "./requests.ts";
import type { SourceContext, SourceLoader } from "./source.ts";
import type { ChatMessage, Workload } from "./types.ts";

/**
 * Loads a local parquet file, or a folder of them.
 *
 * @param w The validated source.
 * @param ctx The context.
 * @returns The workload; the description has `path` and the `column` used.
 * @throws {ConfigError} When the path holds no readable parquet file or the column is missing.
 *
 * @example
 * ```ts
 * import { parquetSource } from "./parquet.ts";
 * import { sourceContext } from "./source.ts";
 * import { parquetWriteBuffer } from "npm:hyparquet-writer@^0.17.0";
 * import assert from "node:assert/strict";
 *
 * const file = await Deno.makeTempFile({ suffix: ".parquet" });
 * await Deno.writeFile(file, new Uint8Array(parquetWriteBuffer({
 *   columnData: [{ name: "question", data: ["a?", "b?"], type: "STRING" }],
 * })));
 * const w = await parquetSource(
 *   { source: "parquet", path: file, multiTurn: false },
 *   sourceContext(),
 * );
 * assert.deepEqual(w.items, [{ prompt: "a?" }, { prompt: "b?" }]);
 * assert.equal(w.description.column, "question");
 * await Deno.remove(file);
 * ```
 */
export const parquetSource: SourceLoader<"parquet"> = async (w, ctx) => {
  const files = await parquetFiles(ctx.path(w.path));
  return await parquetWorkload(files, w, ctx, { path: w.path });
};

/**
 * The workload in parquet files (the `parquet` and `hf` sources): the
 * column's text rows as requests, or its conversations.
 *
 * @param files Parquet files, read in this order.
 * @param w The validated source (`column`, `multiTurn`, ...).
 * @param ctx The context.
 * @param description The source's own description fields.
 * @returns The workload; the description gains the `column` used and `skipped` rows.
 * @throws {ConfigError} When a file cannot be read, lacks the column, or `multiTurn` is asked of a text column.
 *
 * @example
 * ```ts
 * import { parquetWorkload } from "./parquet.ts";
 * import { sourceContext } from "./source.ts";
 * import { parquetWriteBuffer } from "npm:hyparquet-writer@^0.17.0";
 * import assert from "node:assert/strict";
 *
 * const file = await Deno.makeTempFile({ suffix: ".parquet" });
 * await Deno.writeFile(file, new Uint8Array(parquetWriteBuffer({
 *   columnData: [{ name: "prompt", data: ["x", ""], type: "STRING" }],
 * })));
 * const w = await parquetWorkload([file], { source: "parquet", path: file, multiTurn: false }, sourceContext(), {});
 * assert.deepEqual(w.items, [{ prompt: "x" }]);
 * assert.equal(w.description.skipped, 1);
 * await Deno.remove(file);
 * ```
 */
export async function parquetWorkload(
  files: readonly string[],
  w: Extract<WorkloadSource, { source: "parquet" | "hf" }>,
  ctx: SourceContext,
  description: Record<string, unknown>,
): Promise<Workload> {
  const rows = await readParquet(files, w.column);
  const desc: Record<string, unknown> = { ...description, column: rows.column };
  if (rows.skipped > 0) desc.skipped = rows.skipped;
  const drafts: Draft[] = [];
  const conversations: ChatMessage[][] = [];
  for (const e of rows.entries) {
    if ("conversation" in e) conversations.push(e.conversation);
    else {
      drafts.push({
        item: e.outputLen === undefined
          ? { prompt: e.prompt }
          : { prompt: e.prompt, outputLen: e.outputLen },
      });
    }
  }
  if (w.multiTurn && drafts.length > 0) {
    throw new ConfigError("benchmark", [{
      path: "workload.multiTurn",
      expected: "false for a column of plain prompts (multi-turn needs conversations)",
      received: `true (column ${JSON.stringify(rows.column)} holds text)`,
    }]);
  }
  return await requestsWorkload({ drafts, conversations, description: desc }, w, ctx);
}

/** Columns tried, in order, when none is named. */
export const DEFAULT_COLUMNS: readonly string[] = [
  "prompt",
  "messages",
  "conversations",
  "conversation",
  "text",
  "question",
  "instruction",
  "input",
];

/** One row's request source: a prompt, or a conversation. */
export type ParquetEntry =
  | { prompt: string; outputLen?: number }
  | { conversation: ChatMessage[] };

/** What {@linkcode readParquet} read. */
export interface ParquetRows {
  /** The column used. */
  column: string;
  /** One entry per usable row, in file order (files in name order). */
  entries: ParquetEntry[];
  /** Rows skipped: an empty or null cell. */
  skipped: number;
}

/**
 * The parquet files of a path: the file itself, or every `.parquet` file
 * under a folder, in name order.
 *
 * @param path A file or a folder.
 * @returns The file paths.
 * @throws {ConfigError} When the path does not exist or a folder holds no parquet file.
 *
 * @example
 * ```ts
 * import { parquetFiles } from "./parquet.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeFile(`${dir}/b.parquet`, new Uint8Array());
 * await Deno.writeFile(`${dir}/a.parquet`, new Uint8Array());
 * assert.deepEqual(await parquetFiles(dir), [`${dir}/a.parquet`, `${dir}/b.parquet`]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function parquetFiles(path: string): Promise<string[]> {
  const stat = await Deno.stat(path).catch((err) => {
    throw new ConfigError("benchmark", [{
      path: "workload.path",
      expected: "a parquet file or a folder of them",
      received: `${JSON.stringify(path)} (${err instanceof Error ? err.message : err})`,
    }]);
  });
  if (!stat.isDirectory) return [path];
  const out: string[] = [];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(dir)) {
      const p = join(dir, e.name);
      if (e.isDirectory) await walk(p);
      else if (e.name.endsWith(".parquet")) out.push(p);
    }
  };
  await walk(path);
  if (out.length === 0) {
    throw new ConfigError("benchmark", [{
      path: "workload.path",
      expected: "a parquet file or a folder holding .parquet files",
      received: `${JSON.stringify(path)} (a folder with none)`,
    }]);
  }
  return out.sort((a, b) => relative(path, a).localeCompare(relative(path, b)));
}

/**
 * Reads the prompt column of parquet files.
 *
 * @param files Parquet files, read in this order.
 * @param column The column; absent: the first of {@linkcode DEFAULT_COLUMNS} the first file has.
 * @returns The entries and the column used.
 * @throws {ConfigError} When a file is not parquet, lacks the column (the message lists the columns present), or a cell is neither text nor a conversation.
 *
 * @example
 * ```ts
 * import { readParquet } from "./parquet.ts";
 * import { parquetWriteBuffer } from "npm:hyparquet-writer@^0.17.0";
 * import assert from "node:assert/strict";
 *
 * const file = await Deno.makeTempFile({ suffix: ".parquet" });
 * await Deno.writeFile(file, new Uint8Array(parquetWriteBuffer({
 *   columnData: [{ name: "text", data: ["a", "b"], type: "STRING" }],
 * })));
 * const rows = await readParquet([file]);
 * assert.equal(rows.column, "text");
 * assert.deepEqual(rows.entries, [{ prompt: "a" }, { prompt: "b" }]);
 * await Deno.remove(file);
 * ```
 */
export async function readParquet(files: readonly string[], column?: string): Promise<ParquetRows> {
  const entries: ParquetEntry[] = [];
  let skipped = 0;
  let used = column;
  for (const path of files) {
    let rows: Record<string, unknown>[];
    try {
      const file = await asyncBufferFromFile(path);
      const metadata = await parquetMetadataAsync(file);
      const names = parquetSchema(metadata).children.map((c) => c.element.name);
      used ??= DEFAULT_COLUMNS.find((c) => names.includes(c));
      if (used === undefined || !names.includes(used)) {
        throw new ConfigError("benchmark", [{
          path: "workload.column",
          expected: `a column of ${path} (its columns: ${
            names.map((n) => JSON.stringify(n)).join(", ")
          })`,
          received: used === undefined
            ? `nothing (none of ${DEFAULT_COLUMNS.join(", ")} is present; name one)`
            : JSON.stringify(used),
        }]);
      }
      const columns = names.includes("output_len") && used !== "output_len"
        ? [used, "output_len"]
        : [used];
      rows = await parquetReadObjects({ file, metadata, columns, compressors });
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      throw new ConfigError("benchmark", [{
        path: "workload.path",
        expected: "a readable parquet file",
        received: `${JSON.stringify(path)} (${err instanceof Error ? err.message : err})`,
      }]);
    }
    rows.forEach((row, i) => {
      const v = row[used!];
      if (v === null || v === undefined || v === "") {
        skipped++;
        return;
      }
      if (typeof v === "string") {
        const len = row.output_len;
        const n = typeof len === "bigint" ? Number(len) : len;
        entries.push(
          typeof n === "number" && Number.isInteger(n) && n > 0
            ? { prompt: v, outputLen: n }
            : { prompt: v },
        );
        return;
      }
      const m = toMessages(v);
      if (m === null) {
        throw new ConfigError("benchmark", [{
          path: `workload.column (${path} row ${i})`,
          expected: "text, or a conversation ([{ from, value }] or [{ role, content }])",
          received: truncate(JSON.stringify(v, (_k, x) => typeof x === "bigint" ? Number(x) : x)),
        }]);
      }
      if (m.length === 0) skipped++;
      else entries.push({ conversation: m });
    });
  }
  return { column: used ?? "", entries, skipped };
}

function truncate(s: string | undefined): string {
  const t = s ?? "nothing";
  return t.length > 80 ? `${t.slice(0, 77)}...` : t;
}
