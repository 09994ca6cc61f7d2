/**
 * The streams of SGLang, TGI's native `/generate_stream` and TGI's Messages
 * API, as the engines write them (fixtures in `testdata/`), read into
 * records: which events count as tokens, when each was read, and where the
 * token counts come from.
 */

import assert from "node:assert/strict";
import { newRecord, type RequestRecord } from "../record/record.ts";
import { StreamReader } from "./openai_compat.ts";
import { TgiStreamReader } from "./tgi.ts";

const enc = new TextEncoder();
const fixture = (name: string) =>
  Deno.readTextFileSync(new URL(`./testdata/${name}`, import.meta.url));
/** The events of a stream, each with its blank line (comments included). */
const events = (text: string) =>
  text.split("\n\n").filter((e) => e !== "" && e !== "\n").map((e) => e + "\n\n");

interface Reader {
  head(status: number, tMs: number): void;
  body(bytes: Uint8Array, tMs: number): void;
  finish(endMs: number): void;
}
type Make = (rec: RequestRecord) => Reader;
const openaiReader: Make = (rec) => new StreamReader(rec);
const tgiReader: Make = (rec) => new TgiStreamReader(rec);

/** Reads `parts` (each one read, at its time) after a head at 0.5 ms. */
function read(
  make: Make,
  parts: { bytes: Uint8Array; t: number }[],
  status = 200,
): RequestRecord {
  const rec = newRecord(0, "measure", 0, 0, 0, 0);
  rec.sentMs = 0;
  const r = make(rec);
  r.head(status, 0.5);
  for (const p of parts) r.body(p.bytes, p.t);
  r.finish(parts.at(-1)?.t ?? 1);
  return rec;
}

/** One event per read, the i-th read at `t0 + i` ms. */
const perEvent = (text: string, t0: number) =>
  events(text).map((e, i) => ({ bytes: enc.encode(e), t: t0 + i }));

/** Gaps between consecutive token chunks: the inter-token latencies a user sees. */
const itls = (rec: RequestRecord) => rec.chunkMs.slice(1).map((t, i) => t - rec.chunkMs[i]);

interface StreamCase {
  name: string;
  file: string;
  make: Make;
  /** Number of events in the file (comments count as events here). */
  events: number;
  /** Indices of the events that carry a token. */
  tokenEvents: number[];
  outputTokens: number;
  source: "usage" | "chunks";
  promptTokens: number | null;
}

const CASES: StreamCase[] = [
  {
    // 0-3: text chunks (the last with finish_reason "length"), 4: usage chunk, 5: [DONE].
    name: "SGLang completions",
    file: "sglang_completions.sse",
    make: openaiReader,
    events: 6,
    tokenEvents: [0, 1, 2, 3],
    outputTokens: 4,
    source: "usage",
    promptTokens: 6,
  },
  {
    // 0: comment, 1: role-only chunk (content ""), 2-4: reasoning_content, 5: content "",
    // 6-7: content, 8: empty delta with finish_reason "stop", 9: usage, 10: [DONE].
    // The usage (9) also counts <think>, </think>, a newline and the EOS token, which
    // never reach the client as text.
    name: "SGLang chat with reasoning",
    file: "sglang_chat_reasoning.sse",
    make: openaiReader,
    events: 11,
    tokenEvents: [2, 3, 4, 6, 7],
    outputTokens: 9,
    source: "usage",
    promptTokens: 14,
  },
  {
    // 0: keep-alive comment (":"), 1-8: one token each (5-7 are byte-fallback pieces of
    // an emoji, sent with empty text), 9: the EOS token (special) with details.
    // generated_tokens counts the EOS token, which is not a token chunk.
    name: "TGI /generate_stream",
    file: "tgi_generate.sse",
    make: tgiReader,
    events: 10,
    tokenEvents: [1, 2, 3, 4, 5, 6, 7, 8],
    outputTokens: 9,
    source: "usage",
    promptTokens: 7,
  },
  {
    // 0-4: role + content on every chunk (the last with finish_reason "length"),
    // 5: usage chunk (choices []), 6: [DONE]. TGI writes "data:" without a space.
    name: "TGI Messages API",
    file: "tgi_messages.sse",
    make: openaiReader,
    events: 7,
    tokenEvents: [0, 1, 2, 3, 4],
    outputTokens: 5,
    source: "usage",
    promptTokens: 31,
  },
];

