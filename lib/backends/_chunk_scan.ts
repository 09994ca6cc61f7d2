/**
 * Classifying an OpenAI-compatible stream chunk from its bytes, without
 * `JSON.parse`: does it carry generated output (text, reasoning, a tool call
 * or a refusal), does it end the choice, or is it something that must be
 * parsed (usage, an error, an unfamiliar shape)?
 *
 * `JSON.parse` of a ~250-byte vLLM chunk costs about 2 µs here, the client's
 * whole per-token budget; this scan does one pass over the bytes and leaves
 * parsing to the few chunks that need it (the usage chunk, errors). It is
 * checked against `JSON.parse` on generated chunks in the tests.
 *
 * @module
 */

/**
 * The chunk carries generated output: non-empty `text`, `content`,
 * `reasoning_content`, `reasoning` or `refusal`, or a non-empty `tool_calls` list.
 */
export const TOKEN = 1;
/** The chunk has a non-null `finish_reason`. */
export const FINISH = 2;
/** The chunk must be parsed: usage, an error, or a shape the scan does not know. */
export const NEEDS_PARSE = 4;
/** The bytes hold a line break (`\n` or `\r`): they are not one SSE data line. */
export const LINE_BREAK = 8;
/** The chunk's output includes non-empty `reasoning_content` or `reasoning` (always with TOKEN). */
export const REASONING = 16;
/** The chunk carries a non-empty `tool_calls` list (always with TOKEN). */
export const TOOL_CALL = 32;

const QUOTE = 34;
const BACKSLASH = 92;
const COLON = 58;

/** Bytes that stop the skip outside strings: quote, LF, CR. */
const OUTSIDE = new Uint8Array(256);
OUTSIDE[QUOTE] = OUTSIDE[10] = OUTSIDE[13] = 1;
/** Bytes that stop the skip inside strings: quote, backslash, LF, CR. */
const INSIDE = new Uint8Array(256);
INSIDE[QUOTE] =
  INSIDE[BACKSLASH] =
  INSIDE[10] =
  INSIDE[13] =
    1;

/** Space or tab. Line breaks are not skipped as whitespace: they end the scan with LINE_BREAK. */
function isWs(c: number): boolean {
  return c === 32 || c === 9;
}

// Key ids.
const K_NONE = 0,
  K_TEXT = 1,
  K_CONTENT = 2,
  K_REASONING = 3,
  K_FINISH = 4,
  K_USAGE = 5,
  K_ERROR = 6,
  K_CHOICES = 7,
  K_OBJECT = 8,
  K_TOOL_CALLS = 9,
  K_REFUSAL = 10;

const enc = new TextEncoder();
/** Keys the scan looks at, by length (several keys can share a length). */
const KEYS: [Uint8Array, number][][] = [];
for (
  const [name, id] of [
    ["text", K_TEXT],
    ["content", K_CONTENT],
    ["reasoning_content", K_REASONING],
    ["reasoning", K_REASONING],
    ["finish_reason", K_FINISH],
    ["usage", K_USAGE],
    ["error", K_ERROR],
    ["choices", K_CHOICES],
    ["object", K_OBJECT],
    ["tool_calls", K_TOOL_CALLS],
    ["refusal", K_REFUSAL],
  ] as const
) {
  const bytes = enc.encode(name);
  (KEYS[bytes.length] ??= []).push([bytes, id]);
}

/** Identifies the key `b[s, s + n)`, compared in full. */
function keyId(b: Uint8Array, s: number, n: number): number {
  const candidates = KEYS[n];
  if (candidates === undefined) return K_NONE;
  for (let c = 0; c < candidates.length; c++) {
    const key = candidates[c][0];
    let i = 0;
    while (i < n && b[s + i] === key[i]) i++;
    if (i === n) return candidates[c][1];
  }
  return K_NONE;
}

