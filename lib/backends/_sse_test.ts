import assert from "node:assert/strict";
import { createParser } from "npm:eventsource-parser@^4.1.3";
import { seededRandom } from "../util/random.ts";
import { SseParser } from "./_sse.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Events as our byte parser reports them, for a stream cut at the given points. */
function ours(stream: Uint8Array, cuts: number[]): string[] {
  const out: string[] = [];
  const p = new SseParser((b, s, e) => out.push(dec.decode(b.subarray(s, e))));
  let prev = 0;
  for (const c of [...cuts, stream.length]) {
    p.feed(stream.subarray(prev, c));
    prev = c;
  }
  return out;
}

/** Events as eventsource-parser (the reference) reports them. */
function reference(text: string): string[] {
  const out: string[] = [];
  const p = createParser({ onEvent: (e) => out.push(e.data) });
  p.feed(text);
  return out;
}

Deno.test("SSE bytes: a vLLM-like stream in one read and one byte at a time", () => {
  const text =
    'data: {"choices":[{"text":"a"}]}\n\ndata: {"choices":[{"text":"é"}]}\n\n: ping\n\ndata: [DONE]\n\n';
  const bytes = enc.encode(text);
  const want = ['{"choices":[{"text":"a"}]}', '{"choices":[{"text":"é"}]}', "[DONE]"];
  assert.deepEqual(ours(bytes, []), want);
  assert.deepEqual(ours(bytes, Array.from({ length: bytes.length - 1 }, (_, i) => i + 1)), want);
});

Deno.test("SSE bytes: CRLF lines, fields other than data, several data lines, 'data' without a colon", () => {
  const text =
    "id: 7\r\nevent: token\r\ndata: a\r\ndata:b\r\n\r\nretry: 10\n\ndata\n\ndata:  two spaces\n\n";
  const got = ours(enc.encode(text), []);
  assert.deepEqual(got, ["a\nb", "", " two spaces"]);
  assert.deepEqual(got, reference(text));
});

Deno.test("SSE bytes: a leading byte-order mark is skipped, even split across reads", () => {
  const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...enc.encode("data: x\n\n")]);
  assert.deepEqual(ours(bytes, []), ["x"]);
  assert.deepEqual(ours(bytes, [1, 2]), ["x"]);
});

Deno.test("SSE bytes: an unfinished event waits for its blank line", () => {
  const got: string[] = [];
  const p = new SseParser((b, s, e) => got.push(dec.decode(b.subarray(s, e))));
  p.feed(enc.encode("data: one\n"));
  assert.deepEqual(got, []);
  p.feed(enc.encode("\n"));
  assert.deepEqual(got, ["one"]);
});

Deno.test("SSE bytes: agrees with eventsource-parser on 2,000 random streams cut at random points", () => {
  const rng = seededRandom(20261122);
  const pick = <T>(xs: T[]) => xs[Math.floor(rng.next() * xs.length)];
  const words = [
    '{"choices":[{"text":" tok"}]}',
    "[DONE]",
    "plain",
    "ünïcödé ✓",
    '{"a":"b: c"}',
    "",
    "x:y",
  ];
  for (let n = 0; n < 2000; n++) {
    const nl = rng.next() < 0.3 ? "\r\n" : "\n";
    let text = "";
    const events = 1 + Math.floor(rng.next() * 6);
    for (let k = 0; k < events; k++) {
      const lines = 1 + Math.floor(rng.next() * 3);
      for (let l = 0; l < lines; l++) {
        const r = rng.next();
        if (r < 0.65) text += `data:${rng.next() < 0.8 ? " " : ""}${pick(words)}${nl}`;
        else if (r < 0.8) text += `: keep-alive${nl}`;
        else if (r < 0.9) text += `event: e${nl}`;
        else text += `id: ${k}${nl}`;
      }
      text += nl;
    }
    const bytes = enc.encode(text);
    const cuts = Array.from(
      { length: Math.floor(rng.next() * 6) },
      () => Math.floor(rng.next() * bytes.length),
    )
      .sort((a, b) => a - b);
    assert.deepEqual(
      ours(bytes, cuts),
      reference(text),
      `stream ${n}: ${JSON.stringify(text)} cut at ${cuts}`,
    );
  }
});
