/**
 * Live metrics and the pushed summary against the real Prometheus and
 * Pushgateway (Debian's `prometheus` and `prometheus-pushgateway`; paths
 * overridden by SPLLEED_PROMETHEUS, SPLLEED_PUSHGATEWAY, SPLLEED_PROMTOOL).
 * Prometheus scrapes splleed's `/metrics` and the Pushgateway every second;
 * PromQL must return the numbers the results document holds, `promtool`
 * must accept the exposition, and every PromQL expression of the Grafana
 * dashboard must return data.
 */

import assert from "node:assert/strict";
import { benchmark } from "../lib/runner/benchmark.ts";
import type { ResultsDocument } from "../lib/results/document.ts";
import {
  findBinary,
  freePort,
  promQuery,
  type Server,
  startPrometheus,
  startPushgateway,
  waitFor,
  waitForTargets,
} from "./_prometheus.ts";

const PROMETHEUS = findBinary("SPLLEED_PROMETHEUS", "prometheus");
const PUSHGATEWAY = findBinary("SPLLEED_PUSHGATEWAY", "prometheus-pushgateway");
const PROMTOOL = findBinary("SPLLEED_PROMTOOL", "promtool");
const MISSING = [
  PROMETHEUS ? "" : "prometheus (SPLLEED_PROMETHEUS)",
  PUSHGATEWAY ? "" : "prometheus-pushgateway (SPLLEED_PUSHGATEWAY)",
  PROMTOOL ? "" : "promtool (SPLLEED_PROMTOOL)",
].filter(Boolean);
const SKIP = MISSING.length > 0
  ? ` (skipped: not installed: ${
    MISSING.join(", ")
  }; apt-get install prometheus prometheus-pushgateway)`
  : "";

const DASHBOARD = new URL("../dashboards/splleed.json", import.meta.url);

/** Every `expr` string in a JSON value. */
function exprs(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) { for (const x of v) exprs(x, out); }
  else if (v !== null && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) {
      if (k === "expr" && typeof x === "string") out.push(x);
      else exprs(x, out);
    }
  }
  return out;
}

