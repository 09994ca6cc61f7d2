/**
 * The benchmark specification: every option of `benchmark()` and of a
 * `splleed run` config file, validated by one zod schema.
 *
 * @module
 */

import { z } from "zod";
import { backendConfigSchema } from "./backends.ts";

const positiveInt = z.number().int({ error: "a positive integer" }).positive({
  error: "a positive integer",
});

/** Sampling parameters sent with every request. */
export const samplingSchema = z.strictObject({
  /** Most tokens to generate per request. */
  maxTokens: positiveInt.default(128),
  /** Sampling temperature (0 is greedy). */
  temperature: z.number().min(0).default(0),
  /** Nucleus sampling mass. */
  topP: z.number().gt(0).max(1).default(1),
  /** Ask the engine to ignore end-of-sequence so every request makes `maxTokens` tokens (vLLM, SGLang). */
  ignoreEos: z.boolean().default(false),
});

/** Resolved sampling parameters. */
export type Sampling = z.output<typeof samplingSchema>;

/** Service-level objectives; a request that meets every one given counts toward goodput. */
export const sloSchema = z.strictObject({
  /** Most time to first token, ms. */
  ttftMs: z.number().positive().optional(),
  /** Most time per output token after the first, ms. */
  tpotMs: z.number().positive().optional(),
  /** Most end-to-end latency, ms. */
  e2eMs: z.number().positive().optional(),
}).refine((s) => Object.values(s).some((v) => v !== undefined), {
  message: "an object with at least one of ttftMs, tpotMs, e2eMs",
});

/** Service-level objectives. */
export type Slo = z.output<typeof sloSchema>;

/** Where prompts come from: a list, or a file (text one prompt a line, or JSONL with `prompt`). */
export const promptsSchema = z.union([
  z.array(z.string().min(1)).min(1),
  z.strictObject({ file: z.string().min(1) }),
], { error: "a list of prompts or { file: PATH }" });

/** Prompts as a list or a file reference. */
export type PromptsSpec = z.input<typeof promptsSchema>;

/** The shape of an `HttpTransport` object, checked by duck typing (config does not import lib/http). */
interface TransportObject {
  name: string;
  send: (...args: never[]) => unknown;
  close: () => void;
}

/** Something that looks like a backend object made by a factory (`openai()`, `vllm()`, ...). */
function isBackendObject(v: unknown): boolean {
  return typeof v === "object" && v !== null &&
    typeof (v as { kind?: unknown }).kind === "string" &&
    typeof (v as { connect?: unknown }).connect === "function";
}

/** The benchmark specification. */
export const benchmarkSpecSchema = z.strictObject({
  /** The engine: an object from a backend factory, or backend data (`{ type: "vllm", ... }`). */
  backend: z.union([
    z.custom<object>(isBackendObject, { message: "a backend (openai(), vllm(), simulator())" }),
    backendConfigSchema,
  ], { error: "a backend (openai(), vllm(), simulator()) or backend data ({ type: ... })" }),
  /** The prompts; request i uses prompt i modulo their number. */
  prompts: promptsSchema,
  /** `latency`: closed loop at each concurrency; `throughput`: all requests at once. */
  mode: z.enum(["latency", "throughput"]).default("latency"),
  /** Concurrency levels, each run separately (latency mode). */
  concurrency: z.array(positiveInt).min(1).optional(),
  /** Requests per level before measuring, not measured. */
  warmup: z.number().int().min(0).default(1),
  /** Measured requests per level per trial. */
  runs: positiveInt.default(10),
  /** Independent repetitions of every level. */
  trials: positiveInt.default(3),
  /** Confidence level of the intervals over trials. */
  confidenceLevel: z.number().gt(0).lt(1).default(0.95),
  /** Sampling parameters. */
  sampling: samplingSchema.default(() => samplingSchema.parse({})),
  /** Service-level objectives for goodput. */
  slo: sloSchema.optional(),
  /** Path to save the results to (`.json` or `.csv`) when the run ends. */
  out: z.string().min(1).optional(),
  /** Path of the per-request JSONL records, or `false` for none. Default: beside `out`, else a temp file. */
  records: z.union([z.string().min(1), z.literal(false)]).optional(),
  /** Per-request timeout, ms. */
  requestTimeoutMs: z.number().positive().default(600_000),
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

/** The specification as a user writes it. */
export type BenchmarkSpecInput = z.input<typeof benchmarkSpecSchema>;
/** The specification with defaults applied. */
export type BenchmarkSpec = z.output<typeof benchmarkSpecSchema>;
