/**
 * One timeline of a run: its requests (from the records file), and the
 * telemetry sampled beside it (GPU counters, engine metrics), on splleed's
 * clock, with the clock anchor (the wall-clock epoch in ns of splleed's
 * monotonic zero) so it can be placed beside a profiler's trace. Pure:
 * documents and records in, a JSON string out.
 *
 * Two formats:
 *
 * - `perfetto`: Chrome Trace Event JSON, which opens in Perfetto
 *   (ui.perfetto.dev, "Open trace file") and in chrome://tracing. Each
 *   request is an async span (`ph: "b"`/`"e"`, id = the request id) named
 *   by its level (`c=4 request`; failed ones `c=4 request failed (http_500)`,
 *   coloured apart), holding its phases: `queued` (scheduled → sent, when
 *   it waited), `waiting for first token` (sent → first token) and
 *   `decoding` (first token → end). Its args hold the id, level, trial,
 *   status, tokens and error. Every telemetry series is a counter track
 *   (`ph: "C"`), one process per kind (GPU, engine). `ts` is µs from
 *   splleed's origin; `otherData.origin_epoch_ns` is the anchor.
 * - `simple`: `{ "clock": { "origin_epoch_ns", ... }, "requests": [{ "id",
 *   "level", "trial", "phase", "scheduled_ns", "start_ns",
 *   "first_token_ns", "end_ns", "ok", "error", ... }], "telemetry": [...] }`
 *   with every time in ns since the Unix epoch, as exact integers (a JSON
 *   reader that parses numbers as doubles, like JavaScript's, rounds them to
 *   256 ns; Python's `json` keeps them exact).
 *
 * Placing requests on a profiler's timeline: Nsight Systems and PyTorch's
 * profiler (Kineto) record wall-clock time. Nsight Systems: with
 * `--emit-markers`, splleed's NVTX ranges are in the capture itself (each
 * carries the request id, and the clock marks carry the anchor); otherwise
 * a request's `start_ns` minus the capture's start (the wall-clock time nsys
 * shows as the session's start in the report's analysis summary) is its
 * offset in the capture. PyTorch:
 * a Kineto trace's `baseTimeNanoseconds` is its epoch; a request's
 * `start_ns - baseTimeNanoseconds` is its `ts` there (÷ 1000 for µs).
 *
 * @module
 */

import { atNs, epochNs } from "./_anchor.ts";

/** The timeline formats. */
export type TimelineFormat = "perfetto" | "simple";

/** The formats, for checks and help. */
export const TIMELINE_FORMATS: readonly TimelineFormat[] = ["perfetto", "simple"];

/** Options of {@linkcode exportTimeline}. */
export interface TimelineOptions {
  /** `perfetto` (Chrome Trace Event JSON) or `simple` (epoch ns per request). @default "perfetto" */
  format?: TimelineFormat;
}

/** A run's clock: its monotonic origin and the wall-clock epoch ms at that instant. */
export interface TimelineClock {
  /** `performance.now()` at the origin, ms. */
  originMs: number;
  /** Wall-clock ms since the Unix epoch at the origin. */
  originEpochMs: number;
}

/** One telemetry series (a `TelemetrySeries`). */
export interface TimelineSeries {
  /** What is sampled (`gpu_util_pct`, `engine_waiting`). */
  name: string;
  /** Unit of the values. */
  unit: string;
  /** The source within its kind (a GPU, an engine URL). */
  source?: string;
  /** Sample times, ms from the document's clock origin. */
  tMs: number[];
  /** Values (null where a sample failed). */
  values: (number | null)[];
}

/** One kind of telemetry (a `TelemetrySource`). */
export interface TimelineSource {
  /** Whether it was collected. */
  available: boolean;
  /** Its series. */
  series: TimelineSeries[];
}

/** The fields of a results document the timeline reads (a `ResultsDocument` has them). */
export interface TimelineDocument {
  /** The run's clock, which telemetry times are relative to. */
  clock?: TimelineClock;
  /** The engine: `kind`, `model`. */
  backend?: Record<string, unknown>;
  /** The levels, for their labels (`c=4`, `rate=8/s`). */
  levels?: readonly { mode?: string; concurrency?: number; requestRate?: number | "inf" }[];
  /** What was sampled beside the run. */
  telemetry?: { gpu?: TimelineSource; engine?: TimelineSource; markers?: TimelineSource };
}

/** The records file's `run` line fields the timeline reads. */
export interface TimelineHeader {
  /** The clock the records' times are relative to. */
  clock: TimelineClock;
}

