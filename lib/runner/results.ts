/**
 * The object `benchmark()` returns: the results document plus ways to show
 * and save it.
 *
 * @module
 */

import { dirname } from "node:path";
import { ConfigError } from "../config/errors.ts";
import { metricInfo } from "../metrics/ids.ts";
import { renderCsv } from "../report/csv.ts";
import { renderMarkdown } from "../report/markdown.ts";
import type { ResultsDocument } from "../results/document.ts";
import { readResults } from "../results/read.ts";
import { knownMetricIds, renderTable, type TableOptions } from "../report/table.ts";
import { redactDeep } from "../util/redact.ts";

export type { TableOptions } from "../report/table.ts";

/**
 * Checks the rows a table is asked for: every id in `metrics` one splleed
 * produces, not both `metrics` and `allMetrics: true`.
 *
 * @param options The table options (or the spec's `table` field).
 * @param what What cannot start, for the message. @default "report"
 * @param path The name of `metrics` in the message (`--metrics`, `table.metrics`). @default "metrics"
 * @throws {ConfigError} Naming each unknown id and the known ids; or an
 *   empty list; or both options.
 *
 * @example
 * ```ts
 * import { checkTableOptions } from "./results.ts";
 * import assert from "node:assert/strict";
 *
 * checkTableOptions({ metrics: ["ttft_p50_ms", "throughput_tokens_per_sec"] });
 * assert.throws(
 *   () => checkTableOptions({ metrics: ["ttft_p50", "itl_p50_ms"] }, "benchmark", "--metrics"),
 *   /Cannot start benchmark: '--metrics' must be metric ids splleed produces \(known: .*\), got the unknown id 'ttft_p50'/,
 * );
 * ```
 */
export function checkTableOptions(
  options: Pick<TableOptions, "metrics" | "allMetrics"> | undefined,
  what = "report",
  path = "metrics",
): void {
  const metrics = options?.metrics;
  if (metrics === undefined) return;
  if (!Array.isArray(metrics) || metrics.length === 0) {
    throw new ConfigError(what, [{
      path,
      expected: "a non-empty list of metric ids, such as ttft_p50_ms,throughput_tokens_per_sec",
      received: Array.isArray(metrics) ? "an empty list" : JSON.stringify(metrics),
    }]);
  }
  const unknown = metrics.filter((id) => typeof id !== "string" || metricInfo(id) === undefined);
  if (unknown.length > 0) {
    throw new ConfigError(what, [{
      path,
      expected: `metric ids splleed produces (known: ${knownMetricIds()})`,
      received: unknown.map((id) => `the unknown id ${JSON.stringify(id).replace(/^"|"$/g, "'")}`)
        .join(", "),
    }]);
  }
  if (options?.allMetrics === true) {
    throw new ConfigError(what, [{
      path,
      expected: "absent when every metric is shown (allMetrics, --all-metrics)",
      received: metrics.join(","),
    }]);
  }
}

/**
 * Results of a benchmark run.
 *
 * @example
 * ```ts ignore
 * const results = await benchmark({ ... });
 * results.print();
 * await results.save("results.json");
 * const csv = results.toCSV();
 * ```
 */
export class BenchmarkResults {
  #doc: ResultsDocument;

  /**
   * Wraps a results document (use {@linkcode BenchmarkResults.load} to read one from disk).
   *
   * @param doc The results document.
   */
  constructor(doc: ResultsDocument) {
    // Redacted once, here: the document, its table, its CSV and every getter hold no key,
    // credential URL or echoed Authorization header.
    this.#doc = redactDeep(doc);
  }

  /**
   * Loads the results of a finished run from `results.json` (or its JSON
   * text), validated, as the same object `benchmark()` returned: `levels`,
   * `interrupted`, `toJSON()`, `toCSV()`, `toTable()` and `save()` all work.
   *
   * @param pathOrText A path, a `file:` URL, or the document's JSON text.
   * @returns The results.
   * @throws {import("../results/errors.ts").ResultsFormatError} When the file
   *   is not a complete splleed results document of a schema version this
   *   splleed reads, or a field is invalid (the message names the field).
   * @throws {Deno.errors.NotFound} When the file does not exist.
   *
   * @example
   * ```ts
   * import { BenchmarkResults } from "./results.ts";
   * import assert from "node:assert/strict";
   *
   * const path = await Deno.makeTempFile({ suffix: ".json" });
   * await Deno.writeTextFile(path, JSON.stringify({
   *   schemaVersion: 1,
   *   tool: { name: "splleed", version: "0.1.0", deno: "2.9.6" },
   *   config: {}, backend: { kind: "simulator" },
   *   startedAt: "2026-01-01T00:00:00.000Z", finishedAt: "2026-01-01T00:00:01.000Z",
   *   interrupted: true, interruption: "interrupted by SIGINT", interruptionCause: "signal",
   *   warnings: [], recordsFile: null,
   *   levels: [{
   *     mode: "latency", concurrency: 2, errors: {},
   *     trials: [{ metrics: { ttft_p50_ms: 12 }, errors: {}, complete: false }],
   *     summary: { ttft_p50_ms: { value: 12, ci: null, trials: [12] } },
   *   }],
   * }));
   * const results = await BenchmarkResults.load(path);
   * assert.equal(results.interrupted, true);
   * assert.equal(results.levels[0].concurrency, 2);
   * assert.match(results.toCSV(), /^mode,concurrency/);
   * await Deno.remove(path);
   * ```
   */
  static async load(pathOrText: string | URL): Promise<BenchmarkResults> {
    return new BenchmarkResults(await readResults(pathOrText));
  }

