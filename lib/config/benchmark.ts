/**
 * The benchmark specification: every option of `benchmark()` and of a
 * `splleed run` config file, validated by one zod schema.
 *
 * What to send has one form once parsed: the older `prompts` field (a list,
 * or `{ file }`) and the `workload` list shorthand become a `workload`
 * source object (`{ source: "inline", prompts }`, or `{ source: "file",
 * path, format: "prompts" }`); the parsed specification has no `prompts`.
 *
 * @module
 */

import type { Assert, Deep, Equal } from "../util/type_equal.ts";
import { z } from "npm:zod@^4.6.7";
import { type BackendConfig, backendConfigSchema } from "./backends.ts";
import { jsonObjectSchema } from "./json_fields.ts";
import {
  workloadSchema,
  type WorkloadSource,
  type WorkloadSpec,
  type WorkloadSpecInput,
} from "./workload.ts";

const positiveInt: z.ZodNumber = z.number().int({ error: "a positive integer" }).positive({
  error: "a positive integer",
});

/** Resolved sampling parameters, sent with every request. */
export type Sampling = {
  /** Most tokens to generate per request. */
  maxTokens: number;
  /** Sampling temperature (0 is greedy). */
  temperature: number;
  /** Nucleus sampling mass. */
  topP: number;
  /** Ask the engine to ignore end-of-sequence so every request makes `maxTokens` tokens (vLLM, SGLang). */
  ignoreEos: boolean;
  /**
   * Fields merged into every JSON request body after splleed's own (TGI's
   * native API: into `parameters`), e.g. `{ top_k: 20, seed: 1 }`; an item's
   * own request fields come after. Values under secret-looking names
   * (`api_key`, `token`) are kept out of everything splleed writes.
   */
  extra?: Record<string, unknown>;
};

/** Sampling parameters as written in a config: every field may be left out. */
export type SamplingInput = {
  /**
   * Most tokens to generate per request.
   * @default {128}
   */
  maxTokens?: number;
  /**
   * Sampling temperature (0 is greedy).
   * @default {0}
   */
  temperature?: number;
  /**
   * Nucleus sampling mass.
   * @default {1}
   */
  topP?: number;
  /**
   * Ask the engine to ignore end-of-sequence so every request makes `maxTokens` tokens (vLLM, SGLang).
   * @default {false}
   */
  ignoreEos?: boolean;
  /**
   * Fields merged into every JSON request body after splleed's own (TGI's
   * native API: into `parameters`), e.g. `{ top_k: 20, chat_template_kwargs:
   * { enable_thinking: false } }`; an item's own request fields come after.
   * Values under secret-looking names (`api_key`, `token`) are kept out of
   * everything splleed writes. @default none
   */
  extra?: Record<string, unknown>;
};

/** Service-level objectives; a request that meets every one given counts toward goodput (at least one is given). */
export type Slo = {
  /** Most time to first token, ms. */
  ttftMs?: number;
  /** Most time per output token after the first, ms. */
  tpotMs?: number;
  /** Most end-to-end latency, ms. */
  e2eMs?: number;
};

const samplingObject = z.strictObject({
  /** Most tokens to generate per request. */
  maxTokens: positiveInt.default(128),
  /** Sampling temperature (0 is greedy). */
  temperature: z.number().min(0).default(0),
  /** Nucleus sampling mass. */
  topP: z.number().gt(0).max(1).default(1),
  /** Ask the engine to ignore end-of-sequence so every request makes `maxTokens` tokens (vLLM, SGLang). */
  ignoreEos: z.boolean().default(false),
  /** Fields merged into every JSON request body after splleed's own. */
  extra: jsonObjectSchema.optional(),
});

/** Sampling parameters sent with every request; defaults fill what is left out. */
export const samplingSchema: z.ZodType<Sampling, SamplingInput> = samplingObject;

