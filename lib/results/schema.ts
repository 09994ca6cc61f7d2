/**
 * The zod schema of the results document (schema version 1), used to read
 * `results.json` back. It is strict about the structure that analysis and
 * reports need (levels, trials, metric numbers, summary entries) and
 * tolerant where the document is free-form (`config`, `backend`, the
 * fingerprint's `sampling`). Keys it does not know (added within schema
 * version 1 by a later splleed) are dropped, not rejected.
 *
 * JSON has no NaN or Infinity: `JSON.stringify` writes them as `null`. Where
 * the document type says `number` for a measured value (a metric, a summary
 * value or interval bound, a time-series point, a load statistic), `null` is
 * accepted and read back as NaN: "this was not a finite number". Where the
 * type says `number | null`, `null` stays `null`.
 *
 * A compile-time check at the end of this file makes the schema's output
 * type and {@linkcode ResultsDocument} equal, field for field: a field added
 * to one and not the other fails `deno check`.
 *
 * @module
 */

import type { Assert, Deep, Equal } from "../util/type_equal.ts";
import { z } from "npm:zod@^4.6.7";
import type { ResultsDocument } from "./document.ts";

/**
 * The schema version this splleed writes.
 *
 * @example
 * ```ts
 * import { RESULTS_SCHEMA_VERSION } from "./schema.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(RESULTS_SCHEMA_VERSION, 1);
 * ```
 */
export const RESULTS_SCHEMA_VERSION = 1;

/**
 * The schema versions this splleed reads.
 *
 * @example
 * ```ts
 * import { RESULTS_SCHEMA_VERSION, SUPPORTED_RESULTS_VERSIONS } from "./schema.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(SUPPORTED_RESULTS_VERSIONS.includes(RESULTS_SCHEMA_VERSION));
 * ```
 */
export const SUPPORTED_RESULTS_VERSIONS: readonly number[] = [1];

/** A measured number: `null` (NaN or ±Infinity when written) reads back as NaN. */
const measured = z.number().nullable().transform((v) => v ?? NaN);
/** A count of things. */
const count = z.number().int().nonnegative();
/** Failure reason → count. */
const errorCounts = z.record(z.string(), count);

const timeSeriesSchema = z.object({
  intervalS: z.number().positive(),
  completed: z.array(count),
  outputTokensPerS: z.array(measured),
  inFlight: z.array(measured),
});

const spread = z.object({ p50: measured, p99: measured, max: measured });

const loadDeliveredSchema = z.object({
  requestedRate: z.number().nullable(),
  plannedRate: z.number().nullable(),
  achievedRate: z.number().nullable(),
  planned: count,
  sent: count,
  scheduleLagMs: spread.nullable(),
  queueMs: z.object({ p50: measured, p99: measured, max: measured, waited: count }).nullable(),
  ks: z.object({ statistic: measured, pValue: measured, n: count }).nullable(),
  maxGapErrorMs: z.number().nullable(),
  fellBehind: z.boolean(),
});

const trialSchema = z.object({
  metrics: z.record(z.string(), measured),
  errors: errorCounts,
  errorMessages: z.record(z.string(), z.string()).optional(),
  complete: z.boolean(),
  notIssued: count.optional(),
  timeSeries: timeSeriesSchema.optional(),
  load: loadDeliveredSchema.optional(),
});

const metricSummarySchema = z.object({
  value: measured,
  ci: z.tuple([measured, measured]).nullable(),
  trials: z.array(z.number().nullable()),
  basis: z.literal("pooled").optional(),
  spread: z.object({ min: z.number(), max: z.number() }).optional(),
  noInterval: z.object({ values: count, needed: count, trials: count.optional() }).optional(),
  nonFinite: count.optional(),
});

const levelSchema = z.object({
  mode: z.enum(["latency", "throughput", "serve"]),
  concurrency: count,
  requestRate: z.union([z.number().positive(), z.literal("inf")]).optional(),
  trials: z.array(trialSchema),
  summary: z.record(z.string(), metricSummarySchema),
  errors: errorCounts,
  errorMessages: z.record(z.string(), z.string()).optional(),
  notIssued: count.optional(),
  notes: z.array(z.string()).optional(),
});

const telemetrySourceSchema = z.object({
  available: z.boolean(),
  note: z.string().optional(),
  intervalMs: z.number().optional(),
  info: z.record(z.string(), z.unknown()).optional(),
  series: z.array(z.object({
    name: z.string(),
    unit: z.string(),
    source: z.string().optional(),
    tMs: z.array(z.number()),
    values: z.array(z.number().nullable()),
  })),
});