/** A dashboard expression as Grafana would send it, with every variable set to "all". */
function substitute(expr: string): string {
  return expr
    .replaceAll("$__rate_interval", "5s")
    .replaceAll("$__interval", "1s")
    .replace(/\$\{[a-zA-Z_]+\}|\$[a-zA-Z_]+/g, ".*");
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

Deno.test({
  name:
    `Prometheus scrapes the live metrics and the pushed summary; PromQL returns the results' numbers${SKIP}`,
  ignore: MISSING.length > 0,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "splleed-prom-" });
    const metricsPort = freePort();
    const servers: Server[] = [];
    try {
      const gateway = await startPushgateway(PUSHGATEWAY!);
      servers.push(gateway);
      const prom = await startPrometheus(PROMETHEUS!, dir, {
        splleed: { target: `127.0.0.1:${metricsPort}` },
        pushgateway: { target: gateway.url.replace("http://", ""), honorLabels: true },
      });
      servers.push(prom);
      await waitForTargets(prom.url, 2);
      const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
      let exposition = "";
      let scrapesDuringRun = 0;
      const startS = Date.now() / 1000;
      // ~4.5 s at a fixed load: ≥ 3 scrapes at 1 s. 10 % HTTP 500s so that failures show.
      // Everything through the spec, as `splleed run --metrics-port --pushgateway --tag` does.
      const results = await benchmark({
        prometheus: { port: metricsPort },
        pushgateway: gateway.url,
        tags: { branch: "test" },
        backend: {
          type: "simulator",
          ttftMs: 20,
          itlMs: 5,
          faults: { http500: 0.1, seed: 4 },
        },
        prompts: ["Tell me about Prometheus", "hello"],
        concurrency: [4],
        warmup: 2,
        runs: 70,
        trials: 2,
        records: false,
        sampling: { maxTokens: 20 },
        observers: [{
          onTrialEnd: async () => {
            const r = await fetch(metricsUrl);
            exposition = await r.text();
            const up = await promQuery(prom.url, `up{job="splleed"} == 1`);
            if (up.length > 0) scrapesDuringRun++;
          },
        }],
      });
      const doc: ResultsDocument = results.toJSON();
      const level = doc.levels[0];
      // The live series and the pushed summary share the run id: the document's start.
      const runId = doc.startedAt;
      assert.deepEqual(doc.warnings.filter((w) => /push/.test(w)), [], "the push went through");
      await assert.rejects(fetch(metricsUrl), "the exporter stopped with the run");
      const targets = await (await fetch(`${prom.url}/api/v1/targets`)).json();
      assert.ok(
        scrapesDuringRun > 0,
        `Prometheus was scraping splleed during the run (run took ${
          Date.now() / 1000 - startS
        } s): ` +
          JSON.stringify(doc.warnings) +
          JSON.stringify(
            targets.data.activeTargets.map((
              x: Record<string, unknown>,
            ) => [x.scrapeUrl, x.health, x.lastError]),
          ),
      );

      await t.step("the counters in Prometheus equal the results' counts", async () => {
        const q = async (expr: string) =>
          (await promQuery(prom.url, expr)).map((s) => ({
            labels: s.metric,
            v: Number(s.value![1]),
          }));
        // max_over_time: the target is gone now; the last scraped value (taken after the run's end) counts.
        const sel = `run_id="${runId}",trial!="warmup"`;
        const samples = await promQuery(
          prom.url,
          `count_over_time(splleed_requests_completed_total{${sel},trial="0"}[1m])`,
        );
        assert.ok(Number(samples[0].value![1]) >= 3, `scrapes seen: ${samples[0].value![1]}`);
        const completed = await q(
          `sum(max_over_time(splleed_requests_completed_total{${sel}}[1m]))`,
        );
        assert.equal(
          completed[0].v,
          sum(level.trials.map((tr) => tr.metrics.requests_completed)),
        );
        const tokens = await q(`sum(max_over_time(splleed_output_tokens_total{${sel}}[1m]))`);
        assert.equal(tokens[0].v, sum(level.trials.map((tr) => tr.metrics.output_tokens_total)));
        const failed = await q(
          `sum by (reason) (max_over_time(splleed_requests_failed_total{${sel}}[1m]))`,
        );
        const byReason = Object.fromEntries(failed.map((f) => [f.labels.reason, f.v]));
        assert.deepEqual(byReason, level.errors);
        assert.ok((level.errors.http_500 ?? 0) > 0, "the simulator's 500s were counted");
        const labels = (await promQuery(prom.url, `splleed_run_info{run_id="${runId}"}`))[0]
          ?.metric ??
          (await promQuery(prom.url, `last_over_time(splleed_run_info{run_id="${runId}"}[1m])`))[0]
            .metric;
        assert.equal(labels.engine, "simulator");
        assert.equal(labels.branch, "test");
      });

      await t.step("promtool check metrics accepts the exposition", async () => {
        assert.match(exposition, /splleed_ttft_seconds_bucket/);
        const child = new Deno.Command(PROMTOOL!, {
          args: ["check", "metrics"],
          stdin: "piped",
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        const w = child.stdin.getWriter();
        await w.write(new TextEncoder().encode(exposition));
        await w.close();
        const out = await child.output();
        const dec = new TextDecoder();
        assert.equal(
          out.code,
          0,
          `promtool: ${dec.decode(out.stdout)}${dec.decode(out.stderr)}`,
        );
      });

      await t.step(
        "the pushed summary reaches Prometheus with the document's p50 TTFT",
        async () => {
          const expected = level.summary.ttft_p50_ms.value / 1000;
          const got = await waitFor("the pushed p50 TTFT in Prometheus", async () => {
            const r = await promQuery(
              prom.url,
              `splleed_summary_ttft_p50_seconds{run_id="${runId}",level="c=4",job="splleed"}`,
            );
            return r.length > 0 ? r : undefined;
          });
          assert.equal(got.length, 1);
          assert.equal(got[0].metric.concurrency, "4");
          assert.equal(got[0].metric.engine, "simulator");
          assert.equal(got[0].metric.branch, "test");
          const v = Number(got[0].value![1]);
          assert.ok(Math.abs(v - expected) <= 1e-12 * expected, `${v} vs ${expected}`);
          // the simulator's 20 ms TTFT, give or take a busy machine
          assert.ok(v >= 0.02 && v < 0.2, `p50 TTFT ${v} s`);
        },
      );

      await t.step("every PromQL expression of the dashboard returns data", async () => {
        const dashboard = JSON.parse(await Deno.readTextFile(DASHBOARD));
        const all = exprs(dashboard);
        assert.ok(all.length >= 10, `${all.length} expressions`);
        // the end a little ahead: the pushed series may be younger than the last 1 s step before now
        const range = { start: startS - 5, end: Date.now() / 1000 + 2, step: "1s" };
        const empty: string[] = [];
        for (const e of all) {
          const r = await promQuery(prom.url, substitute(e), range);
          if (!r.some((s) => (s.values ?? []).length > 0)) empty.push(e);
        }
        assert.deepEqual(empty, [], "expressions without data");
      });
    } finally {
      for (const s of servers.reverse()) await s.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
