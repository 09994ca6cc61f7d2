/**
 * The `synthetic` source: prompts of exact token lengths. Random words of the tokenizer's
 * own vocabulary are decoded to text, and the text is re-encoded and
 * trimmed or extended until the re-encoded length is exactly the target, so
 * a server with the same tokenizer sees the intended number of tokens (no
 * special tokens or chat template counted).
 *
 * @module
 */

import type { Distribution } from "../config/workload.ts";
import type { Random } from "../util/random.ts";
import { distributionSampler, formatDistribution } from "./distribution.ts";
import { lengthError, SALT, type SourceLoader, type SourceOf } from "./source.ts";
import type { Tokenizer } from "./tokenizer.ts";
import type { WorkloadItem } from "./types.ts";

/**
 * Makes `numPrompts ?? count` synthetic prompts with the named tokenizer,
 * else the bundled default.
 *
 * @param w The validated source.
 * @param ctx The context.
 * @returns The workload, `tokenizer` the one that made it; the description has the seed, lengths, tokenizer and count.
 * @throws {ConfigError} When the tokenizer cannot meet a length exactly.
 *
 * @example
 * ```ts
 * import { syntheticSource } from "./synthetic.ts";
 * import { sourceContext } from "./source.ts";
 * import { defaultTokenizer } from "./tokenizer.ts";
 * import assert from "node:assert/strict";
 *
 * const w = await syntheticSource(
 *   { source: "synthetic", inputLen: 12, count: 2 },
 *   sourceContext({ defaultTokenizer }),
 * );
 * assert.deepEqual(w.items.map((it) => it.inputLen), [12, 12]);
 * assert.equal(w.description.tokenizer, "o200k_base");
 * ```
 */
export const syntheticSource: SourceLoader<"synthetic"> = async (w, ctx) => {
  const tok = await ctx.tokenizer();
  const count = w.numPrompts ?? w.count!;
  const description = generatedDescription(w, ctx.seed, tok, count);
  try {
    const items = await syntheticItems(tok, {
      count,
      inputLen: w.inputLen,
      outputLen: w.outputLen,
      rng: ctx.random(SALT.make),
    });
    return { items, tokenizer: tok.info, description };
  } catch (err) {
    throw lengthError(err, w.inputLen, tok);
  }
};

/**
 * The description of a generated workload (synthetic, prefix).
 *
 * @param w The validated source.
 * @param seed The seed used.
 * @param tok The tokenizer that made it.
 * @param count How many prompts.
 * @returns `{ source, seed, numPrompts?, inputLen, outputLen?, tokenizer, count }`.
 *
 * @example
 * ```ts
 * import { generatedDescription } from "./synthetic.ts";
 * import assert from "node:assert/strict";
 *
 * const tok = { info: { name: "t", kind: "hf" as const }, encode: () => [], decode: () => "" };
 * assert.deepEqual(
 *   generatedDescription({ source: "synthetic", inputLen: { dist: "uniform", min: 1, max: 4 }, count: 2 }, 0, tok, 2),
 *   { source: "synthetic", seed: 0, inputLen: "uniform:1,4", tokenizer: "t", count: 2 },
 * );
 * ```
 */
export function generatedDescription(
  w: SourceOf<"synthetic" | "prefix">,
  seed: number,
  tok: Tokenizer,
  count: number,
): Record<string, unknown> {
  const description: Record<string, unknown> = { source: w.source, seed };
  if (w.numPrompts !== undefined) description.numPrompts = w.numPrompts;
  description.inputLen = formatDistribution(w.inputLen);
  if (w.outputLen !== undefined) description.outputLen = formatDistribution(w.outputLen);
  description.tokenizer = tok.info.name;
  description.count = count;
  return description;
}

/** Vocabulary words per tokenizer (built once each). */
const pools = new WeakMap<Tokenizer, number[]>();

/** Text used to find word tokens when a tokenizer does not say its vocabulary size. */
const WORD_BANK = "the quick brown fox jumps over a lazy dog while the model server streams " +
  "tokens from its cache to each request in the batch and people write long prompts about " +
  "water time number system data point house world story music school family river light " +
  "paper table window garden city country mountain morning evening question answer";

/**
 * The token ids synthesis draws from: vocabulary entries that decode to a
 * lowercase word with a leading space (they re-encode as themselves when
 * strung together), else to a bare word; at most 4,096, in id order.
 *
 * @param tok The tokenizer.
 * @returns The ids.
 * @throws {RangeError} When the tokenizer has no word tokens at all.
 *
 * @example
 * ```ts
 * import { wordTokens } from "./synthetic.ts";
 * import { defaultTokenizer } from "./tokenizer.ts";
 * import assert from "node:assert/strict";
 *
 * const tok = await defaultTokenizer();
 * const ids = wordTokens(tok);
 * assert.ok(ids.length > 1000);
 * assert.match(tok.decode([ids[0]]), /^ [a-z]+$/);
 * ```
 */