for (const c of CASES) {
  Deno.test(`${c.name}: one read, every token chunk shares the read's time`, () => {
    const text = fixture(c.file);
    assert.equal(events(text).length, c.events, "fixture shape");
    const rec = read(c.make, [{ bytes: enc.encode(text), t: 5 }]);
    assert.equal(rec.ok, true, JSON.stringify(rec.error));
    assert.equal(rec.error, null);
    assert.equal(rec.firstTokenMs, 5);
    assert.deepEqual(rec.chunkMs, c.tokenEvents.map(() => 5));
    assert.equal(rec.outputTokens, c.outputTokens);
    assert.equal(rec.outputTokensSource, c.source);
    assert.equal(rec.promptTokens, c.promptTokens);
    assert.equal(rec.endMs, 5);
  });

  Deno.test(`${c.name}: one event per read, each token chunk keeps its own read time`, () => {
    const rec = read(c.make, perEvent(fixture(c.file), 10));
    assert.equal(rec.ok, true, JSON.stringify(rec.error));
    const expected = c.tokenEvents.map((i) => 10 + i);
    assert.equal(rec.firstTokenMs, expected[0]);
    assert.deepEqual(rec.chunkMs, expected);
    // Each token chunk carries one token: n tokens give n - 1 inter-token gaps, and a
    // chunk that is not a token (role-only, empty, special) widens the next gap instead
    // of adding one.
    assert.equal(itls(rec).length, c.tokenEvents.length - 1);
    assert.deepEqual(itls(rec), expected.slice(1).map((t, i) => t - expected[i]));
    assert.equal(rec.outputTokens, c.outputTokens);
    assert.equal(rec.outputTokensSource, c.source);
    assert.equal(rec.promptTokens, c.promptTokens);
    assert.equal(rec.headersMs, 0.5);
    assert.equal(rec.endMs, 10 + c.events - 1);
  });

  Deno.test(`${c.name}: the same tokens however the bytes are cut in two`, () => {
    const bytes = enc.encode(fixture(c.file));
    for (let cut = 1; cut < bytes.length; cut++) {
      const rec = read(c.make, [
        { bytes: bytes.subarray(0, cut), t: 1 },
        { bytes: bytes.subarray(cut), t: 2 },
      ]);
      assert.equal(rec.ok, true, `cut at ${cut}: ${JSON.stringify(rec.error)}`);
      assert.equal(rec.chunkMs.length, c.tokenEvents.length, `cut at ${cut}`);
      assert.equal(rec.outputTokens, c.outputTokens, `cut at ${cut}`);
      assert.equal(rec.promptTokens, c.promptTokens, `cut at ${cut}`);
    }
  });
}

Deno.test("SGLang chat: the gap across the empty-content chunk is one inter-token latency", () => {
  const rec = read(openaiReader, perEvent(fixture("sglang_chat_reasoning.sse"), 100));
  // Reasoning at 102, 103, 104; the empty content chunk at 105 is not a token; "Paris" at 106.
  assert.deepEqual(rec.chunkMs, [102, 103, 104, 106, 107]);
  assert.deepEqual(itls(rec), [1, 1, 2, 1]);
});

Deno.test("TGI /generate_stream, one byte per read: a token is timed by the read that completes its event", () => {
  const text = fixture("tgi_generate.sse");
  const bytes = enc.encode(text);
  // The byte offset of the second "\n" ending each token event.
  const ends: number[] = [];
  let offset = 0;
  for (const e of events(text)) {
    const n = enc.encode(e).length;
    if (e.includes('"special":false')) ends.push(offset + n - 1);
    offset += n;
  }
  assert.equal(ends.length, 8);
  const rec = read(tgiReader, [...bytes].map((b, i) => ({ bytes: Uint8Array.of(b), t: i })));
  assert.equal(rec.ok, true, JSON.stringify(rec.error));
  assert.deepEqual(rec.chunkMs, ends);
  assert.equal(rec.firstTokenMs, ends[0]);
  assert.equal(rec.outputTokens, 9);
});

