/**
 * Turning one trial's request records into its metrics. Records are added
 * as they complete and then dropped; the accumulator keeps only what the
 * metrics need (one float per TTFT/E2E/TPOT sample and per ITL gap).
 *
 * @module
 */

import type { Slo } from "../config/benchmark.ts";
import type { RequestRecord } from "../record/record.ts";
import { BlockedSample } from "../stats/blocked_sample.ts";
import { describeSorted, type Distribution, DISTRIBUTION_STATS } from "../stats/describe.ts";
import { FloatList } from "./_float_list.ts";

const FAILURE_ADJUSTED = [["p50", 0.5], ["p90", 0.9], ["p95", 0.95], ["p99", 0.99]] as const;

/** Record flag → the metric counting it. */
const FLAG_METRICS = [
  ["not_streamed", "requests_not_streamed"],
  ["usage_zero", "requests_usage_zero"],
  ["hidden_reasoning", "requests_hidden_reasoning"],
] as const;

/**
 * One trial's raw samples, each sorted ascending (available after
 * {@linkcode TrialAccumulator.result}): what a level pools for its
 * percentiles. Keys are the latency names of `LATENCY_DISTRIBUTIONS`.
 */
export interface TrialSamples {
  /** Time to first token, ms, per completed request. */
  ttft: Float64Array;
  /** Time per output token, ms, per completed request with two or more tokens. */
  tpot: Float64Array;
  /** End-to-end latency, ms, per completed request. */
  e2e: Float64Array;
  /** Send time − scheduled time, ms, per request. */
  schedule_lag: Float64Array;
  /** Inter-token gaps, ms (not independent within a request). */
  itl: BlockedSample;
  /** Failed requests (not aborted), for failure-adjusted percentiles. */
  failed: number;
}

/** One trial's metrics and failures. */
export interface TrialMetrics {
  /** Metric id → value (ids whose value is undefined for this trial are absent). */
  metrics: Record<string, number>;
  /** Failure reason → count. */
  errors: Record<string, number>;
  /**
   * Failure reason → the message of its first request (what the server
   * said), and `structured_invalid` → the problem with the first structured
   * output that was not valid; absent when neither happened.
   */
  errorMessages?: Record<string, string>;
}

/**
 * Accumulates the records of one trial (one level, one repetition).
 *
 * Definitions (see `docs/metrics.md`): TTFT = first token chunk − sent;
 * ITL = gaps between consecutive token chunks, pooled over requests;
 * TPOT = (last token chunk − first token) / (streamed tokens − 1), per request
 * with at least two streamed tokens (`outputTokens − hiddenTokens`);
 * E2E = end − sent. Failed requests count in `requests_failed`
 * and in the trial's window, never in a latency statistic (the level adds
 * failure-adjusted E2E percentiles). Requests with reason `aborted` (the
 * user interrupted the run; the trial is marked incomplete) are left out of
 * every metric and only counted, in `requests_aborted`; so are requests with
 * reason `cut_at_end` (still in flight when a time-bounded trial's grace
 * period ended), counted in `requests_cut`. Each failure reason keeps the
 * message of its first request (`errorMessages`).
 *
 * Counts kept for warnings: `requests_tokens_from_usage` and
 * `requests_tokens_from_chunks` (where each completed request's output
 * token count came from), `requests_not_streamed`, `requests_usage_zero`,
 * `requests_hidden_reasoning` (record flags) and `reasoning_tokens_total`
 * (what the server's usage reported; 0 when it reported none). Counts are
 * present when 0, so runs compare like for like.
 *
 * Structured output and tool calls (completed requests only; not for
 * embeddings): `structured_checked` counts the requests that asked for
 * structured output (their record has `structured`), `structured_valid_ratio`
 * is the share of those whose output was valid (absent when none asked; the
 * first invalid one's problem is kept as `errorMessages.structured_invalid`);
 * `tool_call_requests` counts the requests whose stream carried at least one
 * tool call (`toolCalls`), `tool_call_ratio` is their share of completed
 * requests. The record does not say whether a request offered tools, so
 * the tool-call pair is present in every run (0 when none called one).
 *
 * @example
 * ```ts
 * import { TrialAccumulator } from "./trial.ts";
 * import { newRecord } from "../record/record.ts";
 * import assert from "node:assert/strict";
 *
 * const acc = new TrialAccumulator({ ttftMs: 15 });
 * const r = newRecord(0, "measure", 0, 0, 0, 0);
 * Object.assign(r, {
 *   sentMs: 0, firstTokenMs: 10, endMs: 30, chunkMs: [10, 20, 30],
 *   outputTokens: 3, outputTokensSource: "usage", promptTokens: 7, ok: true,
 * });
 * acc.add(r);
 * const m = acc.result().metrics;
 * assert.equal(m.ttft_p50_ms, 10);
 * assert.equal(m.itl_mean_ms, 10);
 * assert.equal(m.tpot_mean_ms, 10);
 * assert.equal(m.e2e_max_ms, 30);
 * assert.equal(m.goodput_ratio, 1);
 * assert.equal(m.throughput_tokens_per_sec, 100);
 * ```
 */
