/**
 * Byte-level pieces of HTTP/1.1 shared by splleed's client transport and the
 * simulator's server: finding the end of a message head, parsing it, and
 * decoding chunked transfer coding incrementally without copying.
 *
 * Hand-written because the measuring client must see the exact moment each
 * read returns and decode it in place; Deno's `fetch` costs ~18 µs of CPU per
 * streamed chunk and hides read boundaries, and no npm HTTP parser runs on
 * `Deno.Conn` without Node's stream layer.
 *
 * @module
 */

const CR = 13;
const LF = 10;
const latin1 = new TextDecoder("latin1");

/**
 * Index just past the blank line (`\r\n\r\n`) that ends a message head, or -1.
 *
 * @param buf Bytes received so far.
 * @param from Where to start looking (to avoid rescanning).
 * @param end One past the last valid byte.
 * @returns The index of the first body byte, or -1 when the head is incomplete.
 *
 * @example
 * ```ts
 * import { findHeadEnd } from "./http1_parse.ts";
 * import assert from "node:assert/strict";
 *
 * const b = new TextEncoder().encode("HTTP/1.1 200 OK\r\nA: b\r\n\r\nbody");
 * assert.equal(findHeadEnd(b, 0, b.length), b.length - 4);
 * ```
 */
export function findHeadEnd(buf: Uint8Array, from: number, end: number): number {
  for (let i = Math.max(from, 3); i < end; i++) {
    if (buf[i] === LF && buf[i - 1] === CR && buf[i - 2] === LF && buf[i - 3] === CR) {
      return i + 1;
    }
  }
  return -1;
}

/** A parsed message head: the start line split in three, and lower-cased headers. */
export interface ParsedHead {
  /** First token: the method of a request, the version of a response. */
  a: string;
  /** Second token: the target of a request, the status code of a response. */
  b: string;
  /** The rest of the start line: the version of a request, the reason of a response. */
  c: string;
  /** Header fields with lower-cased names; repeated fields are joined with ", ". */
  headers: Map<string, string>;
}

/**
 * Parses a message head (start line and header fields, up to the blank line).
 *
 * @param bytes The head bytes, including the final `\r\n\r\n`.
 * @returns The parsed head.
 * @throws {SyntaxError} When the start line or a field line is malformed.
 *
 * @example
 * ```ts
 * import { parseHead } from "./http1_parse.ts";
 * import assert from "node:assert/strict";
 *
 * const h = parseHead(new TextEncoder().encode("HTTP/1.1 200 OK\r\nContent-Type: x\r\n\r\n"));
 * assert.equal(h.b, "200");
 * assert.equal(h.headers.get("content-type"), "x");
 * ```
 */
export function parseHead(bytes: Uint8Array): ParsedHead {
  const text = latin1.decode(bytes);
  const lines = text.split("\r\n");
  const start = lines[0];
  const s1 = start.indexOf(" ");
  if (s1 <= 0) throw new SyntaxError(`malformed start line: ${JSON.stringify(start.slice(0, 80))}`);
  const s2 = start.indexOf(" ", s1 + 1);
  const a = start.slice(0, s1);
  const b = s2 < 0 ? start.slice(s1 + 1) : start.slice(s1 + 1, s2);
  const c = s2 < 0 ? "" : start.slice(s2 + 1);
  const headers = new Map<string, string>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line === "") continue;
    const colon = line.indexOf(":");
    if (colon <= 0) {
      throw new SyntaxError(`malformed header line: ${JSON.stringify(line.slice(0, 80))}`);
    }
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const prev = headers.get(name);
    headers.set(name, prev === undefined ? value : `${prev}, ${value}`);
  }
  return { a, b, c, headers };
}

// Decoder states.
const SIZE = 0; // reading hex size digits
const EXT = 1; // skipping a chunk extension up to CR
const SIZE_LF = 2; // expecting LF after the size line
const DATA = 3; // copying chunk data
const DATA_CR = 4; // expecting CR after data
const DATA_LF = 5; // expecting LF after data
const TRAILER = 6; // reading trailer lines until an empty one
const DONE = 7;

