/**
 * What every prompt source is: a loader with one signature,
 * `(source, ctx) => Promise<Workload>`, given its validated `workload`
 * object and a {@linkcode SourceContext} (seed, tokenizers, paths, cache,
 * Hub access). The table of sources is `sources.ts`; requests read from a
 * source are sampled and sized by `requests.ts`.
 *
 * @module
 */

import { resolve } from "node:path";
import type { Distribution, WorkloadSource } from "../config/workload.ts";
import { ConfigError } from "../config/errors.ts";
import { type Random, seededRandom } from "../util/random.ts";
import { formatDistribution } from "./distribution.ts";
import type { HubFetcher } from "./hub.ts";
import type { Tokenizer } from "./tokenizer.ts";
import type { Workload } from "./types.ts";

/** A source's name: the `source` field of a workload. */
export type SourceName = WorkloadSource["source"];

/** The validated workload object of source `S`. */
export type SourceOf<S extends SourceName> = Extract<WorkloadSource, { source: S }>;

/** Sub-stream salts, so that adding one random choice does not shift the others. */
export const SALT = {
  sample: 0,
  outputLen: 0x3c6ef372,
  think: 0x78dde6e4,
  make: 0x1b873593,
} as const;

/** What a source loader is given besides its own fields. */
export interface SourceContext {
  /** The seed of every random choice: `workload.seed`, else the run's, else 0. */
  readonly seed: number;
  /**
   * A seeded generator for one kind of choice ({@linkcode SALT}); a source
   * that calls this says in its description which seed it used.
   *
   * @param salt The choice's salt.
   * @returns A fresh generator.
   */
  random(salt: number): Random;
  /** The tokenizer the workload names (or the caller passed), loaded; `null` when none. */
  readonly named: Tokenizer | null;
  /**
   * The tokenizer to make prompts with: `named`, else the bundled default
   * (loaded on the first call only, so sources that make nothing never load it).
   *
   * @returns The tokenizer.
   */
  tokenizer(): Promise<Tokenizer>;
  /**
   * A path of the workload, resolved against the base folder.
   *
   * @param path As written.
   * @returns The absolute path.
   */
  path(path: string): string;
  /**
   * The splleed cache folder (datasets).
   *
   * @returns The folder.
   */
  cacheDir(): string;
  /** Hub access for datasets not in the cache; `null`: cache only. */
  readonly fetcher: HubFetcher | null;
}

/** Loads one source: its validated object and the context, to a workload. */
export type SourceLoader<S extends SourceName> = (
  source: SourceOf<S>,
  ctx: SourceContext,
) => Promise<Workload>;

/** Options of {@linkcode sourceContext}. */
export interface SourceContextOptions {
  /** The seed. @default 0 */
  seed?: number;
  /** The named tokenizer, loaded. @default null */
  named?: Tokenizer | null;
  /** Loads the bundled default tokenizer. @default a loader that throws */
  defaultTokenizer?: () => Promise<Tokenizer>;
  /** Folder relative paths are resolved against. @default the working directory */
  baseDir?: string;
  /** The splleed cache folder. @default a function that throws */
  cacheDir?: () => string;
  /** Hub access. @default null */
  fetcher?: HubFetcher | null;
}

/**
 * Makes a {@linkcode SourceContext} (`loadWorkload` makes the real one; tests make their own).
 *
 * @param options Seed, tokenizers, folders, fetcher.
 * @returns The context.
 *
 * @example
 * ```ts
 * import { sourceContext, SALT } from "./source.ts";
 * import assert from "node:assert/strict";
 *
 * const ctx = sourceContext({ seed: 3, baseDir: "/data" });
 * assert.equal(ctx.path("p.txt"), "/data/p.txt");
 * assert.equal(ctx.random(SALT.sample).next(), sourceContext({ seed: 3 }).random(SALT.sample).next());
 * await assert.rejects(ctx.tokenizer(), /no default tokenizer/);
 * ```
 */
export function sourceContext(options: SourceContextOptions = {}): SourceContext {
  const seed = options.seed ?? 0;
  const named = options.named ?? null;
  return {
    seed,
    random: (salt) => seededRandom((seed + salt) >>> 0),
    named,
    tokenizer: () =>
      named !== null ? Promise.resolve(named) : options.defaultTokenizer?.() ??
        Promise.reject(new Error("Cannot make prompts: this context has no default tokenizer")),
    path: (p) => resolve(options.baseDir ?? Deno.cwd(), p),
    cacheDir: options.cacheDir ?? (() => {
      throw new Error("Cannot read a dataset: this context has no cache folder");
    }),
    fetcher: options.fetcher ?? null,
  };
}

/**
 * The error for a length a generated source cannot meet exactly.
 *
 * @param err What the generator threw.
 * @param inputLen The asked lengths.
 * @param tok The tokenizer.
 * @returns A ConfigError at `workload.inputLen` for a RangeError; `err` itself otherwise.
 *
 * @example
 * ```ts
 * import { lengthError } from "./source.ts";
 * import { ConfigError } from "../config/errors.ts";
 * import assert from "node:assert/strict";
 *
 * const tok = { info: { name: "t", kind: "hf" as const }, encode: () => [], decode: () => "" };
 * const e = lengthError(new RangeError("no"), 5, tok);
 * assert.ok(e instanceof ConfigError);
 * assert.match(e.message, /'workload.inputLen' must be lengths the tokenizer t can meet exactly/);
 * ```
 */
export function lengthError(err: unknown, inputLen: Distribution, tok: Tokenizer): unknown {
  if (!(err instanceof RangeError)) return err;
  return new ConfigError("benchmark", [{
    path: "workload.inputLen",
    expected: `lengths the tokenizer ${tok.info.name} can meet exactly`,
    received: `${formatDistribution(inputLen)} (${err.message})`,
  }]);
}
