/**
 * Workload fingerprints: a few numbers that say what a run sent (how many
 * prompts, how long, how much they share, what was asked of the engine),
 * and a SHA-256 of the exact requests and sampling parameters, so two
 * results can be checked to be like for like before they are compared
 * (`compareFingerprints` in `lib/analysis/`; `renderFingerprint` in
 * `lib/report/`).
 *
 * Token counts need a tokenizer. When the caller has one (the workload's
 * own, or the default that made synthetic prompts) it is used. Otherwise the
 * bundled default is loaded only when the token statistics of these exact
 * items are not in the cache (`<cache>/fingerprints/`, keyed by the items'
 * SHA-256 and the tokenizer's name): a second run of the same prompts loads
 * no tokenizer and gets the same fingerprint, field for field.
 *
 * @module
 */

import { join } from "node:path";
import { nearestRankSorted, sortedCopy } from "../stats/quantile.ts";
import { itemText } from "./item_text.ts";
import { DEFAULT_TOKENIZER_NAME, defaultTokenizer, type Tokenizer } from "./tokenizer.ts";
import type { TokenizerInfo, Workload, WorkloadItem } from "./types.ts";

/** Nearest-rank percentiles of a list of lengths, in tokens. */
export interface LengthPercentiles {
  /** Median. */
  p50: number;
  /** 95th percentile. */
  p95: number;
  /** 99th percentile. */
  p99: number;
}

/** Sampling parameters as the fingerprint sees them (any plain fields). */
export type SamplingParams = Readonly<Record<string, unknown>> & { readonly maxTokens?: number };

/** What a workload is, in numbers, and a hash of exactly what it sends. */
export interface WorkloadFingerprint {
  /** Requests in the workload. */
  promptCount: number;
  /** Input tokens per request (prompt, or message contents), counted with `tokenizer`. */
  inputLen: LengthPercentiles;
  /** Output tokens asked for per request (its `outputLen`, else `sampling.maxTokens`); `null` when neither says. */
  outputLenRequested: LengthPercentiles | null;
  /** Output tokens the engine produced, filled after the run by {@linkcode addObservedOutput}. */
  outputLenObserved?: LengthPercentiles & { count: number };
  /**
   * The shared prefix that would save the most prefill: the token prefix
   * maximising length × (prompts that have it − 1), and the share of
   * prompts that have it; `{ tokens: 0, share: 0 }` when no two prompts
   * share a first token.
   */
  commonPrefix: { tokens: number; share: number };
  /** At least 80% of prompts share a prefix of 16 tokens or more, or the same system message. */
  systemPromptDetected: boolean;
  /** When detected: the longest prefix (or system message) shared by at least 80% of prompts. */
  systemPrompt: { tokens: number; share: number } | null;
  /** Prefix-sharing workloads: the ideal prefix-cache hit ratio. */
  idealPrefixHitRatio?: number;
  /** The tokenizer the lengths were counted with. */
  tokenizer: TokenizerInfo;
  /** The sampling parameters. */
  sampling: Record<string, unknown>;
  /** SHA-256 (hex) of the canonical JSON (sorted keys) of `{ items, sampling }`, items without their `inputLen` counts. */
  sha256: string;
  /** SHA-256 (hex) of the canonical JSON of the items alone (without `inputLen`): equal for the same requests, whatever counted them. */
  itemsSha256: string;
}

/** Share of prompts, and prefix length in tokens, that count as a system prompt. */
export const SYSTEM_PROMPT_MIN_SHARE = 0.8;
/** Shortest shared prefix, in tokens, that counts as a system prompt. */
export const SYSTEM_PROMPT_MIN_TOKENS = 16;

/** Options of {@linkcode fingerprint}. */
export interface FingerprintOptions {
  /** The splleed cache folder, whose `fingerprints/` keeps token statistics when no tokenizer is given; `null`: none kept. @default null */
  cacheDir?: string | null;
  /** Loads the bundled default tokenizer, when no tokenizer is given and the cache lacks these items. @default defaultTokenizer */
  defaultTokenizer?: () => Promise<Tokenizer>;
}

