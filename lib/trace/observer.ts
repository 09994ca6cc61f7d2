/**
 * NVTX markers beside a run (`emitMarkers`): one NVTX range per request in
 * a "splleed" domain, started just before the request is sent and ended
 * when it ends (requests overlap on one thread, so start/end ranges, never
 * push/pop), its message carrying the request id, level and trial and its
 * payload the request id; failed requests also get a mark with the reason.
 * Once a second (and at the start and the end) a mark carries the clock
 * anchor: its message says the time on splleed's clock and the wall-clock
 * epoch in ns of splleed's monotonic zero, which is also its payload. With
 * that, a range in a capture is the same request as the record with its id,
 * and times in the records (ms from the origin) and in the capture line up.
 *
 * Capturing them with Nsight Systems (CUDA's `libnvToolsExt.so.1` must be
 * loadable; see `lib/trace/nvtx.ts` for the search order):
 *
 * ```sh
 * nsys profile --trace=nvtx,cuda -o splleed-run \
 *   deno run -A cli.ts run config.yaml --emit-markers --out results.json
 * nsys stats --report nvtx_sum splleed-run.nsys-rep   # or open it in the nsys GUI
 * ```
 *
 * The engine runs in another process: profile it (or attach nsys to it)
 * in the same session to see its kernels under splleed's ranges, or place
 * both on one axis with the anchor (`splleed timeline --format simple`
 * writes every request in epoch ns).
 *
 * Without the library (no CUDA, no `--allow-ffi`) the observer does
 * nothing, and the results say why in `telemetry.markers.note`, naming the
 * paths tried and the variable that fixes it.
 *
 * @module
 */

import { epochNs } from "./_anchor.ts";
import { loadNvtx, type NvtxDomain } from "./nvtx.ts";

/** Options of {@linkcode MarkersObserver}. */
export interface MarkersObserverOptions {
  /** The NVTX library's path. @default SPLLEED_NVTX_LIBRARY, then the standard names */
  library?: string;
}

/** The request fields the markers carry (a `RequestRecord` has them). */
export interface MarkerRequest {
  /** Sequence number within the run. */
  id: number;
  /** Warm-up or measured. */
  phase: "warmup" | "measure";
  /** Level index. */
  level: number;
  /** Trial index (-1 for warm-up). */
  trial: number;
  /** True when the request completed. */
  ok?: boolean;
  /** Why it failed. */
  error?: { reason: string } | null;
}

/** What the results keep of the markers (`telemetry.markers`, a `TelemetrySource`). */
export interface MarkersTelemetry {
  /** Whether markers were emitted. */
  available: boolean;
  /** Why not, and what fixes it. */
  note?: string;
  /** Interval of the clock marks, ms. */
  intervalMs?: number;
  /** `library`, `domain`, `ranges` (requests marked), `marks`, `unended`. */
  info?: Record<string, unknown>;
  /** Always empty: markers are not a time series. */
  series: unknown[];
}

/** The run-start event's fields the observer reads. */
export interface MarkersRunStart {
  /** The run's clock origin. */
  clock: { originMs: number; originEpochMs: number };
}

/** The run-end event's fields the observer writes. */
export interface MarkersRunEnd {
  /** The results document. */
  results: { telemetry?: { markers?: MarkersTelemetry } };
}

/** Range colours (ARGB): measured requests, warm-up requests, clock marks, failures. */
const COLOR = {
  measure: 0xff76b900,
  warmup: 0xff8c8c8c,
  clock: 0xff1f77b4,
  failed: 0xffd62728,
} as const;

/** Categories: 1 measured, 2 warm-up, 3 clock, 4 failures. */
const CATEGORY = { measure: 1, warmup: 2, clock: 3, failed: 4 } as const;

/** Interval of the clock marks, ms. */
const MARK_INTERVAL_MS = 1000;

/**
 * A run observer that emits NVTX ranges and marks (see the module doc). It
 * loads the library when the run starts, never at import, and never throws
 * out of the run: without a library it records the reason and does nothing.
 *
 * @example Without an NVTX library the run goes on, and the results say why
 * ```ts
 * import { MarkersObserver } from "./observer.ts";
 * import assert from "node:assert/strict";
 *
 * const markers = new MarkersObserver({ library: "/no/such/libnvToolsExt.so.1" });
 * markers.onRunStart({ clock: { originMs: performance.now(), originEpochMs: Date.now() } });
 * markers.onRequestStart({ id: 0, phase: "measure", level: 0, trial: 0 });
 * markers.onRecord({ id: 0, phase: "measure", level: 0, trial: 0, ok: true, error: null });
 * const results: { telemetry?: { markers?: { available: boolean; note?: string; series: unknown[] } } } = {};
 * markers.onRunEnd({ results });
 * // On a machine with CUDA's libnvToolsExt.so.1 the standard names load it.
 * if (!results.telemetry!.markers!.available) {
 *   assert.match(results.telemetry!.markers!.note!, /\/no\/such\/libnvToolsExt\.so\.1/);
 *   assert.match(results.telemetry!.markers!.note!, /SPLLEED_NVTX_LIBRARY/);
 * }
 * ```
 */
