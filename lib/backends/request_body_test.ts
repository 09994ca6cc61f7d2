// Golden request bodies: what each backend sends for sampling.extra, for an
// item's own request fields, and for both, compared whole. The clients are
// made by the backend factories, connected to a stub that answers the
// connect-time probes (/v1/models, /info), so the whole path from a backend's
// options to the bytes of its body is covered.

import assert from "node:assert/strict";
import type { Sampling } from "../config/benchmark.ts";
import { createHttp1Transport } from "../http/http1_transport.ts";
import type { Backend, BackendClient, RequestInput } from "./backend.ts";
import { llamacpp } from "./llamacpp.ts";
import { openai } from "./openai.ts";
import { sglang } from "./sglang.ts";
import { tgi } from "./tgi.ts";
import { vllm } from "./vllm.ts";

const decoder = new TextDecoder();

/** Serves the connect-time probes; no request is ever sent to it. */
async function withStub(fn: (endpoint: string) => Promise<void>): Promise<void> {
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/v1/models") return Response.json({ data: [{ id: "m" }] });
    if (path === "/info") return Response.json({ model_id: "m", version: "3.0.0" });
    return new Response("not found", { status: 404 });
  });
  try {
    await fn(`http://127.0.0.1:${server.addr.port}`);
  } finally {
    await server.shutdown();
  }
}

async function connect(
  backend: Backend,
  endpoint: string,
  sampling: Sampling,
): Promise<BackendClient> {
  const transport = createHttp1Transport();
  try {
    return await backend.connect({ endpoint, transport, sampling });
  } finally {
    transport.close();
  }
}

function body(client: BackendClient, input: string | RequestInput): Record<string, unknown> {
  return JSON.parse(decoder.decode(client.prepare(input).body));
}

const BASE: Sampling = { maxTokens: 16, temperature: 0, topP: 1, ignoreEos: false };
const RUN_EXTRA = { top_k: 20, chat_template_kwargs: { enable_thinking: false } };
const SCHEMA = { type: "object", properties: { n: { type: "integer" } }, required: ["n"] };
const TOOLS = [{
  type: "function",
  function: { name: "add", parameters: { type: "object", properties: {} } },
}];
/** An item with every request field. */
const ITEM: RequestInput = {
  prompt: "hi",
  outputLen: 7,
  request: {
    responseFormat: { type: "json_schema", json_schema: { name: "n", schema: SCHEMA } },
    temperature: 0.5,
    extra: { seed: 3, top_k: 5 },
  },
};
const CHAT_ITEM: RequestInput = {
  ...ITEM,
  request: { ...ITEM.request, tools: TOOLS, toolChoice: "auto" },
};

const factories: [string, (endpoint: string, api: "chat" | "completions") => Backend][] = [
  ["openai", (endpoint, api) => openai({ endpoint, model: "m", api })],
  ["vllm", (endpoint, api) => vllm({ endpoint, model: "m", api })],
  ["sglang", (endpoint, api) => sglang({ endpoint, model: "m", api })],
  ["llamacpp", (endpoint, api) => llamacpp({ endpoint, model: "m", api })],
];

