/**
 * Micro-benchmark of the client's per-token work without any I/O: chunked
 * decoding, SSE framing, chunk classification and record keeping, fed with
 * vLLM-shaped events 16 to a read. Prints nanoseconds per token.
 *
 * With `--giant-mb N` it measures instead the cost of one giant event: an
 * N MB completion chunk fed in 16 KiB reads through the stream reader (the
 * SSE parser carries the event across thousands of reads), and prints one
 * JSON line with the CPU seconds and MB/s of each repetition and their
 * spread. Its cost must grow linearly with the event's size.
 *
 * Run: `deno run -A bench/parse_micro.ts` or
 * `deno run -A bench/parse_micro.ts --giant-mb 100 --reps 5`
 *
 * @module
 */

import { ChunkedDecoder } from "../lib/http/http1_parse.ts";
import { StreamReader } from "../lib/backends/openai_compat.ts";
import { newRecord } from "../lib/record/record.ts";
import process from "node:process";
import { parseArgs } from "node:util";

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

/**
 * One SSE stream holding a single completion event of `mb` MiB of text, then
 * `[DONE]`.
 *
 * @param mb Size of the event's text in MiB.
 * @returns The stream's bytes.
 *
 * @example
 * ```ts
 * import { giantEventStream } from "./parse_micro.ts";
 * import assert from "node:assert/strict";
 *
 * const s = new TextDecoder().decode(giantEventStream(1 / 1024));
 * assert.ok(s.startsWith('data: {"choices":[{"index":0,"text":"aaaa'));
 * assert.ok(s.endsWith("data: [DONE]\n\n"));
 * ```
 */
export function giantEventStream(mb: number): Uint8Array {
  const pre = enc.encode('data: {"choices":[{"index":0,"text":"');
  const post = enc.encode('","finish_reason":"length"}]}\n\ndata: [DONE]\n\n');
  const n = Math.round(mb * 1024 * 1024);
  const out = new Uint8Array(pre.length + n + post.length);
  out.set(pre);
  out.fill(97, pre.length, pre.length + n); // "aaa..."
  out.set(post, pre.length + n);
  return out;
}

/** CPU and wall time of reading one stream. */
export interface GiantEventRun {
  /** Process CPU (user + system), seconds. */
  cpuS: number;
  /** Wall time, seconds. */
  wallS: number;
  /** Stream MiB per CPU second. */
  mbPerCpuS: number;
}

/**
 * Feeds `stream` in `readBytes` reads through a {@linkcode StreamReader} and
 * measures the CPU it takes.
 *
 * @param stream The SSE bytes (see {@linkcode giantEventStream}).
 * @param readBytes Bytes per read.
 * @returns The CPU and wall time.
 * @throws {Error} When the reader did not see exactly one token chunk and the end.
 *
 * @example
 * ```ts
 * import { giantEventStream, readGiantEvent } from "./parse_micro.ts";
 * import assert from "node:assert/strict";
 *
 * const run = readGiantEvent(giantEventStream(1), 16384);
 * assert.ok(run.cpuS >= 0 && run.mbPerCpuS > 0);
 * ```
 */
export function readGiantEvent(stream: Uint8Array, readBytes = 16384): GiantEventRun {
  const rec = newRecord(0, "measure", 0, 0, 0, 0);
  const reader = new StreamReader(rec);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  reader.head(200, 0, "text/event-stream");
  let k = 0;
  for (let off = 0; off < stream.length; off += readBytes) {
    reader.body(stream.subarray(off, Math.min(stream.length, off + readBytes)), ++k);
  }
  reader.finish(k);
  const wallS = (performance.now() - t0) / 1e3;
  const cpu = process.cpuUsage(cpu0);
  if (!rec.ok || rec.chunkMs.length !== 1) {
    throw new Error(
      `expected one token chunk and an ok record, got ok=${rec.ok}, ${rec.chunkMs.length} chunks, ` +
        `failure ${JSON.stringify(rec.error)}`,
    );
  }
  const cpuS = (cpu.user + cpu.system) / 1e6;
  return { cpuS, wallS, mbPerCpuS: stream.length / 2 ** 20 / cpuS };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { "giant-mb": { type: "string" }, reps: { type: "string", default: "5" } },
  });
  if (values["giant-mb"] !== undefined) {
    const stream = giantEventStream(Number(values["giant-mb"]));
    const runs: GiantEventRun[] = [];
    for (let i = 0; i < Number(values.reps); i++) runs.push(readGiantEvent(stream));
    const cpu = runs.map((r) => r.cpuS).sort((a, b) => a - b);
    console.log(JSON.stringify({
      mb: Number(values["giant-mb"]),
      readBytes: 16384,
      runs,
      cpuS: { median: cpu[(cpu.length - 1) >> 1], min: cpu[0], max: cpu[cpu.length - 1] },
    }));
  } else {
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
}