const sloObject = z.strictObject({
  /** Most time to first token, ms. */
  ttftMs: z.number().positive().optional(),
  /** Most time per output token after the first, ms. */
  tpotMs: z.number().positive().optional(),
  /** Most end-to-end latency, ms. */
  e2eMs: z.number().positive().optional(),
}).refine((s) => Object.values(s).some((v) => v !== undefined), {
  message: "an object with at least one of ttftMs, tpotMs, e2eMs",
});

/** Service-level objectives; a request that meets every one given counts toward goodput. */
export const sloSchema: z.ZodType<Slo, Slo> = sloObject;

// ---- The schemas and the declared types cannot drift ----

/**
 * Fail to compile when a schema's input or output and the interface declared
 * for it differ. Fix the schema or the interface so they agree.
 */
type SchemasMatchTypes = [
  Assert<Equal<Deep<z.output<typeof samplingObject>>, Deep<Sampling>>>,
  Assert<Equal<Deep<z.input<typeof samplingObject>>, Deep<SamplingInput>>>,
  Assert<Equal<Deep<z.output<typeof sloObject>>, Deep<Slo>>>,
  Assert<Equal<Deep<z.input<typeof sloObject>>, Deep<Slo>>>,
  Assert<Equal<Deep<z.input<typeof benchmarkSpecObject>>, Deep<BenchmarkSpecInput>>>,
  Assert<
    Equal<
      Deep<Omit<z.output<typeof benchmarkSpecObject>, "prompts" | "workload" | "runs">>,
      Deep<Omit<BenchmarkSpec, "workload" | "runs">>
    >
  >,
];

/** Where prompts come from: a list, or a file (text one prompt a line, or JSONL with `prompt`). */
export const promptsSchema: z.ZodType<PromptsSpec, PromptsSpec> = z.union([
  z.array(z.string().min(1)).min(1),
  z.strictObject({ file: z.string().min(1) }),
], { error: "a list of prompts or { file: PATH }" });

/** A few varied prompts: what `splleed run` and `demo` send when no prompts are given. */
export const SAMPLE_PROMPTS: readonly string[] = [
  "What is the capital of France?",
  "Explain quantum computing briefly.",
  "Write a haiku about a GPU running out of memory.",
  "Summarize the causes of the French Revolution in three sentences.",
  "List five uses of a binary search tree and say when each is a good choice.",
  "Translate 'the batch is full, please wait' into Spanish, German and Japanese.",
  "Describe how continuous batching improves the throughput of an inference server, " +
  "and what it does to the latency of the first token when the server is busy.",
  "Give a step-by-step plan to profile a slow web service, from reproducing the problem " +
  "to confirming the fix, including which tools to use at each step and what to look for.",
];

/** Prompts as a list or a file reference. */
export type PromptsSpec = string[] | { file: string };

/**
 * The `workload` source object that a `prompts` field, or a `workload`
 * list, stands for.
 *
 * @param prompts The older `prompts` field (validated), or nothing.
 * @param workload The `workload` field (validated), or nothing.
 * @returns `workload` as an object, the `prompts` field as a source, or `undefined` when neither is given.
 *
 * @example
 * ```ts
 * import { normalizeWorkload } from "./benchmark.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(normalizeWorkload(["a"]), { source: "inline", prompts: ["a"] });
 * assert.deepEqual(normalizeWorkload({ file: "p.txt" }), { source: "file", path: "p.txt", format: "prompts" });
 * assert.deepEqual(normalizeWorkload(undefined, ["b"]), { source: "inline", prompts: ["b"] });
 * assert.equal(normalizeWorkload(), undefined);
 * ```
 */
export function normalizeWorkload(
  prompts?: PromptsSpec,
  workload?: WorkloadSpec,
): WorkloadSource | undefined {
  if (workload !== undefined) {
    return Array.isArray(workload) ? { source: "inline", prompts: [...workload] } : workload;
  }
  if (prompts === undefined) return undefined;
  if (Array.isArray(prompts)) return { source: "inline", prompts: [...prompts] };
  return { source: "file", path: prompts.file, format: "prompts" };
}

