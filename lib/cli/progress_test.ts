import assert from "node:assert/strict";
import { LiveStats } from "../metrics/live.ts";
import type { BenchmarkEvent } from "../runner/benchmark.ts";
import { CLEAR_LINE, createProgress, type ProgressMode, statusLine } from "./progress.ts";

/** Live figures the test sets directly (the rolling TTFT and rate included). */
class FakeLive extends LiveStats {
  ttft: number | null = null;
  rate: number | null = null;
  override ttftP50(): number | null {
    return this.ttft;
  }
  override currentRate(): number | null {
    return this.rate;
  }
}

/** A CliIO-shaped sink that records every write, by stream. */
function fakeIO(columns?: number) {
  const writes: { stream: "out" | "err"; text: string }[] = [];
  return {
    writes,
    out: (text: string) => void writes.push({ stream: "out", text }),
    err: (text: string) => void writes.push({ stream: "err", text }),
    exit: (() => {
      throw new Error("exit");
    }) as (code: number) => never,
    isTerminal: false,
    errIsTerminal: true,
    errColumns: columns === undefined ? undefined : () => columns,
    errText: () => writes.filter((w) => w.stream === "err").map((w) => w.text).join(""),
  };
}

const INTERVAL_MS = 10;
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A display in `mode` with a trial of `c=16` (level 2 of 4, trial 2 of 3) running. */
function running(mode: ProgressMode, columns?: number) {
  const io = fakeIO(columns);
  const progress = createProgress(io, { mode, intervalMs: INTERVAL_MS });
  const live = new FakeLive();
  const events: BenchmarkEvent[] = [
    { type: "live", stats: live, levels: 4 },
    {
      type: "connected",
      backend: "openai",
      model: "m",
      endpoint: "http://127.0.0.1:8000",
      recordsFile: null,
    },
    { type: "level", level: 1, mode: "latency", concurrency: 16 },
  ];
  for (const e of events) progress.onEvent(e);
  live.startTrial({ level: 1, label: "c=16", trial: 1, trials: 3, planned: 500 });
  live.completed = 412;
  live.failed = 3;
  live.rate = 81.24;
  live.ttft = 143.2;
  live.startedMs -= 12_000;
  return { io, progress, live };
}

const STATUS =
  "c=16 (2/4) · trial 2/3 · 412/500 done · 3 failed · 81.2 req/s · TTFT p50 143 ms · 12 s";

Deno.test("tty: the status line is redrawn in place with every field, only when it changed", async () => {
  const { io, progress, live } = running("tty");
  try {
    await wait(INTERVAL_MS * 5);
    const draws = io.writes.filter((w) => w.text.startsWith(CLEAR_LINE));
    assert.deepEqual(
      draws.map((w) => w.text),
      [CLEAR_LINE + STATUS],
      "drawn once: nothing changed",
    );
    live.completed = 413;
    live.ttft = 7.25;
    await wait(INTERVAL_MS * 5);
    assert.equal(
      io.writes.at(-1)?.text,
      CLEAR_LINE +
        "c=16 (2/4) · trial 2/3 · 413/500 done · 3 failed · 81.2 req/s · TTFT p50 7.3 ms · 12 s",
    );
    assert.ok(!io.errText().includes("\n" + STATUS), "the status line is never a line of its own");
  } finally {
    progress.stop();
  }
  assert.ok(io.writes.every((w) => w.stream === "err"), "nothing on stdout");
});

Deno.test("tty: a warning or a trial summary clears the status line first and redraws it after", async () => {
  const { io, progress, live } = running("tty");
  try {
    await wait(INTERVAL_MS * 3);
    progress.onEvent({ type: "warning", message: "the client fell behind" });
    assert.equal(
      io.writes.at(-1)?.text,
      `${CLEAR_LINE}warning: the client fell behind\n${STATUS}`,
    );
    live.endTrial();
    progress.onEvent({
      type: "trial",
      level: 1,
      concurrency: 16,
      trial: 1,
      completed: 497,
      failed: 3,
      durationS: 6.14,
    });
    assert.equal(
      io.writes.at(-1)?.text,
      `${CLEAR_LINE}c=16    trial 2/3: 497 ok, 3 failed in 6.1 s\n`,
      "between trials no status line is left behind the summary",
    );
    const n = io.writes.length;
    await wait(INTERVAL_MS * 4);
    assert.equal(io.writes.length, n, "nothing to draw between trials");
  } finally {
    progress.stop();
  }
  assert.ok(io.writes.every((w) => w.stream === "err"), "nothing on stdout");
});

