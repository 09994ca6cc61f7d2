import assert from "node:assert/strict";
import { normalDraw, seededRandom } from "../util/random.ts";
import { buildTrend, type TrendPoint } from "./trend.ts";

/** A nightly series: run i on day i, tagged with its commit. */
function nightly(values: number[], start = 1): TrendPoint[] {
  return values.map((value, i) => ({
    runId: start + i,
    startedAt: new Date(Date.UTC(2026, 9, 1 + i, 2)).toISOString(),
    tags: { branch: "main", commit: `c${start + i}` },
    engine: "vllm",
    model: "llama",
    fingerprint: "abc",
    value,
    low: value - 1,
    high: value + 1,
    trials: [value - 0.5, value + 0.5],
  }));
}

Deno.test("buildTrend() sorts by start time then run id and names the runs on each side of a change", () => {
  const rng = seededRandom(3);
  const values = Array.from(
    { length: 30 },
    (_, i) => 100 + 2 * normalDraw(rng) + (i >= 18 ? -12 : 0),
  );
  const points = nightly(values);
  // Shuffle the input, and give two runs the same start time out of id order.
  points[5].startedAt = points[4].startedAt;
  const shuffled = [...points].sort((a, b) => (a.runId * 7919) % 31 - (b.runId * 7919) % 31);
  const trend = buildTrend("throughput_tokens_per_sec", "c=16", shuffled);
  assert.deepEqual(trend.points.map((p) => p.runId), points.map((p) => p.runId));
  assert.equal(trend.metric, "throughput_tokens_per_sec");
  assert.equal(trend.level, "c=16");
  assert.equal(trend.changes.length, 1, JSON.stringify(trend.changes));
  const [c] = trend.changes;
  assert.equal(c.index, 18);
  assert.equal(c.lastBefore.tags.commit, "c18");
  assert.equal(c.firstAfter.tags.commit, "c19");
  assert.ok(c.pValue <= 0.05);
  assert.ok(Math.abs(c.change - (c.after / c.before - 1)) < 1e-12);
  assert.ok(c.change < -0.1 && c.change > -0.14, `relative change ${c.change}`);
});

Deno.test("buildTrend() leaves runs without a finite value out of the search, not out of the points", () => {
  const values = [...Array(8).fill(40), NaN, ...Array(8).fill(50)].map((v, i) => v + (i % 3) * 0.1);
  const trend = buildTrend("ttft_p99_ms", "c=1", nightly(values));
  assert.equal(trend.points.length, 17);
  assert.equal(trend.changes.length, 1);
  const [c] = trend.changes;
  // The change is between run 8 (index 7) and run 10 (index 9); run 9 has no value.
  assert.equal(c.index, 9);
  assert.equal(c.lastBefore.runId, 8);
  assert.equal(c.firstAfter.runId, 10);
  assert.ok(Number.isFinite(c.before) && Number.isFinite(c.after));
});

Deno.test("buildTrend() of a steady series, of no runs, and with options passed on", () => {
  const rng = seededRandom(8);
  const steady = nightly(Array.from({ length: 25 }, () => 40 + normalDraw(rng)));
  assert.deepEqual(buildTrend("ttft_p99_ms", "c=1", steady).changes, []);
  assert.deepEqual(buildTrend("ttft_p99_ms", "c=1", []), {
    metric: "ttft_p99_ms",
    level: "c=1",
    points: [],
    changes: [],
  });
  // A step only 2 runs from the end: placed 3 from the end (the default
  // minSegment), at the step itself with minSegment 2.
  const late = nightly([...Array(12).fill(0).map((_, i) => 10 + (i % 2) * 0.1), 20, 20]);
  assert.deepEqual(buildTrend("ttft_p99_ms", "c=1", late).changes.map((c) => c.index), [11]);
  assert.deepEqual(
    buildTrend("ttft_p99_ms", "c=1", late, { minSegment: 2 }).changes.map((c) => c.index),
    [12],
  );
  assert.throws(
    () => buildTrend("m", "c=1", steady, { alpha: 2 }),
    /'alpha' must be in \(0, 1\), got 2/,
  );
  // A before of 0: the relative change is NaN, not ±Infinity.
  const fromZero = buildTrend("requests_failed", "c=1", nightly([0, 0, 0, 0, 0, 5, 5, 5, 5, 5]));
  assert.equal(fromZero.changes.length, 1);
  assert.ok(Number.isNaN(fromZero.changes[0].change));
});
