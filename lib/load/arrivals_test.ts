import assert from "node:assert/strict";
import { arrivalFit } from "../stats/arrival_fit.ts";
import { planArrivals } from "./arrivals.ts";

const gaps = (t: Float64Array) => t.slice(1).map((v, i) => v - t[i]);

Deno.test("planArrivals: the same seed gives the same plan, another seed another", () => {
  const a = planArrivals({ rate: 20, count: 500, seed: 1 });
  assert.deepEqual(a, planArrivals({ rate: 20, count: 500, seed: 1 }));
  assert.notDeepEqual(a, planArrivals({ rate: 20, count: 500, seed: 2 }));
  for (let i = 1; i < a.length; i++) assert.ok(a[i] >= a[i - 1]);
  assert.equal(a[0], 0, "the first request goes at the start");
});

Deno.test("Poisson arrivals: exponential gaps (KS) at the requested rate; gamma is told apart", () => {
  const t = planArrivals({ rate: 100, count: 2001, seed: 11 });
  const fit = arrivalFit(gaps(t), { rate: 100, arrival: "poisson" });
  assert.ok(fit.ksPValue! > 0.01, `p = ${fit.ksPValue}`);
  assert.ok(
    Math.abs(fit.rate / 100 - 1) < 1e-9,
    `the plan's rate is exactly the requested: ${fit.rate}`,
  );
  // Without the scaling, the draw's own rate is off by chance (about 1/√n).
  const raw = planArrivals({ rate: 100, count: 2001, seed: 11, exactRate: false });
  const rawRate = arrivalFit(gaps(raw), { rate: 100 }).rate;
  assert.ok(rawRate !== fit.rate && Math.abs(rawRate / 100 - 1) < 0.1, `raw rate ${rawRate}`);
  // Bursty gamma arrivals (shape 0.3) with the same mean rate are not exponential.
  const b = planArrivals({ rate: 100, count: 2001, arrival: "gamma", burstiness: 0.3, seed: 11 });
  assert.ok(arrivalFit(gaps(b), { rate: 100, arrival: "poisson" }).ksPValue! < 0.001);
  const own = arrivalFit(gaps(b), { rate: 100, arrival: "gamma", burstiness: 0.3 });
  assert.ok(own.ksPValue! > 0.01, `gamma fits itself: p = ${own.ksPValue}`);
  assert.ok(Math.abs(own.rate / 100 - 1) < 0.1, `rate ${own.rate}`);
});

Deno.test("constant arrivals are evenly spaced; an infinite rate sends everything at 0", () => {
  const c = planArrivals({ rate: 8, arrival: "constant", count: 5 });
  assert.deepEqual([...c], [0, 125, 250, 375, 500]);
  assert.equal(arrivalFit(gaps(c), { rate: 8, arrival: "constant" }).maxGapErrorMs, 0);
  assert.deepEqual([...planArrivals({ rate: Infinity, count: 3 })], [0, 0, 0]);
});

Deno.test("durationS bounds the plan; rampUpS makes the rate rise linearly", () => {
  const d = planArrivals({ rate: 50, durationS: 10, seed: 5 });
  assert.ok(d[d.length - 1] <= 10_000);
  assert.ok(Math.abs(d.length - 500) < 75, `${d.length} arrivals in 10 s at 50/s`);
  // Constant 100/s with a 2 s ramp: Λ(1 s) = 100·1²/(2·2) = 25 arrivals in the first second,
  // Λ(2 s) = 100 by the end of the ramp, then 100 per second.
  const r = planArrivals({ rate: 100, arrival: "constant", durationS: 4, rampUpS: 2 });
  const upTo = (ms: number) => r.filter((t) => t < ms).length;
  assert.ok(Math.abs(upTo(1000) - 25) <= 1, `${upTo(1000)} in the first second`);
  assert.ok(Math.abs(upTo(2000) - 100) <= 1, `${upTo(2000)} by the end of the ramp`);
  assert.ok(Math.abs(upTo(3000) - upTo(2000) - 100) <= 1, "full rate after the ramp");
});

Deno.test("planArrivals refuses plans it cannot make, saying why", () => {
  assert.throws(
    () => planArrivals({ rate: 0, count: 1 }),
    /'rate' must be a positive number, got 0/,
  );
  assert.throws(() => planArrivals({ rate: 1 }), /give 'count', 'durationS' or both/);
  assert.throws(
    () => planArrivals({ rate: 1, count: 1, arrival: "gamma", burstiness: -1 }),
    /'burstiness' must be a positive number, got -1/,
  );
  assert.throws(
    () => planArrivals({ rate: Infinity, durationS: 1 }),
    /infinite rate needs 'count'/,
  );
});