/**
 * Incremental decoder of `Transfer-Encoding: chunked` bodies. Feed it bytes
 * as they arrive; it hands out the payload as sub-arrays of the input (no
 * copies) and says when the final chunk and trailers are complete.
 *
 * @example
 * ```ts
 * import { ChunkedDecoder } from "./http1_parse.ts";
 * import assert from "node:assert/strict";
 *
 * const d = new ChunkedDecoder();
 * const enc = new TextEncoder();
 * let out = "";
 * const onData = (b: Uint8Array) => (out += new TextDecoder().decode(b));
 * for (const part of ["5\r\nhel", "lo\r\n0\r\n\r\n"]) {
 *   const b = enc.encode(part);
 *   d.push(b, 0, b.length, onData);
 * }
 * assert.equal(out, "hello");
 * assert.ok(d.done);
 * ```
 */
export class ChunkedDecoder {
  #state = SIZE;
  #remaining = 0;
  #digits = 0;
  #lineLen = 0;

  /** True once the last chunk and its trailer section have been read. */
  get done(): boolean {
    return this.#state === DONE;
  }

  /**
   * Decodes `buf[start, end)`.
   *
   * @param buf Input bytes.
   * @param start First byte to decode.
   * @param end One past the last byte.
   * @param onData Receives each run of payload bytes (a view valid only during the call).
   * @returns The index of the first byte not consumed (`end` unless the body ended earlier).
   * @throws {SyntaxError} On malformed chunk framing.
   */
  push(buf: Uint8Array, start: number, end: number, onData: (bytes: Uint8Array) => void): number {
    let i = start;
    while (i < end) {
      switch (this.#state) {
        case SIZE: {
          const ch = buf[i];
          const v = hexValue(ch);
          if (v >= 0) {
            if (++this.#digits > 12) throw new SyntaxError("chunk size too large");
            this.#remaining = this.#remaining * 16 + v;
            i++;
          } else if (this.#digits === 0) {
            throw new SyntaxError(`invalid chunk size byte 0x${ch.toString(16)}`);
          } else if (ch === CR) {
            this.#state = SIZE_LF;
            i++;
          } else if (ch === 59 /* ; */ || ch === 32 || ch === 9) {
            this.#state = EXT;
            i++;
          } else {
            throw new SyntaxError(`invalid chunk size byte 0x${ch.toString(16)}`);
          }
          break;
        }
        case EXT:
          if (buf[i] === CR) this.#state = SIZE_LF;
          i++;
          break;
        case SIZE_LF:
          if (buf[i] !== LF) throw new SyntaxError("expected LF after chunk size");
          i++;
          this.#digits = 0;
          if (this.#remaining === 0) {
            this.#state = TRAILER;
            this.#lineLen = 0;
          } else {
            this.#state = DATA;
          }
          break;
        case DATA: {
          const n = Math.min(this.#remaining, end - i);
          onData(buf.subarray(i, i + n));
          i += n;
          this.#remaining -= n;
          if (this.#remaining === 0) this.#state = DATA_CR;
          break;
        }
        case DATA_CR:
          if (buf[i] !== CR) throw new SyntaxError("expected CR after chunk data");
          this.#state = DATA_LF;
          i++;
          break;
        case DATA_LF:
          if (buf[i] !== LF) throw new SyntaxError("expected LF after chunk data");
          this.#state = SIZE;
          i++;
          break;
        case TRAILER: {
          const ch = buf[i++];
          if (ch === LF) {
            if (this.#lineLen === 0) {
              this.#state = DONE;
              return i;
            }
            this.#lineLen = 0;
          } else if (ch !== CR) {
            this.#lineLen++;
          }
          break;
        }
        case DONE:
          return i;
      }
    }
    return i;
  }
}

function hexValue(ch: number): number {
  if (ch >= 48 && ch <= 57) return ch - 48;
  if (ch >= 97 && ch <= 102) return ch - 87;
  if (ch >= 65 && ch <= 70) return ch - 55;
  return -1;
}