Deno.test("TGI /generate_stream: an empty-text piece that is not special is a token", () => {
  const evs = events(fixture("tgi_generate.sse"));
  // Events 5-7 are the first three bytes of "😊", sent with empty text.
  for (const i of [5, 6, 7]) assert.match(evs[i], /"text":"","logprob":[-.0-9]+,"special":false/);
  const rec = read(tgiReader, perEvent(evs.join(""), 10));
  assert.ok(rec.chunkMs.includes(15) && rec.chunkMs.includes(16) && rec.chunkMs.includes(17));
  // The special EOS token (event 9) is not: the last token chunk is the emoji's (event 8).
  assert.equal(rec.chunkMs.at(-1), 18);
  assert.equal(rec.outputTokens, rec.chunkMs.length + 1, "the server's count includes EOS");
});

Deno.test("TGI /generate_stream ending on max_new_tokens: the last token is both a chunk and the final event", () => {
  const evs = events(fixture("tgi_generate.sse")).slice(1, 5);
  evs[3] = evs[3].replace(
    '"generated_text":null,"details":null',
    '"generated_text":" Paris is lovely ","details":{"finish_reason":"length","generated_tokens":4,"seed":null,"input_length":7}',
  );
  const rec = read(tgiReader, perEvent(evs.join(""), 10));
  assert.equal(rec.ok, true, JSON.stringify(rec.error));
  assert.deepEqual(rec.chunkMs, [10, 11, 12, 13]);
  assert.equal(rec.outputTokens, 4);
  assert.equal(rec.outputTokensSource, "usage");
});

Deno.test("TGI /generate_stream without details: the count comes from the token chunks", () => {
  const text = fixture("tgi_generate.sse").replace(
    /"details":\{[^}]*\}/,
    '"details":null',
  );
  const rec = read(tgiReader, [{ bytes: enc.encode(text), t: 3 }]);
  assert.equal(rec.ok, true, JSON.stringify(rec.error));
  assert.equal(rec.outputTokens, 8);
  assert.equal(rec.outputTokensSource, "chunks");
  assert.equal(rec.promptTokens, null);
});

Deno.test("TGI /generate_stream cut before its final event fails as stream_incomplete", () => {
  const evs = events(fixture("tgi_generate.sse"));
  const rec = read(tgiReader, perEvent(evs.slice(0, -1).join(""), 10));
  assert.equal(rec.ok, false);
  assert.equal(rec.error?.reason, "stream_incomplete");
  assert.match(rec.error!.message, /after 8 tokens/);
  assert.deepEqual(rec.chunkMs, [11, 12, 13, 14, 15, 16, 17, 18], "what was measured is kept");
  assert.equal(rec.endMs, 18);

  // Cut inside the final event: its half is never read as an event.
  const bytes = enc.encode(fixture("tgi_generate.sse"));
  const half = read(tgiReader, [{ bytes: bytes.subarray(0, bytes.length - 40), t: 4 }]);
  assert.equal(half.error?.reason, "stream_incomplete");
  assert.equal(half.chunkMs.length, 8);
});

Deno.test("TGI /generate_stream error event fails as server_error with TGI's message", () => {
  const rec = read(tgiReader, perEvent(fixture("tgi_generate_error.sse"), 10));
  assert.equal(rec.ok, false);
  assert.equal(rec.error?.reason, "server_error");
  assert.equal(
    rec.error?.message,
    "Request failed during generation: Server error: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 79.19 GiB of which 1.31 GiB is free.",
  );
  assert.deepEqual(rec.chunkMs, [10, 11], "tokens read before the error keep their times");
  assert.equal(rec.endMs, 12);
});