export class MarkersObserver {
  /** Name in warnings. */
  readonly name = "NVTX markers";
  #library: string | undefined;
  #nvtx: NvtxDomain | null = null;
  #note: string | undefined;
  #open = new Map<number, bigint>();
  #ranges = 0;
  #marks = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  #originMs = 0;
  #originNs = 0n;

  /**
   * Remembers where the library is; it is loaded when the run starts, not here.
   *
   * @param options `library`: the NVTX library's path.
   */
  constructor(options: MarkersObserverOptions = {}) {
    this.#library = options.library;
  }

  /**
   * Loads the library, emits the first clock mark and starts the marks per second.
   *
   * @param e The run start.
   */
  onRunStart(e: MarkersRunStart): void {
    this.#stop();
    this.#open.clear();
    this.#ranges = 0;
    this.#marks = 0;
    this.#note = undefined;
    this.#originMs = e.clock.originMs;
    this.#originNs = epochNs(e.clock.originEpochMs);
    try {
      this.#nvtx = loadNvtx({ library: this.#library, domain: "splleed" });
    } catch (err) {
      this.#nvtx = null;
      this.#note = `NVTX markers were not emitted: ${
        err instanceof Error ? err.message : String(err)
      }`;
      return;
    }
    this.#clockMark("start");
    const timer = setInterval(() => this.#clockMark("tick"), MARK_INTERVAL_MS);
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }

  /**
   * Starts the request's range (on the send path: one FFI call).
   *
   * @param rec The request about to be sent.
   */
  onRequestStart(rec: MarkerRequest): void {
    const nvtx = this.#nvtx;
    if (nvtx === null || this.#open.has(rec.id)) return;
    const warm = rec.phase === "warmup";
    const id = nvtx.rangeStart({
      message: warm
        ? `request ${rec.id} level ${rec.level} warmup`
        : `request ${rec.id} level ${rec.level} trial ${rec.trial}`,
      payload: BigInt(rec.id),
      color: warm ? COLOR.warmup : COLOR.measure,
      category: warm ? CATEGORY.warmup : CATEGORY.measure,
    });
    this.#open.set(rec.id, id);
    this.#ranges++;
  }

  /**
   * Ends the request's range; a failed request also gets a mark with its reason.
   *
   * @param rec The finished request.
   */
  onRecord(rec: MarkerRequest): void {
    const nvtx = this.#nvtx;
    if (nvtx === null) return;
    const id = this.#open.get(rec.id);
    if (id !== undefined) {
      this.#open.delete(rec.id);
      nvtx.rangeEnd(id);
    }
    if (rec.ok === false) {
      nvtx.mark({
        message: `request ${rec.id} failed: ${rec.error?.reason ?? "unknown"}`,
        payload: BigInt(rec.id),
        color: COLOR.failed,
        category: CATEGORY.failed,
      });
      this.#marks++;
    }
  }

  /**
   * Stops the marks, ends ranges still open, closes the library and writes
   * `telemetry.markers`.
   *
   * @param e The run end.
   */
  onRunEnd(e: MarkersRunEnd): void {
    this.#stop();
    const nvtx = this.#nvtx;
    const unended = this.#open.size;
    if (nvtx !== null) {
      for (const id of this.#open.values()) nvtx.rangeEnd(id);
      this.#open.clear();
      this.#clockMark("end");
      nvtx.close();
      this.#nvtx = null;
    }
    const t = (e.results.telemetry ??= {});
    t.markers = nvtx === null
      ? { available: false, note: this.#note ?? "NVTX markers were not emitted", series: [] }
      : {
        available: true,
        intervalMs: MARK_INTERVAL_MS,
        info: {
          library: nvtx.library,
          domain: nvtx.domain,
          ranges: this.#ranges,
          marks: this.#marks,
          originEpochNs: this.#originNs.toString(),
          ...(unended > 0 ? { unended } : {}),
        },
        series: [],
      };
  }

  #clockMark(what: "start" | "tick" | "end"): void {
    const nvtx = this.#nvtx;
    if (nvtx === null) return;
    const tS = (performance.now() - this.#originMs) / 1000;
    nvtx.mark({
      message: `splleed clock ${what} t=${tS.toFixed(3)}s origin_epoch_ns=${this.#originNs}`,
      payload: this.#originNs,
      color: COLOR.clock,
      category: CATEGORY.clock,
    });
    this.#marks++;
  }

  #stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
