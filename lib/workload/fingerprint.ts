/**
 * Workload fingerprints: a few numbers that say what a run sent (how many
 * prompts, how long, how much they share, what was asked of the engine),
 * and a SHA-256 of the exact requests and sampling parameters, so two
 * results can be checked to be like for like before they are compared.
 *
 * @module
 */

import type { TokenizerInfo, Workload } from "./types.ts";
import { itemText } from "./item_text.ts";
import type { Tokenizer } from "./tokenizer.ts";

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
  /** SHA-256 (hex) of the canonical JSON (sorted keys) of `{ items, sampling }`. */
  sha256: string;
  /** SHA-256 (hex) of the canonical JSON of the items alone. */
  itemsSha256: string;
}

/** Share of prompts, and prefix length in tokens, that count as a system prompt. */
export const SYSTEM_PROMPT_MIN_SHARE = 0.8;
/** Shortest shared prefix, in tokens, that counts as a system prompt. */
export const SYSTEM_PROMPT_MIN_TOKENS = 16;

/**
 * Fingerprints a workload.
 *
 * @param workload The loaded workload.
 * @param sampling The sampling parameters sent with every request.
 * @param tokenizer Counts the lengths (the workload's, or the default).
 * @returns The fingerprint.
 *
 * @example
 * ```ts
 * import { fingerprint } from "./fingerprint.ts";
 * import { defaultTokenizer } from "./tokenizer.ts";
 * import assert from "node:assert/strict";
 *
 * const system = "You are a careful assistant. Answer briefly, cite sources, and never guess.";
 * const workload = {
 *   items: ["a cat?", "a dog?", "a fox?"].map((q) => ({ prompt: `${system} ${q}` })),
 *   tokenizer: null,
 *   description: {},
 * };
 * const fp = await fingerprint(workload, { maxTokens: 64 }, await defaultTokenizer());
 * assert.equal(fp.promptCount, 3);
 * assert.equal(fp.systemPromptDetected, true);
 * assert.equal(fp.commonPrefix.share, 1);
 * assert.deepEqual(fp.outputLenRequested, { p50: 64, p95: 64, p99: 64 });
 * assert.match(fp.sha256, /^[0-9a-f]{64}$/);
 * ```
 */