/** The fields counted with a tokenizer. */
type TokenStats = Pick<WorkloadFingerprint, "inputLen" | "commonPrefix" | "systemPrompt">;

/** Bumped when the token statistics are computed differently, so older cache entries are not read. */
const TOKEN_STATS_VERSION = 1;

/**
 * Fingerprints a workload.
 *
 * @param workload The loaded workload.
 * @param sampling The sampling parameters sent with every request.
 * @param tokenizer Counts the lengths; absent: the bundled default, loaded only when the cache (`options.cacheDir`) lacks these items' counts.
 * @param options The cache folder and the default tokenizer's loader.
 * @returns The fingerprint (the same, field for field, whether the counts came from a tokenizer or the cache).
 *
 * @example
 * ```ts
 * import { fingerprint } from "./fingerprint.ts";
 * import assert from "node:assert/strict";
 *
 * const system = "You are a careful assistant. Answer briefly, cite sources, and never guess.";
 * const workload = {
 *   items: ["a cat?", "a dog?", "a fox?"].map((q) => ({ prompt: `${system} ${q}` })),
 *   tokenizer: null,
 *   description: {},
 * };
 * const fp = await fingerprint(workload, { maxTokens: 64 });
 * assert.equal(fp.promptCount, 3);
 * assert.equal(fp.systemPromptDetected, true);
 * assert.equal(fp.commonPrefix.share, 1);
 * assert.deepEqual(fp.outputLenRequested, { p50: 64, p95: 64, p99: 64 });
 * assert.deepEqual(fp.tokenizer, { name: "o200k_base", kind: "default" });
 * assert.match(fp.sha256, /^[0-9a-f]{64}$/);
 * ```
 */
export async function fingerprint(
  workload: Workload,
  sampling: SamplingParams,
  tokenizer?: Tokenizer,
  options: FingerprintOptions = {},
): Promise<WorkloadFingerprint> {
  const items = workload.items;
  const sent = items.map(withoutCounts);
  const maxTokens = typeof sampling.maxTokens === "number" ? sampling.maxTokens : undefined;
  const requested = items.map((it) => it.outputLen ?? maxTokens);
  const known = requested.every((x) => x !== undefined);
  const cleanSampling = canonicalValue(sampling) as Record<string, unknown>;
  const itemsSha256 = await sha256Hex(canonicalJson(sent));
  let info: TokenizerInfo;
  let stats: TokenStats;
  if (tokenizer !== undefined) {
    info = tokenizer.info;
    stats = tokenStats(workload, tokenizer);
  } else {
    const load = options.defaultTokenizer ?? defaultTokenizer;
    const cacheDir = options.cacheDir ?? null;
    const file = cacheDir === null ? null : join(
      cacheDir,
      "fingerprints",
      `${DEFAULT_TOKENIZER_NAME}-v${TOKEN_STATS_VERSION}-${itemsSha256}.json`,
    );
    const cached = file === null ? null : await readStats(file);
    if (cached !== null) {
      info = { name: DEFAULT_TOKENIZER_NAME, kind: "default" };
      stats = cached;
    } else {
      const tok = await load();
      info = tok.info;
      stats = tokenStats(workload, tok);
      if (file !== null && tok.info.name === DEFAULT_TOKENIZER_NAME) await writeStats(file, stats);
    }
  }
  const fp: WorkloadFingerprint = {
    promptCount: items.length,
    inputLen: stats.inputLen,
    outputLenRequested: known && items.length > 0 ? percentiles(requested as number[]) : null,
    commonPrefix: stats.commonPrefix,
    systemPromptDetected: stats.systemPrompt !== null,
    systemPrompt: stats.systemPrompt,
    tokenizer: { ...info },
    sampling: cleanSampling,
    sha256: await sha256Hex(canonicalJson({ items: sent, sampling: cleanSampling })),
    itemsSha256,
  };
  if (workload.idealPrefixHitRatio !== undefined) {
    fp.idealPrefixHitRatio = workload.idealPrefixHitRatio;
  }
  return fp;
}