export function wordTokens(tok: Tokenizer): number[] {
  const cached = pools.get(tok);
  if (cached) return cached;
  const spaced: number[] = [], bare: number[] = [];
  const consider = (id: number) => {
    let d: string;
    try {
      d = tok.decode([id]);
    } catch {
      return;
    }
    if (/^ [a-z]{2,12}$/.test(d)) spaced.push(id);
    else if (/^[a-z]{2,12}$/.test(d)) bare.push(id);
  };
  if (tok.vocabSize !== undefined) {
    for (let id = 0; id < tok.vocabSize && spaced.length < 4096; id++) consider(id);
  }
  if (spaced.length < 64) {
    for (const id of new Set(tok.encode(WORD_BANK))) consider(id);
  }
  const pool = spaced.length >= 64 ? spaced : [...new Set([...spaced, ...bare])].slice(0, 4096);
  if (pool.length === 0) {
    throw new RangeError(
      `Cannot synthesise prompts with tokenizer ${tok.info.name}: it has no word tokens`,
    );
  }
  pools.set(tok, pool);
  return pool;
}

/** A synthesised text and its token ids. */
export interface SynthesizedText {
  /** The text (for a prefix, the prefix's text followed by the new part). */
  text: string;
  /** `tok.encode(text)`: the prefix's ids followed by exactly `target` new ids. */
  ids: number[];
}

/**
 * Makes text that encodes to exactly `target` tokens, after `prefix` when given.
 *
 * Draws `target` random word tokens, decodes them (after the prefix),
 * re-encodes, and cuts or extends the new part until its length is exact and
 * the prefix's tokens are unchanged; retries with a fresh draw when that
 * does not settle.
 *
 * @param tok The tokenizer.
 * @param target New tokens wanted (a positive integer).
 * @param rng The seeded generator.
 * @param prefix Token ids the text must start with. @default []
 * @returns The text and its ids.
 * @throws {RangeError} When no exact text is found after 8 draws.
 *
 * @example
 * ```ts
 * import { synthesizeText } from "./synthetic.ts";
 * import { defaultTokenizer } from "./tokenizer.ts";
 * import { seededRandom } from "../util/random.ts";
 * import assert from "node:assert/strict";
 *
 * const tok = await defaultTokenizer();
 * const { text } = synthesizeText(tok, 37, seededRandom(1));
 * assert.equal(tok.encode(text).length, 37);
 * ```
 */
export function synthesizeText(
  tok: Tokenizer,
  target: number,
  rng: Random,
  prefix: readonly number[] = [],
): SynthesizedText {
  if (!Number.isInteger(target) || target < 1) {
    throw new RangeError(
      `Cannot synthesise text: target must be a positive integer, got ${target}`,
    );
  }
  const pool = wordTokens(tok);
  const draw = (n: number) =>
    Array.from({ length: n }, () => pool[Math.floor(rng.next() * pool.length)]);
  const p = prefix.length;
  for (let attempt = 0; attempt < 8; attempt++) {
    let part = draw(target);
    for (let step = 0; step < 16; step++) {
      const text = tok.decode([...prefix, ...part]);
      const ids = tok.encode(text);
      if (!prefix.every((id, i) => ids[i] === id)) break; // the prefix changed: draw again
      const got = ids.length - p;
      if (got === target) return { text, ids };
      part = got > target ? ids.slice(p, p + target) : [...ids.slice(p), ...draw(target - got)];
    }
  }
  throw new RangeError(
    `Cannot synthesise text of exactly ${target} tokens with tokenizer ${tok.info.name}` +
      (p > 0 ? ` after a ${p}-token prefix` : "") + " in 8 draws",
  );
}

/** Options of {@linkcode syntheticItems}. */
export interface SyntheticOptions {
  /** How many prompts. */
  count: number;
  /** Input tokens per prompt. */
  inputLen: Distribution;
  /** Output tokens per prompt; absent: the run's `sampling.maxTokens`. */
  outputLen?: Distribution;
  /** The seeded generator. */
  rng: Random;
}

/**
 * Prompts of token lengths drawn from `inputLen`, each exact with `tok`.
 *
 * @param tok The tokenizer the lengths are counted with.
 * @param options Count, lengths, generator.
 * @returns The items, each with `inputLen` (and `outputLen` when asked).
 * @throws {RangeError} When a length cannot be met exactly.
 *
 * @example
 * ```ts
 * import { syntheticItems } from "./synthetic.ts";
 * import { defaultTokenizer } from "./tokenizer.ts";
 * import { seededRandom } from "../util/random.ts";
 * import assert from "node:assert/strict";
 *
 * const tok = await defaultTokenizer();
 * const items = await syntheticItems(tok, { count: 3, inputLen: 20, outputLen: 8, rng: seededRandom(0) });
 * for (const it of items) {
 *   assert.equal(tok.encode(it.prompt).length, 20);
 *   assert.equal(it.outputLen, 8);
 * }
 * ```
 */
export async function syntheticItems(
  tok: Tokenizer,
  options: SyntheticOptions,
): Promise<WorkloadItem[]> {
  const inLen = await distributionSampler(options.inputLen, options.rng);
  const outLen = options.outputLen === undefined
    ? undefined
    : await distributionSampler(options.outputLen, options.rng);
  const items: WorkloadItem[] = [];
  for (let i = 0; i < options.count; i++) {
    const n = inLen();
    const { text } = synthesizeText(tok, n, options.rng);
    const item: WorkloadItem = { prompt: text, inputLen: n };
    if (outLen) item.outputLen = outLen();
    items.push(item);
  }
  return items;
}
