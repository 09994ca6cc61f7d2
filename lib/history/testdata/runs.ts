/**
 * Results documents for the history's tests (store, pool, runner, CLI):
 * one latency level per concurrency, `ttft_p99_ms` trials as given (times
 * the concurrency), a valid workload fingerprint whose hash the test picks.
 *
 * @module
 */

import type { LevelResult, ResultsDocument, WorkloadFingerprint } from "../../results/document.ts";
import { fixtureDocument } from "../../results/fixtures.ts";

/** What a test varies. */
export interface RunOptions {
  /** `startedAt`. @default "2026-01-01T00:00:00.000Z" */
  startedAt?: string;
  /** `workload.sha256`. @default "a" × 64 */
  sha?: string;
  /** `backend.kind`. @default "vllm" */
  engine?: string;
  /** `backend.model`. @default "llama-8b" */
  model?: string;
  /** Per-trial `ttft_p99_ms` at c=1 (c=N: times N). @default [40, 42, 41] */
  ttft?: number[];
  /** Concurrency levels. @default [1, 16] */
  concurrency?: number[];
}

/** A valid workload fingerprint with the given hash. */
export function workload(sha: string): WorkloadFingerprint {
  return {
    promptCount: 8,
    inputLen: { p50: 10, p95: 12, p99: 12 },
    outputLenRequested: null,
    commonPrefix: { tokens: 0, share: 0 },
    systemPromptDetected: false,
    systemPrompt: null,
    tokenizer: { name: "o200k_base", kind: "default" },
    sampling: { maxTokens: 16 },
    sha256: sha,
    itemsSha256: sha,
  } as WorkloadFingerprint;
}

/** A run's document. */
export function historyRun(opts: RunOptions = {}): ResultsDocument {
  const ttft = opts.ttft ?? [40, 42, 41];
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const levels: LevelResult[] = (opts.concurrency ?? [1, 16]).map((c) => ({
    mode: "latency",
    concurrency: c,
    errors: {},
    trials: ttft.map((v, i) => ({
      metrics: { ttft_p99_ms: v * c, throughput_tokens_per_sec: 100 * c + i },
      errors: {},
      complete: true,
    })),
    summary: {
      ttft_p99_ms: {
        value: mean(ttft) * c,
        ci: [Math.min(...ttft) * c, Math.max(...ttft) * c],
        trials: ttft.map((v) => v * c),
      },
      throughput_tokens_per_sec: {
        value: mean(ttft.map((_, i) => 100 * c + i)),
        ci: null,
        trials: ttft.map((_, i) => 100 * c + i),
      },
    },
  }));
  const doc = fixtureDocument(levels, { mode: "latency", trials: ttft.length });
  doc.startedAt = opts.startedAt ?? doc.startedAt;
  doc.backend = { kind: opts.engine ?? "vllm", model: opts.model ?? "llama-8b" };
  doc.workload = workload(opts.sha ?? "a".repeat(64));
  return doc;
}
