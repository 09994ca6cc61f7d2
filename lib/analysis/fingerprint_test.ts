import assert from "node:assert/strict";
import type { WorkloadFingerprint } from "../results/document.ts";
import { addObservedOutput, fingerprint, type SamplingParams } from "../workload/fingerprint.ts";
import { defaultTokenizer, hfTokenizer, type Tokenizer } from "../workload/tokenizer.ts";
import type { Workload, WorkloadItem } from "../workload/types.ts";
import { compareFingerprints } from "./fingerprint.ts";

/** The tiny byte-level BPE tokenizer of the workload tests (named "tiny"). */
async function tinyTokenizer(): Promise<Tokenizer> {
  const file = new URL("../workload/testdata/tiny_bpe_tokenizer.json", import.meta.url);
  return hfTokenizer(JSON.parse(await Deno.readTextFile(file)), "tiny");
}

const sampling = { maxTokens: 128, temperature: 0, topP: 1, ignoreEos: false };
const wl = (items: WorkloadItem[], extra: Partial<Workload> = {}): Workload => ({
  items,
  tokenizer: null,
  description: {},
  ...extra,
});

Deno.test("compareFingerprints(): nothing for the same requests, a line for every change", async () => {
  const tok = await defaultTokenizer();
  const items: WorkloadItem[] = [
    { prompt: "What is a GPU?" },
    { prompt: "Explain KV caches.", outputLen: 64 },
    { prompt: "q", messages: [{ role: "system", content: "s" }, { role: "user", content: "q" }] },
  ];
  const base = await fingerprint(wl(items), sampling, tok);
  const reordered = await fingerprint(
    wl(items.map((i) => Object.fromEntries(Object.entries(i).reverse()) as WorkloadItem)),
    { ignoreEos: false, topP: 1, temperature: 0, maxTokens: 128 },
    tok,
  );
  assert.deepEqual(compareFingerprints(base, reordered), []);
  const variants: [string, WorkloadItem[], SamplingParams][] = [
    ["one prompt's text", [{ prompt: "What is a TPU?" }, items[1], items[2]], sampling],
    ["one output length", [items[0], { ...items[1], outputLen: 65 }, items[2]], sampling],
    ["the order", [items[1], items[0], items[2]], sampling],
    ["one prompt fewer", items.slice(0, 2), sampling],
    ["maxTokens", items, { ...sampling, maxTokens: 129 }],
    ["temperature", items, { ...sampling, temperature: 0.7 }],
    ["a new sampling field", items, { ...sampling, seed: 1 }],
  ];
  for (const [what, its, s] of variants) {
    const fp = await fingerprint(wl(its), s, tok);
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
});

Deno.test("compareFingerprints(): another tokenizer is no difference for the same requests", async () => {
  const items: WorkloadItem[] = [{ prompt: "a b c" }, { prompt: "d e f" }];
  const a = await fingerprint(wl(items), sampling, await defaultTokenizer());
  const tiny = await tinyTokenizer();
  // The second run named an HF tokenizer: its items carry their counts, its lengths differ.
  const counted = items.map((it) => ({ ...it, inputLen: tiny.encode(it.prompt).length }));
  const b = await fingerprint(wl(counted), sampling, tiny);
  assert.notDeepEqual(a.inputLen, b.inputLen);
  assert.deepEqual(compareFingerprints(a, b), []);
  // Other requests too: the lengths cannot be compared, and say so instead of listing them.
  const c = await fingerprint(wl([{ prompt: "a b c d e f g" }]), sampling, tiny);
  assert.deepEqual(compareFingerprints(a, c), [
    "tokenizer: o200k_base (default) vs tiny (hf); lengths are not comparable",
    `prompts differ (items sha256 ${a.itemsSha256.slice(0, 12)} vs ${c.itemsSha256.slice(0, 12)})`,
    "prompt count: 2 vs 1",
  ]);
});

Deno.test("compareFingerprints(): the same fingerprint counted here or read back from JSON", async () => {
  const fp = await fingerprint(wl([{ prompt: "hello" }]), { maxTokens: 8, stop: { b: 1, a: 2 } });
  const back = JSON.parse(JSON.stringify(fp)) as WorkloadFingerprint;
  // A document written by hand may order keys differently; values decide.
  back.sampling = { stop: { a: 2, b: 1 }, maxTokens: 8 };
  assert.deepEqual(compareFingerprints(fp, back), []);
  back.sampling = { stop: { a: 2 }, maxTokens: 8 };
  assert.deepEqual(compareFingerprints(fp, back), ['sampling.stop: {"a":2,"b":1} vs {"a":2}']);
});

Deno.test("compareFingerprints(): observed output lengths differ when the medians differ by more than 10%", async () => {
  const tok = await defaultTokenizer();
  const fp = await fingerprint(wl([{ prompt: "a" }, { prompt: "b" }]), sampling, tok);
  const full = addObservedOutput(fp, Array.from({ length: 100 }, () => 128));
  const near = addObservedOutput(fp, Array.from({ length: 100 }, () => 120));
  const early = addObservedOutput(fp, Array.from({ length: 100 }, (_, i) => 20 + i));
  assert.deepEqual(compareFingerprints(fp, full), [], "one side unknown: no difference");
  assert.deepEqual(compareFingerprints(full, near), [], "128 vs 120 is within 10%");
  assert.deepEqual(compareFingerprints(full, early), [
    "observed output p50/p95/p99: 128/128/128 vs 69/114/118 tok",
  ]);
});

Deno.test("compareFingerprints(): prefix statistics and the ideal hit ratio", async () => {
  const tok = await defaultTokenizer();
  const system =
    "You are a careful assistant who answers every question in one short, plain sentence, always.";
  const shared = await fingerprint(
    wl(["a?", "b?", "c?"].map((q) => ({ prompt: `${system} ${q}` })), {
      idealPrefixHitRatio: 0.5,
    }),
    sampling,
    tok,
  );
  const apart = await fingerprint(
    wl([{ prompt: "x?" }, { prompt: "y?" }, { prompt: "z?" }]),
    sampling,
    tok,
  );
  const diff = compareFingerprints(shared, apart);
  assert.ok(
    diff.some((d) => /^common prefix: \d+ tok \(100% of prompts\) vs none$/.test(d)),
    diff.join("\n"),
  );
  assert.ok(diff.includes("system prompt: detected vs none"), diff.join("\n"));
  assert.ok(diff.includes("ideal prefix hit ratio: 50.0% vs n/a"), diff.join("\n"));
});
