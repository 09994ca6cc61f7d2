/**
 * Server-sent events framed straight from bytes: finds event boundaries and
 * `data:` lines without decoding text, and hands each event's data to the
 * caller as a range of the buffer it arrived in (copying only an event split
 * across reads, or one with several data lines).
 *
 * Written here, not taken from `eventsource-parser` (which the tests use as
 * the reference), because that parser works on decoded strings: decoding,
 * line splitting and event objects cost more per token than the whole
 * budget of the client (see docs/performance.md), and the reader must see
 * the bytes of each read to classify a chunk without `JSON.parse`.
 *
 * Follows the SSE framing rules for `\n` and `\r\n` line endings (a lone `\r`
 * is not treated as a line end), `:` comments, fields other than `data`
 * ignored, several `data` lines joined with `\n`, one leading space after the
 * colon removed, and a leading byte-order mark skipped.
 *
 * @module
 */

const LF = 10;
const CR = 13;
const COLON = 58;
const SPACE = 32;

/** Receives one event's data: `buf[start, end)`, valid only during the call. */
export type SseDataHandler = (buf: Uint8Array, start: number, end: number) => void;

/**
 * Offered a read that looks like exactly one `data:` event (it starts with
 * `data:` and ends with a blank line) before the parser scans it for line
 * ends: `buf[start, end)` is the data, provided it holds no line break.
 * Return true if it was handled (the data had no `\n` or `\r`), false to
 * have the read framed in full. This saves a pass over the bytes when the
 * handler scans them anyway.
 */
export type SseWholeEventHandler = (buf: Uint8Array, start: number, end: number) => boolean;

/**
 * Incremental SSE parser over bytes.
 *
 * @example
 * ```ts
 * import { SseParser } from "./_sse.ts";
 * import assert from "node:assert/strict";
 *
 * const seen: string[] = [];
 * const p = new SseParser((b, s, e) => seen.push(new TextDecoder().decode(b.subarray(s, e))));
 * const enc = new TextEncoder();
 * p.feed(enc.encode("data: {\"a\":1}\n\n: ping\n\nda"));
 * p.feed(enc.encode("ta: [DONE]\n\n"));
 * assert.deepEqual(seen, ['{"a":1}', "[DONE]"]);
 * ```
 */
export class SseParser {
  #onData: SseDataHandler;
  #onWhole: SseWholeEventHandler | undefined;
  // The unfinished event, from its first byte: carry[0, carryLen). Its lines
  // before lineStart were read already (their data is in ds/de or multi);
  // carry[lineStart, carryLen) holds no line break.
  #carry = new Uint8Array(0);
  #carryLen = 0;
  #lineStart = 0;
  /** Where the search for the next line break resumes in the carry. */
  #scanFrom = 0;
  #started = false;
  // Data lines of the event being read: one range (of the buffer being
  // parsed, or of the carry between reads), or joined copies.
  #ds = -1;
  #de = -1;
  #multi: Uint8Array[] | null = null;

  /**
   * @param onData Called with each complete event's data.
   * @param onWhole Optional fast path for reads holding exactly one event.
   */
  constructor(onData: SseDataHandler, onWhole?: SseWholeEventHandler) {
    this.#onData = onData;
    this.#onWhole = onWhole;
  }

