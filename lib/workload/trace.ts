/**
 * Trace replay: a JSONL trace of requests with their arrival times, as
 * recorded from production or published (Azure LLM inference traces, Mooncake
 * traces). Each line has `timestamp` (ms) and either a `prompt` (or chat
 * `messages`) or `input_length` (tokens; a prompt of exactly that length is
 * made with the tokenizer), and optionally `output_length`. The trace gives
 * both what to send and when; `speed` compresses (2 = twice as fast) or
 * stretches time.
 *
 * @module
 */

import { ConfigError } from "../config/errors.ts";
import { seededRandom } from "../util/random.ts";
import { synthesizeText } from "./synthetic.ts";
import type { Tokenizer } from "./tokenizer.ts";
import type { ChatMessage, WorkloadItem } from "./types.ts";

/** A trace, ready to replay. */
export interface Trace {
  /** The requests, in arrival order. */
  items: WorkloadItem[];
  /** Arrival offsets from the first, ms, already divided by the speed. */
  offsetsMs: Float64Array;
  /** Mean arrival rate of the replay, requests per second (null for a one-line trace). */
  meanRate: number | null;
}

interface TraceLine {
  timestamp?: unknown;
  prompt?: unknown;
  messages?: unknown;
  input_length?: unknown;
  output_length?: unknown;
}

/**
 * Parses a JSONL trace.
 *
 * @param text The file's text.
 * @param fileName For messages.
 * @param options Tokenizer (for `input_length` lines), replay speed, seed.
 * @returns Items and offsets, sorted by timestamp.
 * @throws {ConfigError} Naming the line, when a line is malformed.
 *
 * @example
 * ```ts
 * import { parseTrace } from "./trace.ts";
 * import { defaultTokenizer } from "./tokenizer.ts";
 * import assert from "node:assert/strict";
 *
 * const tok = await defaultTokenizer();
 * const t = parseTrace(
 *   '{"timestamp": 1000, "prompt": "hi", "output_length": 8}\n{"timestamp": 1500, "input_length": 20}\n',
 *   "trace.jsonl", { tokenizer: tok, speed: 2 },
 * );
 * assert.deepEqual([...t.offsetsMs], [0, 250]);
 * assert.equal(t.items[0].outputLen, 8);
 * assert.equal(tok.encode(t.items[1].prompt).length, 20);
 * ```
 */
export function parseTrace(
  text: string,
  fileName: string,
  options: { tokenizer: Tokenizer; speed?: number; seed?: number },
): Trace {
  const speed = options.speed ?? 1;
  if (!(speed > 0)) {
    throw new ConfigError("benchmark", [{
      path: "trace.speed",
      expected: "a positive number",
      received: String(speed),
    }]);
  }
  const rng = seededRandom(options.seed ?? 0);
  const rows: { t: number; item: WorkloadItem }[] = [];
  const lines = text.split(/\r?\n/);
  const bad = (i: number, expected: string, line: string) =>
    new ConfigError("benchmark", [{
      path: `trace (${fileName} line ${i + 1})`,
      expected,
      received: line.length > 80 ? `${line.slice(0, 77)}...` : line,
    }]);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === "") continue;
    let o: TraceLine;
    try {
      o = JSON.parse(line);
    } catch {
      throw bad(i, "a JSON object", line);
    }
    if (typeof o !== "object" || o === null || typeof o.timestamp !== "number") {
      throw bad(i, 'an object with a numeric "timestamp" (ms)', line);
    }
    const item: WorkloadItem = { prompt: "" };
    if (typeof o.prompt === "string" && o.prompt !== "") {
      item.prompt = o.prompt;
    } else if (Array.isArray(o.messages) && o.messages.length > 0) {
      item.messages = o.messages as ChatMessage[];
      const lastUser = [...item.messages].reverse().find((m) => m.role === "user");
      item.prompt = lastUser?.content ?? "";
    } else if (Number.isInteger(o.input_length) && (o.input_length as number) > 0) {
      const { text: p } = synthesizeText(options.tokenizer, o.input_length as number, rng);
      item.prompt = p;
      item.inputLen = o.input_length as number;
    } else {
      throw bad(i, 'a "prompt", "messages", or a positive integer "input_length"', line);
    }
    if (o.output_length !== undefined) {
      if (!Number.isInteger(o.output_length) || (o.output_length as number) < 1) {
        throw bad(i, 'a positive integer "output_length"', line);
      }
      item.outputLen = o.output_length as number;
    }
    rows.push({ t: o.timestamp, item });
  }
  if (rows.length === 0) {
    throw new ConfigError("benchmark", [{
      path: "trace",
      expected: "a JSONL file with at least one request",
      received: `${fileName} with none`,
    }]);
  }
  rows.sort((a, b) => a.t - b.t);
  const t0 = rows[0].t;
  const offsetsMs = Float64Array.from(rows, (r) => (r.t - t0) / speed);
  const span = offsetsMs[offsetsMs.length - 1];
  return {
    items: rows.map((r) => r.item),
    offsetsMs,
    meanRate: rows.length > 1 && span > 0 ? ((rows.length - 1) * 1000) / span : null,
  };
}