for (const [kind, make] of factories) {
  Deno.test(`${kind} completions: sampling.extra, per-item fields, and both (golden bodies)`, async () => {
    await withStub(async (endpoint) => {
      const own = {
        model: "m",
        prompt: "hi",
        max_tokens: 16,
        temperature: 0,
        top_p: 1,
        stream: true,
        stream_options: { include_usage: true },
      };
      const run = await connect(make(endpoint, "completions"), endpoint, {
        ...BASE,
        extra: RUN_EXTRA,
      });
      assert.deepEqual(body(run, "hi"), { ...own, ...RUN_EXTRA });

      const plain = await connect(make(endpoint, "completions"), endpoint, BASE);
      assert.deepEqual(body(plain, "hi"), own);
      assert.deepEqual(body(plain, ITEM), {
        ...own,
        max_tokens: 7,
        temperature: 0.5,
        response_format: { type: "json_schema", json_schema: { name: "n", schema: SCHEMA } },
        seed: 3,
        top_k: 5,
      });

      // Both: the run's extra over the item's fields, the item's extra over both.
      const both = await connect(make(endpoint, "completions"), endpoint, {
        ...BASE,
        extra: { ...RUN_EXTRA, temperature: 0.9 },
      });
      assert.deepEqual(body(both, ITEM), {
        ...own,
        max_tokens: 7,
        temperature: 0.9,
        response_format: { type: "json_schema", json_schema: { name: "n", schema: SCHEMA } },
        chat_template_kwargs: { enable_thinking: false },
        seed: 3,
        top_k: 5,
      });

      // Tools belong to the chat API: refused, not silently sent.
      assert.throws(
        () => plain.prepare(CHAT_ITEM),
        /'tools' and 'tool_choice' are chat API fields, got api "completions"/,
      );
    });
  });

  Deno.test(`${kind} chat: sampling.extra, per-item fields with tools, and both (golden bodies)`, async () => {
    await withStub(async (endpoint) => {
      const own = {
        model: "m",
        messages: [{ role: "user", content: "hi" }],
        max_tokens: 16,
        temperature: 0,
        top_p: 1,
        stream: true,
        stream_options: { include_usage: true },
      };
      const run = await connect(make(endpoint, "chat"), endpoint, { ...BASE, extra: RUN_EXTRA });
      assert.deepEqual(body(run, "hi"), { ...own, ...RUN_EXTRA });

      const plain = await connect(make(endpoint, "chat"), endpoint, BASE);
      const history = [
        { role: "system" as const, content: "be brief" },
        { role: "user" as const, content: "hi" },
      ];
      assert.deepEqual(body(plain, { ...CHAT_ITEM, messages: history }), {
        ...own,
        messages: history,
        max_tokens: 7,
        temperature: 0.5,
        response_format: { type: "json_schema", json_schema: { name: "n", schema: SCHEMA } },
        tools: TOOLS,
        tool_choice: "auto",
        seed: 3,
        top_k: 5,
      });

      const both = await connect(make(endpoint, "chat"), endpoint, {
        ...BASE,
        ignoreEos: true,
        extra: { ...RUN_EXTRA, tool_choice: "required" },
      });
      assert.deepEqual(body(both, CHAT_ITEM), {
        ...own,
        max_tokens: 7,
        temperature: 0.5,
        ignore_eos: true,
        response_format: { type: "json_schema", json_schema: { name: "n", schema: SCHEMA } },
        tools: TOOLS,
        tool_choice: "required",
        chat_template_kwargs: { enable_thinking: false },
        seed: 3,
        top_k: 5,
      });
    });
  });
}

Deno.test("tgi native: extra fields go under parameters; the item's temperature and response_format (as grammar)", async () => {
  await withStub(async (endpoint) => {
    const own = { max_new_tokens: 16, do_sample: false, details: true };
    const run = await connect(tgi({ endpoint }), endpoint, { ...BASE, extra: RUN_EXTRA });
    assert.deepEqual(body(run, "hi"), { inputs: "hi", parameters: { ...own, ...RUN_EXTRA } });

    const plain = await connect(tgi({ endpoint }), endpoint, BASE);
    assert.deepEqual(body(plain, ITEM), {
      inputs: "hi",
      parameters: {
        max_new_tokens: 7,
        do_sample: true,
        temperature: 0.5,
        details: true,
        grammar: { type: "json", value: SCHEMA },
        seed: 3,
        top_k: 5,
      },
    });
    assert.deepEqual(
      body(plain, { prompt: "hi", request: { responseFormat: { type: "json_object" } } }),
      {
        inputs: "hi",
        parameters: { ...own, grammar: { type: "json", value: { type: "object" } } },
      },
    );

    const both = await connect(tgi({ endpoint }), endpoint, {
      ...BASE,
      topP: 0.9,
      extra: { ...RUN_EXTRA, repetition_penalty: 1.1 },
    });
    assert.deepEqual(body(both, ITEM), {
      inputs: "hi",
      parameters: {
        max_new_tokens: 7,
        do_sample: true,
        temperature: 0.5,
        top_p: 0.9,
        details: true,
        grammar: { type: "json", value: SCHEMA },
        chat_template_kwargs: { enable_thinking: false },
        repetition_penalty: 1.1,
        seed: 3,
        top_k: 5,
      },
    });
    assert.throws(() => plain.prepare(CHAT_ITEM), /no 'tools' or 'tool_choice'.*api "chat"/);
    assert.throws(
      () => plain.prepare({ prompt: "hi", request: { responseFormat: { type: "regex" } } }),
      /'response_format' must be of type "json_object" or "json_schema".*got \{"type":"regex"\}/,
    );
  });
});

