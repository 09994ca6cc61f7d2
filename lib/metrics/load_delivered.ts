/**
 * Proof that the intended load was delivered: for an open-loop trial, the
 * requested and achieved send rates, how late requests went (schedule lag)
 * and how long they queued for a slot, whether the realised inter-send gaps
 * follow the intended arrival process (Kolmogorov–Smirnov), and whether the
 * client fell behind.
 *
 * @module
 */

import type { RequestRecord } from "../record/record.ts";
import { arrivalFit } from "../stats/arrival_fit.ts";
import { quantileSorted } from "../stats/quantile.ts";
import { FloatList } from "./_float_list.ts";

/** What was asked of an open-loop trial. */
export interface RequestedLoad {
  /** Requests per second (`Infinity`: all at once). */
  rate: number;
  /** Arrival process (`trace`: a replayed trace, not checked against a distribution). */
  arrival: "poisson" | "gamma" | "constant" | "trace";
  /** Gamma shape. */
  burstiness: number;
  /** Ramp-up seconds (gaps inside the ramp are left out of the KS check). */
  rampUpS: number;
  /** Requests planned. */
  planned: number;
}

/** The load-delivered section of one open-loop trial. */
export interface LoadDelivered {
  /** Requests per second asked for (null for an infinite rate). */
  requestedRate: number | null;
  /**
   * The rate of this trial's own random plan: (requests − 1) / (last planned
   * − first planned). A Poisson plan of n requests is off the requested rate
   * by about 1/√n by chance; the client is judged against this one.
   */
  plannedRate: number | null;
  /** Sends per second achieved: (sends − 1) / (last send − first send). */
  achievedRate: number | null;
  /** Requests planned, and sent (fewer when the run was interrupted). */
  planned: number;
  /** Requests sent. */
  sent: number;
  /** Scheduled → sent, ms: p50, p99, max. */
  scheduleLagMs: { p50: number; p99: number; max: number } | null;
  /** Time spent waiting for a free slot (maxConcurrency), ms: p50, p99, max; and how many waited. */
  queueMs: { p50: number; p99: number; max: number; waited: number } | null;
  /** KS check of realised gaps against the intended process (null: constant or infinite rate, or too few). */
  ks: { statistic: number; pValue: number; n: number } | null;
  /** Constant arrivals: the largest gap error, ms. */
  maxGapErrorMs: number | null;
  /**
   * True when the client fell behind: an achieved rate under 97 % of the
   * planned one, or a p99 of the lag not spent queueing for a slot over 10 ms.
   */
  fellBehind: boolean;
}

/** Lag p99 beyond which a trial is said to have fallen behind, ms. */
export const BEHIND_LAG_P99_MS = 10;
/** Achieved share of the requested rate below which a trial is said to have fallen behind. */
export const BEHIND_RATE_SHARE = 0.97;

/**
 * Collects the send times of one open-loop trial's measured requests.
 *
 * @example
 * ```ts
 * import { LoadDeliveredAccumulator } from "./load_delivered.ts";
 * import { newRecord } from "../record/record.ts";
 * import assert from "node:assert/strict";
 *
 * const acc = new LoadDeliveredAccumulator();
 * for (let i = 0; i < 5; i++) {
 *   const r = newRecord(i, "measure", 0, 0, i, i * 100);
 *   r.sentMs = i * 100 + 0.2;
 *   acc.add(r);
 * }
 * const d = acc.result({ rate: 10, arrival: "constant", burstiness: 1, rampUpS: 0, planned: 5 });
 * assert.equal(d.achievedRate, 10);
 * assert.equal(d.scheduleLagMs?.max.toFixed(1), "0.2");
 * assert.equal(d.fellBehind, false);
 * ```
 */
export class LoadDeliveredAccumulator {
  #sched = new FloatList();
  #sent = new FloatList();
  #lag = new FloatList();
  #clientLag = new FloatList();
  #queue = new FloatList();

  /**
   * Adds a measured request (failed ones too: their sends were real).
   * Aborted requests (the user interrupted the run) are left out, as from
   * every other metric.
   *
   * @param rec The record.
   */
  add(rec: RequestRecord): void {
    if (!rec.ok && rec.error?.reason === "aborted") return;
    this.#sched.push(rec.scheduledMs);
    this.#sent.push(rec.sentMs);
    this.#lag.push(rec.sentMs - rec.scheduledMs);
    this.#clientLag.push(rec.sentMs - rec.scheduledMs - rec.queueMs);
    if (rec.queueMs > 0) this.#queue.push(rec.queueMs);
  }

  /**
   * The trial's section. Call once, at the end of the trial.
   *
   * @param req What was asked.
   * @returns The section.
   */
  result(req: RequestedLoad): LoadDelivered {
    const sent = this.#sent.view().sort();
    const n = sent.length;
    const finite = Number.isFinite(req.rate);
    const rateOf = (a: Float64Array) =>
      a.length > 1 && a[a.length - 1] > a[0]
        ? ((a.length - 1) * 1000) / (a[a.length - 1] - a[0])
        : null;
    const achieved = rateOf(sent);
    const sched = this.#sched.view().sort();
    const planned = finite ? rateOf(sched) : null;
    const lag = this.#lag.view().sort();
    const q = this.#queue.view().sort();
    const pick = (a: Float64Array) =>
      a.length === 0
        ? null
        : { p50: quantileSorted(a, 0.5), p99: quantileSorted(a, 0.99), max: a[a.length - 1] };
    // Gaps between consecutive sends, outside the ramp.
    let ks: LoadDelivered["ks"] = null;
    let maxGapErrorMs: number | null = null;
    if (finite && n > 2 && req.arrival !== "trace") {
      const rampEnd = sched[0] + req.rampUpS * 1000;
      const gaps: number[] = [];
      for (let i = 1; i < n; i++) if (sent[i - 1] >= rampEnd) gaps.push(sent[i] - sent[i - 1]);
      if (gaps.length > 2) {
        const fit = arrivalFit(gaps, { ...req, arrival: req.arrival as "poisson" });
        if (fit.ksStatistic !== null) {
          ks = { statistic: fit.ksStatistic, pValue: fit.ksPValue!, n: fit.n };
        }
        maxGapErrorMs = fit.maxGapErrorMs;
      }
    }
    const lagStats = pick(lag);
    const queueStats = pick(q);
    const client = this.#clientLag.view().sort();
    const fellBehind = (achieved !== null && planned !== null &&
      achieved < BEHIND_RATE_SHARE * planned) ||
      (client.length > 0 && quantileSorted(client, 0.99) > BEHIND_LAG_P99_MS);
    return {
      requestedRate: finite ? req.rate : null,
      plannedRate: planned,
      achievedRate: achieved,
      planned: req.planned,
      sent: n,
      scheduleLagMs: lagStats,
      queueMs: queueStats ? { ...queueStats, waited: q.length } : null,
      ks,
      maxGapErrorMs,
      fellBehind,
    };
  }
}
