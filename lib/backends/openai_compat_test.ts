import assert from "node:assert/strict";
import { ConfigError } from "../config/errors.ts";
import { TransportError } from "../http/transport.ts";
import { createHttp1Transport } from "../http/http1_transport.ts";
import { newRecord, type RequestRecord } from "../record/record.ts";
import { buildRequestBody, resolveModel, StreamReader } from "./openai_compat.ts";

const enc = new TextEncoder();
const fixture = (name: string) =>
  Deno.readTextFileSync(new URL(`./testdata/${name}`, import.meta.url));
const events = (text: string) =>
  text.split("\n\n").filter((e) => e.trim() !== "").map((e) => e + "\n\n");

function read(parts: { text: string; t: number }[], status = 200, end?: number): RequestRecord {
  const rec = newRecord(0, "measure", 0, 0, 0, 0);
  rec.sentMs = 0;
  const r = new StreamReader(rec);
  r.head(status, 0.5);
  for (const p of parts) r.body(enc.encode(p.text), p.t);
  r.finish(end ?? (parts.at(-1)?.t ?? 1));
  return rec;
}

Deno.test("vLLM completions stream read at once: every event shares the read's timestamp", () => {
  const rec = read([{ text: fixture("vllm_completions.sse"), t: 5 }]);
  assert.equal(rec.ok, true);
  assert.equal(rec.firstTokenMs, 5);
  assert.deepEqual(rec.chunkMs, [5, 5, 5]);
  assert.equal(rec.outputTokens, 3);
  assert.equal(rec.outputTokensSource, "usage");
  assert.equal(rec.promptTokens, 8);
  assert.equal(rec.headersMs, 0.5);
  assert.equal(rec.status, 200);
});

Deno.test("vLLM completions stream, one event per read: token chunks keep their own read times", () => {
  const evs = events(fixture("vllm_completions.sse"));
  const rec = read(evs.map((text, i) => ({ text, t: 10 + i })));
  // Events 0..2 carry text; event 3 is the usage chunk; event 4 is [DONE].
  assert.deepEqual(rec.chunkMs, [10, 11, 12]);
  assert.equal(rec.firstTokenMs, 10);
  assert.equal(rec.endMs, 14);
});

Deno.test("a stream split at every byte boundary decodes to the same tokens", () => {
  const text = fixture("vllm_completions.sse");
  const bytes = enc.encode(text);
  for (let cut = 1; cut < bytes.length; cut++) {
    const rec = newRecord(0, "measure", 0, 0, 0, 0);
    const r = new StreamReader(rec);
    r.head(200, 0);
    r.body(bytes.subarray(0, cut), 1);
    r.body(bytes.subarray(cut), 2);
    r.finish(2);
    assert.equal(rec.ok, true, `cut at ${cut}`);
    assert.equal(rec.chunkMs.length, 3, `cut at ${cut}`);
    assert.equal(rec.outputTokens, 3);
  }
});

Deno.test("a multi-byte character split across reads is decoded, not dropped", () => {
  const ev =
    'data: {"choices":[{"text":"é"}]}\n\ndata: {"choices":[{"text":"x","finish_reason":"length"}]}\n\ndata: [DONE]\n\n';
  const bytes = enc.encode(ev);
  const at = ev.indexOf("é") + 1; // inside the 2-byte sequence (byte offset == char offset before it)
  const rec = newRecord(0, "measure", 0, 0, 0, 0);
  const r = new StreamReader(rec);
  r.head(200, 0);
  r.body(bytes.subarray(0, at), 1);
  r.body(bytes.subarray(at), 2);
  r.finish(2);
  assert.equal(rec.ok, true);
  assert.equal(rec.chunkMs.length, 2);
  assert.equal(rec.firstTokenMs, 2, "the token is complete only when its last byte arrives");
});

