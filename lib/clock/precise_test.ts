import assert from "node:assert/strict";
import { DeadlineScheduler, holdPreciseWaits, sleepUntil } from "./precise.ts";
import { roundTripsDuring } from "./round_trips.ts";

// The point of this module is sub-millisecond precision where Deno's timers
// fire ~1.3 ms late. Checked against its own deadlines: never early, and the
// median lateness well under a timer's. Generous bounds: a loaded 2-core VM
// can delay any thread by a millisecond or more now and then.

Deno.test("sleepUntil: never early; median lateness far below a timer's", async () => {
  const late: number[] = [];
  for (let i = 0; i < 40; i++) {
    const deadline = performance.now() + 2 + (i % 7);
    await sleepUntil(deadline);
    const l = performance.now() - deadline;
    assert.ok(l >= 0, `woke ${-l} ms early`);
    late.push(l);
  }
  late.sort((a, b) => a - b);
  assert.ok(late[20] < 0.3, `median lateness ${late[20]} ms`);
});

Deno.test("sleepUntil: a past deadline returns at once; an abort ends the wait early", async () => {
  const t0 = performance.now();
  await sleepUntil(t0 - 5);
  assert.ok(performance.now() - t0 < 1);
  const c = new AbortController();
  setTimeout(() => c.abort(), 5);
  const t1 = performance.now();
  await sleepUntil(t1 + 1000, c.signal);
  assert.ok(performance.now() - t1 < 200);
});

Deno.test("DeadlineScheduler: callbacks run in deadline order, on time, including ones added later that are earlier", async () => {
  const s = new DeadlineScheduler();
  const t0 = performance.now();
  const ran: [string, number][] = [];
  await new Promise<void>((done) => {
    s.at(t0 + 30, () => {
      ran.push(["c", performance.now() - t0]);
      done();
    });
    s.at(t0 + 20, () => ran.push(["b", performance.now() - t0]));
    setTimeout(() => s.at(t0 + 8, () => ran.push(["a", performance.now() - t0])), 1);
  });
  s.close();
  assert.deepEqual(ran.map((r) => r[0]), ["a", "b", "c"]);
  for (const [name, t] of ran) {
    const due = { a: 8, b: 20, c: 30 }[name]!;
    // Never early; the upper bound only has to rule out a lost wake-up (the
    // median precision is checked by the sleepUntil test).
    assert.ok(t >= due - 1e-9 && t < due + 10, `${name} at ${t}, due ${due}`);
  }
});

Deno.test("DeadlineScheduler: close() drops pending callbacks; an exception does not stop the others", async () => {
  const s = new DeadlineScheduler();
  let ran = 0;
  const errors: unknown[] = [];
  const onError = (e: ErrorEvent) => {
    e.preventDefault();
    errors.push(e.error);
  };
  globalThis.addEventListener("error", onError);
  try {
    const t0 = performance.now();
    await new Promise<void>((done) => {
      s.at(t0 + 2, () => {
        throw new Error("boom");
      });
      s.at(t0 + 4, () => {
        ran++;
        done();
      });
    });
    assert.equal(ran, 1);
    assert.equal(errors.length, 1);
    s.at(performance.now() + 5, () => ran++);
    s.close();
    await new Promise((r) => setTimeout(r, 15));
    assert.equal(ran, 1, "closed scheduler runs nothing");
    assert.equal(s.pending, 0);
  } finally {
    globalThis.removeEventListener("error", onError);
  }
});

Deno.test("DeadlineScheduler: a callback scheduled right after the last one ran is not lost", async () => {
  const s = new DeadlineScheduler();
  try {
    // The awaiting code resumes in a microtask after the last callback, while
    // the loop is finishing: its new deadline must start a new loop.
    await new Promise<void>((done) => s.at(performance.now() + 2, done));
    const ran = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 500);
      s.at(performance.now() + 2, () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    assert.ok(ran, "the second callback never ran");
  } finally {
    s.close();
  }
});

// Near waits yield to the event loop in a tight loop. Through a MessageChannel
// (all a wait has without a hold) the runtime polls sockets so rarely that a
// loopback round trip takes tens of milliseconds (~26 a second were measured
// here); through the held loopback pair every turn polls them.
Deno.test("holdPreciseWaits: sockets are served promptly during near waits", async () => {
  const hold = await holdPreciseWaits();
  assert.equal(hold.loopback, true);
  let trips;
  try {
    trips = await roundTripsDuring(async () => {
      const end = performance.now() + 300;
      // Deadlines under a millisecond away: always the near (yielding) phase.
      while (performance.now() < end) await sleepUntil(performance.now() + 0.8);
    });
  } finally {
    hold.release();
  }
  assert.ok(trips >= 100, `${trips} round trips in 300 ms of near waits`);
});

Deno.test("holdPreciseWaits: concurrent holds share one pair; it closes with the last release", async () => {
  const [ha, hb] = await Promise.all([holdPreciseWaits(), holdPreciseWaits()]);
  assert.equal(ha.loopback, true);
  assert.equal(hb.loopback, true, "a second holder during the opening is told the pair is in use");
  ha.release();
  ha.release(); // twice: no effect
  const deadline = performance.now() + 2;
  await sleepUntil(deadline); // still through the pair, held by hb
  assert.ok(performance.now() >= deadline);
  hb.release();
  // The test's resource check fails if the pair outlives the last release.
});