  /**
   * Feeds bytes as they arrive. The cost is linear in the bytes fed, however
   * many reads an event spans: an unfinished event is kept with what was
   * already read of it, and only the new bytes are searched for a line end.
   *
   * @param chunk The bytes (only read during the call).
   */
  feed(chunk: Uint8Array): void {
    const n = chunk.length;
    if (n === 0) return;
    if (
      this.#onWhole !== undefined && this.#carryLen === 0 && this.#started && n >= 7 &&
      chunk[n - 1] === LF && chunk[n - 2] === LF && chunk[0] === 100 && chunk[1] === 97 &&
      chunk[2] === 116 && chunk[3] === 97 && chunk[4] === COLON &&
      this.#onWhole(chunk, chunk[5] === SPACE ? 6 : 5, n - 2)
    ) {
      return;
    }
    let buf = chunk;
    let end = n;
    let pos = 0;
    let scan = 0;
    const carried = this.#carryLen > 0;
    if (carried) {
      // An event was split across reads: continue it in the carry buffer.
      const had = this.#carryLen;
      end = had + n;
      if (this.#carry.length < end) {
        const bigger = new Uint8Array(Math.max(end, this.#carry.length * 2));
        bigger.set(this.#carry.subarray(0, had));
        this.#carry = bigger;
      }
      this.#carry.set(chunk, had);
      // A view ending at the last valid byte, so that a search stops there.
      buf = this.#carry.subarray(0, end);
      pos = this.#lineStart;
      scan = this.#scanFrom;
    }
    if (!this.#started) {
      if (end < 3 && buf[0] === 0xef) {
        // Perhaps a byte-order mark split across reads: wait for its end.
        this.#keep(buf, carried, 0, 0, end);
        this.#scanFrom = 0;
        return;
      }
      this.#started = true;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) pos = 3;
    }
    let eventStart = carried ? 0 : pos;
    for (;;) {
      const lf = buf.indexOf(LF, scan > pos ? scan : pos);
      if (lf < 0) break;
      const lineEnd = lf > pos && buf[lf - 1] === CR ? lf - 1 : lf;
      if (lineEnd === pos) {
        // Blank line: dispatch.
        if (this.#multi !== null) {
          const joined = join(this.#multi);
          this.#multi = null;
          this.#ds = -1;
          this.#onData(joined, 0, joined.length);
        } else if (this.#ds >= 0) {
          const s = this.#ds, e = this.#de;
          this.#ds = -1;
          this.#onData(buf, s, e);
        }
        eventStart = lf + 1;
      } else if (
        buf[pos] === 100 && buf[pos + 1] === 97 && buf[pos + 2] === 116 && buf[pos + 3] === 97 &&
        (pos + 4 === lineEnd || buf[pos + 4] === COLON)
      ) {
        // "data" or "data:..."
        let vs = pos + 5;
        if (pos + 4 === lineEnd) vs = lineEnd;
        else if (vs < lineEnd && buf[vs] === SPACE) vs++;
        if (this.#multi !== null) {
          this.#multi.push(buf.slice(vs, lineEnd));
        } else if (this.#ds >= 0) {
          this.#multi = [buf.slice(this.#ds, this.#de), buf.slice(vs, lineEnd)];
        } else {
          this.#ds = vs;
          this.#de = lineEnd;
        }
      }
      // Other lines (comments, id, event, retry) are ignored.
      pos = lf + 1;
    }
    // Keep the unfinished event, and what was read of it, for the next read.
    this.#keep(buf, carried, eventStart, pos, end);
    this.#scanFrom = this.#carryLen;
  }

  /** Drops any unfinished event. */
  reset(): void {
    this.#carryLen = 0;
    this.#lineStart = 0;
    this.#scanFrom = 0;
    this.#ds = -1;
    this.#multi = null;
  }

  /**
   * Keeps `buf[from, end)` as the carry (`buf` is a view of the carry when
   * `carried`), its lines before `lineStart` already read.
   */
  #keep(buf: Uint8Array, carried: boolean, from: number, lineStart: number, end: number): void {
    const n = end - from;
    if (n <= 0) {
      this.#carryLen = 0;
      this.#lineStart = 0;
      // Let go of a buffer a giant event left behind.
      if (this.#carry.length > BIG_CARRY) this.#carry = new Uint8Array(0);
      return;
    }
    if (carried) {
      if (from > 0) this.#carry.copyWithin(0, from, end);
    } else {
      if (this.#carry.length < n) {
        this.#carry = new Uint8Array(Math.max(n, this.#carry.length * 2, 1024));
      }
      this.#carry.set(from === 0 && end === buf.length ? buf : buf.subarray(from, end));
    }
    this.#carryLen = n;
    this.#lineStart = lineStart - from;
    if (this.#ds >= 0) {
      this.#ds -= from;
      this.#de -= from;
    }
  }
}

/** A carry buffer larger than this is dropped once it is empty. */
const BIG_CARRY = 1 << 20;

function join(parts: Uint8Array[]): Uint8Array {
  let n = parts.length - 1;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (let i = 0; i < parts.length; i++) {
    if (i > 0) out[o++] = LF;
    out.set(parts[i], o);
    o += parts[i].length;
  }
  return out;
}