export async function fingerprint(
  workload: Workload,
  sampling: SamplingParams,
  tokenizer: Tokenizer,
): Promise<WorkloadFingerprint> {
  const items = workload.items;
  const seqs = items.map((it) => tokenizer.encode(itemText(it)));
  const maxTokens = typeof sampling.maxTokens === "number" ? sampling.maxTokens : undefined;
  const requested = items.map((it) => it.outputLen ?? maxTokens);
  const known = requested.every((x) => x !== undefined);
  const cleanSampling = canonicalValue(sampling) as Record<string, unknown>;
  const prefix = prefixStats(seqs);
  let systemPrompt = prefix.system;
  if (systemPrompt === null) systemPrompt = systemMessage(workload, tokenizer);
  const fp: WorkloadFingerprint = {
    promptCount: items.length,
    inputLen: percentiles(seqs.map((s) => s.length)),
    outputLenRequested: known && items.length > 0 ? percentiles(requested as number[]) : null,
    commonPrefix: prefix.common,
    systemPromptDetected: systemPrompt !== null,
    systemPrompt,
    tokenizer: { ...tokenizer.info },
    sampling: cleanSampling,
    sha256: await sha256Hex(canonicalJson({ items, sampling: cleanSampling })),
    itemsSha256: await sha256Hex(canonicalJson(items)),
  };
  if (workload.idealPrefixHitRatio !== undefined) {
    fp.idealPrefixHitRatio = workload.idealPrefixHitRatio;
  }
  return fp;
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
 * Lists how two fingerprints differ, in words; empty when the runs sent the
 * same requests with the same sampling, counted with the same tokenizer.
 * Observed output lengths count as a difference when both are known and
 * their medians differ by more than 10%.
 *
 * @param a One fingerprint (say, the baseline).
 * @param b The other.
 * @returns One line per difference, `a` before `b`.
 *
 * @example
 * ```ts
 * import { compareFingerprints, fingerprint } from "./fingerprint.ts";
 * import { defaultTokenizer } from "./tokenizer.ts";
 * import assert from "node:assert/strict";
 *
 * const tok = await defaultTokenizer();
 * const w = { items: [{ prompt: "hi" }], tokenizer: null, description: {} };
 * const a = await fingerprint(w, { maxTokens: 64, temperature: 0 }, tok);
 * const b = await fingerprint(w, { maxTokens: 64, temperature: 0.7 }, tok);
 * assert.deepEqual(compareFingerprints(a, a), []);
 * assert.deepEqual(compareFingerprints(a, b), ["sampling.temperature: 0 vs 0.7"]);
 * ```
 */
export function compareFingerprints(a: WorkloadFingerprint, b: WorkloadFingerprint): string[] {
  const out: string[] = [];
  const pct = (p: LengthPercentiles | null | undefined) =>
    p ? `${p.p50}/${p.p95}/${p.p99}` : "engine default";
  if (a.tokenizer.name !== b.tokenizer.name || a.tokenizer.kind !== b.tokenizer.kind) {
    out.push(
      `tokenizer: ${a.tokenizer.name} (${a.tokenizer.kind}) vs ${b.tokenizer.name} (${b.tokenizer.kind}); lengths are not comparable`,
    );
  }
  if (a.itemsSha256 !== b.itemsSha256) {
    out.push(`prompts differ (items sha256 ${short(a.itemsSha256)} vs ${short(b.itemsSha256)})`);
  }
  if (a.promptCount !== b.promptCount) {
    out.push(`prompt count: ${a.promptCount} vs ${b.promptCount}`);
  }
  if (pct(a.inputLen) !== pct(b.inputLen)) {
    out.push(`input length p50/p95/p99: ${pct(a.inputLen)} vs ${pct(b.inputLen)} tok`);
  }
  if (pct(a.outputLenRequested) !== pct(b.outputLenRequested)) {
    out.push(
      `requested output p50/p95/p99: ${pct(a.outputLenRequested)} vs ${
        pct(b.outputLenRequested)
      } tok`,
    );
  }
  if (
    a.commonPrefix.tokens !== b.commonPrefix.tokens || a.commonPrefix.share !== b.commonPrefix.share
  ) {
    out.push(`common prefix: ${prefixText(a.commonPrefix)} vs ${prefixText(b.commonPrefix)}`);
  }
  if (a.systemPromptDetected !== b.systemPromptDetected) {
    out.push(
      `system prompt: ${a.systemPromptDetected ? "detected" : "none"} vs ${
        b.systemPromptDetected ? "detected" : "none"
      }`,
    );
  }
  if (a.idealPrefixHitRatio !== b.idealPrefixHitRatio) {
    const r = (x?: number) => x === undefined ? "n/a" : `${(x * 100).toFixed(1)}%`;
    out.push(`ideal prefix hit ratio: ${r(a.idealPrefixHitRatio)} vs ${r(b.idealPrefixHitRatio)}`);
  }
  const keys = [...new Set([...Object.keys(a.sampling), ...Object.keys(b.sampling)])].sort();
  for (const k of keys) {
    const x = canonicalJson(a.sampling[k]), y = canonicalJson(b.sampling[k]);
    if (x !== y) out.push(`sampling.${k}: ${x ?? "unset"} vs ${y ?? "unset"}`);
  }
  if (out.length === 0 && a.sha256 !== b.sha256) {
    out.push(`requests differ (sha256 ${short(a.sha256)} vs ${short(b.sha256)})`);
  }
  const oa = a.outputLenObserved, ob = b.outputLenObserved;
  if (oa && ob && Math.abs(oa.p50 - ob.p50) > 0.1 * Math.max(oa.p50, ob.p50)) {
    out.push(`observed output p50/p95/p99: ${pct(oa)} vs ${pct(ob)} tok`);
  }
  return out;
}

/**
 * Renders a fingerprint in a few lines for the console.
 *
 * @param fp The fingerprint.
 * @returns Lines joined by `\n`, no trailing newline.
 *
 * @example
 * ```ts
 * import { fingerprint, renderFingerprint } from "./fingerprint.ts";
 * import { defaultTokenizer } from "./tokenizer.ts";
 * import assert from "node:assert/strict";
 *
 * const w = { items: [{ prompt: "hi" }, { prompt: "hello there" }], tokenizer: null, description: {} };
 * const text = renderFingerprint(await fingerprint(w, { maxTokens: 128 }, await defaultTokenizer()));
 * assert.match(text, /^workload: 2 prompts · input p50\/p95\/p99 1\/2\/2 tok · output 128 tok requested/);
 * assert.match(text, /tokenizer o200k_base \(default\)/);
 * ```
 */
export function renderFingerprint(fp: WorkloadFingerprint): string {
  const pct = (p: LengthPercentiles) =>
    p.p50 === p.p95 && p.p95 === p.p99 ? `${p.p50}` : `p50/p95/p99 ${p.p50}/${p.p95}/${p.p99}`;
  const first = [
    `workload: ${fp.promptCount} prompt${fp.promptCount === 1 ? "" : "s"}`,
    `input ${pct(fp.inputLen)} tok`,
    fp.outputLenRequested === null
      ? "output: engine default"
      : `output ${pct(fp.outputLenRequested)} tok requested`,
  ];
  if (fp.outputLenObserved) first.push(`observed ${pct(fp.outputLenObserved)} tok`);
  const second: string[] = [];
  if (fp.systemPrompt) {
    second.push(
      `system prompt detected (${fp.systemPrompt.tokens} tok, ${
        percent(fp.systemPrompt.share)
      } of prompts)`,
    );
  }
  if (
    fp.commonPrefix.tokens > 0 &&
    (fp.systemPrompt === null || fp.commonPrefix.tokens !== fp.systemPrompt.tokens ||
      fp.commonPrefix.share !== fp.systemPrompt.share)
  ) {
    second.push(`common prefix ${prefixText(fp.commonPrefix)}`);
  }
  if (fp.idealPrefixHitRatio !== undefined) {
    second.push(`ideal prefix-cache hit ratio ${percent(fp.idealPrefixHitRatio)}`);
  }
  const tok = `tokenizer ${fp.tokenizer.name}${
    fp.tokenizer.kind === "default" ? " (default)" : ""
  }`;
  second.push(tok, `sha256 ${short(fp.sha256)}`);
  return `${first.join(" · ")}\n  ${second.join(" · ")}`;
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

/** Nearest-rank percentiles. */
function percentiles(values: readonly number[]): LengthPercentiles {
  if (values.length === 0) return { p50: 0, p95: 0, p99: 0 };
  const s = [...values].sort((x, y) => x - y);
  const at = (q: number) => s[Math.max(0, Math.ceil(q * s.length) - 1)];
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

function short(hex: string): string {
  return hex.slice(0, 12);
}

function percent(x: number): string {
  return `${Math.round(x * 100)}%`;
}

function prefixText(p: { tokens: number; share: number }): string {
  return p.tokens === 0 ? "none" : `${p.tokens} tok (${percent(p.share)} of prompts)`;
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