  /** The load levels with their trials and summaries. */
  get levels(): ResultsDocument["levels"] {
    return this.#doc.levels;
  }

  /** True when the run was cut short (interrupt, server failure). */
  get interrupted(): boolean {
    return this.#doc.interrupted;
  }

  /** Why the run was cut short (a message), or null. */
  get interruption(): string | null {
    return this.#doc.interruption;
  }

  /** What cut the run short: `signal`, `abort` or `server_exit`; null when it was not. */
  get interruptionCause(): ResultsDocument["interruptionCause"] {
    return this.#doc.interruptionCause ?? null;
  }

  /** Path of the per-request records file, or null. */
  get recordsFile(): string | null {
    return this.#doc.recordsFile;
  }

  /**
   * The results document (schema version 1), redacted: every string passes
   * through `redactDeep` (`lib/util/redact.ts`), so no key, credential URL or
   * echoed `Authorization` header leaves it.
   *
   * @returns The document (a fresh copy).
   */
  toJSON(): ResultsDocument {
    return structuredClone(this.#doc);
  }

  /**
   * The results as CSV, one row per level.
   *
   * @returns CSV text.
   */
  toCSV(): string {
    return renderCsv(this.#doc);
  }

  /**
   * The results as a text table: by default the headline rows (TTFT, ITL,
   * TPOT, E2E, throughput, goodput, failures; see `lib/report/table.ts`),
   * each value rounded to what its interval supports.
   *
   * @param options Rows (`metrics`, `allMetrics`; without them, the run's
   *   `table` choice), `color` and `width`. A boolean is `color`, as before.
   * @returns The table with its header and notes (no trailing newline).
   * @throws {ConfigError} When `metrics` names an id splleed does not produce.
   *
   * @example
   * ```ts
   * import { BenchmarkResults } from "./results.ts";
   * import { fixtureDocument } from "../results/fixtures.ts";
   * import assert from "node:assert/strict";
   *
   * const results = new BenchmarkResults(fixtureDocument([{ mode: "latency", concurrency: 4,
   *   trials: [], errors: {}, summary: { ttft_p50_ms: { value: 41.2, ci: [40.1, 42.9], trials: [], basis: "pooled" },
   *   ttft_std_ms: { value: 3, ci: null, trials: [] } } }], { trials: 3, confidenceLevel: 0.95 }));
   * assert.match(results.toTable(), /│ TTFT p50 \(ms\) │ 41\.2 \(40\.1–42\.9\) │/);
   * assert.doesNotMatch(results.toTable(), /ttft_std_ms/);
   * assert.match(results.toTable({ allMetrics: true }), /│ ttft_std_ms +│ +3\.00 │/);
   * assert.throws(() => results.toTable({ metrics: ["ttft_p5_ms"] }), /unknown id 'ttft_p5_ms'/);
   * ```
   */
  toTable(options: TableOptions | boolean = {}): string {
    const o = typeof options === "boolean" ? { color: options } : options;
    this.#checkRows(o);
    return renderTable(this.#doc, o);
  }

  /**
   * The results as GitHub-flavoured Markdown for a pull request: the run's
   * header (engine, model, mode, trials), its warnings, the same table as
   * {@linkcode toTable} and its notes.
   *
   * @param options Rows (`metrics`, `allMetrics`), as for {@linkcode toTable}.
   * @param title The heading. @default "Benchmark results"
   * @returns The Markdown (ends with a newline).
   * @throws {ConfigError} When `metrics` names an id splleed does not produce.
   *
   * @example
   * ```ts
   * import { BenchmarkResults } from "./results.ts";
   * import { fixtureDocument } from "../results/fixtures.ts";
   * import assert from "node:assert/strict";
   *
   * const results = new BenchmarkResults(fixtureDocument([{ mode: "latency", concurrency: 4,
   *   trials: [], errors: {}, summary: { ttft_p50_ms: { value: 41.2, ci: null, trials: [] } } }]));
   * assert.match(results.toMarkdown(), /\n\| Metric \| c=4 \|\n\| :-- \| --: \|\n\| TTFT p50 \(ms\) \| 41\.2 \|\n/);
   * ```
   */
  toMarkdown(options: TableOptions = {}, title?: string): string {
    this.#checkRows(options);
    return renderMarkdown(this.#doc, options, title);
  }

  /**
   * Prints the table to the console: in colour on a terminal (unless
   * `NO_COLOR`), fitted to its width.
   *
   * @param options As for {@linkcode toTable}; `color` and `width` default
   *   to what the terminal supports.
   */
  print(options: TableOptions = {}): void {
    const terminal = Deno.stdout.isTerminal();
    let width: number | undefined;
    if (terminal) {
      try {
        width = Deno.consoleSize().columns;
      } catch {
        // No console size (not a real terminal): no limit.
      }
    }
    console.log(this.toTable({ color: terminal && !Deno.noColor, width, ...options }));
  }

  /** Checks the rows asked for, or without options the run's saved `table` choice. */
  #checkRows(options: TableOptions): void {
    if (options.metrics !== undefined || options.allMetrics !== undefined) {
      checkTableOptions(options);
      return;
    }
    const t = this.#doc.config.table;
    if (typeof t === "object" && t !== null) {
      checkTableOptions(t as TableOptions, "report", "table.metrics");
    }
  }

  /**
   * Saves the results: `.json` writes the document ({@linkcode toJSON}),
   * `.csv` the CSV; both redacted, as everything here is.
   *
   * @param path Output path; parent directories are created.
   * @throws {TypeError} When the extension is neither `.json` nor `.csv`.
   */
  async save(path: string): Promise<void> {
    const text = saveText(this, path);
    await Deno.mkdir(dirname(path), { recursive: true });
    await Deno.writeTextFile(path, text);
  }

  /**
   * The results as a self-contained HTML report: one file that opens
   * offline (charts drawn by uPlot, inlined; no network request), with the
   * latency–throughput curve, the latency distributions read from the
   * records file (when it exists), the time series, the load delivered and
   * every metric. Same as `htmlReport([{ name, results: this }], options)`
   * (`lib/runner/html.ts`), the name being the model.
   *
   * @param options `title`; `records: false` to leave the records file unread.
   * @returns The HTML text.
   *
   * @example
   * ```ts
   * import { BenchmarkResults } from "./results.ts";
   * import { fixtureDocument } from "../results/fixtures.ts";
   * import assert from "node:assert/strict";
   *
   * const results = new BenchmarkResults(fixtureDocument([]));
   * const html = await results.toHTML({ title: "nightly" });
   * assert.match(html, /<title>splleed · nightly<\/title>/);
   * ```
   */
  async toHTML(options?: import("./html.ts").HtmlReportOptions): Promise<string> {
    const { htmlReport } = await import("./html.ts");
    const model = this.#doc.backend.model;
    const name = typeof model === "string" && model !== "" ? model : "run";
    return await htmlReport([{ name, results: this }], options);
  }

  /**
   * Writes the run's timeline, drawn from its records file read back: with
   * `format: "perfetto"` (the default) Chrome Trace Event JSON that opens in
   * Perfetto (ui.perfetto.dev): one span per request with its phases
   * (queued, waiting for first token, decoding), failures marked, and a
   * counter track per telemetry series (GPU, engine metrics) on the same
   * clock; with `format: "simple"` every request's times in ns since the
   * Unix epoch. Both carry the clock anchor, so the requests can be placed
   * on an Nsight Systems or PyTorch profiler timeline
   * (`lib/trace/timeline.ts` says how).
   *
   * @param path Where to write it (parent folders are created).
   * @param options `format`; `resultsPath`, the results file the document
   *   was read from (the records file is also looked for beside it).
   * @throws {ConfigError} When the run kept no records file, it cannot be
   *   found, or `format` is unknown.
   * @throws {import("../results/errors.ts").ResultsFormatError} When the
   *   records file is not a splleed records file.
   *
   * @example
   * ```ts
   * import { BenchmarkResults } from "./results.ts";
   * import { fixtureDocument } from "../results/fixtures.ts";
   * import assert from "node:assert/strict";
   *
   * const results = new BenchmarkResults(fixtureDocument([])); // a run that kept no records
   * await assert.rejects(results.exportTimeline("timeline.json"), /the run kept no records/);
   * ```
   */
  async exportTimeline(
    path: string,
    options?: import("./timeline.ts").TimelineExportOptions,
  ): Promise<void> {
    const { writeTimeline } = await import("./timeline.ts");
    await writeTimeline(this.#doc, path, options);
  }
}

function saveText(results: BenchmarkResults, path: string): string {
  const lower = path.toLowerCase();
  if (lower.endsWith(".json")) return JSON.stringify(results.toJSON(), null, 2) + "\n";
  if (lower.endsWith(".csv")) return results.toCSV();
  throw new TypeError(
    `Cannot save results: the path must end in .json or .csv, got ${JSON.stringify(path)}`,
  );
}
