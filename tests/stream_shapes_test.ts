/**
 * Token timing on every stream shape a server may send, through
 * `benchmark()` and the records file: an idle tail before `[DONE]`, several
 * tokens per chunk, a usage of 0, reasoning counted but never streamed, a
 * stream of tool calls only, a buffered stream, a plain JSON body, and a
 * keep-alive connection closed after the request was read.
 *
 * Each test talks to a scripted loopback server (raw TCP on 127.0.0.1, port
 * 0) that writes exactly the bytes and pauses the test chooses, so every
 * expected value below follows from the script. Timing tolerances: a timer
 * sleeps at least the asked time and, on a busy 2-core machine, up to some
 * tens of milliseconds more; bounds are set so that the wrong definition
 * (e.g. TPOT including a 300 ms idle tail) falls far outside them.
 */

import assert from "node:assert/strict";
import { openai } from "../lib/backends/openai.ts";
import { benchmark } from "../lib/runner/benchmark.ts";
import { delay } from "../lib/util/async.ts";
import { readRecords } from "./_helpers.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** One write of a response body, after a pause. */
interface Part {
  text: string;
  delayMs?: number;
}

/** What the server does with one POST. */
interface Reply {
  /** Content type of the response. @default "text/event-stream" */
  contentType?: string;
  /** Body writes (each one chunk of a chunked body). */
  parts?: Part[];
  /** Read the request, then close the connection without a response byte. */
  closeAfterRead?: boolean;
}

interface ScriptedServer {
  readonly url: string;
  /** POSTs the server read in full. */
  readonly posts: number;
  close(): Promise<void>;
}