/** An item as sent: without `inputLen`, which only says how some tokenizer counted it. */
function withoutCounts(item: WorkloadItem): Omit<WorkloadItem, "inputLen"> {
  const { inputLen: _n, ...rest } = item;
  return rest;
}

/** The token-counted fields of a fingerprint. */
function tokenStats(workload: Workload, tokenizer: Tokenizer): TokenStats {
  const seqs = workload.items.map((it) => tokenizer.encode(itemText(it)));
  const prefix = prefixStats(seqs);
  return {
    inputLen: percentiles(seqs.map((s) => s.length)),
    commonPrefix: prefix.common,
    systemPrompt: prefix.system ?? systemMessage(workload, tokenizer),
  };
}

async function readStats(file: string): Promise<TokenStats | null> {
  try {
    const v = JSON.parse(await Deno.readTextFile(file));
    const pct = (p: unknown) =>
      typeof p === "object" && p !== null &&
      ["p50", "p95", "p99"].every((k) => Number.isFinite((p as Record<string, unknown>)[k]));
    const share = (x: unknown) =>
      typeof x === "object" && x !== null &&
      Number.isFinite((x as { tokens?: unknown }).tokens) &&
      Number.isFinite((x as { share?: unknown }).share);
    if (
      pct(v?.inputLen) && share(v?.commonPrefix) &&
      (v.systemPrompt === null || share(v.systemPrompt))
    ) {
      return { inputLen: v.inputLen, commonPrefix: v.commonPrefix, systemPrompt: v.systemPrompt };
    }
  } catch {
    // Absent or damaged: count again.
  }
  return null;
}

/** Keeps statistics for the next run; a cache that cannot be written is only slower. */
async function writeStats(file: string, stats: TokenStats): Promise<void> {
  const tmp = `${file}.${crypto.randomUUID()}.tmp`;
  try {
    await Deno.mkdir(join(file, ".."), { recursive: true });
    await Deno.writeTextFile(tmp, JSON.stringify(stats));
    await Deno.rename(tmp, file);
  } catch {
    await Deno.remove(tmp).catch(() => {});
  }
}

/**
 * Adds the output lengths the engine produced (filled by the runner after
 * the run), as percentiles.
 *
 * @param fp The fingerprint.
 * @param observedOutputLens Output tokens of each finished request.
 * @returns A copy with `outputLenObserved` (unchanged when the list is empty).
 *
 * @example
 * ```ts
 * import { addObservedOutput, type WorkloadFingerprint } from "./fingerprint.ts";
 * import assert from "node:assert/strict";
 *
 * const fp = { promptCount: 2 } as WorkloadFingerprint;
 * assert.deepEqual(addObservedOutput(fp, [10, 20]).outputLenObserved, {
 *   p50: 10, p95: 20, p99: 20, count: 2,
 * });
 * ```
 */
export function addObservedOutput(
  fp: WorkloadFingerprint,
  observedOutputLens: readonly number[],
): WorkloadFingerprint {
  if (observedOutputLens.length === 0) return { ...fp };
  return {
    ...fp,
    outputLenObserved: { ...percentiles(observedOutputLens), count: observedOutputLens.length },
  };
}

/**
 * Serialises a value as JSON with object keys sorted at every level and
 * `undefined` fields left out, so equal values give equal text.
 *
 * @param value A JSON-like value.
 * @returns The canonical JSON (`undefined` for `undefined`).
 *
 * @example
 * ```ts
 * import { canonicalJson } from "./fingerprint.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(canonicalJson({ b: 1, a: [{ d: 2, c: undefined }] }), '{"a":[{"d":2}],"b":1}');
 * ```
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonicalValue(value));
}

function canonicalValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => canonicalValue(v) ?? null);
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = canonicalValue((value as Record<string, unknown>)[k]);
      if (v !== undefined) out[k] = v;
    }
    return out;
  }
  if (typeof value === "function" || typeof value === "symbol") return undefined;
  return value;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Nearest-rank percentiles (integers stay integers); zeros for no values. */