/** The fields of a request record the timeline reads (a `RequestRecord` has them). */
export interface TimelineRecord {
  /** Sequence number. */
  id: number;
  /** Warm-up or measured. */
  phase: "warmup" | "measure";
  /** Level index. */
  level: number;
  /** Trial index (-1 for warm-up). */
  trial: number;
  /** Intended send time, ms from the origin. */
  scheduledMs: number;
  /** Actual send time. */
  sentMs: number;
  /** First token, or null. */
  firstTokenMs: number | null;
  /** End, or null. */
  endMs: number | null;
  /** Completed with content and no error. */
  ok: boolean;
  /** Why it failed. */
  error: { reason: string; message: string } | null;
  /** HTTP status. */
  status?: number | null;
  /** Output tokens. */
  outputTokens?: number | null;
  /** Prompt tokens. */
  promptTokens?: number | null;
}

/** The pid of the requests' process in the Perfetto trace. */
const REQUESTS_PID = 1;
/** Counter processes by telemetry kind (others follow). */
const KIND_PID: Record<string, number> = { gpu: 2, engine: 3 };
const KIND_NAME: Record<string, string> = {
  gpu: "GPU telemetry (NVML)",
  engine: "engine metrics (Prometheus)",
};

/**
 * The timeline of a run, as JSON text (see the module doc for the formats).
 *
 * @param doc The results document (its clock, telemetry, backend, levels).
 * @param header The records file's `run` line (the clock of the records).
 * @param records The request records (any order; warm-up included).
 * @param options `format`.
 * @returns The JSON text (ends with a newline).
 * @throws {TypeError} When `format` is not one of {@linkcode TIMELINE_FORMATS}.
 *
 * @example Perfetto: one async span per request with its phases, and the anchor
 * ```ts
 * import { exportTimeline } from "./timeline.ts";
 * import assert from "node:assert/strict";
 *
 * const clock = { originMs: 100, originEpochMs: 1767225600000 };
 * const rec = {
 *   id: 0, phase: "measure" as const, level: 0, trial: 0, scheduledMs: 1, sentMs: 1.5,
 *   firstTokenMs: 20, endMs: 40, ok: true, error: null,
 * };
 * const trace = JSON.parse(exportTimeline({ clock, levels: [{ concurrency: 4 }] }, { clock }, [rec]));
 * const spans = trace.traceEvents.filter((e: { ph: string }) => e.ph === "b");
 * assert.deepEqual(spans.map((e: { name: string }) => e.name),
 *   ["c=4 request", "queued", "waiting for first token", "decoding"]);
 * assert.equal(spans[2].ts, 1500); // µs from the origin
 * assert.equal(trace.otherData.origin_epoch_ns, "1767225600000000000");
 * ```
 *
 * @example Simple: every time in ns since the epoch
 * ```ts
 * import { exportTimeline } from "./timeline.ts";
 * import assert from "node:assert/strict";
 *
 * const clock = { originMs: 0, originEpochMs: 1767225600000 };
 * const rec = {
 *   id: 3, phase: "measure" as const, level: 0, trial: 1, scheduledMs: 1, sentMs: 1.25,
 *   firstTokenMs: null, endMs: 9, ok: false, error: { reason: "http_500", message: "boom" },
 * };
 * const text = exportTimeline({}, { clock }, [rec], { format: "simple" });
 * assert.match(text, /"start_ns":1767225600001250000,"first_token_ns":null,"end_ns":1767225600009000000/);
 * ```
 */
export function exportTimeline(
  doc: TimelineDocument,
  header: TimelineHeader,
  records: Iterable<TimelineRecord>,
  options: TimelineOptions = {},
): string {
  const format = options.format ?? "perfetto";
  if (!TIMELINE_FORMATS.includes(format)) {
    throw new TypeError(
      `Cannot export the timeline: 'format' must be one of ${
        TIMELINE_FORMATS.map((f) => `"${f}"`).join(", ")
      }, got ${JSON.stringify(format)}`,
    );
  }
  const recs = [...records].sort((a, b) => a.id - b.id);
  return format === "perfetto" ? perfetto(doc, header, recs) : simple(doc, header, recs);
}

/** Shift from the document's clock (telemetry) to the records' clock, ms. */
function telemetryShiftMs(doc: TimelineDocument, header: TimelineHeader): number {
  return doc.clock === undefined ? 0 : doc.clock.originMs - header.clock.originMs;
}

