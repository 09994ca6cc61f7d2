import assert from "node:assert/strict";
import {
  isSecretName,
  looksLikeKey,
  maskKey,
  redact,
  redactDeep,
  redactHeaders,
  registerSecret,
  registerSecretFields,
} from "./redact.ts";

const KEY = "sk-test-Zq81bXr7Vn2Lm5Ck9";

Deno.test("redact: a request's headers echoed as JSON, as text and as a Python dict", () => {
  const headers = {
    "content-type": "application/json",
    authorization: `Bearer ${KEY}`,
    "x-api-key": "plain-team-key-77",
    "user-agent": "splleed/0.1.0",
  };
  // A 401 body that echoes the request as JSON (FastAPI, Express).
  const json = JSON.stringify({ detail: "invalid key", headers });
  const r1 = redact(json);
  assert.doesNotMatch(r1, /Zq81bXr7|plain-team-key/);
  assert.deepEqual(JSON.parse(r1), {
    detail: "invalid key",
    headers: {
      "content-type": "application/json",
      authorization: "[redacted]",
      "x-api-key": "[redacted]",
      "user-agent": "splleed/0.1.0",
    },
  });
  // The same, pretty-printed.
  assert.doesNotMatch(redact(JSON.stringify({ headers }, null, 2)), /Zq81bXr7|plain-team-key/);
  // A raw HTTP request dump.
  const text = "POST /v1/completions HTTP/1.1\r\nHost: h:8000\r\n" +
    `Authorization: Bearer ${KEY}\r\nX-Api-Key: plain-team-key-77\r\nAccept: */*\r\n\r\n`;
  assert.equal(
    redact(text),
    "POST /v1/completions HTTP/1.1\r\nHost: h:8000\r\nAuthorization: [redacted]\r\n" +
      "X-Api-Key: [redacted]\r\nAccept: */*\r\n\r\n",
  );
  // Python's repr of the headers (Starlette errors), and ASGI's raw byte pairs.
  assert.equal(
    redact(`{'authorization': 'Bearer ${KEY}', 'host': 'h'}`),
    "{'authorization': '[redacted]', 'host': 'h'}",
  );
  assert.doesNotMatch(redact(`[(b'authorization', b'Bearer ${KEY}')]`), /Zq81bXr7/);
});

Deno.test("redact: an echo inside a JSON-encoded message stays valid JSON", () => {
  // records.jsonl holds an error message that itself holds JSON.
  const message = `HTTP 401: {"error":{"message":"bad header Authorization: Bearer ${KEY}"}}`;
  const line = JSON.stringify({ kind: "request", error: { reason: "http_401", message } });
  const out = redact(line);
  assert.doesNotMatch(out, /Zq81bXr7/);
  const back = JSON.parse(out);
  assert.equal(back.error.reason, "http_401");
  assert.match(back.error.message, /^HTTP 401: .*Authorization: \[redacted\]/);
});

Deno.test("redact: URL userinfo and credential query parameters, other parameters kept", () => {
  assert.equal(
    redact("connect to https://alice:s3cr3t@api.example.com:443/v1 failed"),
    "connect to https://[redacted]@api.example.com:443/v1 failed",
  );
  assert.equal(redact("http://token123@h/x"), "http://[redacted]@h/x");
  assert.equal(
    redact("GET http://h/v1/models?api_key=abc123&model=m&API-KEY=x&Token=t&sig=zz#f"),
    "GET http://h/v1/models?api_key=[redacted]&model=m&API-KEY=[redacted]&Token=[redacted]&sig=[redacted]#f",
  );
  for (const name of ["apikey", "key", "access_token", "secret", "password"]) {
    assert.equal(redact(`http://h/?${name}=v4lue`), `http://h/?${name}=[redacted]`, name);
  }
  // Not a credential name, not a URL.
  assert.equal(redact("http://h/?monkey=1&keys=2"), "http://h/?monkey=1&keys=2");
});

Deno.test("redact: Bearer and Basic credentials and key-shaped tokens; ordinary words stay", () => {
  assert.equal(redact(`got Bearer ${KEY}.`), "got Bearer [redacted].");
  assert.equal(redact("bearer abc.def.ghi"), "bearer [redacted]");
  assert.equal(redact("Basic dXNlcjpwYXNzd29yZA=="), "Basic [redacted]");
  assert.equal(redact(`the key ${KEY} is invalid`), "the key [redacted] is invalid");
  assert.equal(redact("hf_abcdefghijklmnopqrstuvwxyz012345"), "[redacted]");
  assert.equal(redact("ghp_abcdefghijklmnopqrstuvwxyz0123"), "[redacted]");
  // Prose, metric ids and results fields are left alone.
  for (
    const s of [
      "A Bearer token is required.",
      "Basic usage: run the basic information check",
      "task-specific risk-averse scikit-learn",
      "ttft_p99_ms throughput_tokens_per_sec outputTokensSource",
      '{"apiKeyEnv": "OPENAI_API_KEY", "tokens": "usage", "key": 3}',
      "the key is missing; token limit reached",
    ]
  ) {
    assert.equal(redact(s), s);
  }
});

