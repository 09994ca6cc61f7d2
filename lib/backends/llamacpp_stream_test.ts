import assert from "node:assert/strict";
import { newRecord, type RequestRecord } from "../record/record.ts";
import { StreamReader } from "./openai_compat.ts";

// llamacpp_completions.sse and llamacpp_chat.sse were recorded from the
// llama-server the end-to-end tests build (4 tokens, ignore_eos, with usage);
// llamacpp_chat_reasoning.sse is the chat recording with reasoning deltas, as
// llama.cpp sends them with --reasoning-format deepseek.

const enc = new TextEncoder();
const fixture = (name: string) =>
  Deno.readTextFileSync(new URL(`./testdata/${name}`, import.meta.url));

/** Feeds one event per read at times 10, 11, 12, ... */
function perEvent(name: string): RequestRecord {
  const rec = newRecord(0, "measure", 0, 0, 0, 0);
  const r = new StreamReader(rec);
  r.head(200, 1);
  const evs = fixture(name).split("\n\n").filter((e) => e.trim() !== "");
  evs.forEach((e, i) => r.body(enc.encode(e + "\n\n"), 10 + i));
  r.finish(10 + evs.length - 1);
  return rec;
}

Deno.test("llama.cpp completions (recorded): the usage rides on the finish chunk with empty text", () => {
  const rec = perEvent("llamacpp_completions.sse");
  assert.equal(rec.ok, true);
  // Events 0-3 carry " Hello"; event 4 has text "", finish_reason and usage; 5 is [DONE].
  assert.deepEqual(rec.chunkMs, [10, 11, 12, 13]);
  assert.equal(rec.outputTokens, 4);
  assert.equal(rec.outputTokensSource, "usage");
  assert.equal(rec.promptTokens, 2);
  assert.equal(rec.chunkMs.length - 1, 3, "ITL count = tokens − 1");
});

Deno.test("llama.cpp chat (recorded): a role chunk with null content is not a token; newlines are", () => {
  const rec = perEvent("llamacpp_chat.sse");
  assert.equal(rec.ok, true);
  // 0: role with content null; 1-4: "\n" content; 5: empty delta + finish; 6: usage; 7: [DONE].
  assert.deepEqual(rec.chunkMs, [11, 12, 13, 14]);
  assert.equal(rec.firstTokenMs, 11);
  assert.equal(rec.outputTokens, 4);
  assert.equal(rec.promptTokens, 29);
});

Deno.test("llama.cpp chat with reasoning: reasoning deltas are tokens; an empty line is ignored", () => {
  const rec = perEvent("llamacpp_chat_reasoning.sse");
  assert.equal(rec.ok, true);
  assert.deepEqual(rec.chunkMs, [11, 12, 13]);
  assert.equal(rec.outputTokens, 3);
  assert.equal(rec.outputTokensSource, "usage");
});

Deno.test("llama.cpp completions in one read, and cut at every byte: the same four tokens", () => {
  const bytes = enc.encode(fixture("llamacpp_completions.sse"));
  for (let cut = 0; cut < bytes.length; cut += 7) {
    const rec = newRecord(0, "measure", 0, 0, 0, 0);
    const r = new StreamReader(rec);
    r.head(200, 0);
    r.body(bytes.subarray(0, cut), 1);
    r.body(bytes.subarray(cut), 2);
    r.finish(2);
    assert.equal(rec.ok, true, `cut at ${cut}`);
    assert.equal(rec.chunkMs.length, 4, `cut at ${cut}`);
    assert.equal(rec.outputTokens, 4);
  }
});
