/**
 * Issue 18 end to end: the fields of `sampling.extra` and of a workload
 * item's `request` reach the wire as built, and secret-looking values in them
 * reach no file splleed writes (results, records).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { benchmark } from "../lib/runner/benchmark.ts";
import type { RequestFields } from "../lib/backends/backend.ts";
import type { ItemRequest } from "../lib/workload/types.ts";
import type { Assert, Equal } from "../lib/util/type_equal.ts";

/** A workload item's request fields and what a backend reads are one shape (declared twice: backends import nothing from workload/). */
export type SameRequestShape = Assert<Equal<ItemRequest, RequestFields>>;

/** A key-shaped value (redacted by its shape too) and a plain one (redacted only because its field name looks secret). */
const KEY = "sk-splleed-Extra9Kq2Lm5Vn7Tz";
const PLAIN = "plain-vendor-value-58213";
const SECRETS = /Extra9Kq2Lm5Vn7Tz|plain-vendor-value-58213/;

Deno.test("secret-looking values in sampling.extra are in neither the results nor the records", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const records = join(dir, "records.jsonl");
    const results = await benchmark({
      backend: { type: "simulator", ttftMs: 1, itlMs: 1 },
      prompts: ["hi", "there"],
      concurrency: [1],
      runs: 2,
      warmup: 0,
      trials: 1,
      sampling: {
        maxTokens: 2,
        extra: { api_key: KEY, vendor: { provider_api_key: PLAIN }, top_k: 20 },
      },
      records,
    });
    const json = JSON.stringify(results.toJSON());
    assert.doesNotMatch(json, SECRETS);
    // The rest of the extra fields are kept, as written.
    const sampling = (results.toJSON().config as { sampling: { extra: Record<string, unknown> } })
      .sampling;
    assert.equal(sampling.extra.top_k, 20);
    assert.deepEqual(sampling.extra.vendor, { provider_api_key: "[redacted]" });
    const text = await Deno.readTextFile(records);
    assert.ok(text.split("\n").filter((l) => l !== "").length >= 3, "header and records");
    assert.doesNotMatch(text, SECRETS);
    const out = join(dir, "r.json");
    await results.save(out);
    assert.doesNotMatch(await Deno.readTextFile(out), SECRETS);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a run sends sampling.extra and each item's request fields; items' bodies differ as their fields do", async () => {
  const bodies: Record<string, unknown>[] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/v1/models") return Response.json({ data: [{ id: "m" }] });
    bodies.push(await req.json());
    const chunk = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`;
    return new Response(
      chunk({ choices: [{ delta: { content: '{"n": 1}' } }] }) +
        chunk({ choices: [{ delta: {}, finish_reason: "stop" }] }) +
        chunk({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 3 } }) +
        "data: [DONE]\n\n",
      { headers: { "content-type": "text/event-stream" } },
    );
  });
  const dir = await Deno.makeTempDir();
  try {
    const schema = { type: "object", properties: { n: { type: "integer" } } };
    await Deno.writeTextFile(
      join(dir, "w.jsonl"),
      [
        { prompt: "free" },
        { prompt: "json", response_format: { type: "json_object" }, max_tokens: 5 },
        { prompt: "schema", schema, extra: { seed: 7 } },
      ].map((o) => JSON.stringify(o)).join("\n"),
    );
    await benchmark({
      backend: { type: "openai", endpoint: `http://127.0.0.1:${server.addr.port}`, api: "chat" },
      workload: { source: "file", path: join(dir, "w.jsonl"), schemaColumn: "schema" },
      concurrency: [1],
      runs: 3,
      warmup: 0,
      trials: 1,
      sampling: { maxTokens: 16, extra: { top_k: 20 } },
      records: false,
    });
    const byPrompt = new Map(
      bodies.map((b) => [(b.messages as { content: string }[])[0].content, b]),
    );
    const own = {
      model: "m",
      max_tokens: 16,
      temperature: 0,
      top_p: 1,
      stream: true,
      stream_options: { include_usage: true },
      top_k: 20,
    };
    assert.deepEqual(byPrompt.get("free"), {
      ...own,
      messages: [{ role: "user", content: "free" }],
    });
    assert.deepEqual(byPrompt.get("json"), {
      ...own,
      messages: [{ role: "user", content: "json" }],
      max_tokens: 5,
      response_format: { type: "json_object" },
    });
    assert.deepEqual(byPrompt.get("schema"), {
      ...own,
      messages: [{ role: "user", content: "schema" }],
      response_format: { type: "json_schema", json_schema: { name: "output", schema } },
      seed: 7,
    });
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
