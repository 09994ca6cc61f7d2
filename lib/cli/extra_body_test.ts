/**
 * `--extra-body` through the command line (issue 18): shown in the plan,
 * merged over a config file's `sampling.extra`, refused with exit 2 when it
 * is not an object, and its secret-looking values in nothing the run writes.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { EXIT, main } from "./main.ts";
import { memoryIO } from "./memory_io.ts";

const SIM = ["run", "--backend", "simulator", "--ttft-ms", "1", "--itl-ms", "1"];

Deno.test("--extra-body (JSON or YAML) is in the --dry-run plan, as text and as JSON", async () => {
  const text = memoryIO();
  const body = '{"top_k": 20, "chat_template_kwargs": {"enable_thinking": false}}';
  assert.equal(await main([...SIM, "--dry-run", "--extra-body", body], text), EXIT.ok, text.stderr);
  assert.match(
    text.stdout,
    /^sampling {3}.*extra \{"top_k":20,"chat_template_kwargs":\{"enable_thinking":false\}\}$/m,
  );
  const json = memoryIO();
  assert.equal(
    await main(
      [...SIM, "--dry-run", "--json", "--extra-body", "{top_k: 20, min_tokens: 64}"],
      json,
    ),
    EXIT.ok,
    json.stderr,
  );
  assert.deepEqual(JSON.parse(json.stdout).sampling.extra, { top_k: 20, min_tokens: 64 });
});

Deno.test("--extra-body merges over a config file's sampling.extra", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const config = join(dir, "bench.yaml");
    await Deno.writeTextFile(
      config,
      "backend: { type: simulator, ttftMs: 1, itlMs: 1 }\nprompts: [hi]\n" +
        "sampling: { extra: { top_k: 20, seed: 1 } }\n",
    );
    const io = memoryIO();
    assert.equal(
      await main(["run", config, "--dry-run", "--json", "--extra-body", '{"top_k": 40}'], io),
      EXIT.ok,
      io.stderr,
    );
    assert.deepEqual(JSON.parse(io.stdout).sampling.extra, { top_k: 40, seed: 1 });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--extra-body that is not an object exits 2 naming the flag", async () => {
  for (const bad of ["[20]", "top_k=20", '{"top_k": 20', "42"]) {
    const io = memoryIO();
    assert.equal(await main([...SIM, "--dry-run", "--extra-body", bad], io), EXIT.usage, bad);
    assert.match(
      io.stderr,
      /error: Cannot start benchmark: '--extra-body' must be a JSON object or a YAML mapping/,
      bad,
    );
    assert.equal(io.stdout, "");
  }
  const nan = memoryIO();
  assert.equal(await main([...SIM, "--dry-run", "--extra-body", "{seed: .nan}"], nan), EXIT.usage);
  assert.match(nan.stderr, /'sampling\.extra\.seed' must be a JSON value .*, got NaN/);
});

Deno.test("a secret in --extra-body echoed by a failing server is in no output, record or result", async () => {
  const PLAIN = "cli-plain-secret-77120";
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
    if (new URL(req.url).pathname === "/v1/models") return Response.json({ data: [{ id: "m" }] });
    const body = await req.text();
    return new Response(`bad request: ${body}`, { status: 400 });
  });
  const dir = await Deno.makeTempDir();
  try {
    const out = join(dir, "r.json");
    const records = join(dir, "records.jsonl");
    const io = memoryIO();
    const code = await main([
      "run",
      "--endpoint",
      `http://127.0.0.1:${server.addr.port}`,
      "--model",
      "m",
      "--runs",
      "2",
      "--warmup",
      "0",
      "--trials",
      "1",
      "--concurrency",
      "1",
      "--extra-body",
      JSON.stringify({ vendor: { provider_api_key: PLAIN }, top_k: 3 }),
      "--out",
      out,
      "--records",
      records,
    ], io);
    assert.equal(code, EXIT.failure, io.stderr);
    const written = [io.stdout, io.stderr, await Deno.readTextFile(records)];
    written.push(await Deno.readTextFile(out));
    // The server did echo the body: the records hold its message, with the value replaced.
    assert.match(written[2], /bad request: .*provider_api_key\\":\\"\[redacted\]\\".*top_k\\":3/);
    for (const w of written) assert.ok(!w.includes(PLAIN), w.slice(0, 300));
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
