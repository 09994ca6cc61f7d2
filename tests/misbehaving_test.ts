/**
 * Runs against a scripted misbehaving server: each way a server can go
 * wrong ends in named failure records, a run that stops when it can only go
 * on failing, and the right exit code, with nothing measured lost.
 */

import assert from "node:assert/strict";
import { openai } from "../lib/backends/openai.ts";
import { benchmark, type BenchmarkOptions } from "../lib/runner/benchmark.ts";
import type { BenchmarkResults } from "../lib/runner/results.ts";
import { readRecords, runCli } from "./_helpers.ts";
import { type MisbehavingServer, startMisbehavingServer } from "./_misbehaving_server.ts";

/** A benchmark of `server` (model "m", completions, prompt "a", no warm-up, one trial, no records file), with `options` over that. */
function against(
  server: MisbehavingServer,
  options: Omit<BenchmarkOptions, "backend">,
): Promise<BenchmarkResults> {
  return benchmark({
    backend: openai({ endpoint: server.url, model: "m", api: "completions" }),
    prompts: ["a"],
    warmup: 0,
    trials: 1,
    records: false,
    ...options,
  });
}

Deno.test("a server that never answers the head: first_byte_timeout naming its limit, and the run ends", async () => {
  const server = startMisbehavingServer({ behaviour: { kind: "stall_head" } });
  try {
    const t0 = performance.now();
    const results = await against(server, {
      concurrency: [2],
      runs: 4,
      firstByteTimeoutMs: 300,
    });
    const elapsed = performance.now() - t0;
    const l = results.levels[0];
    assert.deepEqual(l.errors, { first_byte_timeout: 4 });
    assert.match(
      l.errorMessages!.first_byte_timeout,
      /no response head 0\.3 s after.*first-byte timeout 300 ms/,
    );
    // Two rounds of two stalled requests: ~600 ms, plus the watchdog's period (30 ms) each.
    assert.ok(elapsed < 5000, `took ${elapsed} ms`);
  } finally {
    await server.close();
  }
});

