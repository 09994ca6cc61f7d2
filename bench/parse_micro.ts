/**
 * Micro-benchmark of the client's per-token work without any I/O: chunked
 * decoding, SSE framing, chunk classification and record keeping, fed with
 * vLLM-shaped events 16 to a read. Prints nanoseconds per token.
 *
 * Run: `deno run -A bench/parse_micro.ts`
 *
 * @module
 */

import { ChunkedDecoder } from "../lib/http/http1_parse.ts";
import { StreamReader } from "../lib/backends/openai_compat.ts";
import { newRecord } from "../lib/record/record.ts";

const enc = new TextEncoder();

/** Chunk-framed vLLM completion events, `perRead` of them in one buffer. */
export function framedEvents(perRead: number): Uint8Array {
  const ev =
    `data: {"id":"cmpl-8f2c1a","object":"text_completion","created":1732000000,"model":"Qwen/Qwen2.5-0.5B-Instruct","choices":[{"index":0,"text":" tok","logprobs":null,"finish_reason":null,"stop_reason":null}],"usage":null}\n\n`;
  const payload = enc.encode(ev);
  const frame = new Uint8Array([
    ...enc.encode(payload.length.toString(16) + "\r\n"),
    ...payload,
    13,
    10,
  ]);
  const out = new Uint8Array(frame.length * perRead);
  for (let i = 0; i < perRead; i++) out.set(frame, i * frame.length);
  return out;
}

/**
 * Measures ns per token for the parse path.
 *
 * @param perRead Events per read.
 * @param tokens Tokens per request.
 * @param requests Requests.
 * @returns Nanoseconds per token.
 */
export function parseNsPerToken(perRead: number, tokens = 1024, requests = 200): number {
  const buf = framedEvents(perRead);
  const reads = Math.ceil(tokens / perRead);
  const t0 = performance.now();
  for (let r = 0; r < requests; r++) {
    const rec = newRecord(r, "measure", 0, 0, 0, 0);
    const reader = new StreamReader(rec);
    reader.head(200, 0);
    const dec = new ChunkedDecoder();
    let t = 0;
    const onData = (b: Uint8Array) => reader.body(b, t);
    for (let k = 0; k < reads; k++) {
      t = k;
      dec.push(buf, 0, buf.length, onData);
    }
  }
  return (performance.now() - t0) * 1e6 / (requests * reads * perRead);
}

if (import.meta.main) {
  for (const perRead of [1, 16]) {
    parseNsPerToken(perRead, 1024, 50); // warm up
    const runs = Array.from({ length: 5 }, () => parseNsPerToken(perRead));
    runs.sort((a, b) => a - b);
    console.log(
      `${perRead} event(s) per read: ${runs[2].toFixed(0)} ns/token (min ${
        runs[0].toFixed(0)
      }, max ${runs[4].toFixed(0)})`,
    );
  }
}
