/**
 * The older `prompts: { file }` field's file format: one prompt a line
 * (text), or one JSON object with a `prompt` field a line (JSONL, by the
 * `.jsonl` or `.ndjson` name); the `file` source reads it as format
 * `prompts`. Also re-exports the sample prompts.
 *
 * @module
 */

import { ConfigError } from "../config/errors.ts";

/**
 * Parses the text of a prompts file.
 *
 * @param text File contents.
 * @param fileName Picks the format (`.jsonl`/`.ndjson` are JSONL) and names the file in errors.
 * @returns The prompts, in file order.
 * @throws {ConfigError} When a JSONL line is not an object with a string `prompt`, or there are none.
 *
 * @example
 * ```ts
 * import { parsePromptsText } from "./prompts.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parsePromptsText("a\n\nb\n", "p.txt"), ["a", "b"]);
 * assert.deepEqual(parsePromptsText('{"prompt":"x"}\n', "p.jsonl"), ["x"]);
 * ```
 */
export function parsePromptsText(text: string, fileName: string): string[] {
  const jsonl = /\.(jsonl|ndjson)$/i.test(fileName);
  const out: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === "") continue;
    if (!jsonl) {
      out.push(line);
      continue;
    }
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      obj = undefined;
    }
    const p = (obj as { prompt?: unknown } | undefined)?.prompt;
    if (typeof p !== "string" || p === "") {
      throw new ConfigError("benchmark", [{
        path: `prompts (${fileName} line ${i + 1})`,
        expected: 'a JSON object with a non-empty string "prompt"',
        received: line.length > 60 ? `${line.slice(0, 57)}...` : line,
      }]);
    }
    out.push(p);
  }
  if (out.length === 0) {
    throw new ConfigError("benchmark", [{
      path: "prompts",
      expected: "a file with at least one prompt",
      received: `${fileName} with none`,
    }]);
  }
  return out;
}

/** A few varied prompts for the demo and quick tries (declared in the config, which the CLI may import). */
export { SAMPLE_PROMPTS } from "../config/benchmark.ts";
