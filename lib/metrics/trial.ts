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

/** One trial's metrics and failures. */
export interface TrialMetrics {
  /** Metric id → value (ids whose value is undefined for this trial are absent). */
  metrics: Record<string, number>;
  /** Failure reason → count. */
  errors: Record<string, number>;
}

/**
 * Accumulates the records of one trial (one level, one repetition).
 *
 * Definitions (see `docs/metrics.md`): TTFT = first token chunk − sent;
 * ITL = gaps between consecutive token chunks, pooled over requests;
 * TPOT = (last token chunk − first token) / (streamed tokens − 1), per request
 * with at least two streamed tokens (`outputTokens − hiddenTokens`);
 * E2E = end − sent. Failed requests count in `requests_failed`
 * and in the trial's window, never in a latency statistic. Requests with
 * reason `aborted` (the user interrupted the run) are left out entirely.
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

  /** Requests added (completed and failed, excluding aborted ones). */
  get count(): number {
    return this.#completed + this.#failed;
  }

  /**
   * Adds one finished record.
   *
   * @param rec A measured request (warm-up records must not be added).
   */
  add(rec: RequestRecord): void {
    if (!rec.ok && rec.error?.reason === "aborted") return;
    this.#lag.push(rec.sentMs - rec.scheduledMs);
    if (rec.sentMs < this.#start) this.#start = rec.sentMs;
    const end = rec.endMs ?? rec.sentMs;
    if (end > this.#end) this.#end = end;
    if (this.#embeddings) {
      this.#addEmbedding(rec);
      return;
    }
    if (!rec.ok || rec.firstTokenMs === null || rec.endMs === null) {
      this.#failed++;
      const reason = rec.error?.reason ?? "unknown";
      this.#errors[reason] = (this.#errors[reason] ?? 0) + 1;
      return;
    }
    this.#completed++;
    const ttft = rec.firstTokenMs - rec.sentMs;
    const e2e = rec.endMs - rec.sentMs;
    this.#ttft.push(ttft);
    this.#e2e.push(e2e);
    const c = rec.chunkMs;
    for (let i = 1; i < c.length; i++) this.#itl.push(c[i] - c[i - 1]);
    const out = rec.outputTokens ?? c.length;
    this.#outputTokens += out;
    let tpot: number | undefined;
    const timed = out - (rec.hiddenTokens ?? 0); // tokens the stream carried
    if (timed > 1) {
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

  #addEmbedding(rec: RequestRecord): void {
    if (!rec.ok || rec.endMs === null) {
      this.#failed++;
      const reason = rec.error?.reason ?? "unknown";
      this.#errors[reason] = (this.#errors[reason] ?? 0) + 1;
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
    put("e2e", describeSorted(this.#e2e.view().sort()));
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
    return { metrics: m, errors: { ...this.#errors } };
  }
}
