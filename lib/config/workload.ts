/**
 * The `workload` field of a benchmark specification: where the requests come
 * from (inline prompts, a file, a ShareGPT dump, a Hugging Face dataset, a
 * local parquet file, synthetic prompts of chosen token lengths, or
 * prefix-sharing prompts), plus the options every source shares (sampling
 * `numPrompts` items with a `seed`, the `tokenizer`, an `outputLen`
 * override). Also the length distributions (`DIST`) and their string syntax
 * for the command line (`uniform:256,1024`).
 *
 * @module
 */

import type { Assert, Deep, Equal } from "../util/type_equal.ts";
import { z } from "npm:zod@^4.6.7";
import { ConfigError } from "./errors.ts";
import { jsonObjectSchema } from "./json_fields.ts";

const positiveInt: z.ZodNumber = z.number().int({ error: "a positive integer" }).positive({
  error: "a positive integer",
});

/** A length distribution other than a fixed number. */
export type DistributionObject =
  | {
    /** Uniform integers from `min` to `max`, both included. */
    dist: "uniform";
    /** Smallest value. */
    min: number;
    /** Largest value (at least `min`). */
    max: number;
  }
  | {
    /** Normal, rounded, clamped to [1, `max`]. */
    dist: "normal";
    /** Mean. */
    mean: number;
    /** Standard deviation (0: always the mean). */
    std: number;
    /** Largest value after clamping. @default unbounded */
    max?: number;
  }
  | {
    /** Log-normal with this mean and standard deviation of the values (not of their logarithm), rounded, clamped to [1, `max`]. */
    dist: "lognormal";
    /** Mean of the values. */
    mean: number;
    /** Standard deviation of the values. */
    std: number;
    /** Largest value after clamping. @default unbounded */
    max?: number;
  };

/** A length distribution: a fixed positive integer, or an object form. */
export type Distribution = number | DistributionObject;

/**
 * A length distribution as written: a positive integer, the command-line
 * string syntax (`"uniform:256,1024"`, see {@linkcode parseDistribution}), or an object.
 */
export type DistributionInput = number | string | DistributionObject;

const distributionObjectSchema = z.discriminatedUnion("dist", [
  z.strictObject({
    /** Uniform integers from `min` to `max`, both included. */
    dist: z.literal("uniform"),
    /** Smallest value. */
    min: positiveInt,
    /** Largest value (at least `min`). */
    max: positiveInt,
  }),
  z.strictObject({
    /** Normal, rounded, clamped to [1, `max`]. */
    dist: z.literal("normal"),
    /** Mean. */
    mean: z.number().positive(),
    /** Standard deviation (0: always the mean). */
    std: z.number().min(0),
    /** Largest value after clamping. @default unbounded */
    max: positiveInt.optional(),
  }),
  z.strictObject({
    /** Log-normal with this mean and standard deviation of the values (not of their logarithm), rounded, clamped to [1, `max`]. */
    dist: z.literal("lognormal"),
    /** Mean of the values. */
    mean: z.number().positive(),
    /** Standard deviation of the values. */
    std: z.number().min(0),
    /** Largest value after clamping. @default unbounded */
    max: positiveInt.optional(),
  }),
], { error: 'a distribution: { dist: "uniform" | "normal" | "lognormal", ... }' });

/**
 * Parses the command-line syntax of a length distribution.
 *
 * `512` (fixed), `uniform:MIN,MAX`, `normal:MEAN,STD[,MAX]`,
 * `lognormal:MEAN,STD[,MAX]`.
 *
 * @param text The string.
 * @param field The option or field it came from, for the error.
 * @returns The distribution in object form (a number for a fixed length).
 * @throws {ConfigError} When the string is not one of the forms above, naming `field`.
 *
 * @example
 * ```ts
 * import { parseDistribution } from "./workload.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(parseDistribution("512"), 512);
 * assert.deepEqual(parseDistribution("uniform:256,1024"), { dist: "uniform", min: 256, max: 1024 });
 * assert.deepEqual(parseDistribution("normal:512,64"), { dist: "normal", mean: 512, std: 64 });
 * assert.deepEqual(parseDistribution("lognormal:512,128,2048"), {
 *   dist: "lognormal", mean: 512, std: 128, max: 2048,
 * });
 * assert.throws(() => parseDistribution("gauss:1,2", "--input-len"), /'--input-len' must be/);
 * ```
 */
