/**
 * The `prefix` source: prefix-sharing workloads for prefix-cache studies: `groups` distinct
 * shared prefixes of exactly `prefixTokens` tokens; prompt i is the prefix
 * of group i modulo `groups` followed by a suffix of its own. The ideal
 * prefix-cache hit ratio is what a perfect cache would reuse: every
 * prompt's prefix except each group's first, over all input tokens.
 *
 * @module
 */

import type { Distribution } from "../config/workload.ts";
import type { Random } from "../util/random.ts";
import { distributionSampler } from "./distribution.ts";
import { lengthError, SALT, type SourceLoader } from "./source.ts";
import { generatedDescription, synthesizeText } from "./synthetic.ts";
import type { Tokenizer } from "./tokenizer.ts";
import type { WorkloadItem } from "./types.ts";

/**
 * Makes `numPrompts ?? count` prefix-sharing prompts with the named
 * tokenizer, else the bundled default.
 *
 * @param w The validated source.
 * @param ctx The context.
 * @returns The workload with its `idealPrefixHitRatio`; the description adds `groups` and `prefixTokens`.
 * @throws {ConfigError} When the tokenizer cannot meet a length exactly.
 *
 * @example
 * ```ts
 * import { prefixSource } from "./prefix.ts";
 * import { sourceContext } from "./source.ts";
 * import { defaultTokenizer } from "./tokenizer.ts";
 * import assert from "node:assert/strict";
 *
 * const w = await prefixSource(
 *   { source: "prefix", groups: 1, prefixTokens: 8, inputLen: 4, count: 2 },
 *   sourceContext({ defaultTokenizer }),
 * );
 * assert.equal(w.idealPrefixHitRatio, 8 / 24);
 * assert.equal(w.description.groups, 1);
 * ```
 */
export const prefixSource: SourceLoader<"prefix"> = async (w, ctx) => {
  const tok = await ctx.tokenizer();
  const count = w.numPrompts ?? w.count!;
  const description = generatedDescription(w, ctx.seed, tok, count);
  Object.assign(description, { groups: w.groups, prefixTokens: w.prefixTokens });
  try {
    const made = await prefixItems(tok, {
      groups: w.groups,
      prefixTokens: w.prefixTokens,
      inputLen: w.inputLen,
      outputLen: w.outputLen,
      count,
      rng: ctx.random(SALT.make),
    });
    return {
      items: made.items,
      tokenizer: tok.info,
      description,
      idealPrefixHitRatio: made.idealPrefixHitRatio,
    };
  } catch (err) {
    throw lengthError(err, w.inputLen, tok);
  }
};

/** Options of {@linkcode prefixItems}. */
export interface PrefixOptions {
  /** Distinct shared prefixes. */
  groups: number;
  /** Tokens of each prefix. */
  prefixTokens: number;
  /** Tokens of each prompt's own suffix. */
  inputLen: Distribution;
  /** Output tokens per prompt; absent: the run's `sampling.maxTokens`. */
  outputLen?: Distribution;
  /** How many prompts. */
  count: number;
  /** The seeded generator. */
  rng: Random;
}

/** A prefix-sharing workload's prompts and its ideal hit ratio. */
export interface PrefixWorkload {
  /** The prompts; `inputLen` is prefix plus suffix tokens. */
  items: WorkloadItem[];
  /** Shared prefix tokens a perfect cache reuses / all input tokens. */
  idealPrefixHitRatio: number;
}

/**
 * Builds a prefix-sharing workload. Prefixes differ from each other from
 * their first token on, so a cache cannot share anything across groups;
 * suffixes are unique, so no two prompts are the same.
 *
 * @param tok The tokenizer the lengths are counted with.
 * @param options Groups, lengths, count, generator.
 * @returns The items and the ideal hit ratio.
 * @throws {RangeError} When lengths cannot be met exactly or suffixes cannot be made unique.
 *
 * @example
 * ```ts
 * import { prefixItems } from "./prefix.ts";
 * import { defaultTokenizer } from "./tokenizer.ts";
 * import { seededRandom } from "../util/random.ts";
 * import assert from "node:assert/strict";
 *
 * const tok = await defaultTokenizer();
 * const w = await prefixItems(tok, { groups: 2, prefixTokens: 30, inputLen: 10, count: 4, rng: seededRandom(0) });
 * // 4 prompts of 40 tokens; prompts 2 and 3 reuse their group's 30 prefix tokens.
 * assert.equal(w.idealPrefixHitRatio, (2 * 30) / (4 * 40));
 * assert.deepEqual(tok.encode(w.items[2].prompt).slice(0, 30), tok.encode(w.items[0].prompt).slice(0, 30));
 * ```
 */
export async function prefixItems(
  tok: Tokenizer,
  options: PrefixOptions,
): Promise<PrefixWorkload> {
  const { groups, prefixTokens, count, rng } = options;
  const prefixes: number[][] = [];
  const firsts = new Set<number>();
  for (let g = 0; g < Math.min(groups, count); g++) {
    let ids: number[] | undefined;
    for (let tries = 0; tries < 100 && ids === undefined; tries++) {
      const candidate = synthesizeText(tok, prefixTokens, rng).ids;
      if (!firsts.has(candidate[0])) ids = candidate;
    }
    if (ids === undefined) {
      throw new RangeError(
        `Cannot make ${groups} prefixes that differ from their first token with tokenizer ${tok.info.name}`,
      );
    }
    firsts.add(ids[0]);
    prefixes.push(ids);
  }
  const sufLen = await distributionSampler(options.inputLen, rng);
  const outLen = options.outputLen === undefined
    ? undefined
    : await distributionSampler(options.outputLen, rng);
  const seen = new Set<string>();
  const items: WorkloadItem[] = [];
  let shared = 0, total = 0;
  for (let i = 0; i < count; i++) {
    const prefix = prefixes[i % prefixes.length];
    const n = sufLen();
    let text: string | undefined;
    for (let tries = 0; tries < 100 && text === undefined; tries++) {
      const s = synthesizeText(tok, n, rng, prefix);
      const key = s.ids.slice(prefixTokens).join(",");
      if (!seen.has(key)) {
        seen.add(key);
        text = s.text;
      }
    }
    if (text === undefined) {
      throw new RangeError(
        `Cannot make ${count} distinct ${n}-token suffixes with tokenizer ${tok.info.name}; ` +
          "use longer suffixes (inputLen)",
      );
    }
    const item: WorkloadItem = { prompt: text, inputLen: prefixTokens + n };
    if (outLen) item.outputLen = outLen();
    items.push(item);
    total += prefixTokens + n;
    if (i >= prefixes.length) shared += prefixTokens;
  }
  return { items, idealPrefixHitRatio: total === 0 ? 0 : shared / total };
}
