/**
 * Loads a workload from a specification's `prompts` (the older field: a
 * list, or `{ file }`) or `workload` (every source): reads or makes the
 * requests, samples `numPrompts` of them with the seed, and counts lengths
 * with the tokenizer.
 *
 * @module
 */

import { resolve } from "node:path";
import type { PromptsSpec } from "../config/benchmark.ts";
import { ConfigError, validate } from "../config/errors.ts";
import { workloadSchema, type WorkloadSource, type WorkloadSpecInput } from "../config/workload.ts";
import { seededRandom } from "../util/random.ts";
import { type EnvLookup, processEnv, splleedCacheDir } from "./cache_dir.ts";
import { type Draft, firstTurn, multiTurn } from "./conversation.ts";
import { distributionSampler, formatDistribution } from "./distribution.ts";
import { parseWorkloadFile } from "./file_source.ts";
import { fetchHfDataset } from "./hf_dataset.ts";
import { type HubFetcher, resolveFetcher } from "./hub.ts";
import { itemText } from "./item_text.ts";
import { loadTokenizer } from "./load_tokenizer.ts";
import { parquetFiles, readParquet } from "./parquet.ts";
import { prefixItems } from "./prefix.ts";
import { loadPrompts } from "./prompts.ts";
import { sampleItems } from "./sample.ts";
import { readShareGpt } from "./sharegpt.ts";
import { syntheticItems } from "./synthetic.ts";
import { defaultTokenizer, type Tokenizer } from "./tokenizer.ts";
import type { ChatMessage, Workload, WorkloadItem } from "./types.ts";

/** The fields of a benchmark specification that say what to send. */
export interface WorkloadFields {
  /** The older field: a list of prompts, or `{ file }` (text, or JSONL with `prompt`). */
  prompts?: PromptsSpec;
  /** A workload source (validated here). */
  workload?: WorkloadSpecInput;
}

/** Options of {@linkcode loadWorkload}. */
export interface LoadWorkloadOptions {
  /** The run's seed; `workload.seed` wins over it. @default 0 */
  seed?: number;
  /** Folder that relative paths (files, tokenizer) are resolved against, such as the config file's. @default the working directory */
  baseDir?: string;
  /** The splleed cache folder (datasets, tokenizers). @default splleedCacheDir() */
  cacheDir?: string;
  /** Hub access for datasets and tokenizers not in the cache; `null`: cache only. @default hubFetcher(), or null when $HF_HUB_OFFLINE is set */
  fetcher?: HubFetcher | null;
  /** A tokenizer already loaded (say, for the fingerprint too); wins over `workload.tokenizer`. */
  tokenizer?: Tokenizer;
  /** Environment lookup (cache folders, HF_HUB_OFFLINE). @default the process environment */
  env?: EnvLookup;
}

/**
 * The tokenizer a specification's workload names (loaded as
 * {@linkcode loadWorkload} would), or the bundled default: load it once and
 * pass it to `loadWorkload` (option `tokenizer`) and to `fingerprint`.
 *
 * @param spec `{ prompts }` or `{ workload }`; only `workload.tokenizer` is read.
 * @param options Base folder, cache, fetcher, environment.
 * @returns The tokenizer.
 * @throws {ConfigError} When the named tokenizer cannot be found or read.
 *
 * @example
 * ```ts
 * import { workloadTokenizer } from "./load.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal((await workloadTokenizer({ prompts: ["hi"] })).info.kind, "default");
 * const tok = await workloadTokenizer(
 *   { workload: { source: "synthetic", inputLen: 8, count: 1, tokenizer: "testdata/tiny_bpe_tokenizer.json" } },
 *   { baseDir: new URL(".", import.meta.url).pathname },
 * );
 * assert.equal(tok.info.kind, "hf");
 * ```
 */
