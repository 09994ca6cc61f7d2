/**
 * The live progress display of a benchmark run, on standard error only.
 *
 * - `tty` (standard error is a terminal): one status line, redrawn in place
 *   (`\r` and erase-line) every 250 ms when its text changed, cleared before
 *   any other message and drawn again after it:
 *   `c=16 (2/4) · trial 2/3 · 412/500 done · 3 failed · 16 in flight · 81.2 req/s · TTFT p50 143 ms · 12 s`;
 *   when a request has gone 5 s without a response head or a token, the
 *   line says how long the most silent one has (`oldest silent 31 s`), so
 *   a stalled server shows at once.
 * - `plain` (standard error is a file or a pipe): the same text as an
 *   ordinary line every 5 s, only while a trial runs.
 * - `quiet`: warnings only. No status, no per-trial lines, no `connected:`
 *   line (errors are the caller's to print).
 *
 * In `tty` and `plain` modes the per-trial summary lines
 * (`c=4     trial 2/3: 64 ok, 0 failed in 3.1 s`) and the `connected:` line
 * are printed as well.
 *
 * The display never works per request: the runner updates a
 * {@linkcode LiveStats} as requests end, and the display reads it on its own
 * timer, which is unref'd (it never keeps the process alive). Nothing is
 * ever written to standard output.
 *
 * @module
 */

import type { BenchmarkEvent } from "../runner/benchmark.ts";

/** The live figures a run publishes once, in its `live` event (polled by the display). */
type LiveStats = Extract<BenchmarkEvent, { type: "live" }>["stats"];

/** How progress is shown: a redrawn line, periodic lines, or nothing. */
export type ProgressMode = "tty" | "plain" | "quiet";

/** Where the display writes: standard error (a {@linkcode CliIO} is one). */
export interface ProgressIO {
  /** Writes to standard error. */
  err(text: string): void;
  /**
   * Width of the terminal in columns, when known: a status line longer than
   * that is cut (a line that wraps cannot be redrawn in place).
   */
  errColumns?(): number;
}

/** Options of {@linkcode createProgress}. */
export interface ProgressOptions {
  /** `tty`, `plain` or `quiet`. */
  mode: ProgressMode;
  /**
   * How often the status is looked at, in ms.
   *
   * @default 250 in `tty` mode, 5000 in `plain` mode
   */
  intervalMs?: number;
}

/** A running display: feed it the run's events, stop it when the run ends. */
export interface Progress {
  /** Handles one event of `benchmark()` (pass it as `onEvent`). */
  onEvent(event: BenchmarkEvent): void;
  /** Stops the timer and clears the status line; idempotent. */
  stop(): void;
}

/** Carriage return and erase the whole line (ANSI EL 2). */
export const CLEAR_LINE = "\r\x1b[2K";

/**
 * The status text of the trial in progress.
 *
 * @param live The runner's live figures.
 * @param levels Number of levels in the run (shown as `(2/4)` when more than one).
 * @param nowMs The current `performance.now()`.
 * @returns One line, without a newline.
 *
 * @example
 * ```ts
 * import { statusLine } from "./progress.ts";
 * import { LiveStats } from "../metrics/live.ts";
 * import assert from "node:assert/strict";
 *
 * const live = new LiveStats();
 * live.startTrial({ level: 1, label: "c=16", trial: 1, trials: 3, planned: 500 });
 * live.completed = 412;
 * live.failed = 3;
 * assert.equal(
 *   statusLine(live, 4, live.startedMs + 12_300),
 *   "c=16 (2/4) · trial 2/3 · 412/500 done · 3 failed · 12 s",
 * );
 * live.inFlight = () => ({ count: 16, oldestSilentMs: 31_200 });
 * assert.equal(
 *   statusLine(live, 4, live.startedMs + 12_300),
 *   "c=16 (2/4) · trial 2/3 · 412/500 done · 3 failed · 16 in flight · oldest silent 31 s · 12 s",
 * );
 * ```
 */
export function statusLine(live: LiveStats, levels: number, nowMs: number): string {
  const parts = [
    levels > 1 ? `${live.label} (${live.level + 1}/${levels})` : live.label,
    `trial ${live.trial + 1}/${live.trials}`,
    live.planned === null ? `${live.completed} done` : `${live.completed}/${live.planned} done`,
    `${live.failed} failed`,
  ];
  parts.push(...inFlightParts(live, nowMs));
  // The rate of the first few completions (a closed loop's first round ends
  // at once) says little: it is shown after the trial's first second.
  const rate = nowMs - live.startedMs >= 1000 ? live.currentRate() : null;
  if (rate !== null) parts.push(`${rate.toFixed(1)} req/s`);
  const ttft = live.ttftP50();
  if (ttft !== null) parts.push(`TTFT p50 ${ttft >= 10 ? ttft.toFixed(0) : ttft.toFixed(1)} ms`);
  parts.push(`${Math.max(0, Math.floor((nowMs - live.startedMs) / 1000))} s`);
  return parts.join(" · ");
}

/** Silence shorter than this is ordinary (a long prefill, a queue) and not shown. */
const SILENT_SHOWN_MS = 5000;

/** `12 in flight`, and `oldest silent 31 s` when a request has gone quiet. */
function inFlightParts(live: LiveStats, nowMs: number): string[] {
  const f = live.inFlight(nowMs);
  if (f.count === 0) return [];
  const parts = [`${f.count} in flight`];
  if (f.oldestSilentMs >= SILENT_SHOWN_MS) {
    parts.push(`oldest silent ${Math.floor(f.oldestSilentMs / 1000)} s`);
  }
  return parts;
}

