/**
 * The simulator's stand-in tokenizer and output text. It does not need real
 * tokens, only counts that behave like them: a prompt costs about one token
 * per four UTF-8 bytes, and every generated token is one word.
 *
 * @module
 */

const encoder = new TextEncoder();

/**
 * Approximate token count of a text: one token per 4 UTF-8 bytes, at least 1.
 *
 * @param text Any text.
 * @returns The count.
 *
 * @example
 * ```ts
 * import { countTextTokens } from "./tokens.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(countTextTokens("12345678"), 2);
 * assert.equal(countTextTokens(""), 1);
 * ```
 */
export function countTextTokens(text: string): number {
  return Math.max(1, Math.ceil(encoder.encode(text).length / 4));
}

/**
 * Prompt tokens of a `/v1/completions` prompt (a string, strings, or token ids).
 *
 * @param prompt The request's `prompt` field.
 * @returns The count, or null when the field is not a prompt.
 *
 * @example
 * ```ts
 * import { countPromptTokens } from "./tokens.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(countPromptTokens([1, 2, 3]), 3);
 * assert.equal(countPromptTokens(42), null);
 * ```
 */
export function countPromptTokens(prompt: unknown): number | null {
  if (typeof prompt === "string") return countTextTokens(prompt);
  if (Array.isArray(prompt) && prompt.length > 0) {
    if (prompt.every((p) => typeof p === "number")) return prompt.length;
    if (prompt.every((p) => typeof p === "string")) {
      return prompt.reduce((n: number, p: string) => n + countTextTokens(p), 0);
    }
  }
  return null;
}

/**
 * Prompt tokens of chat `messages`: each message's text plus 4 tokens of
 * template, plus 3 to start the reply.
 *
 * @param messages The request's `messages` field.
 * @returns The count, or null when the field is not a message list.
 *
 * @example
 * ```ts
 * import { countChatTokens } from "./tokens.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(countChatTokens([{ role: "user", content: "12345678" }]), 2 + 4 + 3);
 * ```
 */
export function countChatTokens(messages: unknown): number | null {
  if (!Array.isArray(messages) || messages.length === 0) return null;
  let n = 3;
  for (const m of messages) {
    if (typeof m !== "object" || m === null) return null;
    const content = (m as { content?: unknown }).content;
    let text = "";
    if (typeof content === "string") text = content;
    else if (Array.isArray(content)) {
      for (const part of content) {
        const t = (part as { text?: unknown })?.text;
        if (typeof t === "string") text += t;
      }
    }
    n += countTextTokens(text) + 4;
  }
  return n;
}

const WORDS = [
  "the",
  "engine",
  "streams",
  "tokens",
  "while",
  "the",
  "batch",
  "grows",
  "and",
  "each",
  "step",
  "reads",
  "weights",
  "from",
  "memory",
  "until",
  "compute",
  "becomes",
  "the",
  "limit",
  "so",
  "latency",
  "rises",
  "with",
  "load",
  "as",
  "queues",
  "form",
  "before",
  "prefill",
  "of",
  "long",
  "prompts",
  "that",
  "share",
  "a",
  "cache",
  "of",
  "keys",
  "values",
  "across",
  "layers",
  "in",
  "blocks",
  "paged",
  "by",
  "a",
  "scheduler",
  "which",
  "admits",
  "requests",
  "when",
  "space",
  "allows",
  "then",
  "decodes",
  "them",
  "together",
  "at",
  "once",
  "per",
  "iteration",
  "for",
  "throughput",
];

/**
 * The text of one generated token: a word with a leading space.
 *
 * @param requestNo Request number (varies the text between requests).
 * @param index Token index within the response.
 * @returns The token text (JSON-safe: letters only).
 *
 * @example
 * ```ts
 * import { tokenText } from "./tokens.ts";
 * import assert from "node:assert/strict";
 *
 * assert.match(tokenText(1, 0), /^ [a-z]+$/);
 * ```
 */
export function tokenText(requestNo: number, index: number): string {
  return " " + WORDS[(requestNo * 7 + index) % WORDS.length];
}