Deno.test("tty: a level's warm-up is shown until its first trial", async () => {
  const io = fakeIO();
  const progress = createProgress(io, { mode: "tty", intervalMs: INTERVAL_MS });
  try {
    progress.onEvent({ type: "live", stats: new FakeLive(), levels: 2 });
    progress.onEvent({ type: "level", level: 0, mode: "serve", concurrency: 0, requestRate: 8 });
    await wait(INTERVAL_MS * 3);
    assert.equal(io.writes.at(-1)?.text, `${CLEAR_LINE}r=8/s (1/2) · warm-up · 0 s`);
  } finally {
    progress.stop();
  }
  assert.equal(io.writes.at(-1)?.text, CLEAR_LINE);
});

Deno.test("tty: a line wider than the terminal is cut, so that it can be redrawn in place", async () => {
  const { io, progress } = running("tty", 40);
  try {
    await wait(INTERVAL_MS * 3);
    const drawn = io.writes.at(-1)!.text.slice(CLEAR_LINE.length);
    assert.equal(drawn, [...STATUS].slice(0, 39).join(""));
  } finally {
    progress.stop();
  }
});

Deno.test("stop() clears the status line and nothing is written after it", async () => {
  const { io, progress, live } = running("tty");
  await wait(INTERVAL_MS * 3);
  progress.stop();
  assert.equal(io.writes.at(-1)?.text, CLEAR_LINE, "the terminal line is left clean");
  const n = io.writes.length;
  live.completed = 499;
  await wait(INTERVAL_MS * 5);
  assert.equal(io.writes.length, n, "no writes over five intervals after stop()");
  progress.stop();
  assert.equal(io.writes.length, n, "stop() twice writes nothing more");
});

Deno.test("plain: whole lines, only while a trial runs, with no control characters", async () => {
  const { io, progress, live } = running("plain");
  try {
    await wait(INTERVAL_MS * 5);
    const lines = io.writes.map((w) => w.text).filter((t) => t.startsWith("c=16 (2/4)"));
    assert.ok(lines.length >= 2, `a line every interval, got ${lines.length}`);
    for (const l of lines) assert.equal(l, STATUS + "\n");
    const text = io.errText();
    assert.ok(!text.includes("\r") && !text.includes("\x1b"), "no carriage return, no escape");
    assert.match(io.errText(), /^connected: openai · m · http:\/\/127\.0\.0\.1:8000\n/);
    live.endTrial();
    const n = io.writes.length;
    await wait(INTERVAL_MS * 4);
    assert.equal(io.writes.length, n, "nothing while no trial runs");
  } finally {
    progress.stop();
  }
  assert.ok(io.writes.every((w) => w.stream === "err"), "nothing on stdout");
});

Deno.test("quiet: nothing but warnings", async () => {
  const { io, progress, live } = running("quiet");
  try {
    await wait(INTERVAL_MS * 4);
    live.endTrial();
    progress.onEvent({
      type: "trial",
      level: 1,
      concurrency: 16,
      trial: 1,
      completed: 500,
      failed: 0,
      durationS: 6,
    });
    assert.deepEqual(io.writes, [], "no status, no connected line, no trial summary");
    progress.onEvent({ type: "warning", message: "careful" });
    assert.deepEqual(io.writes, [{ stream: "err", text: "warning: careful\n" }]);
  } finally {
    progress.stop();
  }
});

Deno.test("a standard error that fails (a closed pipe) stops the display instead of the run", async () => {
  let calls = 0;
  const progress = createProgress({
    err: () => {
      calls++;
      throw new Error("Broken pipe");
    },
  }, { mode: "plain", intervalMs: INTERVAL_MS });
  const live = new FakeLive();
  progress.onEvent({ type: "live", stats: live, levels: 1 });
  live.startTrial({ level: 0, label: "c=1", trial: 0, trials: 1, planned: 4 });
  await wait(INTERVAL_MS * 5);
  assert.equal(calls, 1, "one failed write, then the timer is gone");
  progress.stop();
});

Deno.test("statusLine: a time-bound trial shows a count; the rate waits for the first second", () => {
  const live = new FakeLive();
  live.startTrial({ level: 0, label: "r=inf", trial: 0, trials: 1, planned: null });
  live.completed = 64;
  live.rate = 9000;
  assert.equal(
    statusLine(live, 1, live.startedMs + 200),
    "r=inf · trial 1/1 · 64 done · 0 failed · 0 s",
  );
  assert.equal(
    statusLine(live, 1, live.startedMs + 61_500),
    "r=inf · trial 1/1 · 64 done · 0 failed · 9000.0 req/s · 61 s",
  );
});