export async function workloadTokenizer(
  spec: WorkloadFields,
  options: Omit<LoadWorkloadOptions, "seed" | "tokenizer"> = {},
): Promise<Tokenizer> {
  const w = spec.workload;
  const name = typeof w === "object" && w !== null && !Array.isArray(w) &&
      typeof (w as { tokenizer?: unknown }).tokenizer === "string"
    ? (w as { tokenizer: string }).tokenizer
    : undefined;
  return await loadTokenizer(name, {
    baseDir: options.baseDir,
    cacheDir: options.cacheDir,
    fetcher: options.fetcher,
    env: options.env,
  });
}

/** Sub-stream salts, so that adding one random choice does not shift the others. */
const SALT = { sample: 0, outputLen: 0x3c6ef372, think: 0x78dde6e4, make: 0x1b873593 } as const;

/**
 * Loads the workload a specification describes.
 *
 * Sources that hold requests (inline, file, sharegpt, hf, parquet) are used
 * in order when `numPrompts` is absent; with it, `numPrompts` are sampled
 * with the seed, without replacement, and when the source is smaller every
 * item is used once and the rest are drawn again at random (as
 * `vllm bench serve` oversamples; `description.oversampled` says how many).
 * Multi-turn sources sample whole conversations. Generated sources
 * (synthetic, prefix) make `numPrompts ?? count` prompts.
 *
 * Output lengths: `workload.outputLen` when given; else the source's
 * (`output_len` fields, or the token length of the recorded answer when an
 * HF tokenizer is named); else none (the run's `sampling.maxTokens`).
 *
 * @param spec `{ prompts }` or `{ workload }` (exactly one).
 * @param options Seed, base folder, cache, fetcher, tokenizer.
 * @returns The workload.
 * @throws {ConfigError} When the specification is invalid, a file or dataset cannot be read, or a length cannot be met.
 *
 * @example Inline prompts, and a synthetic workload
 * ```ts
 * import { loadWorkload } from "./load.ts";
 * import assert from "node:assert/strict";
 *
 * const a = await loadWorkload({ prompts: ["hi", "there"] });
 * assert.deepEqual(a.items, [{ prompt: "hi" }, { prompt: "there" }]);
 *
 * const b = await loadWorkload({
 *   workload: { source: "synthetic", inputLen: "uniform:8,16", outputLen: 32, count: 5 },
 * });
 * assert.equal(b.items.length, 5);
 * assert.equal(b.tokenizer?.kind, "default");
 * assert.ok(b.items.every((it) => it.inputLen! >= 8 && it.inputLen! <= 16 && it.outputLen === 32));
 * ```
 */
export async function loadWorkload(
  spec: WorkloadFields,
  options: LoadWorkloadOptions = {},
): Promise<Workload> {
  if (spec.prompts !== undefined && spec.workload !== undefined) {
    throw new ConfigError("benchmark", [{
      path: "workload",
      expected: "absent when 'prompts' is given (use one of the two)",
      received: "both",
    }]);
  }
  if (spec.workload === undefined) {
    if (spec.prompts === undefined) {
      throw new ConfigError("benchmark", [{
        path: "workload",
        expected: "a workload (or a 'prompts' list)",
        received: "nothing",
      }]);
    }
    const p = spec.prompts;
    if (Array.isArray(p)) {
      return {
        items: p.map((prompt) => ({ prompt })),
        tokenizer: null,
        description: { source: "inline", count: p.length },
      };
    }
    const file = options.baseDir === undefined ? p.file : resolve(options.baseDir, p.file);
    const prompts = await loadPrompts({ file });
    return {
      items: prompts.map((prompt) => ({ prompt })),
      tokenizer: null,
      description: { source: "file", path: p.file, count: prompts.length },
    };
  }
  const parsed = validate(workloadSchema, spec.workload, "benchmark", "workload");
  const w: WorkloadSource = Array.isArray(parsed) ? { source: "inline", prompts: parsed } : parsed;
  return await loadSource(w, options);
}

