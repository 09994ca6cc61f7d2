/**
 * Importing another tool's saved results: the file read, parsed, converted
 * (`lib/importers/`) and checked to be a valid splleed results document, so
 * that `report`, `compare` and `history` work on it as on a splleed run.
 *
 * @module
 */

import { ConfigError } from "../config/errors.ts";
import { fromGuidellm } from "../importers/guidellm.ts";
import { fromVllmBench } from "../importers/vllm_bench.ts";
import type { ResultsDocument } from "../results/document.ts";
import { ResultsFormatError } from "../results/errors.ts";
import { parseResults } from "../results/read.ts";
import { levelNotes } from "../report/notes.ts";

/** The tools whose results splleed imports. */
export const IMPORT_TOOLS = ["vllm-bench", "guidellm"] as const;

/** One of {@linkcode IMPORT_TOOLS}. */
export type ImportTool = typeof IMPORT_TOOLS[number];

const WHAT: Record<ImportTool, string> = {
  "vllm-bench": "a `vllm bench serve --save-result` JSON file",
  guidellm: "a GuideLLM report (benchmarks.json)",
};

/**
 * Reads a tool's saved results and converts them to a splleed results
 * document (validated as `readResults` validates splleed's own).
 *
 * `vllm-bench` reads one JSON object, or several on separate lines (as
 * `--append-result` writes them: one level each); `guidellm` reads
 * `benchmarks.json` (one level per benchmark). YAML reports are not read.
 *
 * @param tool `vllm-bench` or `guidellm`.
 * @param path The file.
 * @returns The document, with `source` saying where it came from.
 * @throws {ConfigError} When the tool is not one of {@linkcode IMPORT_TOOLS}
 *   or the file does not exist.
 * @throws {ResultsFormatError} When the file is empty, not JSON (or cut
 *   short), not that tool's format, or of a version not read; the message
 *   names the file, what was expected and what was found.
 *
 * @example
 * ```ts
 * import { importResults } from "./import.ts";
 * import assert from "node:assert/strict";
 *
 * const path = await Deno.makeTempFile({ suffix: ".json" });
 * await Deno.writeTextFile(path, JSON.stringify({
 *   date: "20260301-120000", backend: "vllm", model_id: "m", num_prompts: 8,
 *   request_rate: 4, burstiness: 1, max_concurrency: null, duration: 2.5,
 *   completed: 8, failed: 0, request_throughput: 3.2, mean_ttft_ms: 21, p99_ttft_ms: 40,
 * }));
 * const doc = await importResults("vllm-bench", path);
 * assert.equal(doc.levels[0].requestRate, 4);
 * await assert.rejects(importResults("guidellm", path), /expected a GuideLLM report/);
 * await Deno.remove(path);
 * ```
 */
export async function importResults(tool: ImportTool, path: string): Promise<ResultsDocument> {
  if (!IMPORT_TOOLS.includes(tool)) {
    throw new ConfigError("import", [{
      path: "TOOL",
      expected: `one of ${IMPORT_TOOLS.join(", ")}`,
      received: JSON.stringify(tool),
    }]);
  }
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new ConfigError("import", [{
        path: "FILE",
        expected: WHAT[tool],
        received: `${JSON.stringify(path)}, which does not exist`,
      }]);
    }
    throw err;
  }
  const json = parseJson(text, path, tool);
  const doc = tool === "vllm-bench" ? fromVllmBench(json, path) : fromGuidellm(json, path);
  for (const level of doc.levels) {
    // The table's notes, worded for a run splleed did not make: GuideLLM's
    // incomplete requests are cut when its benchmark ends, not by splleed's grace period.
    const notes = levelNotes(level, 0.95).map((n) =>
      n.replace(
        /a trial's time and its grace period ran out, and were cut \(requests_cut\): they are in no latency statistic; a longer durationGraceS lets them finish/,
        "the tool's benchmark ended (GuideLLM's incomplete requests, in requests_cut): they are in no latency statistic",
      )
    );
    if (notes.length > 0) level.notes = notes;
  }
  // Round trip through JSON, as the file will be written, then validate.
  return parseResults(JSON.parse(JSON.stringify(doc)), path);
}

/** The file's JSON: one value, or (vLLM's --append-result) one object per line. */
function parseJson(text: string, file: string, tool: ImportTool): unknown {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === "") {
    throw new ResultsFormatError(file, "empty", `the file is empty; expected ${WHAT[tool]}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    if (tool === "vllm-bench") {
      const lines = text.split("\n").filter((l) => l.trim() !== "");
      if (lines.length > 1) {
        try {
          return lines.map((l) => JSON.parse(l));
        } catch { /* report the whole file's error below */ }
      }
    }
    const reason = err instanceof Error ? err.message : String(err);
    const cut = /end of (JSON )?input|Unterminated|Unexpected end/i.test(reason);
    throw new ResultsFormatError(
      file,
      cut ? "truncated" : "not_json",
      cut
        ? `expected ${WHAT[tool]}, got JSON that ends early (truncated?): ${reason}`
        : `expected ${WHAT[tool]}, got text that is not JSON: ${reason}`,
      { cause: err },
    );
  }
}
