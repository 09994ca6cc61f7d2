import assert from "node:assert/strict";
import { ConfigError } from "../config/errors.ts";
import { openai } from "./openai.ts";
import { createBackend, isBackend } from "./registry.ts";
import { simulator } from "./simulator.ts";
import { vllm } from "./vllm.ts";

Deno.test("factories validate their options and name the bad field", () => {
  assert.throws(() => openai({ endpoint: "ftp://host" }), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.match(
      e.message,
      /Cannot start openai backend: 'endpoint' must be a URL \(http:\/\/ or https:\/\/\), got "ftp:\/\/host"/,
    );
    return true;
  });
  assert.throws(
    () => vllm({ endpoint: "http://h", api: "generate" as "chat" }),
    /'api' must be one of "completions", "chat", "embeddings", got "generate"/,
  );
  assert.throws(() => simulator({ ttftMs: 5 }), /'itlMs' must be given together with/);
  assert.throws(
    () => simulator({ profile: "tiny" }),
    /'profile' must be one of "small", "medium", "large", got "tiny"/,
  );
});

Deno.test("describe() redacts the API key and secret-looking headers, keeps the rest", () => {
  const b = openai({
    endpoint: "https://api.example.com/v1",
    model: "m",
    apiKey: "sk-live-123",
    headers: { Authorization: "Bearer x", "X-Api-Key": "k", "X-Request-Source": "ci" },
  });
  const d = b.describe();
  assert.equal(d.apiKey, "[redacted]");
  assert.deepEqual(d.headers, {
    Authorization: "[redacted]",
    "X-Api-Key": "[redacted]",
    "X-Request-Source": "ci",
  });
  assert.equal(d.endpoint, "https://api.example.com/v1");
  assert.doesNotMatch(JSON.stringify(d), /sk-live|Bearer x/);
});

Deno.test("simulator() defaults to the 'small' profile and starts in-process; others connect", () => {
  const s = simulator();
  assert.deepEqual(s.launch, { kind: "simulator", options: { profile: "small" } });
  assert.equal(s.endpoint, undefined);
  const v = vllm({ endpoint: "http://localhost:8000" });
  assert.equal(v.launch, undefined);
  assert.equal(v.endpoint, "http://localhost:8000");
});

Deno.test("createBackend maps config data to the same backends as the factories", () => {
  const b = createBackend({ type: "vllm", endpoint: "http://h:1", model: "m" });
  assert.equal(b.kind, "vllm");
  assert.ok(isBackend(b));
  assert.deepEqual(b.describe(), vllm({ endpoint: "http://h:1", model: "m" }).describe());
  assert.equal(createBackend({ type: "simulator", ttftMs: 1, itlMs: 2 }).launch?.kind, "simulator");
});