/** The telemetry kinds with series, in a stable order (gpu, engine, then others). */
function telemetryKinds(doc: TimelineDocument): [string, TimelineSource][] {
  const t = (doc.telemetry ?? {}) as Record<string, TimelineSource | undefined>;
  const order = (k: string) => (k in KIND_PID ? KIND_PID[k] : 100);
  return Object.entries(t)
    .filter((e): e is [string, TimelineSource] =>
      e[1] !== undefined && Array.isArray(e[1].series) && e[1].series.length > 0
    )
    .sort((a, b) => order(a[0]) - order(b[0]) || a[0].localeCompare(b[0]));
}

/** A level's label: `c=4`, `rate=8/s`, `level 2`. */
function levelLabel(doc: TimelineDocument, level: number): string {
  const l = doc.levels?.[level];
  if (l === undefined) return `level ${level}`;
  if (l.mode === "serve" && l.requestRate !== undefined) {
    return `rate=${l.requestRate === "inf" ? "inf" : `${l.requestRate}/s`}`;
  }
  return typeof l.concurrency === "number" ? `c=${l.concurrency}` : `level ${level}`;
}

/** The monotone phase boundaries of a record (ms): scheduled ≤ sent ≤ first token ≤ end. */
function bounds(r: TimelineRecord): { s: number; sent: number; ft: number | null; end: number } {
  const s = r.scheduledMs;
  const sent = Math.max(r.sentMs, s);
  const ft = r.firstTokenMs === null ? null : Math.max(r.firstTokenMs, sent);
  const end = Math.max(r.endMs ?? ft ?? sent, ft ?? sent);
  return { s, sent, ft, end };
}

/** ms → µs, kept to the ns. */
const us = (ms: number) => Math.round(ms * 1e6) / 1e3;

interface TraceEvent {
  name: string;
  ph: string;
  ts?: number;
  pid: number;
  tid?: number;
  cat?: string;
  id?: number;
  s?: string;
  cname?: string;
  args?: Record<string, unknown>;
}

function perfetto(doc: TimelineDocument, header: TimelineHeader, recs: TimelineRecord[]): string {
  const originNs = epochNs(header.clock.originEpochMs);
  const model = typeof doc.backend?.model === "string" ? doc.backend.model : undefined;
  const kind = typeof doc.backend?.kind === "string" ? doc.backend.kind : undefined;
  const meta: TraceEvent[] = [
    {
      name: "process_name",
      ph: "M",
      pid: REQUESTS_PID,
      args: { name: `splleed requests${model !== undefined ? ` (${model})` : ""}` },
    },
    { name: "process_sort_index", ph: "M", pid: REQUESTS_PID, args: { sort_index: 0 } },
    { name: "thread_name", ph: "M", pid: REQUESTS_PID, tid: 0, args: { name: "clock" } },
  ];
  const events: TraceEvent[] = [{
    name: "splleed clock origin",
    ph: "i",
    s: "g",
    ts: 0,
    pid: REQUESTS_PID,
    tid: 0,
    args: { origin_epoch_ns: originNs.toString(), origin_epoch_ms: header.clock.originEpochMs },
  }];
  for (const r of recs) {
    const { s, sent, ft, end } = bounds(r);
    const label = levelLabel(doc, r.level);
    const warm = r.phase === "warmup";
    const failed = !r.ok;
    const name = `${label} ${warm ? "warmup request" : "request"}${
      failed ? ` failed (${r.error?.reason ?? "unknown"})` : ""
    }`;
    const common = { cat: "request", id: r.id, pid: REQUESTS_PID, tid: 1 };
    const args: Record<string, unknown> = {
      id: r.id,
      level: r.level,
      trial: r.trial,
      phase: r.phase,
      ok: r.ok,
      ...(r.status !== undefined ? { status: r.status } : {}),
      ...(r.outputTokens !== undefined ? { output_tokens: r.outputTokens } : {}),
      ...(r.promptTokens !== undefined ? { prompt_tokens: r.promptTokens } : {}),
      ...(r.error !== null ? { error: r.error.reason, error_message: r.error.message } : {}),
      scheduled_ms: r.scheduledMs,
      sent_ms: r.sentMs,
      first_token_ms: r.firstTokenMs,
      end_ms: r.endMs,
    };
    events.push({
      ...common,
      name,
      ph: "b",
      ts: us(s),
      args,
      ...(failed ? { cname: "terrible" } : {}),
    });
    const phase = (n: string, from: number, to: number) => {
      events.push({ ...common, name: n, ph: "b", ts: us(from) });
      events.push({ ...common, name: n, ph: "e", ts: us(to) });
    };
    if (sent > s) phase("queued", s, sent);
    if (ft === null) phase("waiting for first token", sent, end);
    else {
      phase("waiting for first token", sent, ft);
      phase("decoding", ft, end);
    }
    events.push({ ...common, name, ph: "e", ts: us(end) });
  }
  const shift = telemetryShiftMs(doc, header);
  let nextPid = 10;
  for (const [k, src] of telemetryKinds(doc)) {
    const pid = KIND_PID[k] ?? nextPid++;
    meta.push(
      { name: "process_name", ph: "M", pid, args: { name: KIND_NAME[k] ?? `${k} telemetry` } },
      { name: "process_sort_index", ph: "M", pid, args: { sort_index: pid } },
    );
    for (const series of src.series) {
      const track = series.source !== undefined && series.source !== ""
        ? `${series.name} (${series.source})`
        : series.name;
      const key = series.unit !== "" ? series.unit : "value";
      const n = Math.min(series.tMs.length, series.values.length);
      for (let i = 0; i < n; i++) {
        const v = series.values[i];
        if (v === null || !Number.isFinite(v)) continue;
        events.push({
          name: track,
          ph: "C",
          ts: us(series.tMs[i] + shift),
          pid,
          tid: 0,
          cat: k,
          args: { [key]: v },
        });
      }
    }
  }
  // Stable: a request's events keep their order where times tie (a phase ends where the next begins).
  events.sort((a, b) => a.ts! - b.ts!);
  const otherData = {
    tool: "splleed",
    clock: "ts is µs since splleed's monotonic origin; origin_epoch_ns is that instant's " +
      "wall-clock time (ns since the Unix epoch)",
    origin_epoch_ns: originNs.toString(),
    origin_epoch_ms: header.clock.originEpochMs,
    origin_monotonic_ms: header.clock.originMs,
    ...(kind !== undefined ? { backend: kind } : {}),
    ...(model !== undefined ? { model } : {}),
    requests: recs.length,
  };
  const lines = [...meta, ...events].map((e) => JSON.stringify(e));
  return `{"displayTimeUnit":"ms","otherData":${JSON.stringify(otherData)},"traceEvents":[\n` +
    lines.join(",\n") + "\n]}\n";
}