function levelLabel(e: Extract<BenchmarkEvent, { type: "level" }>): string {
  if (e.mode === "throughput") return `burst ${e.concurrency}`;
  if (e.mode === "serve") {
    const r = e.requestRate ?? Infinity;
    return `r=${Number.isFinite(r) ? `${r}/s` : "inf"}`;
  }
  return `c=${e.concurrency}`;
}

/**
 * Creates the progress display of a run.
 *
 * @param io Where to write (standard error only).
 * @param options Mode and interval.
 * @returns The display: pass `onEvent` to `benchmark()`, call `stop()` when it returns or throws.
 *
 * @example
 * ```ts
 * import { createProgress } from "./progress.ts";
 * import { LiveStats } from "../metrics/live.ts";
 * import assert from "node:assert/strict";
 *
 * let err = "";
 * const progress = createProgress({ err: (s) => (err += s) }, { mode: "plain", intervalMs: 10 });
 * const live = new LiveStats();
 * progress.onEvent({ type: "live", stats: live, levels: 1 });
 * progress.onEvent({ type: "level", level: 0, mode: "latency", concurrency: 4 });
 * live.startTrial({ level: 0, label: "c=4", trial: 0, trials: 1, planned: 8 });
 * await new Promise((r) => setTimeout(r, 50));
 * live.endTrial();
 * progress.onEvent({
 *   type: "trial", level: 0, concurrency: 4, trial: 0, completed: 8, failed: 0, durationS: 0.05,
 * });
 * progress.stop();
 * assert.match(err, /^c=4 · trial 1\/1 · 0\/8 done · 0 failed · 0 s\n/m);
 * assert.match(err, /c=4 {5}trial 1\/1: 8 ok, 0 failed in 0\.1 s\n$/);
 * ```
 */
export function createProgress(io: ProgressIO, options: ProgressOptions): Progress {
  const { mode } = options;
  const intervalMs = options.intervalMs ?? (mode === "tty" ? 250 : 5000);
  let live: LiveStats | null = null;
  let levels = 1;
  let label = "";
  let levelIndex = 0;
  /** Between a level's start and its first trial: its warm-up. */
  let warmUpSinceMs: number | null = null;
  /** The status text on the terminal now (tty mode). */
  let drawn = "";
  let timer: ReturnType<typeof setInterval> | null = null;
  let stopped = false;

  const fit = (s: string): string => {
    let cols = 0;
    try {
      cols = io.errColumns?.() ?? 0;
    } catch {
      cols = 0;
    }
    if (cols <= 1) return s;
    const chars = [...s];
    return chars.length < cols ? s : chars.slice(0, cols - 1).join("");
  };

  /** What the status line should say now ("" for nothing). */
  const status = (): string => {
    if (live === null || stopped) return "";
    const now = performance.now();
    if (live.running) return fit(statusLine(live, levels, now));
    if (mode === "tty" && warmUpSinceMs !== null) {
      const lvl = levels > 1 ? `${label} (${levelIndex + 1}/${levels})` : label;
      return fit(
        [
          `${lvl} · warm-up`,
          ...inFlightParts(live, now),
          `${Math.floor((now - warmUpSinceMs) / 1000)} s`,
        ]
          .join(" · "),
      );
    }
    return "";
  };

  const write = (text: string): void => {
    if (text === "") return;
    try {
      io.err(text);
    } catch {
      // Standard error is gone (a closed pipe): stop showing progress, and
      // never let a display fail the measurement.
      halt();
    }
  };

  const tick = (): void => {
    if (live === null || stopped) return;
    if (live.running) warmUpSinceMs = null;
    const s = status();
    if (mode === "plain") {
      if (s !== "") write(s + "\n");
      return;
    }
    if (s === drawn) return;
    drawn = s;
    write(CLEAR_LINE + s);
  };

  const halt = (): void => {
    stopped = true;
    if (timer !== null) clearInterval(timer);
    timer = null;
  };

  /** Prints a message on its own line; in tty mode the status line goes around it. */
  const message = (text: string): void => {
    if (stopped || mode !== "tty") {
      write(text);
      return;
    }
    const before = drawn === "" ? "" : CLEAR_LINE;
    drawn = status();
    write(before + text + drawn);
  };

  return {
    onEvent(e: BenchmarkEvent): void {
      switch (e.type) {
        case "warning":
          message(`warning: ${e.message}\n`);
          return;
        case "live":
          live = e.stats;
          levels = e.levels;
          if (mode !== "quiet" && timer === null && !stopped) {
            const t = setInterval(tick, intervalMs);
            Deno.unrefTimer(t);
            timer = t;
          }
          return;
        case "level":
          label = levelLabel(e);
          levelIndex = e.level;
          warmUpSinceMs = performance.now();
          return;
      }
      if (mode === "quiet") return;
      if (e.type === "connected") {
        message(
          `connected: ${e.backend} · ${e.model} · ${e.endpoint}\n` +
            (e.recordsFile ? `records: ${e.recordsFile}\n` : ""),
        );
      } else if (e.type === "trial") {
        warmUpSinceMs = null;
        const trials = live !== null && live.trials > 0 ? `/${live.trials}` : "";
        message(
          `${
            (label !== "" && e.level === levelIndex ? label : `c=${e.concurrency}`).padEnd(7)
          } trial ${e.trial + 1}${trials}: ${e.completed} ok, ${e.failed} failed in ${
            e.durationS.toFixed(1)
          } s\n`,
        );
      }
    },
    stop(): void {
      if (stopped) return;
      halt();
      if (drawn !== "") {
        drawn = "";
        try {
          io.err(CLEAR_LINE);
        } catch {
          // Nothing to clean on a closed standard error.
        }
      }
    },
  };
}
