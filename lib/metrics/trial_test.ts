import assert from "node:assert/strict";
import type { Slo } from "../config/benchmark.ts";
import { newRecord, type RequestRecord } from "../record/record.ts";
import { TrialAccumulator } from "./trial.ts";

let nextId = 0;

/** A completed request: tokens read at `chunkMs`, ending at the last chunk unless `endMs` is given. */
function done(
  sentMs: number,
  chunkMs: number[],
  fields: Partial<RequestRecord> = {},
): RequestRecord {
  const r = newRecord(nextId++, "measure", 0, 0, 0, sentMs);
  Object.assign(r, {
    sentMs,
    headersMs: sentMs + 1,
    firstTokenMs: chunkMs[0],
    endMs: chunkMs[chunkMs.length - 1],
    chunkMs,
    outputTokens: chunkMs.length,
    outputTokensSource: "usage",
    promptTokens: 5,
    status: 200,
    ok: true,
  }, fields);
  return r;
}

/** A failed request. */
function failed(
  sentMs: number,
  endMs: number | null,
  reason: string,
  fields: Partial<RequestRecord> = {},
): RequestRecord {
  const r = newRecord(nextId++, "measure", 0, 0, 0, sentMs);
  Object.assign(r, { sentMs, endMs, ok: false, error: { reason, message: reason } }, fields);
  return r;
}