/** A marker for an exact integer (a BigInt) in a value handed to JSON.stringify. */
const BIG = "\u0000splleed-int:";
const big = (n: bigint) => `${BIG}${n}`;
const BIG_RE = /"\\u0000splleed-int:(-?\d+)"/g;
/** JSON with the BigInt markers written as bare integers. */
const stringify = (v: unknown) => JSON.stringify(v).replace(BIG_RE, "$1");

function simple(doc: TimelineDocument, header: TimelineHeader, recs: TimelineRecord[]): string {
  const originNs = epochNs(header.clock.originEpochMs);
  const ns = (ms: number | null) => (ms === null ? null : big(atNs(originNs, ms)));
  const clock = {
    origin_epoch_ns: big(originNs),
    origin_epoch_ms: header.clock.originEpochMs,
    origin_monotonic_ms: header.clock.originMs,
    unit: "ns since the Unix epoch",
    note: "origin_epoch_ns is the wall-clock time of splleed's monotonic zero; " +
      "every *_ns is origin_epoch_ns + the record's time (ms from the origin) × 1e6",
  };
  const requests = recs.map((r) => ({
    id: r.id,
    level: r.level,
    level_label: levelLabel(doc, r.level),
    trial: r.trial,
    phase: r.phase,
    scheduled_ns: ns(r.scheduledMs),
    start_ns: ns(r.sentMs),
    first_token_ns: ns(r.firstTokenMs),
    end_ns: ns(r.endMs),
    ok: r.ok,
    error: r.error === null ? null : { reason: r.error.reason, message: r.error.message },
    ...(r.status !== undefined ? { status: r.status } : {}),
    ...(r.outputTokens !== undefined ? { output_tokens: r.outputTokens } : {}),
  }));
  const shift = telemetryShiftMs(doc, header);
  const telemetry = telemetryKinds(doc).flatMap(([kind, src]) =>
    src.series.map((s) => ({
      kind,
      name: s.name,
      unit: s.unit,
      ...(s.source !== undefined ? { source: s.source } : {}),
      t_ns: s.tMs.map((t) => ns(t + shift)),
      values: s.values,
    }))
  );
  const model = doc.backend?.model;
  const parts = [
    `"clock":${stringify(clock)}`,
    ...(typeof model === "string" ? [`"model":${JSON.stringify(model)}`] : []),
    `"requests":[${recs.length === 0 ? "" : "\n"}${requests.map(stringify).join(",\n")}]`,
    `"telemetry":[${telemetry.length === 0 ? "" : "\n"}${telemetry.map(stringify).join(",\n")}]`,
  ];
  return `{${parts.join(",\n")}}\n`;
}