Deno.test("chat with reasoning: role-only and empty chunks are not tokens, reasoning is, usage wins", () => {
  const evs = events(fixture("vllm_chat_reasoning.sse"));
  const rec = read(evs.map((text, i) => ({ text, t: 100 + i })));
  assert.equal(rec.ok, true);
  // 0: keep-alive comment, 1: role chunk, 2-3: reasoning, 4: content, 5: empty + finish, 6: usage, 7: DONE
  assert.equal(rec.firstTokenMs, 102);
  assert.deepEqual(rec.chunkMs, [102, 103, 104]);
  assert.equal(rec.outputTokens, 7);
  assert.equal(rec.outputTokensSource, "usage");
  assert.equal(rec.promptTokens, 12);
});

Deno.test("without a usage chunk the token count is the number of token chunks", () => {
  const text = events(fixture("vllm_completions.sse")).filter((e) => !e.includes('"usage":{')).join(
    "",
  );
  const rec = read([{ text, t: 1 }]);
  assert.equal(rec.ok, true);
  assert.equal(rec.outputTokens, 3);
  assert.equal(rec.outputTokensSource, "chunks");
  assert.equal(rec.promptTokens, null);
});

Deno.test("a stream with finish_reason but no [DONE] is complete; with neither it is incomplete", () => {
  const noDone = events(fixture("vllm_completions.sse")).filter((e) => !e.includes("[DONE]")).join(
    "",
  );
  assert.equal(read([{ text: noDone, t: 1 }]).ok, true);
  const cut = events(fixture("vllm_completions.sse")).slice(0, 2).join("");
  const rec = read([{ text: cut, t: 1 }]);
  assert.equal(rec.ok, false);
  assert.equal(rec.error?.reason, "stream_incomplete");
  assert.equal(rec.endMs, 1);
});

Deno.test("an error event in the stream fails the request as server_error", () => {
  const rec = read([{
    text:
      'data: {"choices":[{"text":"a"}]}\n\ndata: {"error":{"message":"CUDA out of memory"}}\n\ndata: [DONE]\n\n',
    t: 3,
  }]);
  assert.equal(rec.ok, false);
  assert.equal(rec.error?.reason, "server_error");
  assert.match(rec.error!.message, /CUDA out of memory/);
});

Deno.test("a non-200 status fails as http_<status> with the server's message", () => {
  const rec = read(
    [{ text: '{"error":{"message":"simulated rate limit","code":429}}', t: 2 }],
    429,
  );
  assert.equal(rec.ok, false);
  assert.equal(rec.error?.reason, "http_429");
  assert.equal(rec.error?.message, "simulated rate limit");
  assert.equal(rec.chunkMs.length, 0, "an error body is never parsed as tokens");
});

Deno.test("an event that is not JSON fails as invalid_response", () => {
  const rec = read([{ text: "data: {not json\n\ndata: [DONE]\n\n", t: 1 }]);
  assert.equal(rec.error?.reason, "invalid_response");
});

Deno.test("a stream with no content fails as empty_output", () => {
  const rec = read([{
    text: 'data: {"choices":[{"text":"","finish_reason":"stop"}]}\n\ndata: [DONE]\n\n',
    t: 1,
  }]);
  assert.equal(rec.error?.reason, "empty_output");
  assert.equal(rec.firstTokenMs, null);
});

Deno.test("transport failures map to reasons and keep what was measured", () => {
  const cases: [TransportError, number, string][] = [
    [new TransportError("connect", "refused"), 0, "connect_error"],
    [new TransportError("dropped", "closed"), 0, "connection_closed"],
    [new TransportError("dropped", "closed"), 200, "stream_dropped"],
    [new TransportError("timeout", "slow"), 200, "timeout"],
    [new TransportError("aborted", "user"), 200, "aborted"],
    [new TransportError("protocol", "bad"), 200, "protocol_error"],
  ];
  for (const [err, status, reason] of cases) {
    const rec = newRecord(0, "measure", 0, 0, 0, 0);
    const r = new StreamReader(rec);
    if (status) {
      r.head(status, 1);
      r.body(enc.encode('data: {"choices":[{"text":"a"}]}\n\n'), 2);
    }
    r.fail(err, 9);
    assert.equal(rec.ok, false);
    assert.equal(rec.error?.reason, reason);
    assert.equal(rec.endMs, 9);
    if (status) {
      assert.deepEqual(rec.chunkMs, [2], "tokens read before the failure are kept");
      assert.equal(rec.outputTokens, 1);
    }
  }
});

