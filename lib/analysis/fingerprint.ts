/**
 * Comparing two workload fingerprints: were two runs like for like (the
 * same requests, the same sampling), and if not, how do they differ?
 *
 * Token lengths (input length, shared prefixes, system prompt) depend on
 * the tokenizer that counted them, not only on the requests. Two runs that
 * sent the same requests (equal `itemsSha256`, which leaves counts out) are
 * never called different because one counted with another tokenizer; when
 * the requests differ and so do the tokenizers, the lengths are said to be
 * not comparable instead of listed.
 *
 * @module
 */

import type { WorkloadFingerprint } from "../results/document.ts";

type Percentiles = WorkloadFingerprint["inputLen"];

/**
 * Lists how two fingerprints differ, in words; empty when the runs sent the
 * same requests with the same sampling. Observed output lengths count as a
 * difference when both are known and their medians differ by more than 10%.
 *
 * @param a One fingerprint (say, the baseline).
 * @param b The other.
 * @returns One line per difference, `a` before `b`.
 *
 * @example
 * ```ts
 * import { compareFingerprints } from "./fingerprint.ts";
 * import type { WorkloadFingerprint } from "../results/document.ts";
 * import assert from "node:assert/strict";
 *
 * const a: WorkloadFingerprint = {
 *   promptCount: 1,
 *   inputLen: { p50: 1, p95: 1, p99: 1 },
 *   outputLenRequested: { p50: 64, p95: 64, p99: 64 },
 *   commonPrefix: { tokens: 0, share: 0 },
 *   systemPromptDetected: false,
 *   systemPrompt: null,
 *   tokenizer: { name: "o200k_base", kind: "default" },
 *   sampling: { maxTokens: 64, temperature: 0 },
 *   sha256: "a".repeat(64),
 *   itemsSha256: "b".repeat(64),
 * };
 * const b = { ...a, sampling: { maxTokens: 64, temperature: 0.7 }, sha256: "c".repeat(64) };
 * assert.deepEqual(compareFingerprints(a, a), []);
 * assert.deepEqual(compareFingerprints(a, b), ["sampling.temperature: 0 vs 0.7"]);
 * // The same requests counted with another tokenizer: no difference.
 * const c = { ...a, tokenizer: { name: "org/model", kind: "hf" as const }, inputLen: { p50: 2, p95: 2, p99: 2 } };
 * assert.deepEqual(compareFingerprints(a, c), []);
 * ```
 */
export function compareFingerprints(a: WorkloadFingerprint, b: WorkloadFingerprint): string[] {
  const out: string[] = [];
  const pct = (p: Percentiles | null | undefined) =>
    p ? `${p.p50}/${p.p95}/${p.p99}` : "engine default";
  const sameRequests = a.itemsSha256 === b.itemsSha256;
  const sameCounting = a.tokenizer.name === b.tokenizer.name &&
    a.tokenizer.kind === b.tokenizer.kind;
  if (!sameRequests) {
    if (!sameCounting) {
      out.push(
        `tokenizer: ${a.tokenizer.name} (${a.tokenizer.kind}) vs ${b.tokenizer.name} (${b.tokenizer.kind}); lengths are not comparable`,
      );
    }
    out.push(`prompts differ (items sha256 ${short(a.itemsSha256)} vs ${short(b.itemsSha256)})`);
  }
  if (a.promptCount !== b.promptCount) {
    out.push(`prompt count: ${a.promptCount} vs ${b.promptCount}`);
  }
  if (!sameRequests && sameCounting) {
    if (pct(a.inputLen) !== pct(b.inputLen)) {
      out.push(`input length p50/p95/p99: ${pct(a.inputLen)} vs ${pct(b.inputLen)} tok`);
    }
    if (
      a.commonPrefix.tokens !== b.commonPrefix.tokens ||
      a.commonPrefix.share !== b.commonPrefix.share
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
  }
  if (pct(a.outputLenRequested) !== pct(b.outputLenRequested)) {
    out.push(
      `requested output p50/p95/p99: ${pct(a.outputLenRequested)} vs ${
        pct(b.outputLenRequested)
      } tok`,
    );
  }
  if (a.idealPrefixHitRatio !== b.idealPrefixHitRatio) {
    const r = (x?: number) => x === undefined ? "n/a" : `${(x * 100).toFixed(1)}%`;
    out.push(`ideal prefix hit ratio: ${r(a.idealPrefixHitRatio)} vs ${r(b.idealPrefixHitRatio)}`);
  }
  const keys = [...new Set([...Object.keys(a.sampling), ...Object.keys(b.sampling)])].sort();
  for (const k of keys) {
    const x = stableJson(a.sampling[k]), y = stableJson(b.sampling[k]);
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

function short(hex: string): string {
  return hex.slice(0, 12);
}

function prefixText(p: { tokens: number; share: number }): string {
  return p.tokens === 0 ? "none" : `${p.tokens} tok (${Math.round(p.share * 100)}% of prompts)`;
}

/** JSON with object keys sorted, so a document read back compares equal to one made here. */
function stableJson(value: unknown): string | undefined {
  return JSON.stringify(
    value,
    (_k, v) =>
      typeof v === "object" && v !== null && !Array.isArray(v)
        ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]))
        : v,
  );
}