function close(actual: number | undefined, expected: number, what: string, tol = 1e-9): void {
  assert.ok(actual !== undefined, `${what} is missing`);
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: expected ${expected}, got ${actual}`);
}

/**
 * The scenario most tests use (times in ms):
 *
 * A: sent 100, tokens at 110, 120, 140; usage 3 tokens, 5 prompt tokens.
 *    TTFT 10, E2E 40, ITL gaps 10 and 20, TPOT (140 − 110) / (3 − 1) = 15.
 * B: sent 105, chunks at 125, 130, end 135; usage says 6 tokens (chunks carry
 *    several), 7 prompt tokens. TTFT 20, E2E 30, ITL gap 5,
 *    TPOT (130 − 125) / (6 − 1) = 1: it ends at the last token chunk, not at
 *    the end (by chunk count it would be 5).
 * C: sent 110, one token at 150; 3 prompt tokens. TTFT 40, E2E 40, no ITL, no TPOT.
 * D: HTTP 500, sent 120, failure seen at 200 (the last event of the trial).
 * G: stream dropped, sent 130, tokens at 135, 140, failure at 145 (its TTFT of 5
 *    must not reach the latency statistics).
 * X: aborted by the user, sent 0, ended 1000 (ignored entirely).
 */
function scenario(): RequestRecord[] {
  return [
    done(100, [110, 120, 140], { outputTokens: 3, promptTokens: 5 }),
    done(105, [125, 130], { endMs: 135, outputTokens: 6, promptTokens: 7 }),
    done(110, [150], { outputTokens: 1, promptTokens: 3 }),
    failed(120, 200, "http_500", { status: 500 }),
    failed(130, 145, "stream_dropped", {
      status: 200,
      firstTokenMs: 135,
      chunkMs: [135, 140],
      outputTokens: 2,
      outputTokensSource: "chunks",
    }),
    failed(0, 1000, "aborted"),
  ];
}

function run(records: RequestRecord[], slo?: Slo) {
  const acc = new TrialAccumulator(slo);
  for (const r of records) acc.add(r);
  return { acc, ...acc.result() };
}

// Expected distributions below are NumPy's: np.mean, np.std (ddof=0),
// np.percentile (linear), on the values listed in each comment.

Deno.test("TrialAccumulator: TTFT is first token − sent over completed requests", () => {
  const { metrics: m } = run(scenario());
  // TTFT = [10, 20, 40]
  close(m.ttft_mean_ms, 70 / 3, "ttft_mean_ms");
  close(m.ttft_std_ms, 12.472191289246473, "ttft_std_ms");
  close(m.ttft_min_ms, 10, "ttft_min_ms");
  close(m.ttft_max_ms, 40, "ttft_max_ms");
  close(m.ttft_p50_ms, 20, "ttft_p50_ms");
  close(m.ttft_p90_ms, 36, "ttft_p90_ms"); // h = 1.8: 20 + 0.8 · 20
  close(m.ttft_p95_ms, 38, "ttft_p95_ms");
  close(m.ttft_p99_ms, 39.6, "ttft_p99_ms");
});

Deno.test("TrialAccumulator: ITL gaps are pooled across requests", () => {
  const { metrics: m } = run(scenario());
  // Pooled gaps [10, 20, 5]; the mean of per-request means would be 10.
  close(m.itl_mean_ms, 35 / 3, "itl_mean_ms");
  close(m.itl_std_ms, 6.236095644623235, "itl_std_ms");
  close(m.itl_min_ms, 5, "itl_min_ms");
  close(m.itl_max_ms, 20, "itl_max_ms");
  close(m.itl_p50_ms, 10, "itl_p50_ms");
  close(m.itl_p90_ms, 18, "itl_p90_ms");
  close(m.itl_p99_ms, 19.8, "itl_p99_ms");
});

Deno.test("TrialAccumulator: TPOT uses the usage token count and skips 1-token requests", () => {
  const { metrics: m } = run(scenario());
  // TPOT = [15, 1] (C has one token: no TPOT).
  close(m.tpot_mean_ms, 8, "tpot_mean_ms");
  close(m.tpot_std_ms, 7, "tpot_std_ms");
  close(m.tpot_min_ms, 1, "tpot_min_ms");
  close(m.tpot_max_ms, 15, "tpot_max_ms");
  close(m.tpot_p50_ms, 8, "tpot_p50_ms");
  close(m.tpot_p90_ms, 13.6, "tpot_p90_ms");
});

Deno.test("TrialAccumulator: no TPOT and no ITL when every request has one token", () => {
  const { metrics: m } = run([done(0, [10], { outputTokens: 1 }), done(5, [30])]);
  for (const id of Object.keys(m)) {
    assert.ok(!id.startsWith("tpot_") && !id.startsWith("itl_"), `unexpected ${id}`);
  }
  close(m.ttft_mean_ms, 17.5, "ttft_mean_ms"); // [10, 25]
});

Deno.test("TrialAccumulator: E2E is end − sent", () => {
  const { metrics: m } = run(scenario());
  // E2E = [40, 30, 40]
  close(m.e2e_mean_ms, 110 / 3, "e2e_mean_ms");
  close(m.e2e_std_ms, 4.714045207910317, "e2e_std_ms");
  close(m.e2e_min_ms, 30, "e2e_min_ms");
  close(m.e2e_max_ms, 40, "e2e_max_ms");
  close(m.e2e_p50_ms, 40, "e2e_p50_ms");
  close(m.e2e_p99_ms, 40, "e2e_p99_ms");
});

Deno.test("TrialAccumulator: failures are counted by reason and kept out of latencies", () => {
  const { acc, metrics: m, errors } = run(scenario());
  assert.deepEqual(errors, { http_500: 1, stream_dropped: 1 });
  assert.equal(m.requests_completed, 3);
  assert.equal(m.requests_failed, 2);
  assert.equal(acc.count, 5); // the aborted one is not counted
  // The dropped stream's TTFT (5) and E2E (15) would be the minima if counted.
  assert.equal(m.ttft_min_ms, 10);
  assert.equal(m.e2e_min_ms, 30);
  // Its ITL gap (5) would add a fourth gap and change the mean.
  close(m.itl_mean_ms, 35 / 3, "itl_mean_ms");
  // Output tokens count completed requests only: 3 + 6 + 1.
  assert.equal(m.output_tokens_total, 10);
});

Deno.test("TrialAccumulator: a failure without a reason counts as 'unknown'", () => {
  const r = newRecord(0, "measure", 0, 0, 0, 0);
  r.endMs = 3; // ok stays false, error stays null
  const { errors, metrics: m } = run([done(0, [5, 6]), r]);
  assert.deepEqual(errors, { unknown: 1 });
  assert.equal(m.requests_failed, 1);
});

Deno.test("TrialAccumulator: the window runs from the first sent to the last end, failures included", () => {
  const { metrics: m } = run(scenario());
  // First sent: A at 100 (the aborted one at 0 is ignored); last end: the
  // HTTP 500 at 200 (the aborted one at 1000 is ignored) -> 0.1 s.
  close(m.duration_s, 0.1, "duration_s");
  close(m.request_throughput_per_sec, 3 / 0.1, "request_throughput_per_sec");
  close(m.throughput_tokens_per_sec, 10 / 0.1, "throughput_tokens_per_sec");
  // Prompt tokens 5 + 7 + 3 = 15, plus 10 output tokens.
  assert.equal(m.input_tokens_total, 15);
  close(m.total_throughput_tokens_per_sec, 25 / 0.1, "total_throughput_tokens_per_sec");
});

Deno.test("TrialAccumulator: the window does not depend on the order records are added", () => {
  // The longest request is sent first but finishes last; add it last.
  const short = done(100, [150, 200], { outputTokens: 2 });
  const long = done(0, [100, 500], { outputTokens: 2 });
  const { metrics: m } = run([short, long]);
  close(m.duration_s, 0.5, "duration_s"); // 0 -> 500 ms
  close(m.request_throughput_per_sec, 4, "request_throughput_per_sec");
  close(m.throughput_tokens_per_sec, 8, "throughput_tokens_per_sec");
});

Deno.test("TrialAccumulator: aborted records are left out of every metric, only counted", () => {
  const base = scenario().filter((r) => r.error?.reason !== "aborted");
  const withAborted = run(scenario());
  const without = run(base);
  const aborted = scenario().length - base.length;
  assert.ok(aborted > 0);
  assert.deepEqual(withAborted.metrics, { ...without.metrics, requests_aborted: aborted });
  assert.equal(without.metrics.requests_aborted, 0);
  assert.deepEqual(withAborted.errors, without.errors);
  assert.equal(withAborted.errors.aborted, undefined);
  // Only aborted records: nothing was measured.
  const { metrics: m } = run([failed(0, 10, "aborted")]);
  assert.equal(m.requests_completed, 0);
  assert.equal(m.requests_failed, 0);
  assert.equal(m.duration_s, 0);
  assert.equal(m.requests_aborted, 1);
});

Deno.test("TrialAccumulator: goodput needs every SLO given, with inclusive limits", () => {
  // Per request (TTFT, TPOT, E2E): A (10, 15, 40), B (20, 2, 30), C (40, none, 40);
  // plus 2 failures, which never meet an SLO. Window 0.1 s.
  const cases: { slo: Slo; good: number }[] = [
    { slo: { ttftMs: 20 }, good: 2 }, // A, B (20 <= 20)
    { slo: { tpotMs: 1 }, good: 2 }, // B (1 <= 1), C (one token: no TPOT to miss)
    { slo: { e2eMs: 30 }, good: 1 }, // B (30 <= 30)
    { slo: { e2eMs: 40 }, good: 3 }, // A, B, C
    { slo: { ttftMs: 20, tpotMs: 15 }, good: 2 }, // A, B
    { slo: { ttftMs: 20, tpotMs: 1, e2eMs: 40 }, good: 1 }, // B only
    { slo: { ttftMs: 5 }, good: 0 },
  ];
  for (const { slo, good } of cases) {
    const { metrics: m } = run(scenario(), slo);
    const what = JSON.stringify(slo);
    close(m.goodput_ratio, good / 5, `goodput_ratio ${what}`);
    close(m.goodput_requests_per_sec, good / 0.1, `goodput_requests_per_sec ${what}`);
  }
});

Deno.test("TrialAccumulator: no goodput metrics without an SLO", () => {
  const { metrics: m } = run(scenario());
  assert.equal(m.goodput_ratio, undefined);
  assert.equal(m.goodput_requests_per_sec, undefined);
});

Deno.test("TrialAccumulator: total throughput is absent when a completed request lacks prompt tokens", () => {
  const records = scenario();
  records[2].promptTokens = null; // C
  const { metrics: m } = run(records);
  assert.equal(m.total_throughput_tokens_per_sec, undefined);
  assert.equal(m.input_tokens_total, undefined);
  close(m.throughput_tokens_per_sec, 100, "throughput_tokens_per_sec");
});

Deno.test("TrialAccumulator: a trial with no records has counts but no rates", () => {
  const { metrics: m, errors } = run([]);
  assert.deepEqual(errors, {});
  assert.equal(m.requests_completed, 0);
  assert.equal(m.requests_failed, 0);
  assert.equal(m.duration_s, 0);
  assert.equal(m.ttft_mean_ms, undefined);
  assert.equal(m.throughput_tokens_per_sec, undefined);
});

Deno.test("TrialAccumulator: counts token sources, record flags and reasoning tokens", () => {
  const { metrics: m } = run([
    ...scenario(),
    done(200, [210, 220], {
      outputTokensSource: "chunks",
      flags: ["not_streamed"],
    } as Partial<RequestRecord>),
    done(200, [210, 220, 230], {
      outputTokens: 10,
      flags: ["hidden_reasoning", "usage_zero"],
      reasoningTokens: 7,
      hiddenTokens: 7,
    } as Partial<RequestRecord>),
  ]);
  assert.equal(m.requests_tokens_from_usage, 4); // A, B, C and the last
  assert.equal(m.requests_tokens_from_chunks, 1);
  assert.equal(m.requests_not_streamed, 1);
  assert.equal(m.requests_usage_zero, 1);
  assert.equal(m.requests_hidden_reasoning, 1);
  assert.equal(m.reasoning_tokens_total, 7);
  // Without flags or reasoning counts, those counts are 0 (present, so runs compare).
  const { metrics: plain } = run(scenario());
  assert.equal(plain.requests_not_streamed, 0);
  assert.equal(plain.reasoning_tokens_total, 0);
});

Deno.test("TrialAccumulator: samples() hands over the sorted raw samples after result()", () => {
  const acc = new TrialAccumulator();
  assert.throws(() => acc.samples(), /call result\(\) first/);
  for (const r of scenario()) acc.add(r);
  acc.result();
  const s = acc.samples();
  assert.deepEqual(Array.from(s.ttft), [10, 20, 40]);
  assert.deepEqual(Array.from(s.e2e), [30, 40, 40]);
  assert.deepEqual(Array.from(s.tpot), [1, 15]);
  assert.equal(s.itl.length, 3);
  assert.equal(s.failed, 2);
  assert.equal(s.schedule_lag.length, 5); // aborted left out
});

Deno.test("TrialAccumulator: failure-adjusted E2E ranks failures above every completed request", () => {
  const { metrics: m } = run(scenario());
  // E2E [30, 40, 40] and 2 failures (aborted left out): [30, 40, 40, ∞, ∞].
  close(m.e2e_failure_adjusted_p50_ms, 40, "p50"); // h = 2
  assert.equal(m.e2e_failure_adjusted_p90_ms, Infinity); // h = 3.6: between ∞ and ∞
  const { metrics: ok } = run(scenario().filter((r) => r.ok));
  close(ok.e2e_failure_adjusted_p90_ms, ok.e2e_p90_ms, "no failures: equal to E2E");
});

Deno.test("TrialAccumulator: a response that was not streamed counts in E2E and tokens, not in TTFT, ITL or TPOT", () => {
  const streamed = run(scenario()).metrics;
  const m = run([
    ...scenario(),
    done(200, [900, 900, 900], { flags: ["not_streamed"] } as Partial<RequestRecord>),
  ]).metrics;
  // Its zero gaps and its TTFT of 700 ms would move these; they must not.
  assert.equal(m.ttft_max_ms, streamed.ttft_max_ms);
  assert.equal(m.itl_min_ms, streamed.itl_min_ms);
  assert.equal(m.tpot_min_ms, streamed.tpot_min_ms);
  assert.equal(m.requests_completed, streamed.requests_completed + 1);
  assert.ok(m.e2e_max_ms >= 700);
  assert.equal(m.requests_not_streamed, 1);
});

Deno.test("TrialAccumulator: structured output validity over the completed requests that asked for it", () => {
  const acc = new TrialAccumulator();
  acc.add(done(0, [10, 20], { structured: { valid: true } }));
  acc.add(done(0, [10, 20], { structured: { valid: false, error: "not JSON (cut short)" } }));
  acc.add(done(0, [10, 20], { structured: { valid: false, error: "second problem" } }));
  acc.add(done(0, [10, 20], { structured: { valid: true } }));
  acc.add(done(0, [10, 20])); // free text: not checked
  acc.add(failed(0, 30, "http_500")); // failed: no output to check
  const out = acc.result();
  assert.equal(out.metrics.structured_checked, 4);
  assert.equal(out.metrics.structured_valid_ratio, 0.5);
  assert.deepEqual(out.errorMessages, {
    http_500: "http_500",
    structured_invalid: "not JSON (cut short)",
  });
  // No request asked: the count is 0 and the ratio absent (not 0: nothing was checked).
  const { metrics: plain, errorMessages } = new TrialAccumulator().result();
  assert.equal(plain.structured_checked, 0);
  assert.equal(plain.structured_valid_ratio, undefined);
  assert.equal(errorMessages, undefined);
});

Deno.test("TrialAccumulator: tool calls count completed requests with at least one tool-call chunk", () => {
  const acc = new TrialAccumulator();
  acc.add(done(0, [10, 20, 30], { toolCalls: 3 }));
  acc.add(done(0, [10, 20]));
  acc.add(done(0, [10, 20], { toolCalls: 1 }));
  acc.add(done(0, [10, 20]));
  acc.add(failed(0, 30, "stream_dropped", { toolCalls: 2 })); // not completed: not counted
  const m = acc.result().metrics;
  assert.equal(m.tool_call_requests, 2);
  assert.equal(m.tool_call_ratio, 0.5);
  const none = run(scenario()).metrics;
  assert.equal(none.tool_call_requests, 0);
  assert.equal(none.tool_call_ratio, 0);
  // Embeddings generate nothing: neither is there.
  const emb = new TrialAccumulator(undefined, { embeddings: true });
  emb.add(done(0, [10]));
  assert.equal(emb.result().metrics.tool_call_ratio, undefined);
});