Deno.test("request bodies: completions prompt vs chat messages; ignore_eos only when asked", () => {
  const s = { maxTokens: 7, temperature: 0.5, topP: 0.9, ignoreEos: true };
  const c = buildRequestBody("completions", "m", "hi", s);
  assert.equal(c.prompt, "hi");
  assert.equal(c.messages, undefined);
  assert.equal(c.max_tokens, 7);
  assert.equal(c.temperature, 0.5);
  assert.equal(c.top_p, 0.9);
  assert.equal(c.ignore_eos, true);
  assert.equal(c.stream, true);
  assert.deepEqual(c.stream_options, { include_usage: true });
  const ch = buildRequestBody("chat", "m", "hi", { ...s, ignoreEos: false });
  assert.deepEqual(ch.messages, [{ role: "user", content: "hi" }]);
  assert.equal("ignore_eos" in ch, false);
});

Deno.test("resolveModel: the first served model, an explicit model, and clear errors", async () => {
  let models: unknown = { data: [{ id: "a" }, { id: "b" }] };
  const server = Deno.serve({ port: 0, onListen() {} }, () => Response.json(models));
  const t = createHttp1Transport();
  const endpoint = `http://127.0.0.1:${server.addr.port}`;
  try {
    assert.deepEqual(await resolveModel(t, endpoint, {}, undefined), {
      model: "a",
      served: ["a", "b"],
    });
    assert.equal((await resolveModel(t, endpoint, {}, "b")).model, "b");
    // A server that lists nothing is not checked.
    models = { object: "list" };
    assert.equal((await resolveModel(t, endpoint, {}, "x")).model, "x");
    models = { data: [] };
    assert.equal((await resolveModel(t, endpoint, {}, "x")).model, "x");
    await assert.rejects(resolveModel(t, endpoint, {}, undefined), /lists no model.*Give 'model'/);
  } finally {
    t.close();
    await server.shutdown();
  }
  await assert.rejects(resolveModel(t, endpoint, {}, undefined), (e: Error) => {
    assert.match(e.message, new RegExp(`Cannot reach the server at ${endpoint}`));
    return true;
  });
});

Deno.test("resolveModel: a model the server does not list is a config error, a warning, or sent as asked", async () => {
  const models = { data: [{ id: "splleed-sim" }, { id: "llama3:latest" }] };
  const server = Deno.serve({ port: 0, onListen() {} }, () => Response.json(models));
  const t = createHttp1Transport();
  const endpoint = `http://127.0.0.1:${server.addr.port}`;
  try {
    await assert.rejects(resolveModel(t, endpoint, {}, "gpt-5"), (e: Error) => {
      assert.ok(e instanceof ConfigError, "a ConfigError: exit 2 in the CLI");
      assert.equal(
        e.message,
        `Cannot start benchmark: 'model' must be a model the server at ${endpoint} serves ` +
          "(it serves 'splleed-sim', 'llama3:latest'); set 'model' to one of them, or " +
          'modelCheck: false (--no-model-check) to send it anyway, got "gpt-5"',
      );
      return true;
    });
    // "strict" is the default; "off" sends it as asked, "warn" says what was measured.
    assert.deepEqual(await resolveModel(t, endpoint, {}, "gpt-5", "off"), {
      model: "gpt-5",
      served: ["splleed-sim", "llama3:latest"],
    });
    const w = await resolveModel(t, endpoint, {}, "gpt-5", "warn");
    assert.equal(w.model, "gpt-5");
    assert.match(
      w.warning ?? "",
      /lists 'splleed-sim', 'llama3:latest', not 'gpt-5'.*of that model/,
    );
    // A listed name passes without a warning; Ollama's "llama3" is its "llama3:latest".
    assert.equal((await resolveModel(t, endpoint, {}, "splleed-sim", "warn")).warning, undefined);
    assert.equal((await resolveModel(t, endpoint, {}, "llama3")).model, "llama3");
    await assert.rejects(resolveModel(t, endpoint, {}, "llama3:8b"), ConfigError);
  } finally {
    t.close();
    await server.shutdown();
  }
});

