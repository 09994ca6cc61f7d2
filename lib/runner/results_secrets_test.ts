import assert from "node:assert/strict";
import { join } from "node:path";
import type { ResultsDocument } from "../results/document.ts";
import { registerSecret } from "../util/redact.ts";
import { BenchmarkResults } from "./results.ts";

const KEY = "results-key-Hy7Gf3Dx9Wq2";

function doc(): ResultsDocument {
  return {
    schemaVersion: 1,
    tool: { name: "splleed", version: "0.1.0", deno: "2.9.6" },
    config: { backend: { type: "openai", endpoint: "http://h:8000" } },
    backend: {
      kind: "sglang",
      info: { serverInfo: { api_key: "unregistered-value-1", port: 30000 } },
    },
    startedAt: "2026-01-01T00:00:00.000Z",
    finishedAt: "2026-01-01T00:00:01.000Z",
    interrupted: true,
    interruption: `the server exited: last log line 'Authorization: Bearer ${KEY}'`,
    interruptionCause: "server_exit",
    warnings: [`a 401 body echoed {"authorization": "Bearer ${KEY}"}`],
    recordsFile: null,
    levels: [{
      mode: "latency",
      concurrency: 2,
      errors: { http_401: 1 },
      trials: [{ metrics: { ttft_p50_ms: 12 }, errors: { http_401: 1 }, complete: false }],
      summary: { ttft_p50_ms: { value: 12, ci: null, trials: [12] } },
    }],
  } as unknown as ResultsDocument;
}

Deno.test("toJSON() and save() never carry a registered key, an echoed header or a secret-named field", async () => {
  registerSecret(KEY);
  const r = new BenchmarkResults(doc());
  const json = r.toJSON();
  const text = JSON.stringify(json);
  assert.doesNotMatch(text, /Hy7Gf3Dx9Wq2|unregistered-value-1/);
  assert.equal(json.interruption, "the server exited: last log line 'Authorization: [redacted]'");
  assert.deepEqual(json.warnings, ['a 401 body echoed {"authorization": "[redacted]"}']);
  assert.deepEqual((json.backend as { info: unknown }).info, {
    serverInfo: { api_key: "[redacted]", port: 30000 },
  });
  assert.deepEqual(json.levels, doc().levels, "figures are untouched");
  const dir = await Deno.makeTempDir();
  try {
    await r.save(join(dir, "r.json"));
    const saved = await Deno.readTextFile(join(dir, "r.json"));
    assert.doesNotMatch(saved, /Hy7Gf3Dx9Wq2|unregistered-value-1/);
    assert.deepEqual(JSON.parse(saved), json);
    await r.save(join(dir, "r.csv"));
    assert.doesNotMatch(await Deno.readTextFile(join(dir, "r.csv")), /Hy7Gf3Dx9Wq2/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