export class TrialAccumulator {
  #slo: Slo | undefined;
  #ttft = new FloatList();
  #itl = new BlockedSample();
  #tpot = new FloatList();
  #e2e = new FloatList();
  #lag = new FloatList();
  #completed = 0;
  #failed = 0;
  #good = 0;
  #outputTokens = 0;
  #inputTokens = 0;
  #inputKnown = true;
  #start = Infinity;
  #end = -Infinity;
  #errors: Record<string, number> = {};
  #embeddings: boolean;
  #aborted = 0;
  #cut = 0;
  #errorMessages: Record<string, string> = {};
  #fromUsage = 0;
  #fromChunks = 0;
  #flags: Record<string, number> = {};
  #reasoningTokens = 0;
  #structuredChecked = 0;
  #structuredValid = 0;
  #structuredError: string | undefined;
  #toolCallRequests = 0;
  #done = false;

  /**
   * @param slo Objectives for goodput (absent: no goodput metrics).
   * @param options `embeddings: true` for embedding requests: no tokens are
   *   generated, so only E2E, rates and input counts are computed (and only
   *   `e2eMs` of the objectives applies).
   */
  constructor(slo?: Slo, options: { embeddings?: boolean } = {}) {
    this.#slo = slo;
    this.#embeddings = options.embeddings ?? false;
  }

  /** Requests added (completed and failed, excluding aborted and cut ones). */
  get count(): number {
    return this.#completed + this.#failed;
  }

  /** Requests added, aborted and cut ones included: every measured request sent. */
  get sent(): number {
    return this.#completed + this.#failed + this.#aborted + this.#cut;
  }

  /**
   * Adds one finished record.
   *
   * @param rec A measured request (warm-up records must not be added).
   */
  add(rec: RequestRecord): void {
    if (!rec.ok && rec.error !== null) {
      if (rec.error.reason === "aborted") {
        this.#aborted++;
        return;
      }
      if (rec.error.reason === "cut_at_end") {
        this.#cut++;
        return;
      }
    }
    for (const f of rec.flags ?? []) this.#flags[f] = (this.#flags[f] ?? 0) + 1;
    this.#lag.push(rec.sentMs - rec.scheduledMs);
    if (rec.sentMs < this.#start) this.#start = rec.sentMs;
    const end = rec.endMs ?? rec.sentMs;
    if (end > this.#end) this.#end = end;
    if (this.#embeddings) {
      this.#addEmbedding(rec);
      return;
    }
    if (!rec.ok || rec.firstTokenMs === null || rec.endMs === null) {
      this.#fail(rec);
      return;
    }
    this.#completed++;
    const ttft = rec.firstTokenMs - rec.sentMs;
    const e2e = rec.endMs - rec.sentMs;
    this.#e2e.push(e2e);
    const c = rec.chunkMs;
    // A response that was not streamed (every token read at once, or not SSE) has a valid E2E
    // and token count, but its chunk times do not time generation: no TTFT, ITL or TPOT from it.
    const streamed = rec.flags === undefined || !rec.flags.includes("not_streamed");
    if (streamed) {
      this.#ttft.push(ttft);
      for (let i = 1; i < c.length; i++) this.#itl.push(c[i] - c[i - 1]);
    }
    const out = rec.outputTokens ?? c.length;
    this.#outputTokens += out;
    if (rec.outputTokensSource === "usage") this.#fromUsage++;
    else this.#fromChunks++;
    if (typeof rec.reasoningTokens === "number") {
      this.#reasoningTokens += rec.reasoningTokens;
    }
    if (rec.structured !== undefined) {
      this.#structuredChecked++;
      if (rec.structured.valid) this.#structuredValid++;
      else this.#structuredError ??= rec.structured.error ?? "";
    }
    if (rec.toolCalls !== undefined && rec.toolCalls > 0) this.#toolCallRequests++;
    let tpot: number | undefined;
    const timed = out - (rec.hiddenTokens ?? 0); // tokens the stream carried
    if (streamed && timed > 1) {
      tpot = (c[c.length - 1] - rec.firstTokenMs) / (timed - 1);
      this.#tpot.push(tpot);
    }
    if (rec.promptTokens === null) this.#inputKnown = false;
    else this.#inputTokens += rec.promptTokens;
    const slo = this.#slo;
    if (
      slo &&
      (slo.ttftMs === undefined || ttft <= slo.ttftMs) &&
      (slo.tpotMs === undefined || (tpot ?? 0) <= slo.tpotMs) &&
      (slo.e2eMs === undefined || e2e <= slo.e2eMs)
    ) {
      this.#good++;
    }
  }

  #fail(rec: RequestRecord): void {
    this.#failed++;
    const reason = rec.error?.reason ?? "unknown";
    const n = this.#errors[reason] ?? 0;
    this.#errors[reason] = n + 1;
    if (n === 0) this.#errorMessages[reason] = rec.error?.message ?? "";
  }

  #addEmbedding(rec: RequestRecord): void {
    if (!rec.ok || rec.endMs === null) {
      this.#fail(rec);
      return;
    }
    this.#completed++;
    const e2e = rec.endMs - rec.sentMs;
    this.#e2e.push(e2e);
    if (rec.promptTokens === null) this.#inputKnown = false;
    else this.#inputTokens += rec.promptTokens;
    const slo = this.#slo;
    if (slo && (slo.e2eMs === undefined || e2e <= slo.e2eMs)) this.#good++;
  }

