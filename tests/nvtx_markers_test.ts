/**
 * NVTX markers through the real FFI path: the stand-in library
 * `tests/stubs/nvtx_stub.c` (compiled with the system C compiler) records
 * every call in a file, and a benchmark of the simulator with a
 * `MarkersObserver` is checked against its records.
 */

import assert from "node:assert/strict";
import { benchmark } from "../lib/runner/benchmark.ts";
import type { RunObserver } from "../lib/runner/observer.ts";
import type { RequestRecord } from "../lib/record/record.ts";
import { MarkersObserver } from "../lib/trace/observer.ts";
import { loadNvtx, NVTX_LIBRARY_ENV } from "../lib/trace/nvtx.ts";
import { compileCStub } from "./c_stub.ts";

const stub = await compileCStub(new URL("./stubs/nvtx_stub.c", import.meta.url));
const ignore = stub.path === null;
if (stub.path === null) console.warn(`skipping the NVTX FFI tests: ${stub.reason}`);

/** Runs `f` with NVTX_STUB_LOG set to a fresh file; returns its lines. */
async function withLog(f: () => Promise<void> | void): Promise<string[]> {
  const log = await Deno.makeTempFile({ suffix: ".log" });
  Deno.env.set("NVTX_STUB_LOG", log);
  try {
    await f();
  } finally {
    Deno.env.delete("NVTX_STUB_LOG");
  }
  const text = await Deno.readTextFile(log);
  await Deno.remove(log);
  return text.split("\n").filter((l) => l !== "");
}

Deno.test({
  name: "NVTX: one range per request, started before the send and ended with the same id",
  ignore,
  async fn() {
    const markers = new MarkersObserver({ library: stub.path! });
    const records: RequestRecord[] = [];
    const collect: RunObserver = { onRecord: (r) => void records.push(r) };
    let telemetry: unknown;
    const lines = await withLog(async () => {
      const results = await benchmark({
        backend: { type: "simulator", ttftMs: 5, itlMs: 2 },
        prompts: ["a", "b", "c"],
        concurrency: [4],
        warmup: 2,
        runs: 12,
        trials: 2,
        records: false,
        sampling: { maxTokens: 4 },
        // The run's own observer list: the markers as the lead's wiring will add them.
        observers: [markers, collect],
      });
      telemetry = results.toJSON().telemetry?.markers;
    });
    assert.equal(lines.filter((l) => l.startsWith("bad")).length, 0, lines.join("\n"));
    assert.equal(lines[0], "domain splleed");
    assert.equal(lines.at(-1), "destroy splleed");

    // Every request: exactly one start whose message and payload carry its id, level, trial.
    const starts = lines.filter((l) => l.startsWith("start "));
    const ends = lines.filter((l) => l.startsWith("end "));
    assert.equal(records.length, 2 + 2 * 12);
    assert.equal(starts.length, records.length);
    assert.equal(ends.length, records.length);
    const rangeOf = new Map<number, string>(); // request id -> range id
    for (const s of starts) {
      const [, range, category, color, payload, ...msg] = s.split(" ");
      const id = Number(payload);
      assert.ok(!rangeOf.has(id), `request ${id} started twice`);
      rangeOf.set(id, range);
      const rec = records.find((r) => r.id === id)!;
      assert.ok(rec !== undefined, `a range for request ${id}, which has no record`);
      const message = msg.join(" ");
      if (rec.phase === "warmup") {
        assert.equal(message, `request ${id} level ${rec.level} warmup`);
        assert.equal(category, "2");
        assert.equal(color, "ff8c8c8c");
      } else {
        assert.equal(message, `request ${id} level ${rec.level} trial ${rec.trial}`);
        assert.equal(category, "1");
        assert.equal(color, "ff76b900");
      }
    }
    // Each end closes a range that was started, once, after its start; requests overlap
    // (concurrency 4), so some range is still open when another one starts.
    const open = new Set<string>();
    let overlapped = false;
    const ended = new Set<string>();
    for (const l of lines) {
      const [kind, range] = l.split(" ");
      if (kind === "start") {
        if (open.size > 0) overlapped = true;
        open.add(range);
      } else if (kind === "end") {
        assert.ok(open.delete(range), `end of range ${range} that is not open`);
        assert.ok(!ended.has(range));
        ended.add(range);
      }
    }
    assert.equal(open.size, 0);
    assert.ok(overlapped, "requests at concurrency 4 overlap");
    assert.deepEqual(new Set(rangeOf.values()), ended);

    // Clock marks: at the start and the end, each carrying the anchor as payload.
    const clock = lines.filter((l) => l.startsWith("mark 3 "));
    assert.ok(clock.length >= 2, clock.join("\n"));
    assert.match(
      clock[0],
      /^mark 3 ff1f77b4 (\d+) splleed clock start t=\d+\.\d{3}s origin_epoch_ns=\1$/,
    );
    assert.match(clock.at(-1)!, / splleed clock end /);

    const t = telemetry as { available: boolean; info: Record<string, unknown> };
    assert.equal(t.available, true);
    assert.equal(t.info.library, stub.path);
    assert.equal(t.info.domain, "splleed");
    assert.equal(t.info.ranges, records.length);
    assert.equal(String(clock[0].split(" ")[3]), t.info.originEpochNs);
  },
});

