import assert from "node:assert/strict";
import { tinyTokenizer } from "./_test_helpers.ts";
import {
  addObservedOutput,
  compareFingerprints,
  fingerprint,
  renderFingerprint,
  type SamplingParams,
} from "./fingerprint.ts";
import { loadWorkload } from "./load.ts";
import { defaultTokenizer } from "./tokenizer.ts";
import type { Workload, WorkloadItem } from "./types.ts";

const sampling = { maxTokens: 128, temperature: 0, topP: 1, ignoreEos: false };
const wl = (items: WorkloadItem[], extra: Partial<Workload> = {}): Workload => ({
  items,
  tokenizer: null,
  description: {},
  ...extra,
});

Deno.test("the fingerprint changes when any prompt or sampling parameter changes, and only then", async () => {
  const tok = await defaultTokenizer();
  const items: WorkloadItem[] = [
    { prompt: "What is a GPU?" },
    { prompt: "Explain KV caches.", outputLen: 64 },
    { prompt: "q", messages: [{ role: "system", content: "s" }, { role: "user", content: "q" }] },
  ];
  const base = await fingerprint(wl(items), sampling, tok);
  // Same content, keys in another order: same hash.
  const reordered = await fingerprint(
    wl(items.map((i) => Object.fromEntries(Object.entries(i).reverse()) as WorkloadItem)),
    { ignoreEos: false, topP: 1, temperature: 0, maxTokens: 128 },
    tok,
  );
  assert.equal(reordered.sha256, base.sha256);
  assert.deepEqual(compareFingerprints(base, reordered), []);

  const variants: [string, WorkloadItem[], SamplingParams][] = [
    ["one prompt's text", [{ prompt: "What is a TPU?" }, items[1], items[2]], sampling],
    ["one output length", [items[0], { ...items[1], outputLen: 65 }, items[2]], sampling],
    ["the system message", [items[0], items[1], {
      ...items[2],
      messages: [{ role: "system", content: "S" }, { role: "user", content: "q" }],
    }], sampling],
    ["the order", [items[1], items[0], items[2]], sampling],
    ["one prompt fewer", items.slice(0, 2), sampling],
    ["maxTokens", items, { ...sampling, maxTokens: 129 }],
    ["temperature", items, { ...sampling, temperature: 0.7 }],
    ["topP", items, { ...sampling, topP: 0.9 }],
    ["ignoreEos", items, { ...sampling, ignoreEos: true }],
    ["a new sampling field", items, { ...sampling, seed: 1 }],
  ];
  const seen = new Set([base.sha256]);
  for (const [what, its, s] of variants) {
    const fp = await fingerprint(wl(its), s, tok);
    assert.ok(!seen.has(fp.sha256), `sha256 must change with ${what}`);
    seen.add(fp.sha256);
    assert.ok(compareFingerprints(base, fp).length > 0, `a difference is reported for ${what}`);
  }
});

Deno.test("compareFingerprints() says what differs in words", async () => {
  const tok = await defaultTokenizer();
  const a = await fingerprint(wl([{ prompt: "a b c" }, { prompt: "d e f" }]), sampling, tok);
  const b = await fingerprint(
    wl([{ prompt: "a b c" }, { prompt: "d e f g h" }, { prompt: "x" }]),
    { ...sampling, temperature: 1 },
    tok,
  );
  const diff = compareFingerprints(a, b);
  assert.ok(
    diff.some((d) => /^prompts differ \(items sha256 [0-9a-f]{12} vs [0-9a-f]{12}\)$/.test(d)),
    diff.join("\n"),
  );
  assert.ok(diff.includes("prompt count: 2 vs 3"), diff.join("\n"));
  assert.ok(diff.includes("sampling.temperature: 0 vs 1"), diff.join("\n"));
  assert.ok(diff.some((d) => d.startsWith("input length p50/p95/p99: 3/3/3 vs ")), diff.join("\n"));
  const other = await fingerprint(
    wl([{ prompt: "a b c" }, { prompt: "d e f" }]),
    sampling,
    await tinyTokenizer(),
  );
  assert.ok(
    compareFingerprints(a, other).some((d) =>
      /^tokenizer: o200k_base \(default\) vs tiny \(hf\)/.test(d)
    ),
  );
});

Deno.test("percentiles of input and requested output lengths; requested falls back to maxTokens", async () => {
  const tok = await defaultTokenizer();
  const items = Array.from({ length: 100 }, (_, i) => ({
    prompt: Array.from({ length: i + 1 }, () => " the").join(""),
    ...(i < 10 ? { outputLen: 7 } : {}),
  }));
  const fp = await fingerprint(wl(items), { maxTokens: 256 }, tok);
  assert.deepEqual(fp.inputLen, { p50: 50, p95: 95, p99: 99 });
  assert.deepEqual(fp.outputLenRequested, { p50: 256, p95: 256, p99: 256 });
  const none = await fingerprint(wl(items.slice(20)), {}, tok);
  assert.equal(none.outputLenRequested, null);
  assert.match(renderFingerprint(none), /output: engine default/);
});

