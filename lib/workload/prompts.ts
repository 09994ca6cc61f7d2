/**
 * The older `prompts: { file }` field's file format: one prompt a line
 * (text), or one JSON object with a `prompt` field a line (JSONL, by the
 * `.jsonl` or `.ndjson` name); the `file` source reads it as format
 * `prompts`. Also a few sample prompts.
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

/** A few varied prompts for the demo and quick tries. */
export const SAMPLE_PROMPTS: readonly string[] = [
  "What is the capital of France?",
  "Explain quantum computing briefly.",
  "Write a haiku about a GPU running out of memory.",
  "Summarize the causes of the French Revolution in three sentences.",
  "List five uses of a binary search tree and say when each is a good choice.",
  "Translate 'the batch is full, please wait' into Spanish, German and Japanese.",
  "Describe how continuous batching improves the throughput of an inference server, " +
  "and what it does to the latency of the first token when the server is busy.",
  "Give a step-by-step plan to profile a slow web service, from reproducing the problem " +
  "to confirming the fix, including which tools to use at each step and what to look for.",
];
