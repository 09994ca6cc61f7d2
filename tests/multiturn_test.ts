/**
 * Multi-turn conversations: every turn carries the history, and a turn is
 * sent only after the previous turn of its conversation ended plus the
 * think time, however many requests run at once.
 */

import assert from "node:assert/strict";
import { simulator } from "../lib/backends/simulator.ts";
import { benchmark } from "../lib/runner/benchmark.ts";
import { loadWorkload } from "../lib/workload/load.ts";
import { readRecords } from "./_helpers.ts";

/** Three conversations of four human turns each, ShareGPT-style. */
function conversations(): string {
  return JSON.stringify(Array.from({ length: 3 }, (_, c) => ({
    id: `c${c}`,
    conversations: Array.from({ length: 8 }, (_, k) => ({
      from: k % 2 === 0 ? "human" : "gpt",
      value: k % 2 === 0 ? `question ${k / 2} of conversation ${c}` : `answer ${(k - 1) / 2}`,
    })),
  })));
}

Deno.test("multi-turn ShareGPT: turns follow their predecessors by the think time, with history", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/conv.json`, conversations());
  const workload = {
    source: "sharegpt" as const,
    path: `${dir}/conv.json`,
    multiTurn: true,
    thinkMs: 40,
  };
  const loaded = await loadWorkload(workload);
  const items = loaded.items;
  assert.ok(items.some((it) => it.conversation!.turn >= 2), "the fixture has long conversations");
  const later = items.find((it) => it.conversation!.turn === 1)!;
  assert.ok(later.messages!.length >= 3, "a later turn carries the conversation so far");

  await benchmark({
    backend: simulator({ ttftMs: 10, itlMs: 2 }),
    workload,
    concurrency: [4],
    warmup: 0,
    runs: items.length,
    trials: 1,
    sampling: { maxTokens: 4 },
    records: `${dir}/r.jsonl`,
  });
  const recs = (await readRecords(`${dir}/r.jsonl`)).requests;
  assert.equal(recs.length, items.length);
  const byItem = new Map(recs.map((r) => [r.promptIndex as number, r]));
  let checked = 0;
  for (const [i, it] of items.entries()) {
    const c = it.conversation!;
    if (c.turn === 0) continue;
    const prevIndex = items.findIndex((o) =>
      o.conversation!.id === c.id && o.conversation!.turn === c.turn - 1
    );
    const prev = byItem.get(prevIndex)!;
    const cur = byItem.get(i)!;
    assert.ok(
      (cur.sentMs as number) >= (prev.endMs as number) + 40 - 0.01,
      `turn ${c.turn} of conversation ${c.id} went ${
        (cur.sentMs as number) - (prev.endMs as number)
      } ms after the previous ended`,
    );
    assert.ok(Math.abs((cur.scheduledMs as number) - (prev.endMs as number) - 40) < 0.01);
    checked++;
  }
  assert.equal(checked, 9, "three later turns in each of three conversations");
});