Deno.test("a prefix-sharing workload reports the expected common prefix and ideal hit ratio", async () => {
  const tok = await defaultTokenizer();
  const one = await loadWorkload({
    workload: { source: "prefix", groups: 1, prefixTokens: 64, inputLen: 32, count: 20 },
  });
  const fp1 = await fingerprint(one, sampling, tok);
  assert.deepEqual(fp1.commonPrefix, { tokens: 64, share: 1 });
  assert.equal(fp1.systemPromptDetected, true);
  assert.deepEqual(fp1.systemPrompt, { tokens: 64, share: 1 });
  assert.equal(fp1.idealPrefixHitRatio, (19 * 64) / (20 * 96));

  const four = await loadWorkload({
    workload: {
      source: "prefix",
      groups: 4,
      prefixTokens: 40,
      inputLen: "uniform:10,30",
      count: 40,
    },
  });
  const fp4 = await fingerprint(four, sampling, tok);
  // Four groups of ten: each group's 40-token prefix is shared by a quarter.
  assert.deepEqual(fp4.commonPrefix, { tokens: 40, share: 0.25 });
  assert.equal(fp4.systemPromptDetected, false);
  const total = four.items.reduce((s, i) => s + i.inputLen!, 0);
  assert.equal(fp4.idealPrefixHitRatio, (36 * 40) / total);
  assert.match(renderFingerprint(fp4), /common prefix 40 tok \(25% of prompts\)/);
  assert.match(renderFingerprint(fp4), /ideal prefix-cache hit ratio \d+%/);
});

Deno.test("system prompt detection: 80% sharing 16+ tokens, or a shared system message", async () => {
  const tok = await defaultTokenizer();
  const system = "You are a helpful assistant that answers questions about GPUs, briefly and " +
    "exactly, citing the vendor documentation you used for every claim.";
  assert.ok(tok.encode(system).length >= 16);
  const make = (shared: number, total: number) =>
    Array.from({ length: total }, (_, i) => ({
      prompt: i < shared ? `${system} Question ${i}?` : `Unrelated prompt number ${i}, no prefix.`,
    }));
  const at80 = await fingerprint(wl(make(8, 10)), sampling, tok);
  assert.equal(at80.systemPromptDetected, true);
  assert.equal(at80.systemPrompt?.share, 0.8);
  assert.ok(at80.systemPrompt!.tokens >= 16);
  const at70 = await fingerprint(wl(make(7, 10)), sampling, tok);
  assert.equal(at70.systemPromptDetected, false);
  assert.equal(at70.commonPrefix.share, 0.7, "the shared prefix is still reported");
  // Shorter than 16 tokens: not a system prompt.
  const short = await fingerprint(
    wl([{ prompt: "Hi there, a" }, { prompt: "Hi there, b" }]),
    sampling,
    tok,
  );
  assert.equal(short.systemPromptDetected, false);
  assert.equal(short.commonPrefix.tokens, 3);
  // A short system message shared by every chat request is one.
  const chat = await fingerprint(
    wl(["a", "b", "c"].map((q) => ({
      prompt: q,
      messages: [{ role: "system" as const, content: "Be brief." }, {
        role: "user" as const,
        content: q,
      }],
    }))),
    sampling,
    tok,
  );
  assert.equal(chat.systemPromptDetected, true);
  assert.deepEqual(chat.systemPrompt, { tokens: tok.encode("Be brief.").length, share: 1 });
  // No shared first token anywhere: no common prefix.
  const distinct = await fingerprint(wl([{ prompt: "alpha" }, { prompt: "beta" }]), sampling, tok);
  assert.deepEqual(distinct.commonPrefix, { tokens: 0, share: 0 });
});

Deno.test("observed output lengths: added after the run, rendered, and compared when the medians differ >10%", async () => {
  const tok = await defaultTokenizer();
  const fp = await fingerprint(wl([{ prompt: "a" }, { prompt: "b" }]), sampling, tok);
  const full = addObservedOutput(fp, Array.from({ length: 100 }, () => 128));
  const early = addObservedOutput(fp, Array.from({ length: 100 }, (_, i) => 20 + i));
  assert.deepEqual(full.outputLenObserved, { p50: 128, p95: 128, p99: 128, count: 100 });
  assert.equal(fp.outputLenObserved, undefined, "the input is not changed");
  assert.equal(full.sha256, fp.sha256);
  assert.deepEqual(compareFingerprints(fp, full), []);
  assert.deepEqual(compareFingerprints(full, early), [
    "observed output p50/p95/p99: 128/128/128 vs 69/114/118 tok",
  ]);
  assert.match(renderFingerprint(early), /observed p50\/p95\/p99 69\/114\/118 tok/);
  assert.deepEqual(addObservedOutput(fp, []), fp);
});

Deno.test("renderFingerprint(): a couple of lines with counts, lengths, prefix, tokenizer and hash", async () => {
  const tok = await defaultTokenizer();
  const system =
    "You are a careful assistant. Answer in one sentence and cite the source you used.";
  const items = Array.from({ length: 200 }, (_, i) => ({
    prompt: `${system} Question ${i}: ${"why ".repeat(i % 7)}?`,
  }));
  const fp = await fingerprint(wl(items), sampling, tok);
  const text = renderFingerprint(fp);
  const lines = text.split("\n");
  assert.equal(lines.length, 2);
  assert.match(
    lines[0],
    /^workload: 200 prompts · input p50\/p95\/p99 \d+\/\d+\/\d+ tok · output 128 tok requested$/,
  );
  assert.match(lines[1], /system prompt detected \(\d+ tok, 100% of prompts\)/);
  assert.match(lines[1], /tokenizer o200k_base \(default\) · sha256 [0-9a-f]{12}$/);
  assert.ok(!/common prefix/.test(text), "the same prefix is not reported twice");
});
