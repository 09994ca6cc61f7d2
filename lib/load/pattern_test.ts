import assert from "node:assert/strict";
import { burst, closedLoop, type Tick } from "./pattern.ts";
import { openLoop } from "./open_loop.ts";
import { roundTripsDuring } from "../clock/round_trips.ts";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs a pattern with requests that take `delayMs(index)` and records what happened. */
function recorder(delayMs: (index: number) => number) {
  const state = {
    inFlight: 0,
    peak: 0,
    /** In flight just before each tick was issued, by index. */
    inFlightAtIssue: [] as number[],
    ticks: [] as Tick[],
    /** performance.now() when each request completed, by index. */
    completedMs: [] as number[],
  };
  const issue = async (tick: Tick) => {
    state.inFlightAtIssue[tick.index] = state.inFlight;
    state.ticks.push(tick);
    state.peak = Math.max(state.peak, ++state.inFlight);
    await sleep(delayMs(tick.index));
    state.inFlight--;
    state.completedMs[tick.index] = performance.now();
  };
  return { state, issue };
}

Deno.test("closedLoop() keeps exactly `concurrency` in flight and issues every index once", async () => {
  const { state, issue } = recorder((i) => 1 + (i * 7) % 5);
  const report = await closedLoop({ concurrency: 3, total: 20 }).run(issue);
  assert.deepEqual(report, { issued: 20, notIssued: 0 });
  assert.equal(state.peak, 3);
  assert.deepEqual(
    state.ticks.map((t) => t.index).sort((a, b) => a - b),
    Array.from({ length: 20 }, (_, i) => i),
  );
  // The first three start together; every later one refills a slot that has
  // just freed, so 2 others are in flight when it is issued.
  assert.deepEqual(state.inFlightAtIssue.slice(0, 3), [0, 1, 2]);
  for (let i = 3; i < 20; i++) assert.equal(state.inFlightAtIssue[i], 2, `tick ${i}`);
  assert.equal(state.inFlight, 0);
});

Deno.test("closedLoop() with more slots than requests sends each request once", async () => {
  const { state, issue } = recorder(() => 1);
  const p = closedLoop({ concurrency: 8, total: 3 });
  assert.equal(p.kind, "closed");
  assert.equal(p.concurrency, 8);
  assert.equal(p.total, 3);
  const report = await p.run(issue);
  assert.deepEqual(report, { issued: 3, notIssued: 0 });
  assert.equal(state.peak, 3);
});

Deno.test("closedLoop() schedules a tick when its slot frees", async () => {
  const { state, issue } = recorder((i) => 1 + (i * 3) % 4);
  const c = 2;
  const total = 12;
  const t0 = performance.now();
  await closedLoop({ concurrency: c, total }).run(issue);
  const sched = (i: number) => state.ticks.find((t) => t.index === i)!.scheduledMs;
  const completions = [...state.completedMs].sort((a, b) => a - b);
  for (let i = 0; i < c; i++) {
    assert.ok(sched(i) >= t0 && sched(i) <= completions[0], `tick ${i} starts at once`);
  }
  // Tick i >= c needs a free slot: at least i − c + 1 requests have completed.
  for (let i = c; i < total; i++) {
    assert.ok(sched(i) >= completions[i - c], `tick ${i} scheduled before a slot freed`);
  }
});

Deno.test("closedLoop() refills a slot without waiting for the others", async () => {
  // Request 0 is slow (80 ms); the rest take 1 ms. With two slots, the second
  // slot must carry requests 1..5 while request 0 is still running (a loop
  // that waited for the whole batch would not).
  const { state, issue } = recorder((i) => (i === 0 ? 80 : 1));
  await closedLoop({ concurrency: 2, total: 6 }).run(issue);
  const slowDone = state.completedMs[0];
  for (let i = 1; i < 6; i++) {
    const t = state.ticks.find((t) => t.index === i)!;
    assert.ok(t.scheduledMs < slowDone, `tick ${i} waited for the slow request`);
  }
});