Deno.test("resolveModel: a /v1/models error that echoes the key is redacted", async () => {
  const key = "sk-echoed-Zq81bXr7Vn2Lm5";
  const server = Deno.serve({ port: 0, onListen() {} }, (req) =>
    Response.json({
      error: "unauthorized",
      headers: Object.fromEntries(req.headers),
      seen: req.headers.get("authorization"),
    }, { status: 401 }));
  const t = createHttp1Transport();
  const endpoint = `http://127.0.0.1:${server.addr.port}`;
  try {
    await assert.rejects(
      resolveModel(t, endpoint, { Authorization: `Bearer ${key}` }, undefined),
      (e: Error) => {
        assert.match(e.message, /HTTP 401: .*"authorization":"\[redacted\]"/);
        assert.ok(!e.message.includes("Zq81bXr7"), e.message);
        return true;
      },
    );
  } finally {
    t.close();
    await server.shutdown();
  }
});

// --- stream shapes (flags) ---

const sse = (obj: unknown) => `data: ${JSON.stringify(obj)}\n\n`;
const chunk = (text: string) => sse({ choices: [{ index: 0, text, finish_reason: null }] });
const delta = (d: unknown, finish: string | null = null) =>
  sse({ choices: [{ index: 0, delta: d, finish_reason: finish }] });

Deno.test("all token chunks in one read: ok, flagged not_streamed; one token chunk alone is not", () => {
  const rec = read([{ text: fixture("vllm_completions.sse"), t: 5 }]);
  assert.equal(rec.ok, true);
  assert.deepEqual(rec.flags, ["not_streamed"]);
  const evs = events(fixture("vllm_completions.sse"));
  const spread = read(evs.map((text, i) => ({ text, t: 10 + i })));
  assert.equal(spread.flags, undefined, "token chunks in their own reads");
  const one = read([{
    text: chunk("a") + sse({ choices: [], usage: { completion_tokens: 1 } }) + "data: [DONE]\n\n",
    t: 3,
  }]);
  assert.equal(one.ok, true);
  assert.equal(one.flags, undefined, "a single token chunk says nothing about streaming");
});

Deno.test("a non-SSE content type is flagged; a JSON body without events fails 'the server did not stream'", () => {
  const enc2 = (s: string) => enc.encode(s);
  // SSE bytes under a wrong content type, complete: ok but flagged.
  let rec = newRecord(0, "measure", 0, 0, 0, 0);
  let r = new StreamReader(rec);
  r.head(200, 1, "text/plain");
  r.body(enc2(chunk("a")), 2);
  r.body(enc2(chunk("b") + "data: [DONE]\n\n"), 3);
  r.finish(3);
  assert.equal(rec.ok, true);
  assert.deepEqual(rec.flags, ["not_streamed"]);
  // A plain JSON completion: a failure that names the problem.
  const json =
    '{"choices":[{"text":"a b","finish_reason":"length"}],"usage":{"completion_tokens":2}}';
  for (const ct of ["application/json", undefined]) {
    rec = newRecord(0, "measure", 0, 0, 0, 0);
    r = new StreamReader(rec);
    r.head(200, 1, ct);
    r.body(enc2(json), 2);
    r.finish(2);
    assert.equal(rec.ok, false);
    assert.equal(rec.error?.reason, "not_streamed", String(ct));
    assert.match(rec.error!.message, /the server did not stream/);
    assert.doesNotMatch(rec.error!.message, /without \[DONE\]/);
    assert.deepEqual(rec.flags, ["not_streamed"]);
  }
  // A cut SSE stream is still stream_incomplete.
  rec = newRecord(0, "measure", 0, 0, 0, 0);
  r = new StreamReader(rec);
  r.head(200, 1, "text/event-stream; charset=utf-8");
  r.body(enc2(chunk("a")), 2);
  r.finish(2);
  assert.equal(rec.error?.reason, "stream_incomplete");
  assert.equal(rec.flags, undefined);
});