/**
 * Classifies one chunk, `b[start, end)`, the data of one SSE event.
 *
 * @param b Buffer holding the chunk.
 * @param start First byte.
 * @param end One past the last byte.
 * @returns A combination of {@linkcode TOKEN}, {@linkcode REASONING}, {@linkcode TOOL_CALL}, {@linkcode FINISH} and {@linkcode NEEDS_PARSE},
 *   or {@linkcode LINE_BREAK} alone when the bytes hold a line break. (NEEDS_PARSE may
 *   be returned before every byte was seen, so it says nothing about line breaks.)
 *
 * @example
 * ```ts
 * import { FINISH, NEEDS_PARSE, scanChunk, TOKEN, TOOL_CALL } from "./_chunk_scan.ts";
 * import assert from "node:assert/strict";
 *
 * const scan = (s: string) => { const b = new TextEncoder().encode(s); return scanChunk(b, 0, b.length); };
 * assert.equal(scan('{"choices":[{"text":" Paris","finish_reason":null}]}'), TOKEN);
 * assert.equal(scan('{"choices":[{"delta":{"role":"assistant","content":""}}]}'), 0);
 * assert.equal(scan('{"choices":[{"delta":{"content":"x"},"finish_reason":"stop"}]}'), TOKEN | FINISH);
 * assert.equal(scan('{"choices":[],"usage":{"completion_tokens":3}}'), NEEDS_PARSE);
 * assert.equal(scan('{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{"}}]}}]}'), TOKEN | TOOL_CALL);
 * ```
 */
export function scanChunk(b: Uint8Array, start: number, end: number): number {
  let s = start, e = end;
  while (s < e && isWs(b[s])) s++;
  while (e > s && isWs(b[e - 1])) e--;
  if (e > s && (b[s] === 10 || b[s] === 13 || b[e - 1] === 10 || b[e - 1] === 13)) {
    return LINE_BREAK;
  }
  if (e - s < 2 || b[s] !== 123 || b[e - 1] !== 125) return NEEDS_PARSE;
  let flags = 0;
  let choices = false;
  let tokenValues = 0;
  let valueAt = -1;
  lastValueAt = -1;
  // One pass over the bytes (a plain loop: much cheaper than indexOf calls on
  // spans this short): each string is skipped whole, and a string followed by
  // a colon is a key whose value is looked at.
  for (let i = s + 1; i < e; i++) {
    // Skip plain bytes outside strings; stop at a quote or a line break.
    while (i < e && OUTSIDE[b[i]] === 0) i++;
    if (i >= e) break;
    if (b[i] !== QUOTE) return LINE_BREAK;
    // A string: skip to its closing quote.
    let j = i + 1;
    for (;;) {
      while (j < e && INSIDE[b[j]] === 0) j++;
      if (j >= e) return NEEDS_PARSE; // unterminated string
      const c = b[j];
      if (c === QUOTE) break;
      if (c !== BACKSLASH) return LINE_BREAK;
      j += 2;
    }
    let k = j + 1;
    while (k < e && isWs(b[k])) k++;
    if (b[k] === COLON) {
      k++;
      while (k < e && isWs(b[k])) k++;
      const v = b[k];
      switch (keyId(b, i + 1, j - i - 1)) {
        case K_CHOICES:
          if (v !== 91) return NEEDS_PARSE; // not a list
          choices = true;
          break;
        case K_REASONING:
          if (choices && v === QUOTE && b[k + 1] !== QUOTE) flags |= REASONING;
          // falls through
        case K_TEXT:
        case K_CONTENT:
        case K_REFUSAL:
          if (choices && v === QUOTE && b[k + 1] !== QUOTE) {
            flags |= TOKEN;
            tokenValues++;
            valueAt = k;
          }
          break;
        case K_TOOL_CALLS: {
          // A non-empty list is output (a tool call's name or arguments).
          let m = k + 1;
          while (m < e && isWs(b[m])) m++;
          if (choices && v === 91 && b[m] !== 93) {
            flags |= TOKEN | TOOL_CALL;
            tokenValues += 2; // not a text value: no template
          }
          break;
        }
        case K_FINISH:
          // Not null, and not the empty string TGI sends until the last chunk.
          if (choices && v !== 110 && !(v === QUOTE && b[k + 1] === QUOTE)) flags |= FINISH;
          break;
        case K_USAGE:
          if (v === 123) return NEEDS_PARSE; // usage to read
          break;
        case K_ERROR:
          return NEEDS_PARSE;
        case K_OBJECT:
          // `"object":"error"`
          if (v === QUOTE && b[k + 1] === 101 && b[k + 2] === 114 && b[k + 3] === 114) {
            return NEEDS_PARSE;
          }
          break;
      }
      i = k - 1; // continue at the value
    } else {
      i = j; // a string value: continue after it
    }
  }
  if (!choices) return NEEDS_PARSE;
  if ((flags & ~REASONING) === TOKEN && tokenValues === 1) lastValueAt = valueAt;
  return flags;
}

