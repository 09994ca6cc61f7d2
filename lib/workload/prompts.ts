/**
 * Prompt sources: an inline list, or a file with one prompt a line (text) or
 * one JSON object with a `prompt` field a line (JSONL).
 *
 * @module
 */

import type { PromptsSpec } from "../config/benchmark.ts";
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

/**
 * Resolves a prompts specification to the list of prompts.
 *
 * @param spec A list, or `{ file }`.
 * @returns The prompts.
 * @throws {ConfigError} When the file cannot be read or holds no valid prompt.
 *
 * @example
 * ```ts
 * import { loadPrompts } from "./prompts.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(await loadPrompts(["hi"]), ["hi"]);
 * ```
 */
export async function loadPrompts(spec: PromptsSpec): Promise<string[]> {
  if (Array.isArray(spec)) return [...spec];
  let text: string;
  try {
    text = await Deno.readTextFile(spec.file);
  } catch (err) {
    throw new ConfigError("benchmark", [{
      path: "prompts.file",
      expected: "a readable file",
      received: `${JSON.stringify(spec.file)} (${err instanceof Error ? err.message : err})`,
    }]);
  }
  return parsePromptsText(text, spec.file);
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