Deno.test("usage of 0 completion tokens with content: chunk count, flagged usage_zero", () => {
  const rec = read([
    { text: chunk("a"), t: 1 },
    { text: chunk("b"), t: 2 },
    {
      text: sse({ choices: [], usage: { prompt_tokens: 2, completion_tokens: 0 } }) +
        "data: [DONE]\n\n",
      t: 3,
    },
  ]);
  assert.equal(rec.ok, true);
  assert.equal(rec.outputTokens, 2);
  assert.equal(rec.outputTokensSource, "chunks");
  assert.deepEqual(rec.flags, ["usage_zero"]);
});

Deno.test("reasoning tokens: hidden when none were streamed, not when reasoning deltas were", () => {
  const u = sse({
    choices: [],
    usage: { completion_tokens: 12, completion_tokens_details: { reasoning_tokens: 9 } },
  }) + "data: [DONE]\n\n";
  const hidden = read([
    { text: delta({ content: "a" }), t: 1 },
    { text: delta({ content: "b" }), t: 2 },
    { text: delta({ content: "c" }, "stop") + u, t: 3 },
  ]);
  assert.equal(hidden.ok, true);
  assert.equal(hidden.outputTokens, 12);
  assert.equal(hidden.reasoningTokens, 9);
  assert.equal(hidden.hiddenTokens, 9);
  assert.deepEqual(hidden.flags, ["hidden_reasoning"]);

  const parts = [
    ...Array.from(
      { length: 9 },
      (_, i) => ({ text: delta({ reasoning_content: `r${i}` }), t: 1 + i }),
    ),
    { text: delta({ content: "a" }), t: 20 },
    { text: delta({ content: "b" }), t: 21 },
    { text: delta({ content: "c" }, "stop") + u, t: 22 },
  ];
  const streamed = read(parts);
  assert.equal(streamed.outputTokens, 12);
  assert.equal(streamed.reasoningTokens, 9);
  assert.equal(streamed.hiddenTokens, undefined, "streamed reasoning is output");
  assert.equal(streamed.flags, undefined);
  // The same through the slow path (reasoning beside usage in one chunk).
  const slow = read([
    { text: delta({ content: "a" }), t: 1 },
    {
      text: sse({
        choices: [{ index: 0, delta: { reasoning: "hm" }, finish_reason: "stop" }],
        usage: { completion_tokens: 5, completion_tokens_details: { reasoning_tokens: 3 } },
      }),
      t: 2,
    },
  ]);
  assert.equal(slow.hiddenTokens, undefined);
  assert.equal(slow.reasoningTokens, 3);
});

Deno.test("tool-call and refusal deltas are token chunks, on the fast and the slow path", () => {
  const tool = (args: string) =>
    delta({ tool_calls: [{ index: 0, function: { arguments: args } }] });
  const rec = read([
    { text: delta({ role: "assistant", content: null }), t: 1 },
    { text: tool('{"a"'), t: 2 },
    { text: tool(":1}"), t: 3 },
    {
      text: sse({
        choices: [{
          index: 0,
          delta: { tool_calls: [{ index: 0, function: { arguments: " " } }] },
          finish_reason: "tool_calls",
        }],
        usage: { completion_tokens: 3 },
      }) + "data: [DONE]\n\n",
      t: 4,
    },
  ]);
  assert.equal(rec.ok, true);
  assert.deepEqual(rec.chunkMs, [2, 3, 4]);
  const refusal = read([
    { text: delta({ refusal: "I can't" }), t: 1 },
    { text: delta({ refusal: " help" }, "stop") + "data: [DONE]\n\n", t: 2 },
  ]);
  assert.equal(refusal.ok, true);
  assert.deepEqual(refusal.chunkMs, [1, 2]);
});

Deno.test("a resend restarts the send time and is counted", () => {
  const rec = newRecord(0, "measure", 0, 0, 0, 0);
  const r = new StreamReader(rec);
  r.sent(1);
  r.resent(2, 40);
  r.head(200, 45, "text/event-stream");
  r.body(enc.encode(chunk("a")), 50);
  r.body(enc.encode(chunk("b") + "data: [DONE]\n\n"), 60);
  r.finish(60);
  assert.equal(rec.ok, true);
  assert.equal(rec.sentMs, 40, "TTFT counts from the attempt that was answered");
  assert.equal(rec.attempts, 2);
  assert.deepEqual(rec.flags, ["retried"]);
});