Deno.test("embeddings: sampling.extra then the item's extra; structured or tool items refused", async () => {
  await withStub(async (endpoint) => {
    const own = { model: "m", input: "hi", encoding_format: "float" };
    const make = () => openai({ endpoint, model: "m", api: "embeddings" });
    const run = await connect(make(), endpoint, { ...BASE, extra: { dimensions: 256 } });
    assert.deepEqual(body(run, "hi"), { ...own, dimensions: 256 });
    const plain = await connect(make(), endpoint, BASE);
    assert.deepEqual(body(plain, { prompt: "hi", request: { extra: { user: "u1" } } }), {
      ...own,
      user: "u1",
    });
    assert.deepEqual(
      body(run, {
        prompt: "hi",
        outputLen: 9,
        request: { temperature: 1, extra: { dimensions: 64 } },
      }),
      { ...own, dimensions: 64 },
    );
    assert.throws(
      () => plain.prepare(ITEM),
      /embeddings request: an item with 'response_format' asks for generated text/,
    );
  });
});

Deno.test("prepare() sets check only when the item asks for structured output", async () => {
  await withStub(async (endpoint) => {
    const client = await connect(openai({ endpoint, model: "m" }), endpoint, BASE);
    assert.equal(client.prepare("hi").check, undefined);
    assert.equal(client.prepare({ prompt: "hi", request: { temperature: 1 } }).check, undefined);
    const check =
      client.prepare({ prompt: "hi", request: { responseFormat: { type: "json_object" } } })
        .check;
    assert.ok(check);
    assert.equal(check('{"a": 1}').valid, true);
    assert.equal(check("not json").valid, false);
    // vLLM's guided_json in the run's extra asks too.
    const guided = await connect(vllm({ endpoint, model: "m" }), endpoint, {
      ...BASE,
      extra: { guided_json: SCHEMA },
    });
    assert.equal(typeof guided.prepare("hi").check, "function");
  });
});

Deno.test("overrides of splleed's own fields are warnings, each field named once per run", async () => {
  await withStub(async (endpoint) => {
    const client = await connect(openai({ endpoint, model: "m", api: "chat" }), endpoint, {
      ...BASE,
      extra: { temperature: 0.7, max_tokens: 64, top_k: 20 },
    });
    // Known before any item is prepared.
    assert.deepEqual(client.warnings, [
      "sampling.extra overrides 'temperature' and 'max_tokens', which splleed sets itself from " +
      "the run's settings: the extra values are sent",
    ]);
    client.prepare({ prompt: "a", request: { extra: { model: "lora-a" } } });
    client.prepare({ prompt: "b", request: { extra: { model: "lora-b", stream: true } } });
    client.prepare({ prompt: "c", request: { extra: { seed: 1 } } });
    assert.deepEqual(client.warnings, [
      "sampling.extra overrides 'temperature' and 'max_tokens', which splleed sets itself from " +
      "the run's settings: the extra values are sent",
      "the 'extra' of some workload items overrides 'model' and 'stream', which splleed sets " +
      "itself: the items' values are sent",
    ]);

    const none = await connect(openai({ endpoint, model: "m" }), endpoint, {
      ...BASE,
      extra: { top_k: 20 },
    });
    none.prepare({ prompt: "a", request: { extra: { seed: 1 } } });
    assert.deepEqual(none.warnings, []);

    const native = await connect(tgi({ endpoint }), endpoint, {
      ...BASE,
      extra: { max_new_tokens: 4, details: false },
    });
    assert.deepEqual(native.warnings, [
      "sampling.extra overrides 'parameters.max_new_tokens' and 'parameters.details', which " +
      "splleed sets itself from the run's settings: the extra values are sent",
    ]);
  });
});

Deno.test("the model check's warning is kept beside the override warnings", async () => {
  await withStub(async (endpoint) => {
    const client = await connect(sglang({ endpoint, model: "other" }), endpoint, {
      ...BASE,
      extra: { stream: true },
    });
    const w = client.warnings ?? [];
    assert.equal(w.length, 2);
    assert.match(w[0], /lists 'm', not 'other'/);
    assert.match(w[1], /sampling.extra overrides 'stream'/);
  });
});