export function parseDistribution(text: string, field = "distribution"): Distribution {
  const fail = (): never => {
    throw new ConfigError("benchmark", [{
      path: field,
      expected: 'a length distribution: "N", "uniform:MIN,MAX", "normal:MEAN,STD[,MAX]" ' +
        'or "lognormal:MEAN,STD[,MAX]" with positive numbers (MIN <= MAX)',
      received: JSON.stringify(text),
    }]);
  };
  const s = text.trim();
  const num = (t: string): number => {
    if (!/^\d+(\.\d+)?$/.test(t.trim())) fail();
    return Number(t);
  };
  const int = (t: string): number => {
    const n = num(t);
    if (!Number.isInteger(n) || n < 1) fail();
    return n;
  };
  const colon = s.indexOf(":");
  if (colon < 0) return int(s);
  const kind = s.slice(0, colon).trim().toLowerCase();
  const args = s.slice(colon + 1).split(",");
  if (kind === "uniform") {
    if (args.length !== 2) fail();
    const [min, max] = args.map(int);
    if (min > max) fail();
    return { dist: "uniform", min, max };
  }
  if (kind === "normal" || kind === "lognormal") {
    if (args.length !== 2 && args.length !== 3) fail();
    const mean = num(args[0]), std = num(args[1]);
    if (!(mean > 0)) fail();
    return args.length === 3
      ? { dist: kind, mean, std, max: int(args[2]) }
      : { dist: kind, mean, std };
  }
  return fail();
}

const distributionUnion = z.union([
  positiveInt,
  z.string().transform((s, ctx): Distribution => {
    try {
      return parseDistribution(s);
    } catch (err) {
      ctx.addIssue({
        code: "custom",
        message: err instanceof ConfigError ? err.issues[0].expected : String(err),
        input: s,
      });
      return z.NEVER;
    }
  }),
  distributionObjectSchema.superRefine((d, ctx) => {
    if (d.dist === "uniform" && d.min > d.max) {
      ctx.addIssue({
        code: "custom",
        path: ["max"],
        message: `a number >= min (${d.min})`,
        input: d.max,
      });
    }
  }),
], {
  error: 'a length distribution: a positive integer, "uniform:MIN,MAX", "normal:MEAN,STD", ' +
    '"lognormal:MEAN,STD" or { dist, ... }',
});

/** A length distribution: a positive integer, a string (`"uniform:256,1024"`), or an object. */
export const distributionSchema: z.ZodType<Distribution, DistributionInput> = distributionUnion;

/** A think time in ms: a number >= 0 (fixed) or a distribution. */
const thinkMsSchema: z.ZodType<Distribution, DistributionInput> = z.union([
  z.number().min(0),
  distributionSchema,
], {
  error: "a number of ms >= 0 or a length distribution",
});

/** Options every source takes. */
const common = {
  /** Requests to make: sampled with `seed` (without replacement; with replacement past the source's size). @default every item of the source, in order */
  numPrompts: positiveInt.optional(),
  /** Seed of every random choice. @default the run's seed, else 0 */
  seed: z.number().int().min(0).optional(),
  /** A local tokenizer.json (or a folder holding one), or a Hugging Face model id found in the cache. @default the bundled o200k_base, for synthesis and fingerprints only */
  tokenizer: z.string().min(1).optional(),
  /** Output tokens to ask for, drawn per item; overrides lengths from the source. */
  outputLen: distributionSchema.optional(),
};

/** Options of the sources that hold conversations. */
const conversational = {
  /** One request per user turn, carrying the history (recorded answers as assistant turns). @default false */
  multiTurn: z.boolean().default(false),
  /** Think time before each turn after the first, ms (multi-turn only). @default 0 */
  thinkMs: thinkMsSchema.optional(),
};

/** One inline request: a prompt, or a chat history. */
export type InlineItem = string | {
  /** The prompt (or the last user message when `messages` is given). */
  prompt?: string;
  /** An OpenAI-style chat history ending with a user turn. */
  messages?: { role: "system" | "user" | "assistant"; content: string }[];
  /** Output tokens to ask for. */
  outputLen?: number;
  /** Request fields of this item: `response_format`, `tools`, `tool_choice`, `temperature`, and any other fields (`extra`). */
  request?: {
    /** `response_format`: `{ type: "json_object" }` or `{ type: "json_schema", json_schema: { name, schema } }`. */
    responseFormat?: Record<string, unknown>;
    /** `tools` (chat). */
    tools?: Record<string, unknown>[];
    /** `tool_choice` (chat). */
    toolChoice?: string | Record<string, unknown>;
    /** `temperature` for this item. */
    temperature?: number;
    /** Other fields, merged into this item's body last. */
    extra?: Record<string, unknown>;
  };
};