Deno.test("registerSecret: a registered key is redacted in every echoed form; short values and numbers are not registered", () => {
  const key = 'local "quoted" key/42';
  registerSecret(key);
  assert.equal(redact(`bad: ${key}`), "bad: [redacted]");
  assert.equal(redact(`url: ${encodeURIComponent(key)}`), "url: [redacted]");
  assert.equal(redact(JSON.stringify({ k: key })), '{"k":"[redacted]"}');
  registerSecret("Bearer sched-key-991");
  assert.equal(redact("key sched-key-991"), "key [redacted]");
  registerSecret("abc12"); // too short: would redact ordinary text
  registerSecret("1234567"); // a number: would redact figures
  registerSecret("ollama"); // a placeholder key: would blank out the engine's name
  assert.equal(redact("abc12 1234567 ollama"), "abc12 1234567 ollama");
  registerSecretFields({ Authorization: "Token fld-secret-2", "X-Trace": "trace-value-1" });
  assert.equal(redact("fld-secret-2 trace-value-1"), "[redacted] trace-value-1");
});

Deno.test("redactDeep: strings, keys and secret-named fields; numbers and other objects kept", () => {
  const when = new Date(0);
  const doc = {
    backend: {
      info: { serverInfo: { api_key: "anything", port: 8000, hf_token: "" } },
      headers: { Authorization: "Bearer x" },
    },
    warnings: [`a 401 said ${KEY}`],
    levels: [{ errors: { http_401: 2 }, metrics: { ttft_p50_ms: 1.5 } }],
    [`k ${KEY}`]: true,
    when,
  };
  const out = redactDeep(doc);
  assert.deepEqual(out.backend.info.serverInfo, {
    api_key: "[redacted]",
    port: 8000,
    hf_token: "",
  });
  assert.deepEqual(out.backend.headers, { Authorization: "[redacted]" });
  assert.deepEqual(out.warnings, ["a 401 said [redacted]"]);
  assert.deepEqual(out.levels, doc.levels);
  assert.ok(Object.keys(out).includes("k [redacted]"));
  assert.equal(out.when, when);
  assert.doesNotMatch(JSON.stringify(out), /Zq81bXr7/);
  assert.equal(doc.warnings[0], `a 401 said ${KEY}`, "the input is not changed");
});

Deno.test("redactHeaders and isSecretName", () => {
  assert.deepEqual(redactHeaders({ "X-Api-Key": "k", Cookie: "c", Accept: "a" }), {
    "X-Api-Key": "[redacted]",
    Cookie: "[redacted]",
    Accept: "a",
  });
  for (const n of ["HF_TOKEN", "VLLM_API_KEY", "proxy-authorization", "DB_PASSWORD"]) {
    assert.equal(isSecretName(n), true, n);
  }
  assert.equal(isSecretName("CUDA_VISIBLE_DEVICES"), false);
});

Deno.test("looksLikeKey and maskKey: keys given where a name or path belongs", () => {
  for (
    const k of [
      "sk-abc",
      "sk-proj-AbC123",
      "hf_abc",
      "gsk_abc",
      "AKIAABCDEFGHIJKLMNOP",
      "Zq81bXr7Vn2Lm5Ck9Xy3Wd",
      "3f9a1c7e2b8d4f6a0c5e9b1d",
      "ABCD_3f9a1c7e2b8d4f6a0c5e9b1d",
    ]
  ) {
    assert.equal(looksLikeKey(k), true, k);
  }
  for (
    const n of [
      "OPENAI_API_KEY",
      "my_key_2024_prod_version2",
      "MY_API_KEY_2024_PROD_V2_EXTRA",
      "SPLLEED_TEST_KEY_1a2b3c4d",
      "/run/secrets/key",
      "keys/openai-key-2024-05-01.txt",
      "short1",
    ]
  ) {
    assert.equal(looksLikeKey(n), false, n);
  }
  assert.equal(maskKey("sk-proj-AbC123"), "sk-proj-…[redacted]");
  assert.equal(maskKey("hf_abcdef"), "hf_…[redacted]");
  assert.equal(maskKey("Zq81bXr7Vn2Lm5Ck9Xy3Wd"), "[redacted]");
});

Deno.test("redact: text without secrets comes back as the same string", () => {
  const big = "ttft_p50_ms,12.5,throughput_tokens_per_sec,3000\n".repeat(20_000);
  assert.equal(redact(big), big);
  assert.equal(redact(""), "");
});