Deno.test("a stream that stalls after its head and some tokens: idle_timeout", async () => {
  const server = startMisbehavingServer({ behaviour: { kind: "stall_after_head", tokens: 2 } });
  const dir = await Deno.makeTempDir();
  try {
    const results = await against(server, {
      concurrency: [1],
      runs: 2,
      records: `${dir}/r.jsonl`,
      idleTimeoutMs: 250,
    });
    assert.deepEqual(results.levels[0].errors, { idle_timeout: 2 });
    const { requests } = await readRecords(`${dir}/r.jsonl`);
    for (const r of requests) {
      const e = r.error as { reason: string; message: string };
      assert.equal(e.reason, "idle_timeout");
      assert.match(e.message, /no token after the last one \(2 received\).*idle timeout 250 ms/);
      // The tokens read before the stall are kept on the record.
      assert.equal((r.chunkMs as number[]).length, 2);
    }
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serve mode against a stalled server ends at duration + grace; the requests are cut, not lost", async () => {
  const server = startMisbehavingServer({ behaviour: { kind: "stall_after_head" } });
  const dir = await Deno.makeTempDir();
  try {
    const t0 = performance.now();
    const results = await against(server, {
      mode: "serve",
      requestRates: [20],
      arrival: "constant",
      durationS: 0.5,
      durationGraceS: 0.3,
      records: `${dir}/r.jsonl`,
    });
    const elapsed = performance.now() - t0;
    // 0.5 s of arrivals + 0.3 s of grace; generous room for a slow machine, far below the
    // 120 s idle timeout that would otherwise end them.
    assert.ok(elapsed < 4000, `took ${elapsed} ms`);
    const t = results.levels[0].trials[0];
    assert.equal(t.metrics.requests_completed, 0);
    assert.ok(t.metrics.requests_cut >= 5, `cut ${t.metrics.requests_cut}`);
    const { requests } = await readRecords(`${dir}/r.jsonl`);
    assert.equal(requests.length, t.metrics.requests_cut);
    assert.ok(requests.every((r) => (r.error as { reason: string }).reason === "cut_at_end"));
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a server that stops accepting connections mid-run ends the run as server_exit, keeping what was measured", async () => {
  const server = startMisbehavingServer({ behaviour: { kind: "ok" }, dieAfter: 12 });
  const dir = await Deno.makeTempDir();
  try {
    const results = await against(server, {
      concurrency: [2],
      runs: 400,
      trials: 2,
      records: `${dir}/r.jsonl`,
    });
    assert.equal(results.interrupted, true);
    assert.equal(results.interruptionCause, "server_exit");
    assert.match(results.interruption!, /stopped accepting connections \(connection refused\)/);
    const { requests } = await readRecords(`${dir}/r.jsonl`);
    // Ended at the first refusal, not hundreds of them.
    const refused = requests.filter((r) =>
      (r.error as { reason: string } | null)?.reason === "connection_refused"
    );
    assert.ok(refused.length >= 1 && refused.length <= 4, `refused ${refused.length}`);
    const ok = requests.filter((r) => r.ok).length;
    assert.ok(ok >= 10, `ok ${ok}`);
    assert.equal(results.levels[0].trials[0].metrics.requests_completed, ok);
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the first requests all rejected with the same 4xx: the run stops early with the server's message", async () => {
  const server = startMisbehavingServer({
    behaviour: { kind: "status", status: 404, body: '{"error":{"message":"no such route"}}' },
  });
  try {
    const results = await against(server, {
      concurrency: [1],
      runs: 200,
      trials: 3,
    });
    assert.equal(results.interruptionCause, "rejected");
    assert.match(
      results.interruption!,
      /first 5 requests were all rejected with HTTP 404 \("no such route"\)/,
    );
    assert.ok(server.requests < 10, `${server.requests} requests sent`);
  } finally {
    await server.close();
  }
});

Deno.test("429s do not stop the run early: they can change", async () => {
  const server = startMisbehavingServer({
    behaviour: (n) =>
      n < 6
        ? { kind: "status", status: 429, body: '{"error":{"message":"slow down"}}' }
        : { kind: "ok" },
  });
  try {
    const results = await against(server, {
      concurrency: [1],
      runs: 10,
    });
    assert.equal(results.interrupted, false);
    assert.deepEqual(results.levels[0].errors, { http_429: 6 });
    assert.equal(results.levels[0].trials[0].metrics.requests_completed, 4);
  } finally {
    await server.close();
  }
});

Deno.test("an interrupted trial with no finished request keeps every sent request in the results", async () => {
  const server = startMisbehavingServer({ behaviour: { kind: "stall_after_head" } });
  try {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("stop")), 300);
    const results = await against(server, {
      concurrency: [6],
      runs: 60,
      signal: controller.signal,
    });
    assert.equal(results.interrupted, true);
    assert.equal(results.levels.length, 1);
    const t = results.levels[0].trials[0];
    assert.equal(t.complete, false);
    assert.equal(t.metrics.requests_aborted, 6);
  } finally {
    await server.close();
  }
});

Deno.test("CLI: a run whose every request failed exits 1 with each reason and the server's message on the console", async () => {
  const server = startMisbehavingServer({
    behaviour: (n) =>
      n % 2 === 0
        ? { kind: "status", status: 503, body: '{"error":{"message":"engine overloaded"}}' }
        : {
          kind: "status",
          status: 200,
          body: "<html>proxy login</html>",
          contentType: "text/html",
        },
  });
  try {
    const r = await runCli([
      "run",
      "--endpoint",
      server.url,
      "--model",
      "m",
      "--api",
      "completions",
      "--concurrency",
      "1",
      "--runs",
      "6",
      "--trials",
      "1",
      "--warmup",
      "0",
      "--records",
      "/dev/null",
      "--quiet",
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /c=1: 6 requests failed/);
    assert.match(r.stdout, /http_503 ×3, first: "engine overloaded"/);
    assert.match(r.stdout, /not_streamed ×3, first: "the server did not stream/);
    assert.match(
      r.stderr,
      /error: the run failed at c=1: every one of its 6 measured requests failed/,
    );
  } finally {
    await server.close();
  }
});

Deno.test("a 103 Early Hints before the 200: the interim head is skipped and the stream measured", async () => {
  const server = startMisbehavingServer({ behaviour: { kind: "early_hints", tokens: 5 } });
  try {
    const results = await against(server, {
      concurrency: [1],
      runs: 3,
    });
    const t = results.levels[0].trials[0];
    assert.deepEqual(t.errors, {});
    assert.equal(t.metrics.requests_completed, 3);
    assert.equal(t.metrics.output_tokens_total, 15);
  } finally {
    await server.close();
  }
});

Deno.test("one giant event (48 MB) is read whole, in time linear in its size", async () => {
  const server = startMisbehavingServer({ behaviour: { kind: "giant_event", bytes: 48 << 20 } });
  try {
    const results = await against(server, {
      concurrency: [1],
      runs: 1,
    });
    const t = results.levels[0].trials[0];
    assert.deepEqual(t.errors, {});
    assert.equal(t.metrics.requests_completed, 1);
    // The parser's cost is measured in bench/ (scenario 8: ~0.1 s of CPU per 100 MB). A parser
    // that rescans what it has read took ~12 s for 48 MB (13 s for 50 MB, 43 s for 100 MB);
    // the linear one takes well under 1 s here, so 8 s leaves a slow machine room and still fails
    // a quadratic one.
    assert.ok(t.metrics.e2e_max_ms < 8_000, `e2e max ${t.metrics.e2e_max_ms} ms`);
  } finally {
    await server.close();
  }
});

Deno.test("CLI: an --out that cannot be written is refused before the first request", async () => {
  const server = startMisbehavingServer({ behaviour: { kind: "ok" } });
  const dir = await Deno.makeTempDir();
  const args = (out: string) => [
    "run",
    "--endpoint",
    server.url,
    "--model",
    "m",
    "--api",
    "completions",
    "--runs",
    "2",
    "--trials",
    "1",
    "--quiet",
    "--out",
    out,
  ];
  try {
    for (const bad of ["r", "r.yaml"]) {
      const r = await runCli(args(`${dir}/${bad}`));
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /'out' must be .*\.json.*\.csv/);
    }
    // A folder where the file should be.
    await Deno.mkdir(`${dir}/taken.json`);
    const r = await runCli(args(`${dir}/taken.json`));
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /taken\.json/);
    assert.equal(server.requests, 0, "no request may be sent before the outputs are checked");
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("CLI: a disk that fills up when the results are saved: the table is printed, the records named, exit 1", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // /dev/full accepts the open and fails every write with ENOSPC: a full disk, on demand.
    await Deno.symlink("/dev/full", `${dir}/r.json`);
    const r = await runCli([
      "run",
      "--backend",
      "simulator",
      "--ttft-ms",
      "1",
      "--itl-ms",
      "1",
      "--runs",
      "3",
      "--trials",
      "1",
      "--max-tokens",
      "4",
      "--quiet",
      "--metrics",
      "requests_completed",
      "--out",
      `${dir}/r.json`,
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /│ Requests completed │ +3 │/);
    assert.match(
      r.stderr,
      /error: Cannot save the results to .*r\.json: No space left on device.*every request is in .*r\.records\.jsonl/,
    );
    const { requests } = await readRecords(`${dir}/r.records.jsonl`);
    assert.equal(requests.filter((q) => q.phase === "measure").length, 3);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