/** Options every source takes; `D` is the form of a distribution (as written, or parsed). */
export type WorkloadCommonOptions<D = Distribution> = {
  /** Requests to make: sampled with `seed` (without replacement; with replacement past the source's size). @default every item of the source, in order */
  numPrompts?: number;
  /** Seed of every random choice. @default the run's seed, else 0 */
  seed?: number;
  /** A local tokenizer.json (or a folder holding one), or a Hugging Face model id found in the cache. @default the bundled o200k_base, for synthesis and fingerprints only */
  tokenizer?: string;
  /** Output tokens to ask for, drawn per item; overrides lengths from the source. */
  outputLen?: D;
};

/** Options of the sources that hold conversations, parsed. */
export type ConversationalOptions = {
  /** One request per user turn, carrying the history (recorded answers as assistant turns). */
  multiTurn: boolean;
  /** Think time before each turn after the first, ms (multi-turn only). */
  thinkMs?: Distribution;
};

/** Options of the sources that hold conversations, as written. */
export type ConversationalOptionsInput = {
  /** One request per user turn, carrying the history (recorded answers as assistant turns). @default {false} */
  multiTurn?: boolean;
  /** Think time before each turn after the first, ms (multi-turn only). @default {0} */
  thinkMs?: DistributionInput;
};

/**
 * The workload sources, by `source`, in either form: `D` is the form of a
 * distribution, `C` the conversational options, `S` the `hf` source's split
 * (required once parsed: it has a default). See {@linkcode WorkloadSource}
 * and {@linkcode WorkloadSourceInput}.
 */
export type WorkloadSourceOf<D, C, S> =
  | ({
    /** Prompts written in the spec. */
    source: "inline";
    /** The prompts. */
    prompts: InlineItem[];
  } & WorkloadCommonOptions<D>)
  | ({
    /** A file of prompts. */
    source: "file";
    /** Its path (relative to the config file, or the working directory). */
    path: string;
    /**
     * `text`: one prompt a line; `json`: an array of strings or objects;
     * `jsonl`: one object a line; `csv`: a header row and a column;
     * `prompts`: the older `prompts: { file }` field's. @default from the extension, else text
     */
    format?: "text" | "json" | "jsonl" | "csv" | "prompts";
    /** The field or column holding the prompt (json, jsonl, csv). @default {"prompt"} */
    column?: string;
    /**
     * `response_format` sent with every item that has none of its own, e.g.
     * `{ type: "json_object" }` or `{ type: "json_schema", json_schema: { name, schema } }`;
     * the results count the responses that are valid. @default none
     */
    responseFormat?: Record<string, unknown>;
    /**
     * The field (json, jsonl) or column (csv, as JSON text) holding each
     * item's JSON schema: that item asks for `response_format`
     * `{ type: "json_schema", json_schema: { name: "output", schema } }`
     * (an empty cell: none). @default none
     */
    schemaColumn?: string;
  } & WorkloadCommonOptions<D>)
  | (
    & {
      /** A ShareGPT-style JSON file: `[{ conversations: [{ from, value }] }]`. */
      source: "sharegpt";
      /** Its path. */
      path: string;
    }
    & C
    & WorkloadCommonOptions<D>
  )
  | (
    & {
      /** A Hugging Face dataset, by name, downloaded once as parquet into the cache. */
      source: "hf";
      /** Dataset id, `org/name`. */
      dataset: string;
      /** Column with the prompt (text) or conversation. @default the first of prompt, messages, conversations, text, question, instruction, input */
      column?: string;
      /** Branch, tag or commit. @default "main", then the Hub's parquet conversion */
      revision?: string;
      /** Dataset configuration (subset). @default all parquet files of the split */
      config?: string;
    }
    & S
    & C
    & WorkloadCommonOptions<D>
  )
  | (
    & {
      /** A local parquet file, or a folder of them. */
      source: "parquet";
      /** Its path. */
      path: string;
      /** Column with the prompt or conversation. @default as for `hf` */
      column?: string;
    }
    & C
    & WorkloadCommonOptions<D>
  )
  | ({
    /** Prompts of exact token lengths made with the tokenizer. */
    source: "synthetic";
    /** Input tokens per prompt. */
    inputLen: D;
    /** How many prompts. @default numPrompts */
    count?: number;
  } & WorkloadCommonOptions<D>)
  | ({
    /** Prompts that share one of `groups` prefixes, for prefix-cache studies. */
    source: "prefix";
    /** Distinct shared prefixes; prompt i uses prefix i modulo groups. */
    groups: number;
    /** Tokens of each shared prefix. */
    prefixTokens: number;
    /** Tokens of each prompt's own suffix, after the prefix. */
    inputLen: D;
    /** How many prompts. @default numPrompts */
    count?: number;
  } & WorkloadCommonOptions<D>);