const percentiles = z.object({ p50: z.number(), p95: z.number(), p99: z.number() });
const shared = z.object({ tokens: count, share: z.number() });

const fingerprintSchema = z.object({
  promptCount: count,
  inputLen: percentiles,
  outputLenRequested: percentiles.nullable(),
  outputLenObserved: z.object({
    p50: z.number(),
    p95: z.number(),
    p99: z.number(),
    count: count,
  }).optional(),
  commonPrefix: shared,
  systemPromptDetected: z.boolean(),
  systemPrompt: shared.nullable(),
  idealPrefixHitRatio: z.number().optional(),
  tokenizer: z.object({ name: z.string(), kind: z.enum(["hf", "default"]) }),
  sampling: z.record(z.string(), z.unknown()),
  sha256: z.string(),
  itemsSha256: z.string(),
});

const sweepSchema = z.object({
  find: z.enum(["max-rate", "max-concurrency"]),
  slo: z.record(z.string(), z.number().optional()),
  attainment: z.number(),
  probes: z.array(z.object({ load: z.number(), pass: z.boolean() })),
  result: z.number().nullable(),
  bracket: z.tuple([z.number().nullable(), z.number().nullable()]),
});

/**
 * The results document, schema version 1. Parse a value that already passed
 * the version check (`readResults` and `parseResults` do that first, so that
 * a document of another version gets a message about versions, not fields).
 *
 * @example
 * ```ts
 * import { resultsDocumentSchema } from "./schema.ts";
 * import assert from "node:assert/strict";
 *
 * const doc = {
 *   schemaVersion: 1,
 *   tool: { name: "splleed", version: "0.1.0", deno: "2.9.6" },
 *   config: { anything: "goes" },
 *   backend: { kind: "simulator" },
 *   startedAt: "2026-01-01T00:00:00.000Z",
 *   finishedAt: "2026-01-01T00:00:01.000Z",
 *   interrupted: false, interruption: null, warnings: [], recordsFile: null,
 *   levels: [{
 *     mode: "latency", concurrency: 1, errors: {},
 *     trials: [{ metrics: { ttft_p50_ms: 12, ttft_p99_ms: null }, errors: {}, complete: true }],
 *     summary: { ttft_p50_ms: { value: 12, ci: null, trials: [12] } },
 *   }],
 * };
 * const parsed = resultsDocumentSchema.parse(doc);
 * assert.ok(Number.isNaN(parsed.levels[0].trials[0].metrics.ttft_p99_ms));
 * assert.equal(resultsDocumentSchema.safeParse({ ...doc, levels: [{}] }).success, false);
 * ```
 */
export const resultsDocumentSchema = z.object({
  schemaVersion: z.literal(1),
  tool: z.object({ name: z.literal("splleed"), version: z.string(), deno: z.string() }),
  config: z.record(z.string(), z.unknown()),
  sweep: sweepSchema.optional(),
  workload: fingerprintSchema.optional(),
  backend: z.record(z.string(), z.unknown()),
  startedAt: z.string(),
  finishedAt: z.string(),
  interrupted: z.boolean(),
  interruption: z.string().nullable(),
  interruptionCause: z.enum(["signal", "abort", "server_exit", "rejected"]).nullable().optional(),
  warnings: z.array(z.string()),
  recordsFile: z.string().nullable(),
  levels: z.array(levelSchema),
  clock: z.object({ originMs: z.number(), originEpochMs: z.number() }).optional(),
  telemetry: z.object({
    gpu: telemetrySourceSchema.optional(),
    engine: telemetrySourceSchema.optional(),
    markers: telemetrySourceSchema.optional(),
  }).optional(),
  source: z.object({
    tool: z.enum(["vllm-bench", "guidellm"]),
    version: z.string().optional(),
    file: z.string(),
    differences: z.record(z.string(), z.string()),
    unmapped: z.record(z.string(), z.unknown()),
  }).optional(),
});

// ---- The schema and the document type cannot drift ----

/**
 * Fails to compile when the schema's output and {@linkcode ResultsDocument}
 * differ (a field missing on one side, a different type, an optional field
 * made required). Fix the schema above or `document.ts` so they agree.
 */
type SchemaMatchesDocument = Assert<
  Equal<Deep<z.output<typeof resultsDocumentSchema>>, Deep<ResultsDocument>>
>;
