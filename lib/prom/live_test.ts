import assert from "node:assert/strict";
import { benchmark } from "../runner/benchmark.ts";
import { PrometheusObserver } from "./live.ts";

/** `name{labels} value` lines of an exposition whose labels include every `want` pair, summed. */
function total(text: string, name: string, want: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    const m = line.match(/^([a-zA-Z0-9_:]+)\{(.*)\} (\S+)$/);
    if (!m || m[1] !== name) continue;
    const labels = Object.fromEntries(
      [...m[2].matchAll(/([a-zA-Z_]+)="([^"]*)"/g)].map((x) => [x[1], x[2]]),
    );
    if (Object.entries(want).every(([k, v]) => labels[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

Deno.test("live metrics count exactly what the results count, failures by reason included", async () => {
  const prom = new PrometheusObserver({ port: 0, labels: { branch: "main", "commit-sha": "abc" } });
  let text = "";
  let url: string | null = null;
  const results = await benchmark({
    backend: {
      type: "simulator",
      ttftMs: 3,
      itlMs: 1,
      faults: { http500: 0.2, drop: { probability: 0.2, afterTokens: 1 }, seed: 5 },
    },
    prompts: ["hello there"],
    concurrency: [2, 4],
    warmup: 2,
    runs: 30,
    trials: 2,
    records: false,
    sampling: { maxTokens: 6 },
    observers: [prom, {
      onRunStart: () => void (url = prom.url),
      onRunEnd: async () => void (text = await prom.metrics()),
    }],
  });
  assert.ok(url !== null && /^http:\/\/127\.0\.0\.1:\d+\/metrics$/.test(url), String(url));
  const doc = results.toJSON();
  for (const level of doc.levels) {
    const label = `c=${level.concurrency}`;
    for (const [t, trial] of level.trials.entries()) {
      const at = { level: label, trial: String(t) };
      assert.equal(
        total(text, "splleed_requests_completed_total", at),
        trial.metrics.requests_completed,
      );
      assert.equal(
        total(text, "splleed_output_tokens_total", at),
        trial.metrics.output_tokens_total,
      );
      assert.equal(total(text, "splleed_requests_failed_total", at), trial.metrics.requests_failed);
      for (const [reason, n] of Object.entries(trial.errors)) {
        assert.equal(total(text, "splleed_requests_failed_total", { ...at, reason }), n, reason);
      }
      assert.equal(
        total(text, "splleed_requests_started_total", at),
        trial.metrics.requests_completed + trial.metrics.requests_failed,
      );
      assert.equal(total(text, "splleed_requests_in_flight", at), 0);
      assert.equal(
        total(text, "splleed_e2e_seconds_count", at),
        trial.metrics.requests_completed,
      );
    }
    assert.equal(
      total(text, "splleed_requests_started_total", { level: label, trial: "warmup" }),
      2,
    );
  }
  assert.ok(Object.keys(doc.levels[0].errors).length > 0, "the faults made some requests fail");
  // the constant labels, the tag name made valid, and the run's engine and model
  assert.match(
    text,
    /splleed_run_info\{version="[^"]+",run_id="[^"]+",engine="simulator",model="[^"]+",branch="main",commit_sha="abc"\} 0/,
  );
  // the histogram's +Inf bucket equals its count
  assert.equal(
    total(text, "splleed_ttft_seconds_bucket", { level: "c=2", trial: "0", le: "+Inf" }),
    total(text, "splleed_ttft_seconds_count", { level: "c=2", trial: "0" }),
  );
  assert.equal(prom.url, null, "the server stops with the run");
  await assert.rejects(fetch(url!), "nothing listens after the run");
});

Deno.test("TTFT histogram buckets put the simulator's TTFT where it is", async () => {
  const prom = new PrometheusObserver({ port: 0 });
  let text = "";
  await benchmark({
    backend: { type: "simulator", ttftMs: 40, itlMs: 1 },
    prompts: ["hi"],
    concurrency: [1],
    warmup: 0,
    runs: 5,
    trials: 1,
    records: false,
    sampling: { maxTokens: 3 },
    observers: [prom, {
      onTrialEnd: async () => void (text = await (await fetch(prom.url!)).text()),
    }],
  });
  const at = { level: "c=1", trial: "0" };
  // 40 ms injected: none at or below 30 ms; all at or below 75 ms (35 ms of slack for a busy CI machine)
  assert.equal(total(text, "splleed_ttft_seconds_bucket", { ...at, le: "0.03" }), 0);
  assert.equal(total(text, "splleed_ttft_seconds_bucket", { ...at, le: "0.075" }), 5);
  const sum = total(text, "splleed_ttft_seconds_sum", at);
  assert.ok(sum >= 5 * 0.04 && sum < 5 * 0.075, `TTFT sum ${sum} s`);
});

Deno.test("a port in use is an error naming the port and --metrics-port", () => {
  const blocker = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = (blocker.addr as Deno.NetAddr).port;
    const prom = new PrometheusObserver({ port });
    assert.throws(
      () => prom.listen(),
      (err: Error) =>
        err.message.includes(`127.0.0.1:${port}`) && err.message.includes("in use") &&
        err.message.includes("--metrics-port"),
    );
    assert.equal(prom.url, null);
  } finally {
    blocker.close();
  }
});

Deno.test("bad ports and labels are refused with what was given", () => {
  assert.throws(() => new PrometheusObserver({ port: 70000 }), /0 to 65535.*got 70000/);
  assert.throws(
    () => new PrometheusObserver({ port: 0, labels: { engine: "x" } }),
    /must not set splleed's own labels.*got 'engine'/,
  );
  assert.throws(
    () => new PrometheusObserver({ port: 0, labels: { "a-b": "1", a_b: "2" } }),
    /'a-b' and 'a_b'.*'a_b'/,
  );
  assert.throws(() => new PrometheusObserver({ port: 0, labels: { __x: "1" } }), /got '__x'/);
});

Deno.test("only /metrics is served; close() is idempotent", async () => {
  const prom = new PrometheusObserver({ port: 0 });
  const url = prom.listen();
  assert.equal(prom.listen(), url);
  const other = await fetch(url.replace("/metrics", "/"));
  assert.equal(other.status, 404);
  await other.body?.cancel();
  const ok = await fetch(url);
  assert.match(ok.headers.get("content-type") ?? "", /text\/plain; version=0\.0\.4/);
  assert.match(await ok.text(), /# TYPE splleed_ttft_seconds histogram/);
  await prom.close();
  await prom.close();
  assert.equal(prom.url, null);
});

Deno.test("the run's end waits for Prometheus' next scrape (not another reader's), at most 1.5 intervals", async () => {
  const prom = new PrometheusObserver({ port: 0 });
  prom.onRunStart({ backend: { kind: "simulator", model: "m" }, clock: { originEpochMs: 0 } });
  const url = prom.url!;
  const scrape = async (asPrometheus: boolean) => {
    const r = await fetch(url, {
      headers: asPrometheus ? { "X-Prometheus-Scrape-Timeout-Seconds": "1" } : {},
    });
    await r.text();
  };
  // Prometheus 400 ms apart (so the end waits at most 600 ms); a curl in between
  await scrape(true);
  await new Promise((r) => setTimeout(r, 200));
  await scrape(false);
  await new Promise((r) => setTimeout(r, 200));
  await scrape(true);
  const t0 = performance.now();
  let endedAt = 0;
  const ended = prom.onRunEnd().then(() => void (endedAt = performance.now() - t0));
  await new Promise((r) => setTimeout(r, 50));
  await scrape(false); // not Prometheus: does not end the wait
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(endedAt, 0, "still waiting after another reader's scrape");
  await scrape(true);
  await ended;
  // ended by that scrape, well before the 600 ms limit
  assert.ok(endedAt >= 100 && endedAt < 500, `ended after ${endedAt} ms`);
  assert.equal(prom.url, null);

  // nobody scrapes: the end waits at most 1.5 × the 200 ms interval seen
  const quiet = new PrometheusObserver({ port: 0 });
  quiet.onRunStart({ backend: { kind: "simulator", model: "m" }, clock: { originEpochMs: 0 } });
  const q = async () => {
    const r = await fetch(quiet.url!, { headers: { "X-Prometheus-Scrape-Timeout-Seconds": "1" } });
    await r.text();
  };
  await q();
  await new Promise((r) => setTimeout(r, 200));
  await q();
  const t1 = performance.now();
  await quiet.onRunEnd();
  const waited = performance.now() - t1;
  assert.ok(waited >= 250 && waited < 800, `waited ${waited} ms (1.5 × ~200 ms)`);
});
