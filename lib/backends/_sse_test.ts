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
  assert.deepEqual(ours(bytes, [0, 1, 1, 3]), ["x"], "empty reads first");
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

Deno.test("SSE bytes: agrees with eventsource-parser when cut into many pieces, with a whole-event fast path", () => {
  const rng = seededRandom(7);
  const words = ['{"choices":[{"text":" tok"}]}', "[DONE]", "", "x".repeat(300)];
  for (let n = 0; n < 500; n++) {
    const nl = rng.next() < 0.3 ? "\r\n" : "\n";
    let text = rng.next() < 0.1 ? "\ufeff" : "";
    const events = 1 + Math.floor(rng.next() * 8);
    for (let k = 0; k < events; k++) {
      const lines = 1 + Math.floor(rng.next() * 4);
      for (let l = 0; l < lines; l++) {
        const r = rng.next();
        const w = words[Math.floor(rng.next() * words.length)];
        if (r < 0.75) text += `data:${rng.next() < 0.8 ? " " : ""}${w}${nl}`;
        else text += `: ${w}${nl}`;
      }
      text += nl;
    }
    const bytes = enc.encode(text);
    const cuts = [
      ...new Set(
        Array.from(
          { length: Math.floor(rng.next() * 60) },
          () => Math.floor(rng.next() * bytes.length),
        ),
      ),
    ].sort((a, b) => a - b);
    // The fast path takes what holds no line break, as the stream reader's does.
    const got: string[] = [];
    let whole = 0;
    const p = new SseParser(
      (b, s, e) => got.push(dec.decode(b.subarray(s, e))),
      (b, s, e) => {
        for (let i = s; i < e; i++) if (b[i] === 10 || b[i] === 13) return false;
        whole++;
        got.push(dec.decode(b.subarray(s, e)));
        return true;
      },
    );
    let prev = 0;
    for (const c of [...cuts, bytes.length]) {
      p.feed(bytes.subarray(prev, c));
      prev = c;
    }
    const want = reference(text);
    assert.deepEqual(got, want, `stream ${n}: ${JSON.stringify(text)} cut at ${cuts}`);
    assert.ok(whole <= want.length);
  }
});

/**
 * Bytes the parser examines or copies while `feed` runs: the spans searched
 * by `indexOf` and the bytes moved by `set`, `copyWithin` and `slice` (its
 * only bulk operations; the rest is a few bytes per line). Counted by
 * wrapping those methods for the duration.
 */
function bytesTouched(fn: () => void): number {
  type Method = (this: Uint8Array, ...args: number[]) => unknown;
  const proto = Uint8Array.prototype as unknown as Record<string, Method>;
  const base = Object.getPrototypeOf(Uint8Array.prototype) as Record<string, Method>;
  let n = 0;
  const wrap = (name: string, span: (self: Uint8Array, args: number[], r: unknown) => number) => {
    proto[name] = function (this: Uint8Array, ...args: number[]) {
      const r = base[name].apply(this, args);
      n += span(this, args, r);
      return r;
    };
  };
  // indexOf(value, from): the bytes from `from` to the match (or the end).
  wrap(
    "indexOf",
    (b, [, from = 0], r) => ((r as number) < 0 ? b.length : (r as number) + 1) - from,
  );
  // set(source, offset): the source's length.
  wrap("set", (_b, [src]) => (src as unknown as ArrayLike<number>).length);
  // copyWithin(to, start, end) and slice(start, end): end - start.
  wrap("copyWithin", (b, [, s, e = b.length]) => e - s);
  wrap("slice", (b, [s = 0, e = b.length]) => e - s);
  try {
    fn();
  } finally {
    for (const m of ["indexOf", "set", "copyWithin", "slice"]) delete proto[m];
  }
  return n;
}

Deno.test("SSE bytes: a giant event costs work linear in its size, however many reads it spans", () => {
  // A parser that searched the carried event again on every read touches
  // hundreds of times the stream's bytes here (the one before this test: 600x
  // for the 2 MiB line in 512 reads); a linear one 4x to 6x (searched once,
  // copied into the carry once, copied again as the carry doubles, and for
  // several data lines sliced and joined).
  const mb = 2 ** 21;
  const shapes: [string, string, number][] = [
    ["one 2 MiB data line", `data: ${"a".repeat(mb)}\n\n`, mb],
    ["16,384 data lines of 127 bytes", `data: ${"b".repeat(127)}\n`.repeat(16384) + "\n", -1],
    ["a 2 MiB comment, then data", `: ${"c".repeat(mb)}\ndata: x\n\n`, 1],
  ];
  for (const [what, text, size] of shapes) {
    const stream = enc.encode(text + "data: [DONE]\n\n");
    const reads: Uint8Array[] = [];
    for (let o = 0; o < stream.length; o += 4096) reads.push(stream.subarray(o, o + 4096));
    const sizes: number[] = [];
    const p = new SseParser((_b, s, e) => sizes.push(e - s));
    const touched = bytesTouched(() => {
      for (const r of reads) p.feed(r);
    });
    const expected = size >= 0 ? size : 16384 * 128 - 1;
    assert.deepEqual(sizes, [expected, 6], what);
    const ratio = touched / stream.length;
    assert.ok(
      ratio < 10,
      `${what}: touched ${touched} bytes for ${stream.length} (${ratio.toFixed(1)}x)`,
    );
  }
});

Deno.test("SSE bytes: an event split across reads is never offered to the fast path, and is framed in full", () => {
  const got: string[] = [];
  const offered: string[] = [];
  const p = new SseParser(
    (b, s, e) => got.push(dec.decode(b.subarray(s, e))),
    (b, s, e) => {
      offered.push(dec.decode(b.subarray(s, e)));
      return true;
    },
  );
  // The first read is framed in full (it may start with a byte-order mark).
  p.feed(enc.encode("data: first\n\n"));
  p.feed(enc.encode("data: second\n\n"));
  p.feed(enc.encode("data: th"));
  p.feed(enc.encode("ird\n\n"));
  p.feed(enc.encode("data: fourth\n\n"));
  assert.deepEqual(offered, ["second", "fourth"]);
  assert.deepEqual(got, ["first", "third"]);
});
