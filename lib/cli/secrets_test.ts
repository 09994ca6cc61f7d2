/**
 * Issue 12 through the command line: no key in anything `splleed run`
 * writes (console, records.jsonl, results.json), credentials in `--endpoint`
 * and a key given to `--api-key-env` refused without echoing them, and a
 * model the server does not serve refused before the run (exit 2).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { EXIT, main } from "./main.ts";
import { memoryIO } from "./memory_io.ts";

const KEY = "sk-splleed-Zq81bXr7Vn2Lm5Ck9";
/** The part of the key that must never appear, whatever the prefix shown. */
const KEY_BODY = /Zq81bXr7Vn2Lm5Ck9/;

/**
 * A server that serves model "m" and fails every generation request while
 * echoing the request's headers back: as a 401 JSON body, a 500 text body,
 * and an in-stream error event, in turn.
 */
function echoingServer() {
  const models: string[] = [];
  let n = 0;
  const server = Deno.serve({ port: 0, onListen() {} }, async (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/v1/models") return Response.json({ data: [{ id: "m", object: "model" }] });
    const body = await req.json();
    models.push(body.model);
    const auth = req.headers.get("authorization") ?? "";
    switch (n++ % 3) {
      case 0:
        return Response.json({
          error: {
            message: `invalid key; request headers: ${
              JSON.stringify(Object.fromEntries(req.headers))
            }`,
          },
        }, { status: 401 });
      case 1:
        return new Response(`upstream failed for request with Authorization: ${auth}\n`, {
          status: 500,
        });
      default:
        return new Response(
          `data: ${JSON.stringify({ error: { message: `key ${auth.slice(7)} is revoked` } })}\n\n`,
          { headers: { "content-type": "text/event-stream" } },
        );
    }
  });
  return { endpoint: `http://127.0.0.1:${server.addr.port}`, models, server };
}

Deno.test("a run against a server that echoes the key: no key in stdout, stderr, records or results", async () => {
  const s = echoingServer();
  const dir = await Deno.makeTempDir();
  const env = `SPLLEED_SECRETS_TEST_${crypto.randomUUID().slice(0, 8).toUpperCase()}`;
  Deno.env.set(env, KEY);
  const io = memoryIO();
  try {
    const out = join(dir, "results.json");
    const records = join(dir, "records.jsonl");
    const code = await main([
      "run",
      "--endpoint",
      s.endpoint,
      "--model",
      "m",
      "--api-key-env",
      env,
      "--concurrency",
      "1",
      "--runs",
      "6",
      "--warmup",
      "0",
      "--trials",
      "1",
      "--max-tokens",
      "4",
      "--out",
      out,
      "--records",
      records,
    ], io);
    assert.notEqual(code, EXIT.usage, io.stderr);
    assert.equal(s.models.length, 6, "every request reached the server");
    const recordsText = await Deno.readTextFile(records);
    const resultsText = await Deno.readTextFile(out);
    for (
      const [what, text] of [
        ["stdout", io.stdout],
        ["stderr", io.stderr],
        ["records.jsonl", recordsText],
        ["results.json", resultsText],
      ]
    ) {
      assert.doesNotMatch(text, KEY_BODY, `${what} holds the key:\n${text.slice(0, 3000)}`);
    }
    // The failures are recorded, their messages redacted rather than dropped.
    const failed = recordsText.trim().split("\n").map((l) => JSON.parse(l)).filter((l) =>
      l.kind === "request" && l.error
    );
    assert.equal(failed.length, 6);
    assert.deepEqual(
      [...new Set(failed.map((r) => r.error.reason))].sort(),
      ["http_401", "http_500", "server_error"],
    );
    assert.ok(failed.every((r) => r.error.message.includes("[redacted]")), recordsText);
    JSON.parse(resultsText); // still valid JSON
  } finally {
    Deno.env.delete(env);
    await s.server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--endpoint with credentials and --api-key-env given a key: exit 2, the key never shown", async () => {
  for (
    const [args, shown] of [
      [["--endpoint", `http://user:${KEY}@127.0.0.1:9`], /http:\/\/\[redacted\]@127\.0\.0\.1:9/],
      [["--endpoint", `http://127.0.0.1:9/v1?api_key=${KEY}`], /\?api_key=\[redacted\]/],
      [["--endpoint", "http://127.0.0.1:9", "--api-key-env", KEY], /"sk-…\[redacted\]"/],
      [["--endpoint", "http://127.0.0.1:9", "--api-key-file", KEY], /"sk-…\[redacted\]"/],
    ] as const
  ) {
    const io = memoryIO();
    const code = await main(["run", ...args, "--model", "m", "--runs", "1", "--trials", "1"], io);
    assert.equal(code, EXIT.usage, `${args.join(" ")}: ${io.stderr}`);
    assert.match(io.stderr, shown);
    assert.doesNotMatch(io.stderr + io.stdout, KEY_BODY);
  }
});

Deno.test("--model the server does not serve: exit 2 naming both; --no-model-check sends it anyway", async () => {
  const s = echoingServer();
  try {
    const io = memoryIO();
    const base = ["run", "--endpoint", s.endpoint, "--runs", "1", "--warmup", "0", "--trials", "1"];
    assert.equal(await main([...base, "--model", "gpt-5"], io), EXIT.usage, io.stderr);
    assert.match(io.stderr, /serves 'm'.*--no-model-check.*got "gpt-5"/);
    assert.deepEqual(s.models, [], "no request was sent");
    const anyway = memoryIO();
    const code = await main([...base, "--model", "gpt-5", "--no-model-check"], anyway);
    assert.notEqual(code, EXIT.usage, anyway.stderr);
    assert.deepEqual(s.models, ["gpt-5"]);
  } finally {
    await s.server.shutdown();
  }
});
