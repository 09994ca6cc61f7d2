import assert from "node:assert/strict";
import { simulator } from "../backends/simulator.ts";
import { vllm } from "../backends/vllm.ts";
import { ConfigError } from "../config/errors.ts";
import { planRun } from "./plan.ts";

Deno.test("planRun: serve levels say their arrivals in words and numbers; nothing is contacted", async () => {
  const plan = await planRun({
    // Nothing listens on this port: planning must not try it.
    backend: { type: "openai", endpoint: "http://127.0.0.1:9", model: "m" },
    prompts: ["a", "b", "c"],
    mode: "serve",
    requestRates: [2, Infinity],
    arrival: "gamma",
    burstiness: 0.5,
    maxConcurrency: 8,
    runs: 50,
    trials: 2,
    warmup: 3,
    out: "/tmp/x/res.json",
  });
  assert.equal(plan.mode, "serve");
  assert.deepEqual(plan.levels.map((l) => l.label), ["r=2/s", "r=inf"]);
  assert.deepEqual(plan.levels[0].load, {
    kind: "open",
    rate: 2,
    arrival: "gamma",
    burstiness: 0.5,
    rampUpS: 0,
    maxConcurrency: 8,
  });
  assert.equal(
    plan.levels[0].description,
    "open loop, gamma (burstiness 0.5) arrivals at 2 req/s, at most 8 in flight",
  );
  assert.equal(plan.levels[1].requestRate, "inf");
  assert.equal(plan.levels[0].warmupRequests, 3);
  assert.equal(plan.totalRequests, 2 * 2 * 50);
  assert.equal(plan.records, "/tmp/x/res.records.jsonl");
  assert.equal(plan.workload.requests, 3);
  assert.equal(plan.backend.managed, false);
  // The plan is plain data: it survives JSON.
  assert.deepEqual(JSON.parse(JSON.stringify(plan)), plan);
});

Deno.test("planRun: a managed engine shows its command line; a sweep has no fixed levels", async () => {
  const managed = await planRun({
    backend: vllm({ model: "Qwen/Qwen2.5-0.5B-Instruct", tensorParallel: 2 }),
    prompts: ["a"],
    concurrency: [1, 64],
    runs: 8,
    records: false,
  });
  assert.equal(managed.backend.managed, true);
  assert.deepEqual(managed.backend.command, [
    "vllm",
    "serve",
    "Qwen/Qwen2.5-0.5B-Instruct",
    "--tensor-parallel-size",
    "2",
  ]);
  assert.equal(managed.records, null);
  assert.equal(managed.warnings.length, 1);
  assert.match(managed.warnings[0], /concurrency 64 exceeds runs \(8\)/);

  const sweep = await planRun({
    backend: simulator({ profile: "small" }),
    prompts: ["a"],
    sweep: { find: "max-concurrency", slo: { tpotMs: 8 } },
  });
  assert.deepEqual(sweep.levels, []);
  assert.equal(sweep.sweep?.find, "max-concurrency");
  assert.equal(sweep.totalRequests, null);
  assert.equal(sweep.records, "temp");
});

Deno.test("planRun: invalid options fail the same way benchmark() does", async () => {
  await assert.rejects(
    () => planRun({ backend: simulator({ ttftMs: 1, itlMs: 1 }), prompts: ["a"], runs: 0 }),
    /'runs' must be/,
  );
});

Deno.test("planRun() refuses what the run would refuse before its first request: an unusable out", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const base = { backend: simulator({ ttftMs: 1, itlMs: 1 }), prompts: ["a"], runs: 2 };
    await assert.rejects(
      () => planRun({ ...base, out: `${dir}/r.yaml` }),
      (e: unknown) => e instanceof ConfigError && /'out' must be .*\.json/.test(e.message),
    );
    await assert.rejects(
      () => planRun({ ...base, out: `${dir}/r.json`, records: `${dir}/r.json` }),
      ConfigError,
    );
    const plan = await planRun({ ...base, out: `${dir}/r.json` });
    assert.equal(plan.records, `${dir}/r.records.jsonl`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("planRun: tags, history, live metrics and Pushgateway are in the plan and its text", async () => {
  const { renderPlan } = await import("../report/plan.ts");
  const base = {
    backend: simulator({ ttftMs: 1, itlMs: 1 }),
    prompts: ["a"],
    records: false as const,
  };
  assert.equal((await planRun(base)).publish, undefined);
  const plan = await planRun({
    ...base,
    tags: { branch: "main" },
    history: { db: "/tmp/h.db", tags: { commit: "abc" } },
    prometheus: { port: 0 },
    pushgateway: { url: "http://127.0.0.1:9091", job: "ci" },
  });
  assert.deepEqual(plan.publish, {
    tags: { branch: "main", commit: "abc" },
    history: "/tmp/h.db",
    metrics: "127.0.0.1:0",
    pushgateway: "http://127.0.0.1:9091",
  });
  const text = renderPlan(plan);
  assert.match(text, /^tags {7}branch=main commit=abc$/m);
  assert.match(text, /^history {4}\/tmp\/h\.db \(added when the run ends\)$/m);
  assert.match(text, /^metrics {4}live Prometheus metrics on 127\.0\.0\.1, on a free port/m);
  assert.match(text, /^push {7}level summaries to http:\/\/127\.0\.0\.1:9091 when the run ends$/m);
});
