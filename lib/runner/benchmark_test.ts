import assert from "node:assert/strict";
import { simulator } from "../backends/simulator.ts";
import { ConfigError } from "../config/errors.ts";
import { benchmark, type BenchmarkEvent, recordsPathFor } from "./benchmark.ts";

const quick = {
  backend: simulator({ ttftMs: 2, itlMs: 1 }),
  prompts: ["x", "y", "z"],
  warmup: 0,
  trials: 1,
  sampling: { maxTokens: 3 },
};

Deno.test("recordsPathFor: beside the results, named after them", () => {
  assert.equal(recordsPathFor("results.json"), "results.records.jsonl");
  assert.equal(recordsPathFor("out/run1.csv"), "out/run1.records.jsonl");
  assert.equal(recordsPathFor("/abs/dir/a.b.JSON"), "/abs/dir/a.b.records.jsonl");
});

Deno.test("out saves the results when the run ends, records beside them; without out, a temp file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await benchmark({ ...quick, runs: 3, out: `${dir}/sub/res.json` });
    const saved = JSON.parse(await Deno.readTextFile(`${dir}/sub/res.json`));
    assert.equal(saved.levels[0].summary.requests_completed.value, 3);
    assert.equal(r.recordsFile, `${dir}/sub/res.records.jsonl`);
    assert.equal(saved.recordsFile, r.recordsFile);
    const lines = (await Deno.readTextFile(r.recordsFile!)).trim().split("\n");
    assert.equal(lines.length, 1 + 3);

    const t = await benchmark({ ...quick, runs: 2 });
    assert.match(t.recordsFile!, /splleed-.*\.records\.jsonl$/);
    assert.equal((await Deno.readTextFile(t.recordsFile!)).trim().split("\n").length, 3);
    await Deno.remove(t.recordsFile!);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("prompts are used in order, cycling; every trial sends the same sequence", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await benchmark({ ...quick, runs: 5, trials: 2, concurrency: [1], records: `${dir}/r.jsonl` });
    const recs = (await Deno.readTextFile(`${dir}/r.jsonl`)).trim().split("\n").slice(1).map((l) =>
      JSON.parse(l)
    );
    const byTrial = (t: number) => recs.filter((r) => r.trial === t).map((r) => r.promptIndex);
    assert.deepEqual(byTrial(0), [0, 1, 2, 0, 1]);
    assert.deepEqual(byTrial(1), [0, 1, 2, 0, 1]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a level whose concurrency exceeds runs is warned about, in events and results", async () => {
  const events: BenchmarkEvent[] = [];
  const r = await benchmark({
    ...quick,
    runs: 2,
    concurrency: [4],
    records: false,
    onEvent: (e) => events.push(e),
  });
  const w = events.find((e) => e.type === "warning");
  assert.ok(w && w.type === "warning" && /concurrency 4 exceeds runs \(2\)/.test(w.message));
  assert.equal(r.toJSON().warnings.length, 1);
  assert.match(r.toTable(), /warning: concurrency 4 exceeds runs/);
});

Deno.test("throughput mode sends every request at once: one burst level", async () => {
  const r = await benchmark({
    ...quick,
    backend: simulator({ ttftMs: 30, itlMs: 1 }),
    mode: "throughput",
    runs: 6,
    records: false,
  });
  const l = r.levels[0];
  assert.equal(l.mode, "throughput");
  assert.equal(l.concurrency, 6);
  // All six overlap: the window is about one request long, not six.
  assert.ok(l.summary.duration_s.value < 0.1, `window ${l.summary.duration_s.value} s`);
  assert.match(r.toTable(), /burst 6/);
});

Deno.test("invalid options fail before any server starts or request is sent", async () => {
  await assert.rejects(
    benchmark({ ...quick, runs: 0, concurrency: [1, 1] }),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.deepEqual(e.issues.map((i) => i.path), ["runs", "concurrency"]);
      return true;
    },
  );
});

Deno.test("results.save rejects an unknown extension, naming it", async () => {
  const r = await benchmark({ ...quick, runs: 1, records: false });
  await assert.rejects(r.save("results.txt"), /must end in \.json or \.csv, got "results\.txt"/);
  const doc = r.toJSON();
  doc.levels.length = 0;
  assert.equal(r.levels.length, 1, "toJSON returns a copy");
});