Deno.test("closedLoop() stops issuing on abort and awaits the requests in flight", async () => {
  const controller = new AbortController();
  let completed = 0;
  const seen: number[] = [];
  const report = await closedLoop({ concurrency: 2, total: 20 }).run(async (tick) => {
    seen.push(tick.index);
    if (tick.index === 3) controller.abort();
    await sleep(tick.index === 3 ? 30 : 2);
    completed++;
  }, controller.signal);
  // Ticks 0..3 were issued; tick 3 (30 ms) was still running at the abort.
  assert.deepEqual(seen.sort((a, b) => a - b), [0, 1, 2, 3]);
  assert.deepEqual(report, { issued: 4, notIssued: 16 });
  assert.equal(completed, 4, "run() resolved before the in-flight requests completed");
});

Deno.test("closedLoop() issues nothing when the signal is already aborted", async () => {
  let calls = 0;
  const report = await closedLoop({ concurrency: 2, total: 5 }).run(
    () => {
      calls++;
      return Promise.resolve();
    },
    AbortSignal.abort(),
  );
  assert.equal(calls, 0);
  assert.deepEqual(report, { issued: 0, notIssued: 5 });
});

Deno.test("burst() issues every request at once with one scheduled time", async () => {
  const { state, issue } = recorder(() => 5);
  const before = performance.now();
  const p = burst({ total: 6 });
  assert.equal(p.kind, "burst");
  assert.equal(p.concurrency, 6);
  const report = await p.run(issue);
  assert.deepEqual(report, { issued: 6, notIssued: 0 });
  assert.equal(state.peak, 6);
  assert.deepEqual(state.inFlightAtIssue, [0, 1, 2, 3, 4, 5]);
  const times = new Set(state.ticks.map((t) => t.scheduledMs));
  assert.equal(times.size, 1);
  const [t] = times;
  assert.ok(t >= before && t <= Math.min(...state.completedMs));
});

Deno.test("burst() stops issuing on abort and awaits the requests in flight", async () => {
  const controller = new AbortController();
  let completed = 0;
  const report = await burst({ total: 10 }).run(async (tick) => {
    if (tick.index === 2) controller.abort();
    await sleep(5);
    completed++;
  }, controller.signal);
  assert.deepEqual(report, { issued: 3, notIssued: 7 });
  assert.equal(completed, 3);

  const none = await burst({ total: 4 }).run(() => Promise.resolve(), AbortSignal.abort());
  assert.deepEqual(none, { issued: 0, notIssued: 4 });
});

Deno.test("closedLoop() and burst() reject counts that are not positive integers", () => {
  const bad: [() => unknown, string, number][] = [
    [() => closedLoop({ concurrency: 0, total: 5 }), "concurrency", 0],
    [() => closedLoop({ concurrency: 1.5, total: 5 }), "concurrency", 1.5],
    [() => closedLoop({ concurrency: -2, total: 5 }), "concurrency", -2],
    [() => closedLoop({ concurrency: NaN, total: 5 }), "concurrency", NaN],
    [() => closedLoop({ concurrency: 2, total: 0 }), "total", 0],
    [() => closedLoop({ concurrency: 2, total: 2.5 }), "total", 2.5],
    [() => burst({ total: 0 }), "total", 0],
    [() => burst({ total: 3.5 }), "total", 3.5],
  ];
  for (const [make, name, value] of bad) {
    assert.throws(make, (err: unknown) => {
      assert.ok(err instanceof RangeError, `${name}=${value}`);
      assert.ok(
        err.message.includes(`'${name}' must be a positive integer, got ${value}`),
        err.message,
      );
      return true;
    });
  }
});

// The open loop is nearly always waiting for its next send. Its waits must
// let the runtime poll sockets (responses are read then): through a
// MessageChannel yield loop a loopback round trip takes tens of
// milliseconds, and at 1,000 req/s TTFT p50 read 523 ms against a true 200.
Deno.test("openLoop() serves sockets while it waits between sends", async () => {
  // 375 sends 0.8 ms apart: the loop never sleeps on a timer, it yields.
  const offsetsMs = Float64Array.from({ length: 375 }, (_, i) => i * 0.8);
  const trips = await roundTripsDuring(() => openLoop({ offsetsMs }).run(() => Promise.resolve()));
  assert.ok(trips >= 100, `${trips} round trips in 300 ms of waiting`);
});
