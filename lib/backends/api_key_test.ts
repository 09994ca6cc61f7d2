/**
 * API key sources and redaction: the key a backend resolves (and secret
 * header and environment values) is registered for redaction; a key given
 * by mistake where its variable's name or its file's path belongs is never
 * echoed.
 */

import assert from "node:assert/strict";
import { ConfigError } from "../config/errors.ts";
import { redact } from "../util/redact.ts";
import { resolveApiKey } from "./openai.ts";
import { createBackend } from "./registry.ts";

/** Asserts a ConfigError at `path` whose message matches `what` and never holds `secret`. */
function refused(fn: () => unknown, path: string, what: RegExp, secret: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
    assert.equal(e.issues[0].path, path, e.message);
    assert.match(e.message, what);
    assert.doesNotMatch(e.message, secret);
    assert.doesNotMatch(JSON.stringify(e.issues), secret);
    return true;
  });
}

Deno.test("a resolved key, secret headers and secret engine env values are redacted wherever they appear", () => {
  const key = "inline-key-Qm4Tz8Wn1";
  const header = "hdr-secret-Pk7Rv3Xs9";
  const hf = "hf-like-Lq2Wd5Ny8Zr";
  createBackend({
    type: "vllm",
    model: "m",
    apiKey: key,
    headers: { "X-Api-Key": header, "X-Trace": "trace-1234" },
    env: { HF_TOKEN: hf, CUDA_VISIBLE_DEVICES: "0,1,2,3" },
  });
  assert.equal(
    redact(`echo ${key} ${header} ${hf} trace-1234 0,1,2,3`),
    "echo [redacted] [redacted] [redacted] trace-1234 0,1,2,3",
  );
  const fromEnv = "env-key-Bv6Hc1Jt4Yx";
  const name = `SPLLEED_API_KEY_TEST_${crypto.randomUUID().slice(0, 8).toUpperCase()}`;
  Deno.env.set(name, fromEnv);
  try {
    createBackend({ type: "openai", endpoint: "http://h:1", apiKeyEnv: name });
  } finally {
    Deno.env.delete(name);
  }
  assert.equal(redact(`401: ${fromEnv}`), "401: [redacted]");
});

Deno.test("a key given to apiKeyEnv: refused as a key, masked; a real variable of that odd name still works", () => {
  // Invalid as a name: refused by the schema.
  refused(
    () =>
      createBackend({ type: "openai", endpoint: "http://h:1", apiKeyEnv: "sk-Xq3Lm8Zt2Vb7Nc4" }),
    "apiKeyEnv",
    /looks like a key itself, not the name of an environment variable holding it.*"sk-…\[redacted\]"/,
    /Xq3Lm8Zt2Vb7Nc4/,
  );
  // A valid name that looks like a random key, unset: refused when read, masked.
  const randomLooking = "Xq3Lm8Zt2Vb7Nc4Wd6Ry1";
  refused(
    () => resolveApiKey({ apiKeyEnv: randomLooking }, "openai backend"),
    "apiKeyEnv",
    /looks like a key itself.*got "\[redacted\]"/,
    /Xq3Lm8Zt2Vb7Nc4/,
  );
  // ... unless a variable of that name is set.
  Deno.env.set(randomLooking, "value-from-odd-name");
  try {
    assert.equal(resolveApiKey({ apiKeyEnv: randomLooking }, "x"), "value-from-odd-name");
  } finally {
    Deno.env.delete(randomLooking);
  }
  // An ordinary name that is unset is shown: it is no secret.
  assert.throws(
    () => resolveApiKey({ apiKeyEnv: "SPLLEED_SURELY_UNSET_VARIABLE" }, "x"),
    /"SPLLEED_SURELY_UNSET_VARIABLE" \(unset or empty\)/,
  );
});

Deno.test("a key given to apiKeyFile: a missing 'file' that looks like a key is masked, its name kept out of the OS error too", () => {
  refused(
    () => resolveApiKey({ apiKeyFile: "sk-proj-Xq3Lm8Zt2Vb7Nc4" }, "openai backend"),
    "apiKeyFile",
    /looks like a key itself, not the name of a file holding it.*"sk-proj-…\[redacted\]" \(no such file\)/,
    /Xq3Lm8Zt2Vb7Nc4/,
  );
  // Resolved against a config file's folder, the key is the last part of the path.
  refused(
    () => resolveApiKey({ apiKeyFile: "/bench/Xq3Lm8Zt2Vb7Nc4Wd6Ry1" }, "openai backend"),
    "apiKeyFile",
    /got "\[redacted\]" \(no such file\)/,
    /Xq3Lm8Zt2Vb7Nc4/,
  );
  // An ordinary missing path is shown with the OS's reason.
  assert.throws(
    () => resolveApiKey({ apiKeyFile: "/no/such/dir/openai.key" }, "x"),
    /"\/no\/such\/dir\/openai\.key" \(.*No such file/i,
  );
});
