import assert from "node:assert/strict";
import { startSimulatorWorker } from "./in_process.ts";

/** Time from sending a completion to its first streamed bytes, ms. */
async function ttft(url: string): Promise<number> {
  const t0 = performance.now();
  const r = await fetch(`${url}/v1/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ prompt: "hello", max_tokens: 2, stream: true }),
  });
  const reader = r.body!.getReader();
  await reader.read();
  const t = performance.now() - t0;
  await reader.cancel();
  return t;
}

// Two simulators on worker threads (each with its own monotonic clock
// origin) given one `sinceEpochMs` drift together: 2 s of uptime at
// +100 %/s triples a 20 ms TTFT to 60 ms. Measured through HTTP: never
// below the drifted value (minus 1 ms for the epoch-to-monotonic conversion
// and the clock read), and the best of three within 15 ms above it (loopback
// HTTP on a busy 2-core machine; without the drift it would be 20 ms).
Deno.test("simulator drift: sinceEpochMs sets the uptime origin, across workers", async () => {
  const since = Date.now() - 2000;
  const options = { ttftMs: 20, itlMs: 1, drift: { ttftPerS: 1, sinceEpochMs: since } };
  const sims = await Promise.all([startSimulatorWorker(options), startSimulatorWorker(options)]);
  try {
    for (const sim of sims) {
      const times: number[] = [];
      const due: number[] = [];
      for (let i = 0; i < 3; i++) {
        due.push(20 * (1 + (Date.now() - since) / 1000));
        times.push(await ttft(sim.url));
      }
      times.forEach((t, i) => assert.ok(t >= due[i] - 1, `TTFT ${t} < ${due[i]}`));
      const best = Math.min(...times.map((t, i) => t - due[i]));
      assert.ok(best <= 15, `TTFTs ${times} vs due ${due}`);
    }
  } finally {
    await Promise.all(sims.map((s) => s.stop()));
  }
});
