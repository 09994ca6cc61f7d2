/**
 * The object `benchmark()` returns: the results document plus ways to show
 * and save it.
 *
 * @module
 */

import { dirname } from "node:path";
import { renderCsv } from "../report/csv.ts";
import type { ResultsDocument } from "../results/document.ts";
import { readResults } from "../results/read.ts";
import { renderTable } from "../report/table.ts";
import { redactDeep } from "../util/redact.ts";

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
   * The results as a text table.
   *
   * @param color Use terminal colours.
   * @returns The table.
   */
  toTable(color = false): string {
    return renderTable(this.#doc, { color });
  }

  /** Prints the table to the console. */
  print(): void {
    console.log(this.toTable(Deno.stdout.isTerminal() && !Deno.noColor));
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
}

function saveText(results: BenchmarkResults, path: string): string {
  const lower = path.toLowerCase();
  if (lower.endsWith(".json")) return JSON.stringify(results.toJSON(), null, 2) + "\n";
  if (lower.endsWith(".csv")) return results.toCSV();
  throw new TypeError(
    `Cannot save results: the path must end in .json or .csv, got ${JSON.stringify(path)}`,
  );
}
