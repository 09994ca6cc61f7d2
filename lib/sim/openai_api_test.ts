import assert from "node:assert/strict";
import { serveSimulator } from "./server.ts";

interface Ev {
  data: string;
  json?: Record<string, unknown>;
}

async function sse(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Ev[]> {
  const r = await fetch(url, { method: "POST", headers, body: JSON.stringify(body) });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get("content-type"), "text/event-stream");
  const text = await r.text();
  return text.split("\n\n").filter((e) => e.startsWith("data: ")).map((e) => {
    const data = e.slice(6);
    return data === "[DONE]" ? { data } : { data, json: JSON.parse(data) };
  });
}

Deno.test("completions stream: one chunk per token, finish_reason last, usage chunk, [DONE]", async () => {
  const sim = serveSimulator({ ttftMs: 1, itlMs: 1 });
  try {
    const evs = await sse(`${sim.url}/v1/completions`, {
      model: "splleed-sim",
      prompt: "1234567812345678",
      max_tokens: 4,
      stream: true,
      stream_options: { include_usage: true },
    });
    assert.equal(evs.length, 6);
    const tokens = evs.slice(0, 4).map((e) =>
      (e.json!.choices as { text: string; finish_reason: string | null }[])[0]
    );
    for (const t of tokens) assert.match(t.text, /^ [a-z]+$/);
    assert.deepEqual(tokens.map((t) => t.finish_reason), [null, null, null, "length"]);
    assert.equal(evs[0].json!.object, "text_completion");
    assert.deepEqual(evs[4].json!.choices, []);
    assert.deepEqual(evs[4].json!.usage, {
      prompt_tokens: 4,
      total_tokens: 8,
      completion_tokens: 4,
    });
    assert.equal(evs[5].data, "[DONE]");
  } finally {
    await sim.close();
  }
});

Deno.test("chat stream: role chunk first (before any token), then content; no usage unless asked", async () => {
  const sim = serveSimulator({ ttftMs: 30, itlMs: 1 });
  try {
    const t0 = performance.now();
    const r = await fetch(`${sim.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({
        messages: [{ role: "user", content: "hi" }],
        max_tokens: 2,
        stream: true,
      }),
    });
    const reader = r.body!.getReader();
    const first = await reader.read();
    const firstAt = performance.now() - t0;
    const firstText = new TextDecoder().decode(first.value);
    assert.match(firstText, /"delta":\{"role":"assistant","content":""\}/);
    assert.ok(
      firstAt < 25,
      `the role chunk comes at once, not with the first token (${firstAt} ms)`,
    );
    let rest = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    assert.match(rest, /"delta":\{"content":" [a-z]+"\}/);
    assert.doesNotMatch(firstText + rest, /"usage":\{/);
    assert.match(rest, /data: \[DONE\]\n\n$/);
  } finally {
    await sim.close();
  }
});

Deno.test("non-streaming completions and chat return the whole text with usage", async () => {
  const sim = serveSimulator({ ttftMs: 1, itlMs: 0 });
  try {
    const c = await (await fetch(`${sim.url}/v1/completions`, {
      method: "POST",
      body: JSON.stringify({ prompt: "abcd", max_tokens: 3 }),
    })).json();
    assert.equal(c.object, "text_completion");
    assert.equal(c.choices[0].text.split(" ").length - 1, 3);
    assert.deepEqual(c.usage, { prompt_tokens: 1, total_tokens: 4, completion_tokens: 3 });
    const ch = await (await fetch(`${sim.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ messages: [{ role: "user", content: "abcd" }], max_tokens: 2 }),
    })).json();
    assert.equal(ch.object, "chat.completion");
    assert.equal(ch.choices[0].message.role, "assistant");
    assert.equal(ch.usage.completion_tokens, 2);
  } finally {
    await sim.close();
  }
});

Deno.test("models, health, version and stats endpoints", async () => {
  const sim = serveSimulator({ ttftMs: 1, itlMs: 1, model: "m1" });
  try {
    const models = await (await fetch(`${sim.url}/v1/models`)).json();
    assert.equal(models.data[0].id, "m1");
    const h = await fetch(`${sim.url}/health`);
    await h.body?.cancel();
    assert.equal(h.status, 200);
    const v = await (await fetch(`${sim.url}/version`)).json();
    assert.match(v.version, /splleed-sim/);
    const s = await (await fetch(`${sim.url}/sim/stats`)).json();
    assert.equal(s.mode, "deterministic");
    assert.equal(s.requests, 0);
  } finally {
    await sim.close();
  }
});

