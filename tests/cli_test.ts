/**
 * The command line end to end, as a subprocess: exit codes, config errors,
 * `--json`, connect mode against a separately started simulator, files
 * written, and the demo.
 */

import assert from "node:assert/strict";
import {
  EMBEDDINGS_ONLY_METRICS,
  METRIC_IDS,
  OPEN_LOOP_ONLY_METRICS,
  STRUCTURED_ONLY_METRICS,
  TELEMETRY_METRICS,
} from "../lib/metrics/ids.ts";
import { firstLine, readRecords, runCli, spawnCli } from "./_helpers.ts";

Deno.test("a bad value in a YAML config names the field and exits 2, before any request", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/bad.yaml`,
      "backend:\n  type: simulator\n  ttftMs: 10\n  itlMs: 1\nprompts: [hi]\nconcurrency: [0, 4]\n",
    );
    const r = await runCli(["run", `${dir}/bad.yaml`, "--records", `${dir}/r.jsonl`]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /'concurrency\[0\]' must be a positive integer, got 0/);
    assert.equal(r.stdout, "");
    await assert.rejects(Deno.stat(`${dir}/r.jsonl`), "no records file: nothing ran");

    await Deno.writeTextFile(
      `${dir}/typo.yaml`,
      "backend: {type: simulator}\nprompts: [hi]\nconcurency: [1]\n",
    );
    const typo = await runCli(["run", `${dir}/typo.yaml`]);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /'concurency' must be absent \(it is not a known field/);

    await Deno.writeTextFile(`${dir}/broken.yaml`, "backend: [unclosed\n");
    const broken = await runCli(["run", `${dir}/broken.yaml`]);
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /valid YAML/);

    const missing = await runCli(["run", `${dir}/nope.yaml`]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.yaml/);

    const flag = await runCli(["run", "--backend", "simulator", "--trials", "0"]);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /'trials' must be a positive integer, got 0/);

    const unknown = await runCli(["run", "--concurrenzy", "4"]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown option '--concurrenzy'/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("run --json prints only the results JSON on stdout; --out writes CSV with records beside it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/prompts.jsonl`, '{"prompt": "first"}\n{"prompt": "second"}\n');
    const r = await runCli([
      "run",
      "--backend",
      "simulator",
      "--ttft-ms",
      "5",
      "--itl-ms",
      "1",
      "--prompts",
      `${dir}/prompts.jsonl`,
      "--concurrency",
      "1,2",
      "--runs",
      "4",
      "--trials",
      "2",
      "--max-tokens",
      "5",
      "--slo",
      "ttft_ms=1000",
      "--out",
      `${dir}/results.csv`,
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.schemaVersion, 1);
    assert.equal(doc.levels.length, 2);
    assert.equal(doc.config.workload.count, 2);
    assert.equal(doc.levels[1].summary.goodput_ratio.value, 1);
    assert.match(r.stderr, /trial 2\/2/);
    const csv = await Deno.readTextFile(`${dir}/results.csv`);
    assert.equal(csv.trim().split("\n").length, 3);
    const { requests } = await readRecords(`${dir}/results.records.jsonl`);
    // 2 levels × (one warm-up request per connection + 2 trials × 4 runs): (1 + 8) + (2 + 8)
    assert.equal(requests.length, 19);
    assert.equal(requests.filter((q) => q.phase === "warmup").length, 3);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("connect mode: benchmark a simulator started as its own server (`sim`), through the vllm backend", async () => {
  const sim = spawnCli([
    "sim",
    "--port",
    "0",
    "--ttft-ms",
    "10",
    "--itl-ms",
    "2",
    "--model",
    "my-model",
  ]);
  try {
    const url = await firstLine(sim);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const dir = await Deno.makeTempDir();
    const r = await runCli([
      "run",
      "--backend",
      "vllm",
      "--endpoint",
      `${url}/v1`,
      "--api",
      "chat",
      "--concurrency",
      "2",
      "--runs",
      "4",
      "--trials",
      "1",
      "--max-tokens",
      "3",
      "--out",
      `${dir}/out.json`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /│ TTFT p50 \(ms\) +│/);
    const doc = JSON.parse(await Deno.readTextFile(`${dir}/out.json`));
    assert.equal(doc.backend.kind, "vllm");
    assert.equal(doc.backend.model, "my-model", "model resolved from /v1/models");
    assert.equal(doc.backend.api, "chat");
    assert.equal(doc.backend.info.serverVersion, "splleed-sim 1", "vLLM /version recorded");
    assert.equal(doc.levels[0].summary.requests_completed.value, 4);
    await Deno.remove(dir, { recursive: true });
  } finally {
    sim.kill("SIGINT");
    const status = await sim.status;
    await sim.stderr.cancel();
    await sim.stdout.cancel().catch(() => {});
    assert.equal(status.code, 0, "sim exits cleanly on SIGINT");
  }
});

Deno.test("an API key never appears in results, records or output", async () => {
  const sim = spawnCli(["sim", "--port", "0", "--ttft-ms", "1", "--itl-ms", "1"]);
  try {
    const url = await firstLine(sim);
    const dir = await Deno.makeTempDir();
    await Deno.writeTextFile(
      `${dir}/c.yaml`,
      `backend:\n  type: openai\n  endpoint: ${url}\n  apiKey: sk-SECRET-123\n  headers: {X-Api-Key: SECRET-456, X-Trace: visible}\nprompts: [hi]\nruns: 2\ntrials: 1\nout: ${dir}/r.json\n`,
    );
    const r = await runCli(["run", `${dir}/c.yaml`, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    for (
      const text of [
        r.stdout,
        r.stderr,
        await Deno.readTextFile(`${dir}/r.json`),
        await Deno.readTextFile(`${dir}/r.records.jsonl`),
      ]
    ) {
      assert.doesNotMatch(text, /SECRET/);
    }
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.config.backend.apiKey, "[redacted]");
    assert.equal(doc.config.backend.headers["X-Api-Key"], "[redacted]");
    assert.equal(doc.config.backend.headers["X-Trace"], "visible");
    await Deno.remove(dir, { recursive: true });
  } finally {
    sim.kill("SIGINT");
    await sim.status;
    await sim.stderr.cancel();
    await sim.stdout.cancel().catch(() => {});
  }
});

Deno.test("demo writes results.json, results.csv, records.jsonl and report.html and prints the headline table", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await runCli(["demo", "--out-dir", `${dir}/demo`, "--runs", "8", "--trials", "2"]);
    assert.equal(r.code, 0, r.stderr);
    // The rows a newcomer reads first, with labels and units; no metric ids.
    const rows = r.stdout.split("\n").filter((l) => l.startsWith("│")).map((l) =>
      l.split("│")[1].trim()
    );
    assert.deepEqual(rows, [
      "Metric",
      "TTFT p50 (ms)",
      "TTFT p99 (ms)",
      "ITL p50 (ms)",
      "ITL p99 (ms)",
      "TPOT mean (ms)",
      "E2E p50 (ms)",
      "E2E p99 (ms)",
      "Request throughput (req/s)",
      "Throughput (tok/s)",
      "Goodput (req/s)",
    ]);
    assert.doesNotMatch(r.stdout, /_ms\b|± 0(?![.\d])/);
    for (const c of [1, 4, 16, 64]) assert.match(r.stdout, new RegExp(`c=${c}\\b`));
    const doc = JSON.parse(await Deno.readTextFile(`${dir}/demo/results.json`));
    assert.deepEqual(doc.levels.map((l: { concurrency: number }) => l.concurrency), [1, 4, 16, 64]);
    assert.equal(doc.recordsFile, `${dir}/demo/records.jsonl`);
    const csv = await Deno.readTextFile(`${dir}/demo/results.csv`);
    assert.equal(csv.trim().split("\n").length, 5);
    const { requests } = await readRecords(`${dir}/demo/records.jsonl`);
    assert.equal(requests.length, 4 * (4 + 2 * 8));
    // The HTML report: one self-contained file (the browser test checks that it draws).
    const html = await Deno.readTextFile(`${dir}/demo/report.html`);
    assert.match(html, /^<!doctype html>/i);
    assert.match(html, /uPlot/);
    assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href="http/i);

    // Every metric the run measured, read back by splleed report --all-metrics.
    const all = await runCli(["report", `${dir}/demo/results.json`, "--all-metrics"]);
    assert.equal(all.code, 0, all.stderr);
    // Telemetry metrics exist only when GPU or engine metrics were sampled.
    const modeSpecific: readonly string[] = [
      ...EMBEDDINGS_ONLY_METRICS,
      ...OPEN_LOOP_ONLY_METRICS,
      ...STRUCTURED_ONLY_METRICS,
      ...TELEMETRY_METRICS,
    ];
    for (const id of METRIC_IDS.filter((m) => !modeSpecific.includes(m))) {
      assert.match(all.stdout, new RegExp(`│ ${id} `), `table lacks ${id}`);
    }
    // And as Markdown for a pull request.
    const md = await runCli(["report", `${dir}/demo/results.json`, "--markdown"]);
    assert.equal(md.code, 0, md.stderr);
    assert.match(
      md.stdout,
      /\n\| Metric \| c=1 \| c=4 \| c=16 \| c=64 \|\n\| :-- \| --: \| --: \| --: \| --: \|\n/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("run --metrics: the rows asked for; an unknown id exits 2 before anything runs", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const args = [
      "run",
      "--backend",
      "simulator",
      "--ttft-ms",
      "1",
      "--itl-ms",
      "1",
      "--runs",
      "2",
    ];
    const bad = await runCli([
      ...args,
      "--trials",
      "1",
      "--metrics",
      "ttft_p50_ms,tftt_p99_ms",
      "--records",
      `${dir}/r.jsonl`,
    ]);
    assert.equal(bad.code, 2);
    assert.match(
      bad.stderr,
      /'--metrics' must be metric ids splleed produces .*got the unknown id 'tftt_p99_ms'/,
    );
    assert.equal(bad.stdout, "");
    await assert.rejects(Deno.stat(`${dir}/r.jsonl`), "no records file: nothing ran");

    await Deno.writeTextFile(
      `${dir}/run.yaml`,
      "backend: { type: simulator, ttftMs: 1, itlMs: 1 }\nprompts: [hi]\nruns: 2\ntrials: 2\nwarmup: 0\n" +
        "table: { metrics: [requests_completed, ttft_p50_ms] }\n",
    );
    const ok = await runCli(["run", `${dir}/run.yaml`, "--quiet", "--out", `${dir}/r.json`]);
    assert.equal(ok.code, 0, ok.stderr);
    const rows = ok.stdout.split("\n").filter((l) => l.startsWith("│")).map((l) =>
      l.split("│")[1].trim()
    );
    assert.deepEqual(rows, ["Metric", "Requests completed", "TTFT p50 (ms)"]);
    // The choice is kept with the results, so report shows the same rows.
    const again = await runCli(["report", `${dir}/r.json`]);
    assert.equal(again.stdout, ok.stdout);
    const flag = await runCli(["run", `${dir}/run.yaml`, "--quiet", "--all-metrics"]);
    assert.equal(flag.code, 0, flag.stderr);
    assert.match(flag.stdout, /│ ttft_std_ms /);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("quiet: true in a config file silences progress like --quiet", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${dir}/run.yaml`,
    "backend: { type: simulator, ttftMs: 2, itlMs: 1 }\nprompts: [hi]\nruns: 4\ntrials: 2\nwarmup: 0\nquiet: true\n",
  );
  const r = await runCli(["run", `${dir}/run.yaml`]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /trial 1\/2/);
  await Deno.writeTextFile(
    `${dir}/loud.yaml`,
    (await Deno.readTextFile(`${dir}/run.yaml`)).replace("quiet: true\n", ""),
  );
  const l2 = await runCli(["run", `${dir}/loud.yaml`]);
  assert.match(l2.stderr, /trial 1\/2/);
});

Deno.test("a config file's relative paths start from its folder, flag paths from the working directory", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/bench`);
    await Deno.mkdir(`${dir}/elsewhere`);
    await Deno.writeTextFile(`${dir}/bench/prompts.txt`, "first prompt\nsecond prompt\nthird\n");
    await Deno.writeTextFile(
      `${dir}/bench/run.yaml`,
      "backend: { type: simulator, ttftMs: 1, itlMs: 1 }\nprompts: { file: prompts.txt }\n" +
        "records: records.jsonl\nruns: 3\ntrials: 1\nwarmup: 0\nsampling: { maxTokens: 2 }\n",
    );
    // Run from another folder: the config names prompts.txt beside itself.
    const r = await runCli(
      ["run", "../bench/run.yaml", "--out", "out/results.json", "--json", "-q"],
      `${dir}/elsewhere`,
    );
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.config.workload.count, 3, "the three prompts of bench/prompts.txt");
    assert.equal(doc.recordsFile, `${dir}/bench/records.jsonl`, "config path: beside the config");
    const saved = JSON.parse(await Deno.readTextFile(`${dir}/elsewhere/out/results.json`));
    assert.equal(saved.levels.length, 1, "flag path: from the working directory");
    const { requests } = await readRecords(`${dir}/bench/records.jsonl`);
    assert.equal(requests.length, 3);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--dry-run prints the plan and exits 0 without starting an engine or sending a request", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // Managed vLLM: no `vllm` command is needed, since nothing starts.
    const managed = await runCli([
      "run",
      "--backend",
      "vllm",
      "--model",
      "Qwen/Qwen2.5-0.5B-Instruct",
      "--tensor-parallel",
      "2",
      "--concurrency",
      "1,4",
      "--runs",
      "5",
      "--trials",
      "2",
      "--out",
      `${dir}/r.json`,
      "--dry-run",
      "--json",
    ]);
    assert.equal(managed.code, 0, managed.stderr);
    const plan = JSON.parse(managed.stdout);
    assert.equal(plan.levels.length, 2);
    assert.equal(plan.totalRequests, 2 * 2 * 5);
    assert.equal(plan.backend.managed, true);
    assert.match(
      JSON.stringify(plan),
      /--tensor-parallel-size/,
      "the engine's command line is planned",
    );
    await assert.rejects(Deno.stat(`${dir}/r.json`), "nothing ran, nothing saved");
    await assert.rejects(Deno.stat(`${dir}/r.records.jsonl`), "no records file");

    // Connect mode against a port where nothing listens: no request is sent, so no error.
    const text = await runCli([
      "run",
      "--endpoint",
      "http://127.0.0.1:9",
      "--model",
      "m",
      "--request-rate",
      "2,8",
      "--mode",
      "serve",
      "--runs",
      "10",
      "--dry-run",
    ]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^engine +openai at http:\/\/127\.0\.0\.1:9$/m);
    assert.match(text.stdout, /^r=2\/s .*open loop/m);
    assert.match(text.stdout, /^r=8\/s .*open loop/m);
    assert.match(text.stdout, /^total +60 measured requests$/m, "2 rates x 3 trials x 10 runs");
    // A bad configuration still exits 2 before any plan.
    const bad = await runCli(["run", "--backend", "simulator", "--trials", "0", "--dry-run"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /'trials' must be a positive integer, got 0/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("run --html writes the report; a path that is not .html exits 2 before anything runs", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const base = [
      "run",
      "--backend",
      "simulator",
      "--ttft-ms",
      "2",
      "--itl-ms",
      "1",
      "--runs",
      "4",
      "--trials",
      "2",
      "--max-tokens",
      "4",
      "--quiet",
      "--records",
      `${dir}/r.jsonl`,
    ];
    const bad = await runCli([...base, "--html", `${dir}/r.txt`]);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /'html' must be a path ending in \.html/);
    const r = await runCli([...base, "--html", `${dir}/sub/report.html`]);
    assert.equal(r.code, 0, r.stderr);
    const html = await Deno.readTextFile(`${dir}/sub/report.html`);
    assert.match(html, /Latency vs throughput/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
