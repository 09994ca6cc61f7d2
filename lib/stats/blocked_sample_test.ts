import assert from "node:assert/strict";
import { seededRandom } from "../util/random.ts";
import { BlockedSample } from "./blocked_sample.ts";
import { describe } from "./describe.ts";

Deno.test("BlockedSample gives exactly describe()'s figures, across several blocks", () => {
  const rng = seededRandom(5);
  for (const n of [1, 2, 7, 65_536, 65_537, 200_003]) {
    const s = new BlockedSample();
    const values = new Float32Array(n); // the stored precision, for the reference too
    for (let i = 0; i < n; i++) {
      const v = rng.next() < 0.1
        ? 0
        : 20 + (rng.next() - 0.5) * 4 + (rng.next() < 0.01 ? 500 * rng.next() : 0);
      values[i] = v;
      s.push(v);
    }
    const got = s.summarize()!;
    const want = describe(values)!;
    for (const k of ["count", "min", "max", "p50", "p90", "p95", "p99"] as const) {
      assert.equal(got[k], want[k], `n=${n} ${k}`);
    }
    assert.ok(Math.abs(got.mean - want.mean) < 1e-9 * want.mean, `n=${n} mean`);
    assert.ok(Math.abs(got.std - want.std) < 1e-6 * Math.max(1, want.std), `n=${n} std`);
  }
});

Deno.test("BlockedSample: empty is undefined; negatives are clamped to 0; summarize twice is stable", () => {
  const s = new BlockedSample();
  assert.equal(s.summarize(), undefined);
  s.push(-1);
  s.push(3);
  assert.equal(s.summarize()!.min, 0);
  s.push(1);
  assert.deepEqual(s.summarize(), s.summarize());
  assert.equal(s.summarize()!.p50, 1);
});

Deno.test("BlockedSample.pool() and atRanks() agree with a sorted copy across blocks", () => {
  const parts = [70_000, 3, 65_536].map((n, k) => {
    const s = new BlockedSample();
    for (let i = 0; i < n; i++) s.push(((i * 7919 + k * 13) % 10007) / 7);
    return s;
  });
  const all: number[] = [];
  for (const [k, n] of [70_000, 3, 65_536].entries()) {
    for (let i = 0; i < n; i++) all.push(Math.fround(((i * 7919 + k * 13) % 10007) / 7));
  }
  all.sort((a, b) => a - b);
  const pool = BlockedSample.pool(parts);
  assert.equal(pool.length, all.length);
  const ranks = [0, 1, 70_002, all.length - 1];
  assert.deepEqual(pool.atRanks(ranks), ranks.map((r) => all[r]));
  assert.equal(pool.countAtMost(all[1000]), all.filter((v) => v <= all[1000]).length);
  assert.equal(pool.summarize()!.max, all[all.length - 1]);
  assert.throws(() => pool.push(1), /Cannot push to a pooled sample/);
  assert.throws(() => pool.atRanks([all.length]), /rank must be in \[0, 135539\), got 135539/);
});
