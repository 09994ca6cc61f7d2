/**
 * How `benchmark()` and `splleed run` wire the live metrics and the
 * Pushgateway (no Prometheus needed: tests/prometheus_test.ts has the real
 * one): a port in use fails before the engine is touched, a failed push is a
 * warning in the results, and the tag names the config refuses are exactly
 * splleed's own labels.
 */

import assert from "node:assert/strict";
import { RESERVED_TAG_NAMES } from "../lib/config/benchmark.ts";
import { LIVE_LABELS } from "../lib/prom/live.ts";
import { PUSH_LABELS } from "../lib/prom/push.ts";
import { simulator } from "../lib/backends/simulator.ts";
import { benchmark } from "../lib/runner/benchmark.ts";
import { runCli } from "./_helpers.ts";
import { freePort } from "./_prometheus.ts";

const spec = {
  backend: simulator({ ttftMs: 2, itlMs: 1 }),
  prompts: ["hello"],
  concurrency: [1],
  warmup: 0,
  runs: 2,
  trials: 1,
  sampling: { maxTokens: 3 },
  records: false as const,
};

Deno.test("a metrics port in use fails the run before the engine is connected; the CLI says which option", async () => {
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (busy.addr as Deno.NetAddr).port;
  try {
    let connected = 0;
    await assert.rejects(
      benchmark({
        ...spec,
        prometheus: { port },
        onEvent: (e) => {
          if (e.type === "connected") connected++;
        },
      }),
      new RegExp(`127\\.0\\.0\\.1:${port}.*--metrics-port`, "s"),
    );
    assert.equal(connected, 0);
    const r = await runCli([
      "run",
      "--backend",
      "simulator",
      "--runs",
      "1",
      "--trials",
      "1",
      "-q",
      "--metrics-port",
      String(port),
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /--metrics-port/);
  } finally {
    busy.close();
  }
});

Deno.test("live metrics are served during the run and stop with it; a failed push is a warning, the results kept", async () => {
  // A Pushgateway that answers 500: the run still returns its results, and says so.
  const gateway = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => new Response("storage full", { status: 500 }),
  );
  let seen = "";
  const port = freePort();
  try {
    const results = await benchmark({
      ...spec,
      prometheus: { port },
      pushgateway: { url: `http://127.0.0.1:${gateway.addr.port}`, job: "nightly" },
      tags: { branch: "main" },
      observers: [{
        onTrialEnd: async () => {
          seen = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        },
      }],
    });
    assert.match(seen, /splleed_requests_completed_total\{[^}]*branch="main"/);
    await assert.rejects(fetch(`http://127.0.0.1:${port}/metrics`), "stopped with the run");
    const doc = results.toJSON();
    assert.equal(doc.levels[0].summary.requests_completed.value, 2);
    const push = doc.warnings.find((w) => /not pushed/.test(w));
    assert.ok(push, JSON.stringify(doc.warnings));
    assert.match(push, /500/);
    assert.match(push, new RegExp(`127\\.0\\.0\\.1:${gateway.addr.port}`));
  } finally {
    await gateway.shutdown();
  }
});

Deno.test("the tag names the config refuses cover every label splleed sets", () => {
  for (const l of [...LIVE_LABELS, ...PUSH_LABELS]) {
    assert.ok(
      RESERVED_TAG_NAMES.includes(l),
      `'${l}' is a label splleed sets but a tag may use it`,
    );
  }
});
