/**
 * The timeline export end to end: a benchmark of the simulator (with seeded
 * failures, and telemetry series put in the results as the GPU and engine
 * samplers do) saved with its records, then exported by
 * `BenchmarkResults.exportTimeline` and by `splleed timeline`; the output is
 * checked against the records file read back.
 */

import { memoryIO } from "../lib/cli/memory_io.ts";
import assert from "node:assert/strict";
import { benchmark } from "../lib/runner/benchmark.ts";
import type { RunObserver, RunStartEvent } from "../lib/runner/observer.ts";
import { BenchmarkResults } from "../lib/runner/results.ts";
import { readRecords, readRecordsHeader, type RequestRecord } from "../lib/results/records.ts";
import type { ResultsDocument } from "../lib/results/document.ts";
import { exportTimeline } from "../lib/trace/timeline.ts";
import { MarkersObserver } from "../lib/trace/observer.ts";
import { main } from "../lib/cli/main.ts";

interface TraceEvent {
  name: string;
  ph: string;
  ts?: number;
  pid: number;
  tid?: number;
  cat?: string;
  id?: number;
  cname?: string;
  args?: Record<string, unknown>;
}

/** Telemetry as the samplers write it: series on the run's clock (ms from its origin). */
class FakeTelemetry implements RunObserver {
  readonly name = "fake telemetry";
  #origin = 0;
  #t: number[] = [];
  #timer: ReturnType<typeof setInterval> | undefined;
  onRunStart(e: RunStartEvent) {
    this.#origin = e.clock.originMs;
    this.#timer = setInterval(() => this.#t.push(performance.now() - this.#origin), 10);
  }
  onRunEnd(e: { results: ResultsDocument }) {
    clearInterval(this.#timer);
    const t = this.#t;
    e.results.telemetry = {
      gpu: {
        available: true,
        intervalMs: 10,
        series: [
          // A failed sample (null) is left out of the counter track.
          {
            name: "gpu_util_pct",
            unit: "%",
            source: "GPU 0",
            tMs: t,
            values: t.map((_, i) => (i === 1 ? null : i % 101)),
          },
          {
            name: "gpu_power_w",
            unit: "W",
            source: "GPU 0",
            tMs: t,
            values: t.map((_, i) => 100 + i),
          },
        ],
      },
      engine: {
        available: true,
        series: [{
          name: "engine_waiting",
          unit: "requests",
          tMs: t,
          values: t.map((_, i) => i % 3),
        }],
      },
      markers: { available: false, note: "no library", series: [] },
    };
  }
}

const dir = await Deno.makeTempDir({ prefix: "splleed_timeline_" });
const resultsPath = `${dir}/results.json`;
const results = await benchmark({
  backend: { type: "simulator", ttftMs: 8, itlMs: 2, faults: { http500: 0.3, seed: 7 } },
  prompts: ["a", "b", "c"],
  concurrency: [1, 4],
  warmup: 1,
  runs: 10,
  trials: 2,
  sampling: { maxTokens: 4 },
  out: resultsPath,
  observers: [new FakeTelemetry()],
});
const recordsPath = results.recordsFile!;
const header = await readRecordsHeader(recordsPath);
const records: RequestRecord[] = [];
for await (const r of readRecords(recordsPath)) records.push(r);

/** Epoch ns of an epoch in ms, computed apart from the code under test. */
function epochNsOf(ms: number): bigint {
  const whole = Math.floor(ms);
  return BigInt(whole) * 1000000n + BigInt(Math.round((ms - whole) * 1e6));
}
const originNs = epochNsOf(header.clock.originEpochMs);

/** Matches b/e pairs per async track (pid, cat, id), as a trace viewer nests them. */
function checkAsync(events: TraceEvent[]): Map<number, TraceEvent[]> {
  const stacks = new Map<string, TraceEvent[]>();
  const tops = new Map<number, TraceEvent[]>(); // request id -> [b, ..., e] of its outer span
  const lastTs = new Map<string, number>();
  for (const e of events) {
    if (e.ph !== "b" && e.ph !== "e") continue;
    const key = `${e.pid}/${e.cat}/${e.id}`;
    assert.ok(typeof e.id === "number" && typeof e.cat === "string", JSON.stringify(e));
    assert.ok((lastTs.get(key) ?? -Infinity) <= e.ts!, `ts goes back on track ${key}`);
    lastTs.set(key, e.ts!);
    const stack = stacks.get(key) ?? [];
    stacks.set(key, stack);
    if (e.ph === "b") {
      if (stack.length === 0) {
        assert.ok(!tops.has(e.id!), `request ${e.id} has two spans`);
        tops.set(e.id!, [e]);
      }
      stack.push(e);
    } else {
      const open = stack.pop();
      assert.ok(open !== undefined, `"e" without "b": ${JSON.stringify(e)}`);
      assert.equal(e.name, open.name, `"e" ${e.name} closes "b" ${open.name}`);
      assert.ok(e.ts! >= open.ts!);
      if (stack.length === 0) tops.get(e.id!)!.push(e);
    }
  }
  for (const [key, stack] of stacks) assert.equal(stack.length, 0, `unclosed "b" on ${key}`);
  return tops;
}

const near = (a: number, b: number, what: string) =>
  assert.ok(Math.abs(a - b) < 1e-3, `${what}: ${a} vs ${b}`);

Deno.test("timeline: the records and the telemetry line up as a valid Perfetto trace", async () => {
  assert.ok(records.some((r) => !r.ok), "seeded faults fail some requests");
  assert.ok(records.some((r) => r.ok));
  const out = `${dir}/trace.json`;
  await results.exportTimeline(out);
  const trace = JSON.parse(await Deno.readTextFile(out));
  assert.equal(trace.otherData.origin_epoch_ns, originNs.toString());
  assert.equal(trace.otherData.origin_epoch_ms, header.clock.originEpochMs);
  const events = trace.traceEvents as TraceEvent[];
  for (const e of events) {
    assert.equal(typeof e.name, "string");
    assert.equal(typeof e.pid, "number");
    if (e.ph !== "M") assert.equal(typeof e.ts, "number", JSON.stringify(e));
  }
  // Events in time order (a trace viewer needs each track's ts ascending).
  const timed = events.filter((e) => e.ph !== "M");
  for (let i = 1; i < timed.length; i++) assert.ok(timed[i - 1].ts! <= timed[i].ts!);

  // One span per request with its phases at the records' times (µs from the origin).
  const tops = checkAsync(events);
  assert.equal(tops.size, records.length);
  for (const r of records) {
    const [b, e] = tops.get(r.id)!;
    near(b.ts!, r.scheduledMs * 1000, `request ${r.id} start`);
    near(e.ts!, r.endMs! * 1000, `request ${r.id} end`);
    assert.equal(b.args!.level, r.level);
    assert.equal(b.args!.trial, r.trial);
    assert.equal(b.args!.ok, r.ok);
    const phases = events.filter((x) => x.id === r.id && x.ph === "b" && x !== b);
    const at = (n: string) => phases.find((p) => p.name === n);
    near(at("waiting for first token")!.ts!, r.sentMs * 1000, `request ${r.id} sent`);
    if (r.firstTokenMs !== null) {
      near(at("decoding")!.ts!, r.firstTokenMs * 1000, `request ${r.id} first token`);
    } else assert.equal(at("decoding"), undefined);
    if (r.ok) {
      assert.match(b.name, /^c=[14] (warmup )?request$/);
      assert.equal(b.cname, undefined);
    } else {
      assert.match(
        b.name,
        new RegExp(`^c=[14] (warmup )?request failed \\(${r.error!.reason}\\)$`),
      );
      assert.equal(b.cname, "terrible");
      assert.equal(b.args!.error, r.error!.reason);
    }
  }

  // Counter tracks: every non-null sample, on the same clock, in their own processes.
  const doc = results.toJSON();
  const shiftMs = doc.clock!.originMs - header.clock.originMs;
  const util = doc.telemetry!.gpu!.series[0];
  const counters = events.filter((e) => e.ph === "C" && e.name === "gpu_util_pct (GPU 0)");
  assert.ok(util.tMs.length > 5, `${util.tMs.length} samples`);
  assert.equal(counters.length, util.values.filter((v) => v !== null).length);
  const kept = util.tMs.flatMap((t, i) => (util.values[i] === null ? [] : [[t, util.values[i]]]));
  for (const [i, c] of counters.entries()) {
    near(c.ts!, (kept[i][0]! + shiftMs) * 1000, "sample time");
    assert.deepEqual(c.args, { "%": kept[i][1] });
  }
  const waiting = events.filter((e) => e.ph === "C" && e.name === "engine_waiting");
  assert.equal(waiting.length, doc.telemetry!.engine!.series[0].tMs.length);
  assert.ok(waiting.every((e) => e.pid === 3) && counters.every((e) => e.pid === 2));
  const procs = events.filter((e) => e.ph === "M" && e.name === "process_name");
  assert.deepEqual(procs.map((p) => [p.pid, p.args!.name]), [
    [1, "splleed requests (splleed-sim)"],
    [2, "GPU telemetry (NVML)"],
    [3, "engine metrics (Prometheus)"],
  ]);
});

/** JSON.parse keeping the exact integers of the `*_ns` fields as BigInts. */
function parseExact(text: string): unknown {
  return JSON.parse(
    text,
    ((key: string, value: unknown, context?: { source?: string }) =>
      typeof value === "number" && (key.endsWith("_ns") || /^\d+$/.test(key)) &&
        context?.source !== undefined && /^-?\d+$/.test(context.source) &&
        Math.abs(value) > Number.MAX_SAFE_INTEGER
        ? BigInt(context.source)
        : value) as (this: unknown, key: string, value: unknown) => unknown,
  );
}

Deno.test("timeline: simple format's times are the origin's epoch ns plus the records' times", async () => {
  const out = `${dir}/simple.json`;
  await results.exportTimeline(out, { format: "simple" });
  const text = await Deno.readTextFile(out);
  const t = parseExact(text) as {
    clock: { origin_epoch_ns: bigint; origin_epoch_ms: number };
    requests: {
      id: number;
      level: number;
      trial: number;
      phase: string;
      scheduled_ns: bigint;
      start_ns: bigint;
      first_token_ns: bigint | null;
      end_ns: bigint;
      ok: boolean;
      error: { reason: string } | null;
    }[];
    telemetry: { kind: string; name: string; t_ns: bigint[] }[];
  };
  assert.equal(t.clock.origin_epoch_ns, originNs);
  // The anchor is wall-clock time: the run began within the last ten minutes.
  const ageS = Number(BigInt(Date.now()) * 1000000n - t.clock.origin_epoch_ns) / 1e9;
  assert.ok(ageS > 0 && ageS < 600, `origin ${ageS} s ago`);
  assert.equal(t.requests.length, records.length);
  const ns = (ms: number) => originNs + BigInt(Math.round(ms * 1e6));
  for (const r of records) {
    const q = t.requests.find((x) => x.id === r.id)!;
    assert.deepEqual(
      [q.level, q.trial, q.phase, q.ok, q.error?.reason ?? null],
      [r.level, r.trial, r.phase, r.ok, r.error?.reason ?? null],
    );
    assert.equal(q.scheduled_ns, ns(r.scheduledMs));
    assert.equal(q.start_ns, ns(r.sentMs));
    assert.equal(q.first_token_ns, r.firstTokenMs === null ? null : ns(r.firstTokenMs));
    assert.equal(q.end_ns, ns(r.endMs!));
  }
  assert.deepEqual(t.telemetry.map((s) => `${s.kind}:${s.name}`), [
    "gpu:gpu_util_pct",
    "gpu:gpu_power_w",
    "engine:engine_waiting",
  ]);
  const doc = results.toJSON();
  const docOriginNs = epochNsOf(doc.clock!.originEpochMs) +
    BigInt(Math.round((doc.clock!.originMs - header.clock.originMs) * 1e6));
  // Telemetry sample i at the document's origin + tMs, placed on the records' origin.
  const s0 = doc.telemetry!.gpu!.series[0];
  const got = t.telemetry[0].t_ns[3] as bigint;
  const want = docOriginNs + BigInt(Math.round(s0.tMs[3] * 1e6));
  assert.ok(got - want <= 1n && want - got <= 1n, `${got} vs ${want}`);
});

Deno.test("timeline: phases stay ordered and closed for odd records; the shift between clocks applies", () => {
  const clock = { originMs: 1000, originEpochMs: 1767225600000 };
  const rec = (over: Partial<RequestRecord>): RequestRecord => ({
    id: 0,
    phase: "measure",
    level: 0,
    trial: 0,
    promptIndex: 0,
    scheduledMs: 10,
    queueMs: 0,
    sentMs: 10,
    headersMs: null,
    firstTokenMs: null,
    endMs: null,
    chunkMs: [],
    outputTokens: null,
    outputTokensSource: null,
    promptTokens: null,
    status: null,
    ok: false,
    error: { reason: "timeout", message: "no response" },
    ...over,
  });
  const doc = {
    // The document's clock started 2 ms after the records': telemetry at 0 is at 2 ms.
    clock: { originMs: 1002, originEpochMs: 1767225600002 },
    telemetry: {
      gpu: { available: true, series: [{ name: "u", unit: "", tMs: [0], values: [1] }] },
    },
  };
  const trace = JSON.parse(exportTimeline(doc, { clock }, [
    rec({ id: 1 }), // no first token, no end (the run was cut)
    rec({ id: 2, sentMs: 9, firstTokenMs: 8, endMs: 7, ok: true, error: null }), // clock noise
  ]));
  const events = trace.traceEvents as TraceEvent[];
  const tops = checkAsync(events);
  assert.equal(tops.size, 2);
  assert.deepEqual(tops.get(1)!.map((e) => e.ts), [10000, 10000]);
  // Sent before scheduled, first token before sent, end before first token: clamped in order.
  assert.deepEqual(events.filter((e) => e.id === 2).map((e) => `${e.ph} ${e.name} ${e.ts}`), [
    "b level 0 request 10000",
    "b waiting for first token 10000",
    "e waiting for first token 10000",
    "b decoding 10000",
    "e decoding 10000",
    "e level 0 request 10000",
  ]);
  assert.deepEqual(events.filter((e) => e.ph === "C").map((e) => [e.ts, e.args]), [
    [2000, { value: 1 }],
  ]);
  assert.throws(
    () => exportTimeline(doc, { clock }, [], { format: "svg" as "simple" }),
    /^TypeError: Cannot export the timeline: 'format' must be one of "perfetto", "simple", got "svg"$/,
  );
});

Deno.test("splleed timeline: writes both formats; exit 2 for a missing or foreign file or no records", async () => {
  const io = memoryIO();
  assert.equal(await main(["timeline", resultsPath, "--out", `${dir}/cli.json`], io), 0, io.stderr);
  assert.match(io.stderr, /wrote .*cli\.json \(perfetto\)/);
  const trace = JSON.parse(await Deno.readTextFile(`${dir}/cli.json`));
  assert.equal(trace.otherData.requests, records.length);

  const simple = memoryIO();
  assert.equal(
    await main(
      ["timeline", resultsPath, "--out", `${dir}/cli_simple.json`, "--format", "simple"],
      simple,
    ),
    0,
  );
  assert.equal(
    (parseExact(await Deno.readTextFile(`${dir}/cli_simple.json`)) as { requests: unknown[] })
      .requests.length,
    records.length,
  );

  // The run's folder moved: the records file is found beside the results.
  const moved = `${dir}/moved`;
  await Deno.mkdir(moved);
  await Deno.copyFile(resultsPath, `${moved}/results.json`);
  await Deno.copyFile(recordsPath, `${moved}/results.records.jsonl`);
  const doc = JSON.parse(await Deno.readTextFile(resultsPath));
  await Deno.writeTextFile(
    `${moved}/results.json`,
    JSON.stringify({ ...doc, recordsFile: `${dir}/gone/results.records.jsonl` }),
  );
  const m = memoryIO();
  assert.equal(
    await main(["timeline", `${moved}/results.json`, "--out", `${moved}/t.json`], m),
    0,
    m.stderr,
  );

  const cases: [string[], RegExp][] = [
    [
      ["timeline", `${dir}/nope.json`, "--out", `${dir}/x.json`],
      /'RESULTS' must be a results file .*nope\.json", which does not exist/,
    ],
    [["timeline", recordsPath, "--out", `${dir}/x.json`], /error: /],
    [["timeline", resultsPath], /required option '--out <file>' not specified/],
    [["timeline", resultsPath, "--out", `${dir}/x.json`, "--format", "svg"], /'svg' is invalid/],
  ];
  // A run that kept no records.
  await Deno.writeTextFile(`${dir}/norecords.json`, JSON.stringify({ ...doc, recordsFile: null }));
  cases.push([
    ["timeline", `${dir}/norecords.json`, "--out", `${dir}/x.json`],
    /the run kept no records/,
  ]);
  // Records named but gone (and not beside the results either).
  await Deno.writeTextFile(
    `${dir}/gone.json`,
    JSON.stringify({ ...doc, recordsFile: `${dir}/gone/r.jsonl` }),
  );
  cases.push([
    ["timeline", `${dir}/gone.json`, "--out", `${dir}/x.json`],
    /gone\/r\.jsonl" and ".*\/r\.jsonl", which do not exist/,
  ]);
  // A records file that is not one.
  await Deno.writeTextFile(`${dir}/foreign.jsonl`, '{"hello": 1}\n');
  await Deno.writeTextFile(
    `${dir}/foreign.json`,
    JSON.stringify({ ...doc, recordsFile: `${dir}/foreign.jsonl` }),
  );
  cases.push([
    ["timeline", `${dir}/foreign.json`, "--out", `${dir}/x.json`],
    /expected a records file whose first line is a "run" header/,
  ]);
  for (const [args, re] of cases) {
    const io = memoryIO();
    assert.equal(await main(args, io), 2, args.join(" "));
    assert.match(io.stderr, re, args.join(" "));
  }
  await assert.rejects(Deno.stat(`${dir}/x.json`), "nothing written on bad input");
});

Deno.test("the trace observers are run observers", () => {
  // Type check: the lead adds them to a RunObserver list.
  const list: RunObserver[] = [new MarkersObserver()];
  assert.equal(list[0].name, "NVTX markers");
  assert.ok(BenchmarkResults.prototype.exportTimeline !== undefined);
});

globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(dir, { recursive: true });
  } catch {
    // already gone
  }
});
