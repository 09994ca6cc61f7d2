/**
 * The workload fingerprint in a few lines for the console: prompt count,
 * input and output lengths, shared prefixes, tokenizer and hash.
 *
 * @module
 */

import type { WorkloadFingerprint } from "../results/document.ts";

type Percentiles = WorkloadFingerprint["inputLen"];

/**
 * Renders a fingerprint in a few lines for the console.
 *
 * @param fp The fingerprint.
 * @returns Two lines joined by `\n`, no trailing newline.
 *
 * @example
 * ```ts
 * import { renderFingerprint } from "./fingerprint.ts";
 * import assert from "node:assert/strict";
 *
 * const text = renderFingerprint({
 *   promptCount: 2,
 *   inputLen: { p50: 1, p95: 2, p99: 2 },
 *   outputLenRequested: { p50: 128, p95: 128, p99: 128 },
 *   commonPrefix: { tokens: 0, share: 0 },
 *   systemPromptDetected: false,
 *   systemPrompt: null,
 *   tokenizer: { name: "o200k_base", kind: "default" },
 *   sampling: { maxTokens: 128 },
 *   sha256: "7797e1879277aa00",
 *   itemsSha256: "0123456789ab",
 * });
 * assert.equal(
 *   text,
 *   "workload: 2 prompts · input p50/p95/p99 1/2/2 tok · output 128 tok requested\n" +
 *     "  tokenizer o200k_base (default) · sha256 7797e1879277",
 * );
 * ```
 */
export function renderFingerprint(fp: WorkloadFingerprint): string {
  const pct = (p: Percentiles) =>
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
    second.push(
      `common prefix ${fp.commonPrefix.tokens} tok (${percent(fp.commonPrefix.share)} of prompts)`,
    );
  }
  if (fp.idealPrefixHitRatio !== undefined) {
    second.push(`ideal prefix-cache hit ratio ${percent(fp.idealPrefixHitRatio)}`);
  }
  const tok = `tokenizer ${fp.tokenizer.name}${
    fp.tokenizer.kind === "default" ? " (default)" : ""
  }`;
  second.push(tok, `sha256 ${fp.sha256.slice(0, 12)}`);
  return `${first.join(" · ")}\n  ${second.join(" · ")}`;
}

function percent(x: number): string {
  return `${Math.round(x * 100)}%`;
}