async function loadSource(w: WorkloadSource, options: LoadWorkloadOptions): Promise<Workload> {
  const seed = w.seed ?? options.seed ?? 0;
  const stream = (salt: number) => seededRandom((seed + salt) >>> 0);
  const env = options.env ?? processEnv;
  const baseDir = options.baseDir ?? Deno.cwd();
  const fetcher = resolveFetcher(options.fetcher, env);
  const cacheDir = () => options.cacheDir ?? splleedCacheDir(env);
  const named = options.tokenizer ??
    (w.tokenizer === undefined ? null : await loadTokenizer(w.tokenizer, {
      baseDir,
      cacheDir: options.cacheDir,
      fetcher,
      env,
    }));
  // Only a model's own tokenizer may claim a request's lengths.
  const counting = named?.info.kind === "hf" ? named : null;
  const description: Record<string, unknown> = { source: w.source, seed };
  if (w.numPrompts !== undefined) description.numPrompts = w.numPrompts;

  // Generated sources.
  if (w.source === "synthetic" || w.source === "prefix") {
    const tok = named ?? await defaultTokenizer();
    const count = w.numPrompts ?? w.count!;
    const rng = stream(SALT.make);
    description.inputLen = formatDistribution(w.inputLen);
    if (w.outputLen !== undefined) description.outputLen = formatDistribution(w.outputLen);
    description.tokenizer = tok.info.name;
    description.count = count;
    try {
      if (w.source === "synthetic") {
        const items = syntheticItems(tok, {
          count,
          inputLen: w.inputLen,
          outputLen: w.outputLen,
          rng,
        });
        return { items, tokenizer: tok.info, description };
      }
      Object.assign(description, { groups: w.groups, prefixTokens: w.prefixTokens });
      const made = prefixItems(tok, {
        groups: w.groups,
        prefixTokens: w.prefixTokens,
        inputLen: w.inputLen,
        outputLen: w.outputLen,
        count,
        rng,
      });
      return {
        items: made.items,
        tokenizer: tok.info,
        description,
        idealPrefixHitRatio: made.idealPrefixHitRatio,
      };
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      throw new ConfigError("benchmark", [{
        path: "workload.inputLen",
        expected: `lengths the tokenizer ${tok.info.name} can meet exactly`,
        received: `${formatDistribution(w.inputLen)} (${err.message})`,
      }]);
    }
  }

  // Sources that hold requests: drafts, or conversations (multi-turn).
  let drafts: Draft[] = [];
  let conversations: ChatMessage[][] | null = null;
  const multi = "multiTurn" in w && w.multiTurn;
  const fromConversations = (convs: ChatMessage[][]) => {
    if (multi) {
      conversations = convs.filter((c) => c.some((m) => m.role === "user" && m.content !== ""));
      description.skipped = ((description.skipped as number | undefined) ?? 0) +
        convs.length - conversations.length;
    } else {
      for (const c of convs) {
        const d = firstTurn(c);
        if (d) drafts.push(d);
        else description.skipped = ((description.skipped as number | undefined) ?? 0) + 1;
      }
    }
  };
  switch (w.source) {
    case "inline":
      drafts = w.prompts.map((p) => {
        if (typeof p === "string") return { item: { prompt: p } };
        const lastUser = p.messages?.findLast((m) => m.role === "user")?.content ?? "";
        const item: WorkloadItem = { prompt: p.prompt ?? lastUser };
        if (p.messages) item.messages = p.messages.map((m) => ({ ...m }));
        if (p.outputLen !== undefined) item.outputLen = p.outputLen;
        return { item };
      });
      break;
    case "file": {
      const path = resolve(baseDir, w.path);
      let text: string;
      try {
        text = await Deno.readTextFile(path);
      } catch (err) {
        throw new ConfigError("benchmark", [{
          path: "workload.path",
          expected: "a readable file",
          received: `${JSON.stringify(w.path)} (${err instanceof Error ? err.message : err})`,
        }]);
      }
      drafts = parseWorkloadFile(text, w.path, { format: w.format, column: w.column });
      Object.assign(description, { path: w.path, ...(w.format ? { format: w.format } : {}) });
      if (w.column) description.column = w.column;
      break;
    }
    case "sharegpt": {
      const r = await readShareGpt(resolve(baseDir, w.path));
      description.path = w.path;
      if (r.skipped > 0) description.skipped = r.skipped;
      fromConversations(r.conversations);
      break;
    }
    case "parquet":
    case "hf": {
      let files: string[];
      if (w.source === "parquet") {
        files = await parquetFiles(resolve(baseDir, w.path));
        description.path = w.path;
      } else {
        const got = await fetchHfDataset(
          { dataset: w.dataset, split: w.split, config: w.config, revision: w.revision },
          { cacheDir: cacheDir(), fetcher },
        );
        files = got.files;
        Object.assign(description, {
          dataset: w.dataset,
          split: w.split,
          revision: got.revision,
          ...(w.config ? { config: w.config } : {}),
          fromCache: got.fromCache,
        });
      }
      const rows = await readParquet(files, w.column);
      description.column = rows.column;
      if (rows.skipped > 0) description.skipped = rows.skipped;
      const convs: ChatMessage[][] = [];
      for (const e of rows.entries) {
        if ("conversation" in e) convs.push(e.conversation);
        else {
          drafts.push({
            item: e.outputLen === undefined
              ? { prompt: e.prompt }
              : { prompt: e.prompt, outputLen: e.outputLen },
          });
        }
      }
      if (multi && drafts.length > 0) {
        throw new ConfigError("benchmark", [{
          path: "workload.multiTurn",
          expected: "false for a column of plain prompts (multi-turn needs conversations)",
          received: `true (column ${JSON.stringify(rows.column)} holds text)`,
        }]);
      }
      fromConversations(convs);
      break;
    }
  }

  // Sample, then expand conversations.
  const sampleRng = stream(SALT.sample);
  if (conversations !== null) {
    const convs: ChatMessage[][] = conversations;
    if (convs.length === 0) {
      throw new ConfigError("benchmark", [{
        path: "workload",
        expected: "a source with at least one conversation with a user turn",
        received: "none",
      }]);
    }
    const picked = w.numPrompts === undefined
      ? { items: convs, oversampled: 0 }
      : sampleItems(convs, w.numPrompts, sampleRng);
    if (picked.oversampled > 0) description.oversampled = picked.oversampled;
    const thinkSpec = "thinkMs" in w ? w.thinkMs : undefined;
    if (thinkSpec !== undefined) {
      description.thinkMs = typeof thinkSpec === "number"
        ? thinkSpec
        : formatDistribution(thinkSpec);
    }
    const thinkRng = stream(SALT.think);
    const think = thinkSpec === undefined
      ? () => 0
      : typeof thinkSpec === "number"
      ? () => thinkSpec
      : distributionSampler(thinkSpec, thinkRng);
    drafts = picked.items.flatMap((c, id) => multiTurn(c, id, think));
    description.conversations = picked.items.length;
  } else {
    if (drafts.length === 0) {
      throw new ConfigError("benchmark", [{
        path: "workload",
        expected: "a source with at least one request",
        received: "none",
      }]);
    }
    if (w.numPrompts !== undefined) {
      const picked = sampleItems(drafts, w.numPrompts, sampleRng);
      if (picked.oversampled > 0) description.oversampled = picked.oversampled;
      drafts = picked.items;
    }
  }

  // Lengths.
  const outRng = stream(SALT.outputLen);
  const override = w.outputLen === undefined ? undefined : distributionSampler(w.outputLen, outRng);
  if (w.outputLen !== undefined) description.outputLen = formatDistribution(w.outputLen);
  const items = drafts.map((d) => {
    const item: WorkloadItem = structuredClone(d.item);
    if (override) item.outputLen = override();
    else if (item.outputLen === undefined && counting && d.answer !== undefined) {
      item.outputLen = Math.max(1, counting.encode(d.answer).length);
    }
    if (counting) item.inputLen = counting.encode(itemText(item)).length;
    return item;
  });
  if (counting) description.tokenizer = counting.info.name;
  description.count = items.length;
  return { items, tokenizer: counting?.info ?? null, description };
}