/** The shape of an `HttpTransport` object, checked by duck typing (config does not import lib/http). */
export interface TransportObject {
  /** The transport's name, stored with the results. */
  name: string;
  /** Sends one request. */
  send: (...args: never[]) => unknown;
  /** Closes its connections. */
  close: () => void;
}

/** Something that looks like a backend object made by a factory (`openai()`, `vllm()`, ...). */
function isBackendObject(v: unknown): boolean {
  return typeof v === "object" && v !== null &&
    typeof (v as { kind?: unknown }).kind === "string" &&
    typeof (v as { connect?: unknown }).connect === "function";
}

/** Fields of {@linkcode BenchmarkSpecInput} and {@linkcode BenchmarkSpec} that parsing leaves as written. */
export type BenchmarkSpecCommon = {
  /** The engine: an object from a backend factory, or backend data (`{ type: "vllm", ... }`). */
  backend: object | BackendConfig;
  /** Concurrency levels, each run separately (latency mode). */
  concurrency?: number[];
  /** Requests per level before measuring, not measured. @default max(1, the level's concurrency) */
  warmup?: number;
  /** Serve mode: most requests in flight; a request that finds none free waits, and the wait is recorded. */
  maxConcurrency?: number;
  /** Serve mode: each trial of a level lasts this many seconds (see `durationGraceS`). */
  durationS?: number;
  /** Service-level objectives for goodput. */
  slo?: Slo;
  /** How the results table is shown: `metrics` (ids as rows), or `allMetrics: true`. */
  table?: { metrics?: string[]; allMetrics?: boolean };
  /** Path to save the results to (`.json` or `.csv`) when the run ends. */
  out?: string;
  /** Path of a self-contained HTML report (`.html`) written when the run ends. */
  html?: string;
  /** Path of the per-request JSONL records, or `false` for none. @default beside `out`, else a temp file */
  records?: string | false;
  /** NVTX ranges per request for Nsight Systems: `true`, or the library path. */
  emitMarkers?: boolean | { library?: string };
  /** Labels of this run (`branch`, `commit`): kept in the history, and labels of its Prometheus metrics and Pushgateway summary. */
  tags?: Record<string, string>;
  /** Add the run to a history database (`splleed history`) when it ends, with these tags (beside `tags`). */
  history?: { db: string; tags?: Record<string, string> };
  /** Serve live Prometheus metrics at `http://hostname:port/metrics` while the run goes (port 0: any free port). */
  prometheus?: { port: number; hostname?: string };
  /** Push each level's summary to a Prometheus Pushgateway when the run ends: its URL, or URL and job. */
  pushgateway?: string | { url: string; job?: string };
  /** Largest share of a level's measured requests that may fail before the run counts as failed. */
  maxFailureRate?: number;
  /** Aborts the run (finished measurements are kept). Not serialisable. */
  signal?: AbortSignal;
};

