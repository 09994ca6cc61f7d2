/**
 * Tool calling end to end on the simulator (which answers a chat request
 * that offers tools with a streamed call of the first one, as vLLM does):
 * the tool-call deltas are output tokens, each record counts them, and the
 * results count the requests that called a tool. One file mixes items that
 * offer tools with free-text ones and one whose `tool_choice` is "none", so
 * the expected counts are exact.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { readRecords } from "../lib/results/records.ts";
import type { RequestRecord } from "../lib/record/record.ts";
import { benchmark } from "../lib/runner/benchmark.ts";

const TOOLS = [{
  type: "function",
  function: {
    name: "get_weather",
    parameters: { type: "object", properties: { city: { type: "string" } } },
  },
}];
const ITEMS = [
  { line: { prompt: "Weather in Paris?", tools: TOOLS, max_tokens: 5 }, calls: true },
  { line: { prompt: "Say hi.", max_tokens: 4 }, calls: false },
  {
    line: { prompt: "Weather in Oslo?", tools: TOOLS, tool_choice: "auto", max_tokens: 3 },
    calls: true,
  },
  {
    line: { prompt: "No tools now.", tools: TOOLS, tool_choice: "none", max_tokens: 3 },
    calls: false,
  },
];

Deno.test("tool calls: every tool-call delta is an output token, counted per record and per level", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "tools.jsonl");
    await Deno.writeTextFile(path, ITEMS.map((i) => JSON.stringify(i.line)).join("\n") + "\n");
    const records = join(dir, "records.jsonl");
    const results = await benchmark({
      backend: { type: "simulator", ttftMs: 1, itlMs: 1, api: "chat" },
      workload: { source: "file", path, format: "jsonl" },
      concurrency: [2],
      runs: 8,
      warmup: 0,
      trials: 1,
      records,
    });
    const measured: RequestRecord[] = [];
    for await (const r of readRecords(records)) if (r.phase === "measure") measured.push(r);
    assert.equal(measured.length, 8);
    let calling = 0;
    for (const r of measured) {
      const item = ITEMS[r.promptIndex];
      assert.equal(r.ok, true, JSON.stringify(r.error));
      // The simulator always generates max_tokens: a call is the name, then max_tokens − 1 argument pieces.
      assert.equal(r.outputTokens, item.line.max_tokens);
      assert.equal(r.chunkMs.length, item.line.max_tokens, "tool-call deltas are token chunks");
      if (item.calls) {
        calling++;
        assert.equal(r.toolCalls, item.line.max_tokens, `item ${r.promptIndex}`);
      } else {
        assert.equal(r.toolCalls, undefined, `item ${r.promptIndex}`);
      }
      assert.equal(r.structured, undefined);
    }
    assert.ok(calling > 0 && calling < 8);
    const s = results.levels[0].summary;
    assert.equal(s.tool_call_requests.value, calling);
    assert.equal(s.tool_call_ratio.value, calling / 8);
    assert.equal(s.structured_checked.value, 0);
    assert.equal(s.structured_valid_ratio, undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