function percentiles(values: readonly number[]): LengthPercentiles {
  if (values.length === 0) return { p50: 0, p95: 0, p99: 0 };
  const s = sortedCopy(values);
  return {
    p50: nearestRankSorted(s, 0.5),
    p95: nearestRankSorted(s, 0.95),
    p99: nearestRankSorted(s, 0.99),
  };
}

function compareSeqs(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

function lcp(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/**
 * Shared prefixes of token sequences. After sorting, prompts that share a
 * prefix of h tokens are a run of neighbours whose pairwise LCPs are all at
 * least h, so the prefix that saves the most (h × (run length − 1)) is the
 * largest rectangle under the LCP histogram, and the longest prefix shared
 * by 80% of prompts is the best minimum over windows of that many LCPs.
 */
function prefixStats(seqs: readonly number[][]): {
  common: { tokens: number; share: number };
  system: { tokens: number; share: number } | null;
} {
  const n = seqs.length;
  if (n < 2) return { common: { tokens: 0, share: 0 }, system: null };
  const sorted = [...seqs].sort(compareSeqs);
  const h = new Array<number>(n - 1);
  for (let i = 1; i < n; i++) h[i - 1] = lcp(sorted[i - 1], sorted[i]);
  // Largest rectangle: height × width over the LCP histogram (stack of increasing heights).
  let best = { score: 0, tokens: 0, count: 0 };
  const stack: number[] = [];
  for (let i = 0; i <= h.length; i++) {
    const cur = i === h.length ? -1 : h[i];
    while (stack.length > 0 && h[stack[stack.length - 1]] >= cur) {
      const height = h[stack.pop()!];
      const left = stack.length === 0 ? -1 : stack[stack.length - 1];
      const width = i - left - 1;
      const score = height * width;
      if (height > 0 && (score > best.score || (score === best.score && height > best.tokens))) {
        best = { score, tokens: height, count: width + 1 };
      }
    }
    stack.push(i);
  }
  const common = best.tokens === 0
    ? { tokens: 0, share: 0 }
    : { tokens: best.tokens, share: best.count / n };
  // Longest prefix shared by at least 80%: windows of w = need − 1 LCPs, maximise their minimum.
  const need = Math.ceil(SYSTEM_PROMPT_MIN_SHARE * n);
  const w = Math.max(1, need - 1);
  let bestMin = 0, bestAt = -1;
  const dq: number[] = [];
  for (let i = 0; i < h.length; i++) {
    while (dq.length > 0 && h[dq[dq.length - 1]] >= h[i]) dq.pop();
    dq.push(i);
    if (dq[0] <= i - w) dq.shift();
    if (i >= w - 1 && h[dq[0]] > bestMin) [bestMin, bestAt] = [h[dq[0]], i];
  }
  let system: { tokens: number; share: number } | null = null;
  if (bestMin >= SYSTEM_PROMPT_MIN_TOKENS && bestAt >= 0) {
    // Widen the window to every neighbour that shares the prefix, for the share.
    let lo = bestAt - w + 1, hi = bestAt;
    while (lo > 0 && h[lo - 1] >= bestMin) lo--;
    while (hi + 1 < h.length && h[hi + 1] >= bestMin) hi++;
    system = { tokens: bestMin, share: (hi - lo + 2) / n };
  }
  return { common, system };
}

/** A system message shared by at least 80% of chat prompts. */
function systemMessage(
  workload: Workload,
  tokenizer: Tokenizer,
): { tokens: number; share: number } | null {
  const n = workload.items.length;
  if (n < 2) return null;
  const counts = new Map<string, number>();
  for (const it of workload.items) {
    const m = it.messages?.[0];
    if (m?.role === "system" && m.content !== "") {
      counts.set(m.content, (counts.get(m.content) ?? 0) + 1);
    }
  }
  let best: [string, number] | undefined;
  for (const e of counts) if (best === undefined || e[1] > best[1]) best = e;
  if (best === undefined || best[1] < Math.ceil(SYSTEM_PROMPT_MIN_SHARE * n)) return null;
  return { tokens: tokenizer.encode(best[0]).length, share: best[1] / n };
}