/** One source (the object form) with defaults applied. */
export type WorkloadSource = WorkloadSourceOf<
  Distribution,
  ConversationalOptions,
  { /** Split. */ split: string }
>;
/** One source (the object form) as a user writes it. */
export type WorkloadSourceInput = WorkloadSourceOf<
  DistributionInput,
  ConversationalOptionsInput,
  { /** Split. @default {"train"} */ split?: string }
>;
/** A workload specification as a user writes it: a list of prompts, or one source. */
export type WorkloadSpecInput = string[] | WorkloadSourceInput;
/** A workload specification with defaults applied. */
export type WorkloadSpec = string[] | WorkloadSource;

/** An OpenAI `response_format`: a JSON object with a string `type`. */
const responseFormatSchema: z.ZodType<Record<string, unknown>, Record<string, unknown>> =
  jsonObjectSchema.refine((o) => typeof o.type === "string", {
    error: 'a response format: { type: "json_object" } or ' +
      '{ type: "json_schema", json_schema: { name, schema } }',
  });

/** One inline request: a prompt, or a chat history. */
const inlineItemSchema = z.union([
  z.string().min(1),
  z.strictObject({
    /** The prompt (or the last user message when `messages` is given). */
    prompt: z.string().min(1).optional(),
    /** An OpenAI-style chat history ending with a user turn. */
    messages: z.array(z.strictObject({
      role: z.enum(["system", "user", "assistant"]),
      content: z.string(),
    })).min(1).optional(),
    /** Output tokens to ask for. */
    outputLen: positiveInt.optional(),
    /** Request fields of this item (as in a JSONL file's `response_format`, `tools`, ...). */
    request: z.strictObject({
      responseFormat: responseFormatSchema.optional(),
      tools: z.array(jsonObjectSchema).min(1).optional(),
      toolChoice: z.union([z.string().min(1), jsonObjectSchema]).optional(),
      temperature: z.number().min(0).optional(),
      extra: jsonObjectSchema.optional(),
    }).optional(),
  }).refine((o) => o.prompt !== undefined || o.messages !== undefined, {
    message: "an object with 'prompt' or 'messages'",
  }),
], { error: "a prompt string or { prompt | messages, outputLen?, request? }" });

