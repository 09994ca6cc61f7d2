/**
 * The `sharegpt` source: ShareGPT-style JSON files: `[{ "conversations": [{ "from": "human" |
 * "gpt" | "system", "value": "..." }] }]`, the format of the ShareGPT dumps
 * `vllm bench serve` uses by default. The file is parsed as a stream, one
 * conversation at a time, so dumps larger than a JavaScript string can hold
 * (the usual one is about 650 MB) still load.
 *
 * @module
 */

import { JSONParser } from "npm:@streamparser/json@^0.0.26";
import { ConfigError } from "../config/errors.ts";
import { toMessages } from "./conversation.ts";
import { requestsWorkload } from "./requests.ts";
import type { SourceLoader } from "./source.ts";
import type { ChatMessage } from "./types.ts";

/**
 * Loads a ShareGPT file: one request per conversation (its first user
 * turn), or with `multiTurn` one per user turn.
 *
 * @param w The validated source.
 * @param ctx The context.
 * @returns The workload; the description has `path`, and `skipped` when entries were skipped.
 * @throws {ConfigError} When the file cannot be read or holds no conversation.
 *
 * @example
 * ```ts
 * import { sharegptSource } from "./sharegpt.ts";
 * import { sourceContext } from "./source.ts";
 * import assert from "node:assert/strict";
 *
 * const w = await sharegptSource(
 *   { source: "sharegpt", path: "testdata/sharegpt.json", multiTurn: false, numPrompts: 2 },
 *   sourceContext({ baseDir: new URL(".", import.meta.url).pathname }),
 * );
 * assert.equal(w.items.length, 2);
 * assert.equal(w.description.path, "testdata/sharegpt.json");
 * ```
 */
export const sharegptSource: SourceLoader<"sharegpt"> = async (w, ctx) => {
  const r = await readShareGpt(ctx.path(w.path));
  const description: Record<string, unknown> = { path: w.path };
  if (r.skipped > 0) description.skipped = r.skipped;
  return await requestsWorkload({ conversations: r.conversations, description }, w, ctx);
};

/** What {@linkcode readShareGpt} found. */
export interface ShareGptFile {
  /** The conversations, in file order. */
  conversations: ChatMessage[][];
  /** Entries skipped: not an object with a list of known turns. */
  skipped: number;
}

/**
 * Parses ShareGPT JSON from a byte stream. Each entry's turns are read from
 * `conversations` (also `conversation` or `messages`), in ShareGPT or OpenAI
 * form; entries without such a list are counted as skipped.
 *
 * @param bytes The file's bytes.
 * @param name The file's name, for errors.
 * @returns The conversations and the number skipped.
 * @throws {ConfigError} When the bytes are not a JSON array, or no entry is a conversation.
 *
 * @example
 * ```ts
 * import { parseShareGpt } from "./sharegpt.ts";
 * import assert from "node:assert/strict";
 *
 * const json = JSON.stringify([
 *   { id: "x", conversations: [{ from: "human", value: "hi" }, { from: "gpt", value: "hello" }] },
 *   { id: "y", conversations: "not a list" },
 * ]);
 * const r = await parseShareGpt(new Blob([json]).stream(), "s.json");
 * assert.equal(r.conversations.length, 1);
 * assert.equal(r.skipped, 1);
 * ```
 */
export async function parseShareGpt(
  bytes: ReadableStream<Uint8Array>,
  name: string,
): Promise<ShareGptFile> {
  const conversations: ChatMessage[][] = [];
  let skipped = 0;
  let topLevel: "array" | "other" | undefined;
  const parser = new JSONParser({ paths: ["$.*"], keepStack: false });
  parser.onValue = ({ value }) => {
    const o = value as Record<string, unknown> | null;
    const turns = typeof o === "object" && o !== null && !Array.isArray(o)
      ? o.conversations ?? o.conversation ?? o.messages
      : undefined;
    const m = toMessages(turns);
    if (m === null || m.length === 0) skipped++;
    else conversations.push(m);
  };
  try {
    for await (let chunk of bytes) {
      if (topLevel === undefined) {
        // The first significant byte tells whether the document is an array.
        let i = 0;
        if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) i = 3; // BOM
        while (i < chunk.length && (chunk[i] === 0x20 || (chunk[i] >= 0x09 && chunk[i] <= 0x0d))) {
          i++;
        }
        if (i === chunk.length) continue;
        topLevel = chunk[i] === 0x5b /* [ */ ? "array" : "other";
        if (topLevel === "other") break;
        chunk = chunk.subarray(i);
      }
      if (parser.isEnded) break;
      parser.write(chunk);
    }
    if (topLevel === "array" && !parser.isEnded) parser.end();
  } catch (err) {
    throw new ConfigError("benchmark", [{
      path: `workload.path (${name})`,
      expected: "a ShareGPT JSON array of { conversations: [{ from, value }] }",
      received: `invalid JSON (${err instanceof Error ? err.message : err})`,
    }]);
  }
  if (topLevel !== "array") {
    throw new ConfigError("benchmark", [{
      path: `workload.path (${name})`,
      expected: "a ShareGPT JSON array of { conversations: [{ from, value }] }",
      received: topLevel === undefined ? "an empty file" : "a JSON value that is not an array",
    }]);
  }
  if (conversations.length === 0) {
    throw new ConfigError("benchmark", [{
      path: `workload.path (${name})`,
      expected: "at least one entry with a 'conversations' list of { from, value } turns",
      received: `${skipped} entries, none a conversation`,
    }]);
  }
  return { conversations, skipped };
}

/**
 * Reads a ShareGPT JSON file.
 *
 * @param path The file.
 * @returns The conversations and the number skipped.
 * @throws {ConfigError} When the file cannot be read or holds no conversation.
 *
 * @example
 * ```ts
 * import { readShareGpt } from "./sharegpt.ts";
 * import assert from "node:assert/strict";
 *
 * const r = await readShareGpt(new URL("./testdata/sharegpt.json", import.meta.url).pathname);
 * assert.ok(r.conversations.length > 0);
 * ```
 */
export async function readShareGpt(path: string): Promise<ShareGptFile> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path);
  } catch (err) {
    throw new ConfigError("benchmark", [{
      path: "workload.path",
      expected: "a readable ShareGPT JSON file",
      received: `${JSON.stringify(path)} (${err instanceof Error ? err.message : err})`,
    }]);
  }
  const stream = file.readable;
  try {
    return await parseShareGpt(stream, path);
  } finally {
    await stream.cancel().catch(() => {});
  }
}
