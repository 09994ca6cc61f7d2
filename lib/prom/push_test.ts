import assert from "node:assert/strict";
import { fixtureDocument } from "../results/fixtures.ts";
import { pushSummary, summaryGauges } from "./push.ts";

const doc = fixtureDocument([
  {
    mode: "serve",
    concurrency: 0,
    requestRate: 8,
    trials: [],
    errors: {},
    summary: {
      ttft_p99_ms: { value: 250, ci: [240, 260], trials: [240, 260] },
      itl_p50_ms: { value: NaN, ci: null, trials: [null] },
      throughput_tokens_per_sec: { value: 900, ci: null, trials: [900] },
      goodput_ratio: { value: 0.75, ci: null, trials: [0.75] },
    },
  } as never,
]);

Deno.test("summaryGauges: seconds, rate label for serve levels, non-finite values left out", () => {
  const g = summaryGauges(doc, { runId: "nightly-42" });
  const by = Object.fromEntries(g.map((x) => [x.name, x]));
  assert.equal(by.splleed_summary_ttft_p99_seconds.value, 0.25);
  assert.equal(by.splleed_summary_ttft_p99_seconds.labels.rate, "8");
  assert.equal(by.splleed_summary_ttft_p99_seconds.labels.level, "r=8/s");
  assert.equal(by.splleed_summary_ttft_p99_seconds.labels.concurrency, undefined);
  assert.equal(by.splleed_summary_ttft_p99_seconds.labels.run_id, "nightly-42");
  assert.equal(by.splleed_summary_output_tokens_per_second.value, 900);
  assert.equal(by.splleed_summary_goodput_ratio.value, 0.75);
  assert.equal(by.splleed_summary_itl_p50_seconds, undefined);
  assert.equal(by.splleed_summary_run_start_time_seconds.value, Date.parse(doc.startedAt) / 1000);
});

Deno.test("pushSummary PUTs to /metrics/job/<job>/run_id/<id>; a refused push names URL and status", async () => {
  const seen: { method: string; path: string; body: string }[] = [];
  let status = 200;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    seen.push({ method: req.method, path: new URL(req.url).pathname, body: await req.text() });
    return new Response(status === 200 ? "" : "no space left", { status });
  });
  const url = `http://127.0.0.1:${server.addr.port}`;
  try {
    await pushSummary(doc, { url, job: "nightly", runId: "r1", labels: { branch: "main" } });
    assert.equal(seen[0].method, "PUT");
    assert.equal(seen[0].path, "/metrics/job/nightly/run_id/r1");
    assert.match(
      seen[0].body,
      /splleed_summary_ttft_p99_seconds\{(?=[^}]*level="r=8\/s")(?=[^}]*branch="main")[^}]*\} 0\.25/,
    );
    status = 500;
    await assert.rejects(
      pushSummary(doc, { url }),
      (err: Error) =>
        err.message.includes(`Pushgateway at ${url}`) && err.message.includes("500") &&
        err.message.includes("no space left"),
    );
  } finally {
    await server.shutdown();
  }
});

Deno.test("pushSummary refuses a URL that is not one, and a tag named like splleed's labels", async () => {
  await assert.rejects(
    pushSummary(doc, { url: "pushgateway:9091x" }),
    /absolute http\(s\) URL, got 'pushgateway:9091x'/,
  );
  await assert.rejects(
    pushSummary(doc, { url: "http://127.0.0.1:1", labels: { level: "x" } }),
    /must not set splleed's own labels.*got 'level'/,
  );
});