/** The benchmark specification as a user writes it (`benchmark()`'s argument, a config file). */
export type BenchmarkSpecInput = BenchmarkSpecCommon & {
  /** The prompts; request i uses prompt i modulo their number. Or give `workload`. */
  prompts?: PromptsSpec;
  /** What to send: files, ShareGPT, Hugging Face datasets, synthetic lengths, prefix sharing. */
  workload?: WorkloadSpecInput;
  /** `latency`: closed loop at each concurrency; `throughput`: all at once; `serve`: open-loop arrivals. @default {"latency"} */
  mode?: "latency" | "throughput" | "serve";
  /** Measured requests per level per trial. @default 10, or unbounded in serve mode when `durationS` bounds the level */
  runs?: number;
  /** Serve mode: request rates (requests/s), each a level; `Infinity` or "inf" sends all at once. */
  requestRates?: (number | "inf" | "infinity" | "Infinity")[];
  /** Serve mode: the arrival process. @default {"poisson"} */
  arrival?: "poisson" | "gamma" | "constant";
  /** Serve mode, gamma arrivals: the shape (1 = Poisson). @default {1} */
  burstiness?: number;
  /** Serve mode: seconds over which the rate rises linearly to its level. @default {0} */
  rampUpS?: number;
  /** Serve mode with `durationS`: seconds in-flight requests get to finish. @default {10} */
  durationGraceS?: number;
  /** Saturation search instead of fixed levels. */
  sweep?: {
    /** What to find. */
    find: "max-rate" | "max-concurrency";
    /** The objectives a request must meet. */
    slo: Slo;
    /** Share of requests that must meet them. @default {0.9} */
    attainment?: number;
    /** First load probed. @default {1} */
    start?: number;
    /** Highest load probed. @default {4096} */
    max?: number;
    /** Stop when the bracket is within this share of the load. @default {0.05} */
    tolerance?: number;
    /** Most probes. @default {14} */
    maxProbes?: number;
  };
  /** Serve mode: replay a JSONL trace at `speed` times its pace. */
  trace?: {
    /** The trace file. */
    path: string;
    /** Replay speed: 2 sends twice as fast. @default {1} */
    speed?: number;
  };
  /** Seed of every random choice. @default {0} */
  seed?: number;
  /** Independent repetitions of every level. @default {3} */
  trials?: number;
  /** Confidence level of the intervals over trials. @default {0.95} */
  confidenceLevel?: number;
  /** Sampling parameters. */
  sampling?: SamplingInput;
  /** GPU telemetry through NVML: `true`, or interval (default 100 ms), devices, library. */
  gpuMetrics?: boolean | { intervalMs?: number; devices?: number[]; library?: string };
  /** The engine's Prometheus metrics: `true`, or path (default `/metrics`), url, interval (default 1000 ms). */
  engineMetrics?: boolean | { path?: string; url?: string; intervalMs?: number };
  /** Per-request timeout, ms. @default {600000} */
  requestTimeoutMs?: number;
  /** First-byte timeout, ms. @default {60000} */
  firstByteTimeoutMs?: number;
  /** Idle timeout between token chunks, ms. @default {120000} */
  idleTimeoutMs?: number;
  /** HTTP client: `"http1"`, `"fetch"`, or an `HttpTransport` object. @default {"http1"} */
  transport?: "http1" | "fetch" | TransportObject;
};

/** The specification with defaults applied; `prompts` is folded into `workload`. */
export type BenchmarkSpec = BenchmarkSpecCommon & {
  /** What to send, as one source object (`prompts` becomes one); absent only for a trace. */
  workload?: WorkloadSource;
  /** Measured requests per level per trial; absent when time bounds the level. */
  runs?: number;
  /** The load mode. */
  mode: "latency" | "throughput" | "serve";
  /** Serve mode: request rates (requests/s), each a level (`Infinity`: all at once). */
  requestRates?: number[];
  /** Serve mode: the arrival process. */
  arrival: "poisson" | "gamma" | "constant";
  /** Serve mode, gamma arrivals: the shape. */
  burstiness: number;
  /** Serve mode: ramp-up, s. */
  rampUpS: number;
  /** Serve mode with `durationS`: grace, s. */
  durationGraceS: number;
  /** Saturation search. */
  sweep?: {
    /** What to find. */
    find: "max-rate" | "max-concurrency";
    /** The objectives a request must meet. */
    slo: Slo;
    /** Share of requests that must meet them. */
    attainment: number;
    /** First load probed. */
    start?: number;
    /** Highest load probed. */
    max?: number;
    /** Stop when the bracket is within this share of the load. */
    tolerance: number;
    /** Most probes. */
    maxProbes: number;
  };
  /** Trace replay. */
  trace?: {
    /** The trace file. */
    path: string;
    /** Replay speed. */
    speed: number;
  };
  /** Seed of every random choice. */
  seed: number;
  /** Independent repetitions of every level. */
  trials: number;
  /** Confidence level of the intervals over trials. */
  confidenceLevel: number;
  /** Sampling parameters. */
  sampling: Sampling;
  /** GPU telemetry through NVML. */
  gpuMetrics?: boolean | { intervalMs: number; devices?: number[]; library?: string };
  /** The engine's Prometheus metrics. */
  engineMetrics?: boolean | { path: string; url?: string; intervalMs: number };
  /** Per-request timeout, ms. */
  requestTimeoutMs: number;
  /** First-byte timeout, ms. */
  firstByteTimeoutMs: number;
  /** Idle timeout, ms. */
  idleTimeoutMs: number;
  /** HTTP client. */
  transport: "http1" | "fetch" | TransportObject;
};

