import assert from "node:assert/strict";
import type { WorkloadFingerprint } from "../results/document.ts";
import { addObservedOutput, fingerprint } from "../workload/fingerprint.ts";
import { loadWorkload } from "../workload/load.ts";
import { defaultTokenizer } from "../workload/tokenizer.ts";
import { renderFingerprint } from "./fingerprint.ts";

const sampling = { maxTokens: 128, temperature: 0, topP: 1, ignoreEos: false };

/** A fingerprint of plain values; fields overridden per test. */
function fp(over: Partial<WorkloadFingerprint> = {}): WorkloadFingerprint {
  return {
    promptCount: 8,
    inputLen: { p50: 13, p95: 37, p99: 37 },
    outputLenRequested: { p50: 2, p95: 2, p99: 2 },
    commonPrefix: { tokens: 0, share: 0 },
    systemPromptDetected: false,
    systemPrompt: null,
    tokenizer: { name: "o200k_base", kind: "default" },
    sampling: { maxTokens: 2 },
    sha256: "7797e1879277" + "0".repeat(52),
    itemsSha256: "1".repeat(64),
    ...over,
  };
}

Deno.test("renderFingerprint(): two lines, single values when the percentiles agree", () => {
  assert.equal(
    renderFingerprint(fp()),
    "workload: 8 prompts · input p50/p95/p99 13/37/37 tok · output 2 tok requested\n" +
      "  tokenizer o200k_base (default) · sha256 7797e1879277",
  );
  assert.equal(
    renderFingerprint(fp({
      promptCount: 1,
      inputLen: { p50: 5, p95: 5, p99: 5 },
      outputLenRequested: null,
      tokenizer: { name: "org/model", kind: "hf" },
    })).split("\n")[0],
    "workload: 1 prompt · input 5 tok · output: engine default",
  );
  assert.match(
    renderFingerprint(fp({ tokenizer: { name: "org/model", kind: "hf" } })),
    /tokenizer org\/model · /,
  );
});

Deno.test("renderFingerprint(): observed output, system prompt, common prefix and ideal hit ratio", () => {
  const text = renderFingerprint(fp({
    outputLenObserved: { p50: 69, p95: 114, p99: 118, count: 100 },
    systemPromptDetected: true,
    systemPrompt: { tokens: 20, share: 0.8 },
    commonPrefix: { tokens: 40, share: 0.25 },
    idealPrefixHitRatio: 0.456,
  }));
  assert.match(text, /· observed p50\/p95\/p99 69\/114\/118 tok\n/);
  assert.match(text, /system prompt detected \(20 tok, 80% of prompts\)/);
  assert.match(text, /common prefix 40 tok \(25% of prompts\)/);
  assert.match(text, /ideal prefix-cache hit ratio 46%/);
  // A common prefix that is the system prompt is said once.
  const once = renderFingerprint(fp({
    systemPromptDetected: true,
    systemPrompt: { tokens: 20, share: 1 },
    commonPrefix: { tokens: 20, share: 1 },
  }));
  assert.ok(!/common prefix/.test(once), once);
});

Deno.test("renderFingerprint() of real workloads: a system prompt, and a prefix-sharing workload", async () => {
  const tok = await defaultTokenizer();
  const system =
    "You are a careful assistant. Answer in one sentence and cite the source you used.";
  const items = Array.from({ length: 200 }, (_, i) => ({
    prompt: `${system} Question ${i}: ${"why ".repeat(i % 7)}?`,
  }));
  const text = renderFingerprint(
    await fingerprint({ items, tokenizer: null, description: {} }, sampling, tok),
  );
  const lines = text.split("\n");
  assert.equal(lines.length, 2);
  assert.match(
    lines[0],
    /^workload: 200 prompts · input p50\/p95\/p99 \d+\/\d+\/\d+ tok · output 128 tok requested$/,
  );
  assert.match(lines[1], /system prompt detected \(\d+ tok, 100% of prompts\)/);
  assert.match(lines[1], /tokenizer o200k_base \(default\) · sha256 [0-9a-f]{12}$/);
  assert.ok(!/common prefix/.test(text), "the same prefix is not reported twice");

  const four = await loadWorkload({
    source: "prefix",
    groups: 4,
    prefixTokens: 40,
    inputLen: "uniform:10,30",
    count: 40,
  });
  const fp4 = addObservedOutput(await fingerprint(four, sampling, tok), [10, 20]);
  assert.match(renderFingerprint(fp4), /common prefix 40 tok \(25% of prompts\)/);
  assert.match(renderFingerprint(fp4), /ideal prefix-cache hit ratio \d+%/);
  assert.match(renderFingerprint(fp4), /observed p50\/p95\/p99 10\/20\/20 tok/);
});
