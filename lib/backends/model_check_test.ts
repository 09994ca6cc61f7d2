/**
 * The model check when connecting: a `model` that the server's `/v1/models`
 * does not list is a configuration error for the engines that reject such
 * names (an OpenAI-compatible API, vLLM, the simulator), a warning for the
 * engines that answer any name with the model they serve (SGLang, TGI,
 * llama.cpp), and nothing with `modelCheck: false`.
 */

import assert from "node:assert/strict";
import type { Sampling } from "../config/benchmark.ts";
import { ConfigError } from "../config/errors.ts";
import { createHttp1Transport } from "../http/http1_transport.ts";
import type { BackendClient } from "./backend.ts";
import { createBackend } from "./registry.ts";

const SAMPLING: Sampling = { maxTokens: 4, temperature: 0, topP: 1, ignoreEos: false };

/** A server that lists `served` at /v1/models and answers 404 elsewhere; counts requests per path. */
function modelsServer(served: string[]) {
  const hits: string[] = [];
  const server = Deno.serve({ port: 0, onListen() {} }, (req) => {
    const path = new URL(req.url).pathname;
    hits.push(path);
    if (path === "/v1/models") {
      return Response.json({ object: "list", data: served.map((id) => ({ id, object: "model" })) });
    }
    return new Response("not found", { status: 404 });
  });
  return { endpoint: `http://127.0.0.1:${server.addr.port}`, hits, server };
}

async function connect(config: Record<string, unknown>): Promise<BackendClient> {
  const b = createBackend(config as never);
  const transport = createHttp1Transport();
  try {
    return await b.connect({ endpoint: b.endpoint!, transport, sampling: SAMPLING });
  } finally {
    transport.close();
  }
}

Deno.test("openai and vllm: a model the server does not serve is a ConfigError naming both", async () => {
  const s = modelsServer(["splleed-sim"]);
  try {
    for (const type of ["openai", "vllm"]) {
      await assert.rejects(
        connect({ type, endpoint: s.endpoint, model: "gpt-5" }),
        (e: Error) => {
          assert.ok(e instanceof ConfigError, `${type}: ${e}`);
          assert.match(e.message, /serves 'splleed-sim'/);
          assert.match(e.message, /got "gpt-5"/);
          assert.match(e.message, /modelCheck: false \(--no-model-check\)/);
          return true;
        },
      );
      // Nothing but /v1/models was asked before the refusal.
      assert.ok(s.hits.every((p) => p === "/v1/models"), JSON.stringify(s.hits));
      const ok = await connect({ type, endpoint: s.endpoint, model: "splleed-sim" });
      assert.equal(ok.model, "splleed-sim");
      assert.deepEqual(ok.warnings ?? [], []);
      const off = await connect({
        type,
        endpoint: s.endpoint,
        model: "gpt-5",
        modelCheck: false,
      });
      assert.equal(off.model, "gpt-5", `${type}: modelCheck false sends it as asked`);
      assert.deepEqual(off.warnings ?? [], []);
      s.hits.length = 0;
    }
  } finally {
    await s.server.shutdown();
  }
});

Deno.test("sglang, tgi (OpenAI routes) and llama.cpp answer any name: a name they do not list is a warning", async () => {
  const s = modelsServer(["/models/tiny.gguf"]);
  try {
    for (
      const config of [
        { type: "sglang" },
        { type: "tgi", api: "chat" },
        { type: "tgi", api: "completions" },
        { type: "llamacpp" },
      ]
    ) {
      const c = await connect({ ...config, endpoint: s.endpoint, model: "llama" });
      assert.equal(c.model, "llama", config.type);
      assert.equal(c.warnings?.length, 1, `${config.type}: ${JSON.stringify(c.warnings)}`);
      assert.match(c.warnings![0], /lists '\/models\/tiny\.gguf', not 'llama'/);
      const off = await connect({
        ...config,
        endpoint: s.endpoint,
        model: "llama",
        modelCheck: false,
      });
      assert.deepEqual(off.warnings ?? [], [], `${config.type}: modelCheck false`);
      const listed = await connect({ ...config, endpoint: s.endpoint, model: "/models/tiny.gguf" });
      assert.deepEqual(listed.warnings ?? [], []);
    }
  } finally {
    await s.server.shutdown();
  }
});

Deno.test("tgi's native generate route has no model field: no check, no /v1/models", async () => {
  const hits: string[] = [];
  const server = Deno.serve({ port: 0, onListen() {} }, (req) => {
    hits.push(new URL(req.url).pathname);
    return Response.json({ model_id: "HuggingFaceTB/SmolLM2-360M-Instruct", version: "3.0.1" });
  });
  try {
    const c = await connect({
      type: "tgi",
      endpoint: `http://127.0.0.1:${server.addr.port}`,
      model: "anything",
    });
    assert.equal(c.api, "generate");
    assert.equal(c.model, "anything");
    assert.deepEqual(hits, ["/info"]);
  } finally {
    await server.shutdown();
  }
});

Deno.test("vllm managed with --served-model-name requests the name it lists, not the model it loads", async () => {
  const s = modelsServer(["alias"]);
  const transport = createHttp1Transport();
  try {
    for (const extraArgs of [["--served-model-name", "alias"], ["--served-model-name=alias"]]) {
      const b = createBackend({ type: "vllm", model: "org/big-model", extraArgs });
      assert.equal(b.launch?.kind, "process");
      const c = await b.connect({ endpoint: s.endpoint, transport, sampling: SAMPLING });
      assert.equal(c.model, "alias");
    }
    // Without it, the loaded model is the name to request, and checked.
    const plain = createBackend({ type: "vllm", model: "org/big-model" });
    await assert.rejects(
      plain.connect({ endpoint: s.endpoint, transport, sampling: SAMPLING }),
      ConfigError,
    );
  } finally {
    transport.close();
    await s.server.shutdown();
  }
});