const workloadSourceUnion = z.discriminatedUnion("source", [
  z.strictObject({
    /** Prompts written in the spec. */
    source: z.literal("inline"),
    /** The prompts. */
    prompts: z.array(inlineItemSchema).min(1),
    ...common,
  }),
  z.strictObject({
    /** A file of prompts. */
    source: z.literal("file"),
    /** Its path (relative to the config file, or the working directory). */
    path: z.string().min(1),
    /**
     * `text`: one prompt a line; `json`: an array of strings or objects;
     * `jsonl`: one object a line; `csv`: a header row and a column;
     * `prompts`: the older `prompts: { file }` field's (text, or JSONL
     * objects with `prompt` when the name ends in .jsonl or .ndjson), which
     * the spec schema turns that field into. @default from the extension, else text
     */
    format: z.enum(["text", "json", "jsonl", "csv", "prompts"]).optional(),
    /** The field or column holding the prompt (json, jsonl, csv). @default "prompt" */
    column: z.string().min(1).optional(),
    /** `response_format` sent with every item that has none of its own. */
    responseFormat: responseFormatSchema.optional(),
    /** The field (json, jsonl) or column (csv) holding each item's JSON schema. */
    schemaColumn: z.string().min(1).optional(),
    ...common,
  }),
  z.strictObject({
    /** A ShareGPT-style JSON file: `[{ conversations: [{ from, value }] }]`. */
    source: z.literal("sharegpt"),
    /** Its path. */
    path: z.string().min(1),
    ...conversational,
    ...common,
  }),
  z.strictObject({
    /** A Hugging Face dataset, by name, downloaded once as parquet into the cache. */
    source: z.literal("hf"),
    /** Dataset id, `org/name`. */
    dataset: z.string().min(1),
    /** Split. @default "train" */
    split: z.string().min(1).default("train"),
    /** Column with the prompt (text) or conversation (ShareGPT or OpenAI messages). @default the first of prompt, messages, conversations, text, question, instruction, input */
    column: z.string().min(1).optional(),
    /** Branch, tag or commit. @default "main", then the Hub's parquet conversion */
    revision: z.string().min(1).optional(),
    /** Dataset configuration (subset). @default all parquet files of the split */
    config: z.string().min(1).optional(),
    ...conversational,
    ...common,
  }),
  z.strictObject({
    /** A local parquet file, or a folder of them. */
    source: z.literal("parquet"),
    /** Its path. */
    path: z.string().min(1),
    /** Column with the prompt or conversation. @default as for `hf` */
    column: z.string().min(1).optional(),
    ...conversational,
    ...common,
  }),
  z.strictObject({
    /** Prompts of exact token lengths made with the tokenizer. */
    source: z.literal("synthetic"),
    /** Input tokens per prompt. */
    inputLen: distributionSchema,
    /** How many prompts. @default numPrompts */
    count: positiveInt.optional(),
    ...common,
  }),
  z.strictObject({
    /** Prompts that share one of `groups` prefixes, for prefix-cache studies. */
    source: z.literal("prefix"),
    /** Distinct shared prefixes; prompt i uses prefix i modulo groups. */
    groups: positiveInt,
    /** Tokens of each shared prefix. */
    prefixTokens: positiveInt,
    /** Tokens of each prompt's own suffix, after the prefix. */
    inputLen: distributionSchema,
    /** How many prompts. @default numPrompts */
    count: positiveInt.optional(),
    ...common,
  }),
], {
  error:
    'a workload source: "inline", "file", "sharegpt", "hf", "parquet", "synthetic" or "prefix"',
}).superRefine((w, ctx) => {
  if ((w.source === "synthetic" || w.source === "prefix") && w.count === undefined) {
    if (w.numPrompts === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["count"],
        message: `a positive integer (or give numPrompts) for a ${w.source} workload`,
        input: undefined,
      });
    }
  }
});

/** The sources, by `source`. */
export const workloadSourceSchema: z.ZodType<WorkloadSource, WorkloadSourceInput> =
  workloadSourceUnion;

/**
 * The `workload` field: a list of prompts, or one of the sources.
 *
 * @example
 * ```ts
 * import { workloadSchema } from "./workload.ts";
 * import { validate } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * const w = validate(workloadSchema, {
 *   source: "synthetic",
 *   inputLen: "normal:512,64",
 *   outputLen: 128,
 *   count: 100,
 * }, "benchmark", "workload");
 * assert.deepEqual(w, {
 *   source: "synthetic",
 *   inputLen: { dist: "normal", mean: 512, std: 64 },
 *   outputLen: 128,
 *   count: 100,
 * });
 * assert.throws(
 *   () => validate(workloadSchema, { source: "sharegpt" }, "benchmark", "workload"),
 *   /'workload.path' must be a string, got nothing/,
 * );
 * ```
 */
export const workloadSchema: z.ZodType<WorkloadSpec, WorkloadSpecInput> = z.union([
  z.array(z.string().min(1)).min(1),
  workloadSourceUnion,
], { error: 'a list of prompts or { source: "inline" | "file" | "sharegpt" | ... }' });

// ---- The schemas and the declared types cannot drift ----

/**
 * Fail to compile when a schema's inferred type and the type declared for it
 * differ. Fix the schema or the type so they agree.
 */
type SchemasMatchTypes = [
  Assert<Equal<Deep<z.output<typeof workloadSourceUnion>>, Deep<WorkloadSource>>>,
  Assert<Equal<Deep<z.input<typeof workloadSourceUnion>>, Deep<WorkloadSourceInput>>>,
  Assert<Equal<Deep<z.output<typeof inlineItemSchema>>, Deep<InlineItem>>>,
  Assert<Equal<Deep<z.output<typeof distributionObjectSchema>>, Deep<DistributionObject>>>,
  Assert<Equal<Deep<z.output<typeof distributionUnion>>, Deep<Distribution>>>,
  Assert<Equal<Deep<z.input<typeof distributionUnion>>, Deep<DistributionInput>>>,
];