/**
 * Tag names a run may not use: the labels splleed itself puts on its live
 * Prometheus metrics and its Pushgateway summary (and Prometheus' own).
 *
 * @example
 * ```ts
 * import { RESERVED_TAG_NAMES } from "./benchmark.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(RESERVED_TAG_NAMES.includes("run_id"));
 * ```
 */
export const RESERVED_TAG_NAMES: readonly string[] = [
  "run_id",
  "engine",
  "model",
  "level",
  "level_index",
  "mode",
  "trial",
  "reason",
  "version",
  "concurrency",
  "rate",
  "fingerprint",
  "job",
  "instance",
  "le",
  "quantile",
];

/** Run tags: Prometheus label names (not splleed's own) → values. */
const tagsSchema = z.record(
  z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, {
    error: "a tag name made of letters, digits and _ (a Prometheus label name)",
  }).refine((k) => !k.startsWith("__") && !RESERVED_TAG_NAMES.includes(k), {
    error: `a tag name other than ${RESERVED_TAG_NAMES.join(", ")} (splleed's own labels)`,
  }),
  z.string(),
);

const benchmarkSpecObject = z.strictObject({
  /** The engine: an object from a backend factory, or backend data (`{ type: "vllm", ... }`). */
  backend: z.union([
    z.custom<object>(isBackendObject, { message: "a backend (openai(), vllm(), simulator())" }),
    backendConfigSchema,
  ], { error: "a backend (openai(), vllm(), simulator()) or backend data ({ type: ... })" }),
  /** The prompts; request i uses prompt i modulo their number. Or give `workload`. Becomes `workload` when parsed. */
  prompts: promptsSchema.optional(),
  /** What to send: files, ShareGPT, Hugging Face datasets, synthetic lengths, prefix sharing (`docs/workloads.md`). */
  workload: workloadSchema.optional(),
  /**
   * `latency`: closed loop at each concurrency; `throughput`: all requests at
   * once; `serve`: open-loop arrivals at each of `requestRates`.
   */
  mode: z.enum(["latency", "throughput", "serve"]).default("latency"),
  /** Concurrency levels, each run separately (latency mode). */
  concurrency: z.array(positiveInt).min(1).optional(),
  /**
   * Requests per level before measuring, not measured. @default one per
   * connection of the level: max(1, its concurrency), so no measured
   * request pays for opening a connection.
   */
  warmup: z.number().int().min(0).optional(),
  /**
   * Measured requests per level per trial. @default 10, or unbounded in
   * `serve` mode when `durationS` bounds the level.
   */
  runs: positiveInt.optional(),
  /** Serve mode: request rates (requests/s), each a level; `Infinity` (YAML `.inf`, or "inf") sends all at once. */
  requestRates: z.array(
    z.union([
      z.number().positive(),
      z.custom<number>((v) => v === Infinity),
      z.enum(["inf", "infinity", "Infinity"]).transform(() => Infinity),
    ], { error: 'a positive number or "inf"' }),
  ).min(1).optional(),
  /** Serve mode: the arrival process. */
  arrival: z.enum(["poisson", "gamma", "constant"]).default("poisson"),
  /** Serve mode, gamma arrivals: the shape (1 = Poisson, < 1 burstier, > 1 more regular). */
  burstiness: z.number().positive().default(1),
  /** Serve mode: most requests in flight; a request that finds none free waits, and the wait is recorded. */
  maxConcurrency: positiveInt.optional(),
  /** Serve mode: seconds over which the rate rises linearly to its level. */
  rampUpS: z.number().min(0).default(0),
  /**
   * Serve mode: each trial of a level lasts this many seconds. Arrivals stop
   * then; requests still in flight get `durationGraceS` more to finish, and
   * are then aborted and recorded with reason `cut_at_end` (counted in
   * `requests_cut`, never in latency statistics).
   */
  durationS: z.number().positive().optional(),
  /** Serve mode with `durationS`: seconds in-flight requests get to finish after a trial's duration. */
  durationGraceS: z.number().min(0).default(10),
  /**
   * Saturation search instead of fixed levels: the highest concurrency
   * (`max-concurrency`, latency mode) or request rate (`max-rate`, serve
   * mode) at which at least `attainment` of the requests meet `slo`.
   */
  sweep: z.strictObject({
    /** What to find. */
    find: z.enum(["max-rate", "max-concurrency"]),
    /** The objectives a request must meet. */
    slo: sloSchema,
    /** Share of requests that must meet them (SLO attainment). */
    attainment: z.number().gt(0).max(1).default(0.9),
    /** First load probed. @default 1 */
    start: z.number().positive().optional(),
    /** Highest load probed. @default 4096 */
    max: z.number().positive().optional(),
    /** Stop when the bracket is within this share of the load. */
    tolerance: z.number().positive().max(1).default(0.05),
    /** Most probes. */
    maxProbes: positiveInt.default(14),
  }).optional(),
  /**
   * Serve mode: replay a JSONL trace (`timestamp` ms, and `prompt`,
   * `messages` or `input_length`, optional `output_length`) at `speed`
   * times its pace; it gives both the requests and their arrival times.
   */
  trace: z.strictObject({
    /** The trace file. */
    path: z.string().min(1),
    /** Replay speed: 2 sends twice as fast. */
    speed: z.number().positive().default(1),
  }).optional(),
  /** Seed of every random choice (arrivals; workload sampling). */
  seed: z.number().int().min(0).default(0),
  /** Independent repetitions of every level. */
  trials: positiveInt.default(3),
  /** Confidence level of the intervals over trials. */
  confidenceLevel: z.number().gt(0).lt(1).default(0.95),
  /** Sampling parameters. */
  sampling: samplingSchema.default(() => samplingSchema.parse({})),
  /** Service-level objectives for goodput. */
  slo: sloSchema.optional(),
  /**
   * How `splleed run`, the demo and `results.print()` show the results
   * table: `metrics`, the metric ids to show as rows (default: TTFT, ITL,
   * TPOT, E2E, throughput, goodput, failures); `allMetrics: true`, every
   * metric id. Kept in the results (`config.table`), so `splleed report`
   * shows the same rows. The ids are checked when the run starts.
   */
  table: z.strictObject({
    /** Metric ids to show as rows, in order (`ttft_p50_ms`, `throughput_tokens_per_sec`). */
    metrics: z.array(
      z.string().regex(/^[a-z0-9_]+$/, { error: "a metric id such as ttft_p50_ms" }),
    ).min(1, { error: "a non-empty list of metric ids" }).optional(),
    /** Show every metric id. */
    allMetrics: z.boolean().optional(),
  }).refine((t) => !(t.allMetrics === true && t.metrics !== undefined), {
    message: "either 'metrics' or 'allMetrics: true', not both",
  }).optional(),
  /** Path to save the results to (`.json` or `.csv`) when the run ends. */
  out: z.string().min(1).optional(),
  /**
   * Path of a self-contained HTML report (`.html`) written when the run ends:
   * the latency–throughput curve, the distributions from the records, the
   * time series, every metric. It opens offline.
   */
  html: z.string().min(1).regex(/\.html?$/i, { error: "a path ending in .html" }).optional(),
  /** Path of the per-request JSONL records, or `false` for none. Default: beside `out`, else a temp file. */
  records: z.union([z.string().min(1), z.literal(false)]).optional(),
  /**
   * GPU telemetry through NVML, sampled beside the run: `true`, or the
   * interval (default 100 ms), the device indices (default all) and the
   * library path (else `SPLLEED_NVML_LIBRARY`, else `libnvidia-ml.so.1`).
   * Without NVML the run goes on and the results say why.
   */
  gpuMetrics: z.union([
    z.boolean(),
    z.strictObject({
      intervalMs: z.number().positive().default(100),
      devices: z.array(z.number().int().min(0)).min(1).optional(),
      library: z.string().min(1).optional(),
    }),
  ]).optional(),
  /**
   * The engine's Prometheus metrics, scraped beside the run: `true`, or the
   * path (default `/metrics` on the endpoint), a full `url`, and the interval
   * (default 1000 ms).
   */
  engineMetrics: z.union([
    z.boolean(),
    z.strictObject({
      path: z.string().min(1).default("/metrics"),
      url: z.url({ protocol: /^https?$/ }).optional(),
      intervalMs: z.number().positive().default(1000),
    }),
  ]).optional(),
  /**
   * One NVTX range per request in a "splleed" domain (and a mark per second
   * with the clock anchor), for Nsight Systems: `true`, or the library path
   * (else `SPLLEED_NVTX_LIBRARY`, else the standard names). Without NVTX,
   * nothing is emitted and the results say why.
   */
  emitMarkers: z.union([
    z.boolean(),
    z.strictObject({ library: z.string().min(1).optional() }),
  ]).optional(),
  /**
   * Labels of this run, such as `{ branch: "main", commit: "abc123" }`:
   * stored with it in the history and added as labels to its Prometheus
   * metrics and Pushgateway summary. Keys are Prometheus label names.
   */
  tags: tagsSchema.optional(),
  /**
   * Add the run to a history database when it ends (after `out` is saved):
   * `db`, the SQLite file (`splleed history` reads it), and `tags`, added to
   * the run's `tags`.
   */
  history: z.strictObject({
    db: z.string().min(1),
    tags: tagsSchema.optional(),
  }).optional(),
  /**
   * Serve live Prometheus metrics while the run goes, at
   * `http://hostname:port/metrics` (`hostname` default `127.0.0.1`; port 0
   * picks a free port). See `docs/prometheus.md`.
   */
  prometheus: z.strictObject({
    port: z.number().int().min(0).max(65535),
    hostname: z.string().min(1).optional(),
  }).optional(),
  /**
   * Push each level's summary to a Prometheus Pushgateway when the run ends:
   * its URL (`http://localhost:9091`), or `{ url, job }` (job default
   * `splleed`). A failed push is a warning; the results are kept.
   */
  pushgateway: z.union([
    z.url({ protocol: /^https?$/ }),
    z.strictObject({ url: z.url({ protocol: /^https?$/ }), job: z.string().min(1).optional() }),
  ]).optional(),
  /** Per-request timeout, ms: a request not finished this long after it was sent fails with reason `timeout`. */
  requestTimeoutMs: z.number().positive().default(600_000),
  /**
   * First-byte timeout, ms: a request whose response head (status line) has
   * not arrived this long after it was sent fails with reason
   * `first_byte_timeout`. Engines answer the head at once and queue after
   * it, so this catches a server that accepts connections and never answers.
   */
  firstByteTimeoutMs: z.number().positive().default(60_000),
  /**
   * Idle timeout, ms: a request whose stream carries no token chunk for this
   * long (counted from the response head, then from each token chunk) fails
   * with reason `idle_timeout`. The wait before the first token includes the
   * engine's queue: raise this for runs that overload the engine on purpose.
   */
  idleTimeoutMs: z.number().positive().default(120_000),
  /**
   * Largest share of a level's measured requests that may fail before the
   * run counts as failed (the CLI exits 1). @default a level fails only when
   * every one of its requests failed
   */
  maxFailureRate: z.number().min(0).max(1).optional(),
  /** HTTP client: splleed's HTTP/1.1 client, the platform `fetch`, or your own `HttpTransport` object. */
  transport: z.union([
    z.enum(["http1", "fetch"]),
    z.custom<TransportObject>(
      (v) =>
        typeof v === "object" && v !== null &&
        typeof (v as TransportObject).send === "function" &&
        typeof (v as TransportObject).name === "string",
      { message: "an HttpTransport object" },
    ),
  ], { error: '"http1", "fetch" or an HttpTransport object' }).default("http1"),
  /** Aborts the run (finished measurements are kept). Not serialisable. */
  signal: z.custom<AbortSignal>((v) => v instanceof AbortSignal, {
    message: "an AbortSignal",
  }).optional(),
}).superRefine((s, ctx) => {
  const issue = (path: string, message: string, input: unknown) =>
    ctx.addIssue({ code: "custom", path: [path], message, input });
  if (s.trace !== undefined) {
    if (s.mode !== "serve") issue("mode", '"serve" when replaying a trace', s.mode);
    for (const f of ["prompts", "workload", "requestRates", "sweep"] as const) {
      if (s[f] !== undefined) {
        issue(f, "absent when replaying a trace (it gives the requests and their times)", f);
      }
    }
  } else if (s.prompts === undefined && s.workload === undefined) {
    issue("prompts", "given (a list of prompts or { file }), or a 'workload'", undefined);
  }
  if (s.prompts !== undefined && s.workload !== undefined) {
    issue("workload", "absent when 'prompts' is given (one source of requests)", "a workload");
  }
  if (s.sweep?.find === "max-rate") {
    if (s.mode !== "serve") issue("mode", '"serve" when the sweep finds max-rate', s.mode);
    if (s.requestRates !== undefined) {
      issue("requestRates", "absent when the sweep chooses the rates", s.requestRates);
    }
  }
  if (s.sweep?.find === "max-concurrency") {
    if (s.mode !== "latency") {
      issue("mode", '"latency" when the sweep finds max-concurrency', s.mode);
    }
    if (s.concurrency !== undefined) {
      issue("concurrency", "absent when the sweep chooses the levels", s.concurrency);
    }
  }
  if (s.mode === "serve") {
    if (s.requestRates === undefined && s.sweep === undefined && s.trace === undefined) {
      issue("requestRates", "given in serve mode (a list of request rates per second)", undefined);
    }
    if (s.concurrency !== undefined) {
      issue(
        "concurrency",
        "absent in serve mode (the load is set by 'requestRates'; bound it with 'maxConcurrency')",
        s.concurrency,
      );
    }
    if (s.requestRates?.includes(Infinity) && s.durationS !== undefined && s.runs === undefined) {
      issue("runs", "given when a rate is infinite (all requests go at once)", undefined);
    }
  } else {
    for (const f of ["requestRates", "maxConcurrency", "durationS", "trace"] as const) {
      if (s[f] !== undefined) issue(f, `absent unless mode is "serve"`, s[f]);
    }
  }
  if (s.mode === "throughput" && s.concurrency !== undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["concurrency"],
      message: "absent in throughput mode (all 'runs' requests are sent at once)",
      input: s.concurrency,
    });
  }
  if (s.concurrency && new Set(s.concurrency).size !== s.concurrency.length) {
    ctx.addIssue({
      code: "custom",
      path: ["concurrency"],
      message: "a list without repeated levels",
      input: s.concurrency,
    });
  }
});

const benchmarkSpecPipe = benchmarkSpecObject.transform((
  { prompts, workload, ...s },
): BenchmarkSpec => ({
  ...s,
  /** What to send, as one source object (`prompts` becomes one); absent only for a trace. */
  workload: normalizeWorkload(prompts, workload),
  // 10 measured requests per trial, unless a serve level is bounded by time.
  runs: s.runs ??
    (s.trace !== undefined || (s.mode === "serve" && s.durationS !== undefined) ? undefined : 10),
}));

/** The benchmark specification. */
export const benchmarkSpecSchema: z.ZodType<BenchmarkSpec, BenchmarkSpecInput> = benchmarkSpecPipe;