Deno.test("bad requests get OpenAI-style errors and are counted as rejected", async () => {
  const sim = serveSimulator({ ttftMs: 1, itlMs: 1 });
  try {
    const cases: [string, unknown, number, RegExp][] = [
      ["/v1/completions", "not json", 400, /not a JSON object/],
      ["/v1/completions", { max_tokens: 3 }, 400, /'prompt' is missing/],
      ["/v1/chat/completions", { messages: [] }, 400, /'messages'/],
      ["/v1/completions", { prompt: "x", max_tokens: 0 }, 400, /max_tokens/],
      ["/v1/completions", { prompt: "x", model: "other" }, 404, /does not exist/],
      ["/v1/nothing", {}, 404, /no route/],
    ];
    for (const [path, body, status, re] of cases) {
      const r = await fetch(`${sim.url}${path}`, {
        method: "POST",
        body: typeof body === "string" ? body : JSON.stringify(body),
      });
      const j = await r.json();
      assert.equal(r.status, status, path);
      assert.match(j.error.message, re);
    }
    const s = sim.stats();
    assert.equal(s.rejected, 5);
  } finally {
    await sim.close();
  }
});

Deno.test("a prompt longer than the KV cache is rejected like vLLM's context-length error", async () => {
  const sim = serveSimulator({ profile: "small", engine: { kvCacheTokens: 100 } });
  try {
    const r = await fetch(`${sim.url}/v1/completions`, {
      method: "POST",
      body: JSON.stringify({ prompt: "x".repeat(400), max_tokens: 10 }),
    });
    const j = await r.json();
    assert.equal(r.status, 400);
    assert.match(j.error.message, /maximum context length is 100 tokens/);
  } finally {
    await sim.close();
  }
});

Deno.test("fault header: 500, 429, a stall before the first token, and a drop after N tokens", async () => {
  const sim = serveSimulator({ ttftMs: 5, itlMs: 1 });
  const body = JSON.stringify({ prompt: "x", max_tokens: 5, stream: true });
  try {
    for (const [fault, status] of [["http500", 500], ["http429", 429]] as const) {
      const r = await fetch(`${sim.url}/v1/completions`, {
        method: "POST",
        headers: { "x-splleed-fault": fault },
        body,
      });
      await r.body?.cancel();
      assert.equal(r.status, status);
    }
    const t0 = performance.now();
    const stalled = await sse(`${sim.url}/v1/completions`, JSON.parse(body), {
      "x-splleed-fault": "stall:100",
    });
    assert.ok(performance.now() - t0 >= 100);
    assert.equal(stalled.length, 6);
    const r = await fetch(`${sim.url}/v1/completions`, {
      method: "POST",
      headers: { "x-splleed-fault": "drop:2" },
      body,
    });
    let text = "";
    await assert.rejects(async () => {
      const reader = r.body!.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
    });
    assert.equal(text.split("data: ").length - 1, 2, "exactly two token events before the drop");
    const s = sim.stats();
    assert.deepEqual(s.faults, { http500: 1, http429: 1, drop: 1, stall: 1 });
  } finally {
    await sim.close();
  }
});

Deno.test("chat with tools: the first tool is called, its name first and its arguments after, as vLLM streams it", async () => {
  const sim = serveSimulator({ ttftMs: 1, itlMs: 0 });
  try {
    const tools = [{ type: "function", function: { name: "get_weather", parameters: {} } }];
    const messages = [{ role: "user", content: "weather?" }];
    const evs = await sse(`${sim.url}/v1/chat/completions`, {
      messages,
      tools,
      max_tokens: 3,
      stream: true,
    });
    type Choice = {
      delta: { content?: string; tool_calls?: Record<string, unknown>[] };
      finish_reason: string | null;
    };
    const choices = evs.filter((e) => e.json).map((e) => (e.json!.choices as Choice[])[0]);
    assert.deepEqual(choices[0].delta, { role: "assistant", content: "" });
    const calls = choices.slice(1).map((c) => c.delta.tool_calls);
    assert.equal(calls.length, 3);
    assert.deepEqual(calls[0], [{
      index: 0,
      id: calls[0]![0].id,
      type: "function",
      function: { name: "get_weather", arguments: "" },
    }]);
    for (const c of calls.slice(1)) {
      assert.match((c![0].function as { arguments: string }).arguments, /^ [a-z]+$/);
    }
    assert.equal(choices.at(-1)!.finish_reason, "length");
    assert.ok(choices.slice(1).every((c) => c.delta.content === undefined), "no content");
    // tool_choice "none", or no tools: plain content.
    const none = await sse(`${sim.url}/v1/chat/completions`, {
      messages,
      tools,
      tool_choice: "none",
      max_tokens: 2,
      stream: true,
    });
    assert.ok(none.every((e) => !e.data.includes("tool_calls")));
    // Not streamed: one call with the whole arguments.
    const whole = await (await fetch(`${sim.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ messages, tools, max_tokens: 3 }),
    })).json();
    const m = whole.choices[0].message;
    assert.equal(m.content, null);
    assert.equal(m.tool_calls[0].function.name, "get_weather");
    assert.equal(m.tool_calls[0].function.arguments.split(" ").length - 1, 3);
  } finally {
    await sim.close();
  }
});