  /**
   * Computes the trial's metrics. Call it once, when the trial is over: it
   * sorts the samples in place.
   *
   * @returns Metrics and failures.
   */
  result(): TrialMetrics {
    const m: Record<string, number> = {};
    // Each list is sorted in place (no copy of what can be millions of
    // gaps); result() is meant to be called once, at the end of the trial.
    const put = (name: string, d: Distribution | undefined) => {
      if (!d) return;
      for (const s of DISTRIBUTION_STATS) m[`${name}_${s}_ms`] = d[s];
    };
    put("ttft", describeSorted(this.#ttft.view().sort()));
    put("itl", this.#itl.summarize());
    put("tpot", describeSorted(this.#tpot.view().sort()));
    const e2e = this.#e2e.view().sort();
    put("e2e", describeSorted(e2e));
    // Failure-adjusted E2E: each failed request ranks above every completed one.
    const n = e2e.length + this.#failed;
    if (n > 0) {
      const at = (r: number) => (r < e2e.length ? e2e[r] : Infinity);
      for (const [name, p] of FAILURE_ADJUSTED) {
        const h = (n - 1) * p, f = Math.floor(h);
        m[`e2e_failure_adjusted_${name}_ms`] = h === f || at(f) === Infinity
          ? at(f)
          : at(f) + (h - f) * (at(Math.min(f + 1, n - 1)) - at(f));
      }
    }
    put("schedule_lag", describeSorted(this.#lag.view().sort()));
    const total = this.#completed + this.#failed;
    const durationS = total > 0 ? (this.#end - this.#start) / 1000 : 0;
    if (durationS > 0) {
      m.request_throughput_per_sec = this.#completed / durationS;
      if (this.#embeddings) m.inputs_per_sec = this.#completed / durationS;
      else m.throughput_tokens_per_sec = this.#outputTokens / durationS;
      if (this.#inputKnown && this.#completed > 0) {
        m.input_throughput_tokens_per_sec = this.#inputTokens / durationS;
        if (!this.#embeddings) {
          m.total_throughput_tokens_per_sec = (this.#inputTokens + this.#outputTokens) / durationS;
        }
      }
      if (this.#slo) m.goodput_requests_per_sec = this.#good / durationS;
    }
    if (this.#slo && total > 0) m.goodput_ratio = this.#good / total;
    m.requests_completed = this.#completed;
    m.requests_failed = this.#failed;
    if (!this.#embeddings) m.output_tokens_total = this.#outputTokens;
    if (this.#inputKnown && this.#completed > 0) m.input_tokens_total = this.#inputTokens;
    m.duration_s = durationS;
    m.requests_aborted = this.#aborted;
    m.requests_cut = this.#cut;
    if (!this.#embeddings) {
      m.requests_tokens_from_usage = this.#fromUsage;
      m.requests_tokens_from_chunks = this.#fromChunks;
      for (const [flag, id] of FLAG_METRICS) m[id] = this.#flags[flag] ?? 0;
      m.reasoning_tokens_total = this.#reasoningTokens;
      m.structured_checked = this.#structuredChecked;
      if (this.#structuredChecked > 0) {
        m.structured_valid_ratio = this.#structuredValid / this.#structuredChecked;
      }
      m.tool_call_requests = this.#toolCallRequests;
      if (this.#completed > 0) m.tool_call_ratio = this.#toolCallRequests / this.#completed;
    }
    this.#done = true;
    const out: TrialMetrics = { metrics: m, errors: { ...this.#errors } };
    if (this.#failed > 0) out.errorMessages = { ...this.#errorMessages };
    if (this.#structuredError !== undefined) {
      out.errorMessages = { ...out.errorMessages, structured_invalid: this.#structuredError };
    }
    return out;
  }

  /**
   * The trial's raw samples, sorted; call after {@linkcode result}. They
   * share the accumulator's memory: add nothing afterwards.
   *
   * @returns The samples.
   * @throws {TypeError} When called before `result()`.
   */
  samples(): TrialSamples {
    if (!this.#done) {
      throw new TypeError("Cannot read a trial's samples: call result() first, it sorts them");
    }
    return {
      ttft: this.#ttft.view(),
      tpot: this.#tpot.view(),
      e2e: this.#e2e.view(),
      schedule_lag: this.#lag.view(),
      itl: this.#itl,
      failed: this.#failed,
    };
  }
}
