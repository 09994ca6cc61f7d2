import assert from "node:assert/strict";
import { ConfigError } from "../config/errors.ts";
import { startSimulatorWorker } from "./in_process.ts";

async function complete(url: string, maxTokens: number): Promise<number> {
  const r = await fetch(`${url}/v1/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "splleed-sim", prompt: "hello", max_tokens: maxTokens }),
  });
  await r.body?.cancel();
  return r.status;
}

// What a `{ kind: "simulator" }` launch gives the runner: a URL, counters
// that agree with what was served, and a stop that ends it.
Deno.test("a simulator worker serves, counts what it injected, and stops", async () => {
  const sim = await startSimulatorWorker({
    ttftMs: 1,
    itlMs: 1,
    faults: { http500: 0.5, seed: 7 },
  });
  let stopped = false;
  try {
    assert.match(sim.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push(await complete(sim.url, 3));
    const s = await sim.stats();
    assert.equal(s.requests, 20);
    const failed = statuses.filter((x) => x === 500).length;
    assert.ok(failed > 0 && failed < 20, `statuses: ${statuses}`);
    assert.equal(s.faults.http500, failed);
    assert.equal(s.completed, 20 - failed);
    assert.equal(s.outputTokens, 3 * (20 - failed));

    await sim.stop();
    stopped = true;
    await sim.stop(); // idempotent
    await assert.rejects(sim.stats(), /simulator stopped/);
    await assert.rejects(fetch(`${sim.url}/health`), TypeError, "nothing listens after stop()");
  } finally {
    if (!stopped) await sim.stop();
  }
});

Deno.test("invalid simulator options fail before a worker starts, naming the option", async () => {
  await assert.rejects(
    startSimulatorWorker({ ttftMs: 1, itlMs: 1, profile: "small" }),
    (e: unknown) => e instanceof ConfigError && /profile/.test(e.message),
  );
  await assert.rejects(
    startSimulatorWorker({ profile: "huge" }),
    (e: unknown) => e instanceof ConfigError && /"small"/.test(e.message),
  );
});

Deno.test("a port in use fails the start with the worker's error", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = (l.addr as Deno.NetAddr).port;
    await assert.rejects(
      startSimulatorWorker({ ttftMs: 1, itlMs: 1, port }),
      (e: unknown) => e instanceof Error && /^simulator: /.test(e.message),
    );
  } finally {
    l.close();
  }
});