/** A keep-alive HTTP/1.1 server whose POST replies come from `script(n)` (n = 0, 1, ...). */
function scriptedServer(script: (n: number, reused: boolean) => Reply): ScriptedServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const handlers: Promise<void>[] = [];
  let posts = 0;
  const serve = async (conn: Deno.Conn) => {
    let buf = new Uint8Array(0);
    const chunk = new Uint8Array(65536);
    let served = 0;
    for (;;) {
      // Read one request (head + Content-Length body).
      let headEnd = -1;
      let len = 0;
      for (;;) {
        const text = dec.decode(buf);
        headEnd = text.indexOf("\r\n\r\n");
        if (headEnd >= 0) {
          len = Number(/\r\ncontent-length: *(\d+)/i.exec(text)?.[1] ?? 0);
          if (buf.length >= headEnd + 4 + len) break;
        }
        const n = await conn.read(chunk).catch(() => null);
        if (n === null) return;
        const next = new Uint8Array(buf.length + n);
        next.set(buf);
        next.set(chunk.subarray(0, n), buf.length);
        buf = next;
      }
      const head = dec.decode(buf.subarray(0, headEnd));
      buf = buf.slice(headEnd + 4 + len);
      const reused = served++ > 0;
      if (head.startsWith("GET /v1/models")) {
        const body = '{"data":[{"id":"m"}]}';
        await write(
          conn,
          `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
        );
        continue;
      }
      const reply = script(posts++, reused);
      if (reply.closeAfterRead) return;
      await write(
        conn,
        `HTTP/1.1 200 OK\r\nContent-Type: ${
          reply.contentType ?? "text/event-stream"
        }\r\nTransfer-Encoding: chunked\r\n\r\n`,
      );
      for (const p of reply.parts ?? []) {
        if (p.delayMs) await delay(p.delayMs);
        const b = enc.encode(p.text);
        await write(conn, `${b.length.toString(16)}\r\n${p.text}\r\n`);
      }
      await write(conn, "0\r\n\r\n");
    }
  };
  const loop = (async () => {
    try {
      for await (const conn of listener) {
        // Each write goes out at once (no Nagle delay): the script's pauses are the only ones.
        conn.setNoDelay(true);
        conns.add(conn);
        handlers.push(
          serve(conn).catch(() => {}).finally(() => {
            conns.delete(conn);
            try {
              conn.close();
            } catch { /* closed */ }
          }),
        );
      }
    } catch { /* listener closed */ }
  })();
  return {
    url: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    get posts() {
      return posts;
    },
    async close() {
      try {
        listener.close();
      } catch { /* closed */ }
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      await loop;
      await Promise.all(handlers);
    },
  };
}

async function write(conn: Deno.Conn, text: string): Promise<void> {
  const b = enc.encode(text);
  let off = 0;
  while (off < b.length) off += await conn.write(b.subarray(off));
}

const sse = (obj: unknown) => `data: ${JSON.stringify(obj)}\n\n`;
const text = (t: string, finish: string | null = null) =>
  sse({ choices: [{ index: 0, text: t, finish_reason: finish }] });
const usage = (completion: number, extra: Record<string, unknown> = {}) =>
  sse({ choices: [], usage: { prompt_tokens: 3, completion_tokens: completion, ...extra } });
const DONE = "data: [DONE]\n\n";

/** Runs `runs` requests one at a time against `server`; returns the trial and the records. */
async function run(
  server: ScriptedServer,
  runs: number,
  api: "completions" | "chat" = "completions",
) {
  const dir = await Deno.makeTempDir();
  try {
    const results = await benchmark({
      backend: openai({ endpoint: server.url, api }),
      prompts: ["x"],
      concurrency: [1],
      warmup: 0,
      runs,
      trials: 1,
      records: `${dir}/records.jsonl`,
      sampling: { maxTokens: 16 },
    });
    const { requests } = await readRecords(`${dir}/records.jsonl`);
    return { trial: results.levels[0].trials[0], requests };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("an idle tail before [DONE] leaves TPOT unchanged; E2E keeps it", async () => {
  // 5 tokens 20 ms apart, then 300 ms of silence before usage and [DONE].
  // TPOT = 80 / 4 = 20 ms; ending at [DONE] would give (80 + 300) / 4 = 95 ms.
  const server = scriptedServer(() => ({
    parts: [
      { text: text("a") },
      ...["b", "c", "d"].map((t) => ({ text: text(t), delayMs: 20 })),
      { text: text("e", "length"), delayMs: 20 },
      { text: usage(5) + DONE, delayMs: 300 },
    ],
  }));
  try {
    const { trial, requests } = await run(server, 3);
    const m = trial.metrics;
    assert.equal(m.requests_completed, 3);
    assert.ok(m.tpot_mean_ms >= 19 && m.tpot_mean_ms < 50, `tpot_mean_ms ${m.tpot_mean_ms}`);
    assert.ok(m.itl_max_ms < 60, `the idle tail is no inter-token gap: itl_max ${m.itl_max_ms}`);
    assert.ok(m.e2e_min_ms >= 380, `E2E ends at the end of the stream: ${m.e2e_min_ms}`);
    assert.equal(m.output_tokens_total, 15);
    for (const r of requests) {
      assert.equal(r.outputTokensSource, "usage");
      assert.equal(r.flags, undefined);
      assert.equal(r.reasoningTokens, null);
    }
  } finally {
    await server.close();
  }
});

Deno.test("several tokens per chunk without usage: counted by chunks, source 'chunks'", async () => {
  const server = scriptedServer(() => ({
    parts: [
      ...["one two three", " four five six", " seven eight"].map((t, i) => ({
        text: text(t),
        delayMs: i === 0 ? 0 : 10,
      })),
      { text: text(" nine", "stop") + DONE, delayMs: 10 },
    ],
  }));
  try {
    const { trial, requests } = await run(server, 2);
    assert.equal(trial.metrics.output_tokens_total, 8, "4 chunks per request, no usage");
    for (const r of requests) {
      assert.equal(r.ok, true);
      assert.equal(r.outputTokens, 4);
      assert.equal(r.outputTokensSource, "chunks");
      assert.equal((r.chunkMs as number[]).length, 4);
    }
    const tpot = trial.metrics.tpot_mean_ms;
    assert.ok(tpot >= 9 && tpot < 40, `TPOT over the 4 chunks: ${tpot}`);
  } finally {
    await server.close();
  }
});

Deno.test("usage of 0 with content is not believed: chunk count, flagged usage_zero", async () => {
  const server = scriptedServer(() => ({
    parts: [
      { text: text("a") },
      { text: text("b"), delayMs: 10 },
      { text: text("c", "length"), delayMs: 10 },
      { text: usage(0) + DONE },
    ],
  }));
  try {
    const { trial, requests } = await run(server, 2);
    assert.equal(trial.metrics.requests_completed, 2);
    assert.equal(trial.metrics.output_tokens_total, 6);
    for (const r of requests) {
      assert.equal(r.outputTokens, 3);
      assert.equal(r.outputTokensSource, "chunks");
      assert.deepEqual(r.flags, ["usage_zero"]);
    }
  } finally {
    await server.close();
  }
});

Deno.test("reasoning counted by usage but never streamed: hiddenTokens, TPOT over streamed tokens", async () => {
  // 10 streamed chunks 10 ms apart; usage 50 tokens of which 40 reasoning.
  // TPOT = 90 / 9 = 10 ms; dividing by 49 would give 1.8 ms.
  const server = scriptedServer(() => ({
    parts: [
      ...Array.from({ length: 10 }, (_, i) => ({
        text: text(`t${i}`, i === 9 ? "length" : null),
        delayMs: i === 0 ? 0 : 10,
      })),
      { text: usage(50, { completion_tokens_details: { reasoning_tokens: 40 } }) + DONE },
    ],
  }));
  try {
    const { trial, requests } = await run(server, 2);
    const m = trial.metrics;
    assert.ok(m.tpot_mean_ms >= 9.5 && m.tpot_mean_ms < 30, `tpot_mean_ms ${m.tpot_mean_ms}`);
    assert.equal(m.output_tokens_total, 100, "hidden tokens were generated: they count as output");
    for (const r of requests) {
      assert.equal(r.outputTokens, 50);
      assert.equal(r.outputTokensSource, "usage");
      assert.equal(r.reasoningTokens, 40);
      assert.equal(r.hiddenTokens, 40);
      assert.deepEqual(r.flags, ["hidden_reasoning"]);
    }
  } finally {
    await server.close();
  }
});

Deno.test("a stream of tool-call deltas only is output, not empty_output", async () => {
  const delta = (d: unknown, finish: string | null = null) =>
    sse({ choices: [{ index: 0, delta: d, finish_reason: finish }] });
  const server = scriptedServer(() => ({
    parts: [
      { text: delta({ role: "assistant", content: null }) },
      {
        text: delta({
          tool_calls: [{
            index: 0,
            id: "c1",
            type: "function",
            function: { name: "get_weather", arguments: "" },
          }],
        }),
        delayMs: 5,
      },
      ...['{"city"', ': "Paris"}'].map((a) => ({
        text: delta({ tool_calls: [{ index: 0, function: { arguments: a } }] }),
        delayMs: 5,
      })),
      { text: delta({}, "tool_calls") + usage(3) + DONE, delayMs: 5 },
    ],
  }));
  try {
    const { trial, requests } = await run(server, 2, "chat");
    assert.equal(trial.metrics.requests_completed, 2);
    assert.deepEqual(trial.errors, {});
    for (const r of requests) {
      assert.equal(r.ok, true);
      assert.equal((r.chunkMs as number[]).length, 3);
      assert.equal(r.outputTokens, 3);
    }
  } finally {
    await server.close();
  }
});

Deno.test("a stream delivered all at once is flagged not_streamed; a plain JSON body fails 'the server did not stream'", async () => {
  const buffered = [text("a"), text("b"), text("c", "length"), usage(3), DONE].join("");
  const json = JSON.stringify({
    choices: [{ index: 0, text: "a b c", finish_reason: "length" }],
    usage: { prompt_tokens: 3, completion_tokens: 3 },
  });
  const server = scriptedServer((n) =>
    n === 0
      ? { parts: [{ text: buffered, delayMs: 30 }] }
      : { contentType: "application/json", parts: [{ text: json, delayMs: 30 }] }
  );
  try {
    const { trial, requests } = await run(server, 2);
    const [sseAtOnce, plain] = requests.sort((a, b) => Number(a.id) - Number(b.id));
    // The buffered SSE stream was served in full: ok, flagged, with its count.
    assert.equal(sseAtOnce.ok, true);
    assert.deepEqual(sseAtOnce.flags, ["not_streamed"]);
    assert.equal(sseAtOnce.outputTokens, 3);
    // The JSON body is not a stream at all.
    assert.equal(plain.ok, false);
    assert.deepEqual(plain.flags, ["not_streamed"]);
    const err = plain.error as { reason: string; message: string };
    assert.equal(err.reason, "not_streamed");
    assert.match(err.message, /the server did not stream/);
    assert.match(err.message, /application\/json/);
    assert.doesNotMatch(err.message, /without \[DONE\]/);
    assert.deepEqual(trial.errors, { not_streamed: 1 });
    assert.equal(trial.metrics.requests_completed, 1);
  } finally {
    await server.close();
  }
});

Deno.test("a keep-alive connection closed after the request was read: no resend, a failure record, POSTs = records", async () => {
  // Every POST on a reused connection is read and then the connection is
  // closed without a byte; POSTs on a fresh connection are answered.
  const server = scriptedServer((_n, reused) =>
    reused ? { closeAfterRead: true } : {
      parts: [
        { text: text("a"), delayMs: 20 },
        { text: text("b"), delayMs: 10 },
        { text: text("c", "length") + usage(3) + DONE, delayMs: 10 },
      ],
    }
  );
  try {
    const { trial, requests } = await run(server, 6);
    assert.equal(requests.length, 6);
    assert.equal(server.posts, 6, "each request reached the server once");
    const failed = requests.filter((r) => !r.ok);
    const ok = requests.filter((r) => r.ok);
    assert.ok(failed.length > 0 && ok.length > 0, `ok ${ok.length}, failed ${failed.length}`);
    for (const r of failed) {
      const err = r.error as { reason: string; message: string };
      assert.equal(err.reason, "connection_closed");
      assert.match(err.message, /after the request was sent/);
      assert.equal(r.attempts, undefined);
    }
    for (const r of ok) assert.equal(r.attempts, undefined, "nothing was resent");
    // Failures are counted, and kept out of the latency statistics: every
    // success took >= 40 ms, every failure a few ms.
    const m = trial.metrics;
    assert.equal(m.requests_failed, failed.length);
    assert.equal(m.requests_completed, ok.length);
    assert.deepEqual(trial.errors, { connection_closed: failed.length });
    assert.ok(m.e2e_min_ms >= 40, `e2e_min_ms ${m.e2e_min_ms}`);
    assert.ok(m.ttft_min_ms >= 20, `ttft_min_ms ${m.ttft_min_ms}`);
    assert.equal(m.output_tokens_total, ok.length * 3);
  } finally {
    await server.close();
  }
});