Deno.test("TGI /generate_stream: a validation error arrives in a 200 stream and fails as server_error", () => {
  // /generate_stream answers 200 at once and reports a rejected request as its only event.
  const msg =
    "Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096. Given: 4000 `inputs` tokens and 200 `max_new_tokens`";
  const ev = `data:${JSON.stringify({ error: msg, error_type: "validation" })}\n\n`;
  const rec = read(tgiReader, [{ bytes: enc.encode(ev), t: 2 }]);
  assert.equal(rec.error?.reason, "server_error");
  assert.equal(rec.error?.message, msg);
  assert.equal(rec.firstTokenMs, null);
});

Deno.test("TGI HTTP 422 fails as http_422 with the error of its JSON body", () => {
  const msg =
    "Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096. Given: 4000 `inputs` tokens and 200 `max_new_tokens`";
  const body = enc.encode(JSON.stringify({ error: msg, error_type: "validation" }));
  const rec = newRecord(0, "measure", 0, 0, 0, 0);
  const r = new TgiStreamReader(rec);
  r.head(422, 1);
  // Split inside the body: the message is read whole.
  r.body(body.subarray(0, 30), 2);
  r.body(body.subarray(30), 3);
  r.finish(3);
  assert.equal(rec.ok, false);
  assert.equal(rec.status, 422);
  assert.equal(rec.error?.reason, "http_422");
  assert.equal(rec.error?.message, msg);
  assert.deepEqual(rec.chunkMs, [], "an error body is never read as tokens");
  assert.equal(rec.outputTokens, null);
  assert.equal(rec.endMs, 3);
});

Deno.test("TGI Messages API without a usage chunk: the count comes from the chunks", () => {
  const text = events(fixture("tgi_messages.sse")).filter((e) => !e.includes('"usage":{')).join(
    "",
  );
  const rec = read(openaiReader, perEvent(text, 10));
  assert.equal(rec.ok, true, JSON.stringify(rec.error));
  assert.deepEqual(rec.chunkMs, [10, 11, 12, 13, 14]);
  assert.equal(rec.outputTokens, 5);
  assert.equal(rec.outputTokensSource, "chunks");
  assert.equal(rec.promptTokens, null);
});

Deno.test("TGI Messages API: the EOS chunk (empty content, finish_reason stop) is not a token", () => {
  // TGI sends the special EOS token as {"role":"assistant","content":""} with the finish reason.
  const evs = events(fixture("tgi_messages.sse"));
  const eos = evs[4].replace('"content":" is"', '"content":""').replace(
    '"finish_reason":"length"',
    '"finish_reason":"stop"',
  );
  const text = [...evs.slice(0, 4), eos, ...evs.slice(5)].join("");
  const rec = read(openaiReader, perEvent(text, 10));
  assert.equal(rec.ok, true, JSON.stringify(rec.error));
  assert.deepEqual(rec.chunkMs, [10, 11, 12, 13]);
  assert.equal(rec.outputTokens, 5, "the usage chunk's count, EOS included");
});

Deno.test("TGI /v1/completions: a stream cut before its final chunk fails as stream_incomplete", () => {
  // TGI's completions chunks carry "finish_reason":"" (an empty string, not null) until
  // the final chunk, which has the reason and usage.
  const chunk = (text: string) =>
    `data:{"object":"text_completion","id":"","created":1747300300,"choices":[{"index":0,"text":${
      JSON.stringify(text)
    },"logprobs":null,"finish_reason":""}],"model":"m","system_fingerprint":"3.3.6-native"}\n\n`;
  const rec = read(openaiReader, [
    { bytes: enc.encode(chunk(" Paris")), t: 1 },
    { bytes: enc.encode(chunk(" is")), t: 2 },
  ]);
  assert.equal(rec.chunkMs.length, 2);
  // Known to fail: "" is taken as a finish reason (lib/backends/_chunk_scan.ts, K_FINISH
  // accepts any non-null value; openai_compat.ts #object likewise), so this truncated
  // stream is recorded as ok.
  assert.equal(rec.ok, false);
  assert.equal(rec.error?.reason, "stream_incomplete");
});
