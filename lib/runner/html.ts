/**
 * `htmlReport()`: the self-contained HTML report of one or more runs (two
 * runs: with their comparison). The runner wires it: it reads each run's
 * records file for the TTFT, ITL and E2E distributions (the report itself
 * never reads files), compares two runs with `compareDocuments`, and hands
 * everything to the renderer (`lib/report/html/render.ts`).
 *
 * @module
 */

import { mergeSorted } from "./document.ts";
import { compareDocuments, type ComparisonData } from "../analysis/compare.ts";
import { TrialAccumulator, type TrialSamples } from "../metrics/trial.ts";
import { cdfPoints } from "../report/html/cdf.ts";
import { renderHtmlReport } from "../report/html/render.ts";
import type { HtmlRun, LevelDistributions } from "../report/html/types.ts";
import type { ResultsDocument } from "../results/document.ts";
import { readRecords } from "../results/records.ts";
import { BlockedSample } from "../stats/blocked_sample.ts";
import { type RankedSample, sortedSample } from "../stats/quantile_interval.ts";
import type { BenchmarkResults } from "./results.ts";
import { isFile } from "./_files.ts";

/** One run for the report: its results, and a display name (file name without extension). */
export interface HtmlReportRun {
  /** The name shown for the run (legends, headings, the comparison). */
  name: string;
  /** The results, as `benchmark()` returned them or as a document read back. */
  results: BenchmarkResults | ResultsDocument;
}

/** Options of {@linkcode htmlReport}. */
export interface HtmlReportOptions {
  /**
   * The page's title.
   * @default {a title from the runs' engines and models, or their names}
   */
  title?: string;
  /**
   * Read the records files for distributions.
   * @default {true}
   */
  records?: boolean;
}

/** Ranks read from a `BlockedSample` at a time (each wanted bucket costs 256 KiB while read). */
const RANK_BATCH = 32;

/** A blocked sample whose `atRanks` reads a few ranks at a time, bounding its memory. */
function batched(sample: BlockedSample): Pick<RankedSample, "length" | "atRanks"> {
  return {
    length: sample.length,
    atRanks(ranks) {
      const out: number[] = [];
      for (let i = 0; i < ranks.length; i += RANK_BATCH) {
        out.push(...sample.atRanks(ranks.slice(i, i + RANK_BATCH)));
      }
      return out;
    },
  };
}

/**
 * Reads a run's records file and returns, per level of the document, the
 * CDFs of TTFT, ITL and E2E over the trials its summary uses (the complete
 * ones; all when none completed), each downsampled to a few hundred points
 * (`cdfPoints`). The samples are the metrics' own (`TrialAccumulator`):
 * measured requests only; TTFT and ITL of completed, streamed requests; E2E
 * of completed ones; aborted and cut requests left out. So a curve's first
 * and last points are the level's `*_min_ms` and `*_max_ms`, and its count
 * the requests (or gaps) its percentiles are over.
 *
 * @param doc The results document the records belong to.
 * @param path Its records file.
 * @returns One entry per level (undefined for a level without records).
 * @throws {import("../results/errors.ts").ResultsFormatError} When the file
 *   is not a splleed records file.
 * @throws {Deno.errors.NotFound} When the file does not exist.
 *
 * @example
 * ```ts
 * import { levelDistributions } from "./html.ts";
 * import { fixtureDocument } from "../results/fixtures.ts";
 * import assert from "node:assert/strict";
 *
 * const doc = fixtureDocument([{ mode: "latency", concurrency: 1, summary: {}, errors: {},
 *   trials: [{ metrics: {}, errors: {}, complete: true }] }]);
 * const rec = (id: number, firstTokenMs: number) => JSON.stringify({
 *   kind: "request", id, phase: "measure", level: 0, trial: 0, promptIndex: 0,
 *   scheduledMs: 0, queueMs: 0, sentMs: 0, headersMs: 1, firstTokenMs, endMs: firstTokenMs + 4,
 *   outputTokens: 2, outputTokensSource: "usage", promptTokens: 3, status: 200, ok: true,
 *   error: null, chunkMs: [firstTokenMs, firstTokenMs + 4],
 * });
 * const path = await Deno.makeTempFile({ suffix: ".jsonl" });
 * await Deno.writeTextFile(path, [
 *   '{"kind":"run","schemaVersion":1,"startedAt":"2026-01-01T00:00:00.000Z",' +
 *     '"clock":{"originMs":0,"originEpochMs":0}}',
 *   rec(0, 10), rec(1, 30), "",
 * ].join("\n"));
 * const [level] = await levelDistributions(doc, path);
 * assert.deepEqual(level!.ttft, { x: [10, 30], p: [0.5, 1], n: 2 });
 * assert.deepEqual(level!.e2e!.x, [14, 34]);
 * await Deno.remove(path);
 * ```
 */