Deno.test({
  name: "NVTX: a mark per second carries the clock anchor; failures are marked; open ranges end",
  ignore,
  async fn() {
    const originEpochMs = 1767225600000.5;
    const markers = new MarkersObserver({ library: stub.path! });
    const results: {
      telemetry?: {
        markers?: { available: boolean; info?: Record<string, unknown>; series: unknown[] };
      };
    } = {};
    const started = performance.now();
    const lines = await withLog(async () => {
      markers.onRunStart({ clock: { originMs: started, originEpochMs } });
      markers.onRequestStart({ id: 1, phase: "measure", level: 0, trial: 0 });
      markers.onRequestStart({ id: 2, phase: "measure", level: 0, trial: 0 });
      markers.onRecord({
        id: 1,
        phase: "measure",
        level: 0,
        trial: 0,
        ok: false,
        error: { reason: "http_500" },
      });
      // Timers fire while the event loop waits: 2.3 s gives two ticks (1 s apart).
      await new Promise((r) => setTimeout(r, 2300));
      markers.onRunEnd({ results }); // request 2 never ended: its range is closed here
    });
    const anchor = "1767225600000500000";
    const clock = lines.filter((l) => l.startsWith("mark 3 "));
    assert.deepEqual(
      clock.map((l) => l.replace(/t=\d+\.\d+s/, "t=*")),
      ["start", "tick", "tick", "end"].map((w) =>
        `mark 3 ff1f77b4 ${anchor} splleed clock ${w} t=* origin_epoch_ns=${anchor}`
      ),
    );
    // The ticks are a second apart on splleed's clock (timer slack on a busy machine: ±400 ms).
    const ts = clock.map((l) => Number(/t=(\d+\.\d+)s/.exec(l)![1]));
    assert.ok(ts[0] < 0.4, `start at ${ts[0]} s`);
    assert.ok(Math.abs(ts[1] - 1) < 0.4 && Math.abs(ts[2] - 2) < 0.4, `ticks at ${ts}`);
    assert.ok(lines.includes("mark 4 ffd62728 1 request 1 failed: http_500"), lines.join("\n"));
    assert.equal(lines.filter((l) => l.startsWith("end ")).length, 2);
    const m = results.telemetry!.markers!;
    assert.equal(m.available, true);
    assert.equal(m.info!.unended, 1);
    assert.equal(m.info!.originEpochNs, anchor);
  },
});

Deno.test({
  name: "NVTX: found through SPLLEED_NVTX_LIBRARY; a library without the symbols is reported",
  ignore,
  fn() {
    Deno.env.set(NVTX_LIBRARY_ENV, stub.path!);
    try {
      const d = loadNvtx({ library: "/no/such/libnvToolsExt.so.1" });
      assert.equal(d.library, stub.path);
      d.close();
    } finally {
      Deno.env.delete(NVTX_LIBRARY_ENV);
    }
    // A library that loads but is not NVTX (libc has none of the symbols).
    const markers = new MarkersObserver({ library: "libc.so.6" });
    const results: {
      telemetry?: { markers?: { available: boolean; note?: string; series: unknown[] } };
    } = {};
    markers.onRunStart({ clock: { originMs: 0, originEpochMs: 0 } });
    markers.onRunEnd({ results });
    const m = results.telemetry!.markers!;
    assert.equal(m.available, false);
    assert.match(m.note!, /^NVTX markers were not emitted: Cannot load the NVTX library: /);
    assert.match(m.note!, /libc\.so\.6 \([^)]*nvtxDomain/);
  },
});

Deno.test("NVTX: without a library the run goes on, and the results say why", async () => {
  const results = await benchmark({
    backend: { type: "simulator", ttftMs: 1, itlMs: 1 },
    prompts: ["a"],
    concurrency: [2],
    warmup: 0,
    runs: 4,
    trials: 1,
    records: false,
    sampling: { maxTokens: 2 },
    observers: [new MarkersObserver({ library: "/no/such/dir/libnvToolsExt.so.1" })],
  });
  assert.equal(results.interrupted, false);
  assert.equal(results.levels[0].trials.length, 1);
  const m = results.toJSON().telemetry?.markers;
  assert.ok(m !== undefined);
  // A machine with CUDA's libnvToolsExt on its library path loads it by its standard name.
  if (!m.available) {
    assert.match(
      m.note!,
      /^NVTX markers were not emitted: Cannot load the NVTX library: expected libnvToolsExt .*got nothing loadable from \/no\/such\/dir\/libnvToolsExt\.so\.1 \(.+\); libnvToolsExt\.so\.1 \(.+\); libnvToolsExt\.so \(.+\).*Set SPLLEED_NVTX_LIBRARY \(or emitMarkers\.library\)/,
    );
    assert.deepEqual(m.series, []);
  }
});
