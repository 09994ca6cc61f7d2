/**
 * Loads a workload: validates a specification's `workload` and hands it to
 * its source's loader, looked up in the table of `sources.ts` (one file per
 * source, each `(source, ctx) => Promise<Workload>`; adding a source is one
 * file, one table line and its schema branch). The older `prompts` field is
 * turned into a `workload` when the benchmark specification is parsed, so
 * only `workload` reaches this module.
 *
 * @module
 */

import { ConfigError, validate } from "../config/errors.ts";
import { workloadSchema, type WorkloadSource, type WorkloadSpecInput } from "../config/workload.ts";
import { type EnvLookup, processEnv, splleedCacheDir } from "./cache_dir.ts";
import { type HubFetcher, resolveFetcher } from "./hub.ts";
import { loadTokenizer } from "./load_tokenizer.ts";
import { type SourceContext, sourceContext, type SourceLoader } from "./source.ts";
import { sourceLoader } from "./sources.ts";
import { defaultTokenizer, type Tokenizer } from "./tokenizer.ts";
import type { Workload } from "./types.ts";

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
  /** Loads the bundled default tokenizer, called only by sources that make prompts and name no tokenizer. @default defaultTokenizer */
  defaultTokenizer?: () => Promise<Tokenizer>;
  /** Environment lookup (cache folders, HF_HUB_OFFLINE). @default the process environment */
  env?: EnvLookup;
}

/**
 * The tokenizer a workload names (`workload.tokenizer`, loaded as
 * {@linkcode loadWorkload} would), or the bundled default.
 *
 * @param workload The specification's `workload` (only `tokenizer` is read), or nothing.
 * @param options Base folder, cache, fetcher, environment.
 * @returns The tokenizer.
 * @throws {ConfigError} When the named tokenizer cannot be found or read.
 *
 * @example
 * ```ts
 * import { workloadTokenizer } from "./load.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal((await workloadTokenizer(["hi"])).info.kind, "default");
 * const tok = await workloadTokenizer(
 *   { source: "synthetic", inputLen: 8, count: 1, tokenizer: "testdata/tiny_bpe_tokenizer.json" },
 *   { baseDir: new URL(".", import.meta.url).pathname },
 * );
 * assert.equal(tok.info.kind, "hf");
 * ```
 */
export async function workloadTokenizer(
  workload?: WorkloadSpecInput,
  options: Omit<LoadWorkloadOptions, "seed" | "tokenizer"> = {},
): Promise<Tokenizer> {
  return await loadTokenizer(namedTokenizer(workload), {
    baseDir: options.baseDir,
    cacheDir: options.cacheDir,
    fetcher: options.fetcher,
    env: options.env,
  });
}

/**
 * The tokenizer a workload names, unvalidated.
 *
 * @param workload The specification's `workload`, or nothing.
 * @returns `workload.tokenizer` when it is a string.
 *
 * @example
 * ```ts
 * import { namedTokenizer } from "./load.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(namedTokenizer({ source: "inline", prompts: ["a"], tokenizer: "org/m" }), "org/m");
 * assert.equal(namedTokenizer(["a"]), undefined);
 * ```
 */
export function namedTokenizer(workload?: WorkloadSpecInput): string | undefined {
  const t = typeof workload === "object" && workload !== null && !Array.isArray(workload)
    ? (workload as { tokenizer?: unknown }).tokenizer
    : undefined;
  return typeof t === "string" ? t : undefined;
}

/**
 * Loads the workload a specification's `workload` describes, with the
 * loader its `source` names (see `sources.ts` for the sources, and
 * `requestsWorkload` for sampling `numPrompts` and output lengths).
 *
 * No tokenizer is loaded unless the workload names one or its source makes
 * prompts (synthetic, prefix): inline prompts and files are read as they are.
 *
 * @param workload The `workload` field: a list of prompts or a source object (validated here).
 * @param options Seed, base folder, cache, fetcher, tokenizer.
 * @returns The workload.
 * @throws {ConfigError} When the specification is invalid, a file or dataset cannot be read, or a length cannot be met.
 *
 * @example Inline prompts, and a synthetic workload
 * ```ts
 * import { loadWorkload } from "./load.ts";
 * import assert from "node:assert/strict";
 *
 * const a = await loadWorkload(["hi", "there"]);
 * assert.deepEqual(a.items, [{ prompt: "hi" }, { prompt: "there" }]);
 * assert.deepEqual(a.description, { source: "inline", count: 2 });
 *
 * const b = await loadWorkload(
 *   { source: "synthetic", inputLen: "uniform:8,16", outputLen: 32, count: 5 },
 * );
 * assert.equal(b.items.length, 5);
 * assert.equal(b.tokenizer?.kind, "default");
 * assert.ok(b.items.every((it) => it.inputLen! >= 8 && it.inputLen! <= 16 && it.outputLen === 32));
 * ```
 */
export async function loadWorkload(
  workload: WorkloadSpecInput,
  options: LoadWorkloadOptions = {},
): Promise<Workload> {
  if (workload === undefined) {
    throw new ConfigError("benchmark", [{
      path: "workload",
      expected: "a workload (a list of prompts or { source, ... })",
      received: "nothing",
    }]);
  }
  const parsed = validate(workloadSchema, workload, "benchmark", "workload");
  const w: WorkloadSource = Array.isArray(parsed) ? { source: "inline", prompts: parsed } : parsed;
  const env = options.env ?? processEnv;
  const fetcher = resolveFetcher(options.fetcher, env);
  const named = options.tokenizer ??
    (w.tokenizer === undefined ? null : await loadTokenizer(w.tokenizer, {
      baseDir: options.baseDir,
      cacheDir: options.cacheDir,
      fetcher,
      env,
    }));
  const ctx: SourceContext = sourceContext({
    seed: w.seed ?? options.seed ?? 0,
    named,
    defaultTokenizer: options.defaultTokenizer ?? defaultTokenizer,
    baseDir: options.baseDir,
    cacheDir: () => options.cacheDir ?? splleedCacheDir(env),
    fetcher,
  });
  // The table pairs each name with its own loader; TypeScript cannot follow that through a union.
  const load = await sourceLoader(w.source) as SourceLoader<WorkloadSource["source"]>;
  return await load(w as never, ctx);
}