export async function levelDistributions(
  doc: ResultsDocument,
  path: string,
): Promise<(LevelDistributions | undefined)[]> {
  const embeddings = doc.backend.api === "embeddings";
  const accs = new Map<string, TrialAccumulator>();
  for await (const rec of readRecords(path)) {
    if (rec.phase !== "measure") continue;
    const key = `${rec.level}:${rec.trial}`;
    let acc = accs.get(key);
    if (acc === undefined) {
      acc = new TrialAccumulator(undefined, { embeddings });
      accs.set(key, acc);
    }
    acc.add(rec);
  }
  return doc.levels.map((level, li) => {
    const complete = level.trials.map((t, ti) => ({ t, ti })).filter(({ t }) => t.complete);
    const basis = complete.length > 0 ? complete : level.trials.map((t, ti) => ({ t, ti }));
    const samples: TrialSamples[] = [];
    for (const { ti } of basis) {
      const acc = accs.get(`${li}:${ti}`);
      if (acc === undefined) continue;
      acc.result();
      samples.push(acc.samples());
    }
    if (samples.length === 0) return undefined;
    const out: LevelDistributions = {};
    const ttft = mergeSorted(samples.map((s) => s.ttft));
    if (ttft.length > 0) out.ttft = cdfPoints(sortedSample(ttft));
    const itl = BlockedSample.pool(samples.map((s) => s.itl));
    if (itl.length > 0) out.itl = cdfPoints(batched(itl));
    const e2e = mergeSorted(samples.map((s) => s.e2e));
    if (e2e.length > 0) out.e2e = cdfPoints(sortedSample(e2e));
    return out;
  });
}

async function toRun(run: HtmlReportRun, records: boolean): Promise<HtmlRun> {
  if (run === null || typeof run !== "object" || typeof run.name !== "string") {
    throw new TypeError(
      `Cannot make the HTML report: each run must be { name: string, results }, got ${
        JSON.stringify(run)
      }`,
    );
  }
  const r = run.results as Partial<BenchmarkResults> & Partial<ResultsDocument>;
  const doc: ResultsDocument | undefined = typeof r?.toJSON === "function"
    ? (r as BenchmarkResults).toJSON()
    : r !== null && typeof r === "object" && Array.isArray(r.levels)
    ? r as ResultsDocument
    : undefined;
  if (doc === undefined) {
    throw new TypeError(
      `Cannot make the HTML report: the results of run ${
        JSON.stringify(run.name)
      } must be BenchmarkResults or a results document (with levels), got ${typeof run.results}`,
    );
  }
  const out: HtmlRun = { name: run.name, doc };
  if (!records) {
    out.distributionsNote = "records were not read (records: false)";
  } else if (doc.recordsFile === null) {
    out.distributionsNote = "the run kept no records file";
  } else if (!(await isFile(doc.recordsFile))) {
    out.distributionsNote = `its records file ${doc.recordsFile} was not found`;
  } else {
    out.distributions = await levelDistributions(doc, doc.recordsFile);
  }
  return out;
}

/**
 * A self-contained HTML report of one or more runs (two runs: with their
 * comparison). Reads each run's records file (when it exists) for the
 * TTFT/ITL/E2E distributions.
 *
 * The page opens offline and makes no network request (uPlot is inlined);
 * see `lib/report/html/render.ts` for its sections. Several runs are
 * overlaid on the plots; with two, the first is the baseline of a
 * benchstat-style comparison (`compareDocuments`).
 *
 * @param runs The runs, each with a display name.
 * @param options The title; whether to read the records files.
 * @returns The HTML text.
 * @throws {TypeError} When no run is given, or a run is not a name and results.
 * @throws {import("../results/errors.ts").ResultsFormatError} When a records
 *   file exists but is not a splleed records file.
 *
 * @example
 * ```ts
 * import { htmlReport } from "./html.ts";
 * import { fixtureDocument } from "../results/fixtures.ts";
 * import assert from "node:assert/strict";
 *
 * const doc = fixtureDocument([{ mode: "latency", concurrency: 1, trials: [], errors: {},
 *   summary: { ttft_p50_ms: { value: 20, ci: null, trials: [] } } }]);
 * const html = await htmlReport([{ name: "baseline", results: doc }]);
 * assert.match(html, /<!doctype html>/);
 * assert.match(html, /the run kept no records file/);
 * ```
 */
export async function htmlReport(
  runs: readonly HtmlReportRun[],
  options: HtmlReportOptions = {},
): Promise<string> {
  if (!Array.isArray(runs) || runs.length === 0) {
    throw new TypeError(
      `Cannot make the HTML report: 'runs' must be a non-empty list of { name, results }, got ${
        Array.isArray(runs) ? "[]" : typeof runs
      }`,
    );
  }
  const records = options.records ?? true;
  const htmlRuns: HtmlRun[] = [];
  for (const run of runs) htmlRuns.push(await toRun(run, records));
  let comparison: ComparisonData | undefined;
  if (htmlRuns.length === 2) {
    comparison = compareDocuments(htmlRuns[0].doc, htmlRuns[1].doc, {
      baselineName: htmlRuns[0].name,
      candidateName: htmlRuns[1].name,
    });
  }
  return renderHtmlReport({
    runs: htmlRuns,
    ...(options.title !== undefined ? { title: options.title } : {}),
    ...(comparison ? { comparison } : {}),
    generatedAt: new Date().toISOString(),
  });
}