/**
 * Where the last {@linkcode scanChunk} that returned exactly TOKEN (or TOKEN | REASONING), from one
 * non-empty text value, found that value's opening quote (else -1). Module
 * state rather than a result object, to keep the scan free of allocation.
 */
let lastValueAt = -1;

/**
 * Classifies the chunks of one stream, remembering the last plain token
 * chunk as a template: the chunks of a stream usually differ only in their
 * text, so a chunk whose bytes equal the template's before and after its text
 * value, with a non-empty value, is a plain token chunk without a second scan.
 * Anything else gets the full {@linkcode scanChunk}.
 *
 * @example
 * ```ts
 * import { ChunkClassifier, TOKEN } from "./_chunk_scan.ts";
 * import assert from "node:assert/strict";
 *
 * const c = new ChunkClassifier();
 * const ev = (t: string) => new TextEncoder().encode(`{"choices":[{"text":${JSON.stringify(t)},"finish_reason":null}]}`);
 * for (const t of [" a", " bb", " c\"d"]) {
 *   const b = ev(t);
 *   assert.equal(c.classify(b, 0, b.length), TOKEN);
 * }
 * const empty = ev("");
 * assert.equal(c.classify(empty, 0, empty.length), 0);
 * ```
 */
export class ChunkClassifier {
  // The template: bytes up to and including the text value's opening quote,
  // and from its closing quote on, in buffers reused across chunks.
  #pre = new Uint8Array(0);
  #preLen = -1;
  #suf = new Uint8Array(0);
  #sufLen = -1;
  #flags = TOKEN;
  #hits = 0;
  #misses = 0;

  /**
   * Classifies `b[start, end)` as {@linkcode scanChunk} does.
   *
   * @param b Buffer.
   * @param start First byte.
   * @param end One past the last byte.
   * @returns The same flags as {@linkcode scanChunk}.
   */
  classify(b: Uint8Array, start: number, end: number): number {
    if (this.#preLen >= 0) {
      if (this.#matches(b, start, end)) {
        this.#hits++;
        return this.#flags;
      }
      // A stream whose chunks differ outside their text (a per-chunk
      // timestamp, say) never matches: stop trying after a few misses.
      if (++this.#misses > 8 && this.#misses > this.#hits) {
        this.#misses = -1;
        this.#preLen = -1;
      }
    }
    const flags = scanChunk(b, start, end);
    if (lastValueAt >= 0 && this.#misses >= 0) {
      let j = lastValueAt + 1;
      while (j < end) {
        const c = b[j];
        if (c === QUOTE) break;
        j += c === BACKSLASH ? 2 : 1;
      }
      const np = lastValueAt + 1 - start, ns = end - j;
      if (this.#pre.length < np) this.#pre = new Uint8Array(np * 2);
      if (this.#suf.length < ns) this.#suf = new Uint8Array(ns * 2);
      this.#pre.set(b.subarray(start, lastValueAt + 1));
      this.#suf.set(b.subarray(j, end));
      this.#preLen = np;
      this.#sufLen = ns;
      this.#flags = flags;
    }
    return flags;
  }

  #matches(b: Uint8Array, s: number, e: number): boolean {
    const pre = this.#pre, suf = this.#suf;
    const np = this.#preLen, ns = this.#sufLen;
    if (e - s < np + 1 + ns) return false;
    for (let i = 0; i < np; i++) if (b[s + i] !== pre[i]) return false;
    let j = s + np;
    if (b[j] === QUOTE) return false; // empty text: let the scan decide
    while (j < e) {
      const c = b[j];
      if (c === QUOTE) break;
      if (c === 10 || c === 13) return false;
      j += c === BACKSLASH ? 2 : 1;
    }
    if (e - j !== ns) return false;
    for (let k = 0; k < ns; k++) if (b[j + k] !== suf[k]) return false;
    return true;
  }
}
