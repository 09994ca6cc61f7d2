import assert from "node:assert/strict";
import { join } from "node:path";
import {
  FLUSH_AFTER_MS,
  nullSink,
  openJsonlSink,
  recordLine,
  roundUs,
  type RunLine,
} from "./jsonl_sink.ts";
import { failRecord, newRecord, type RequestRecord } from "./record.ts";

function header(originMs: number): RunLine {
  return {
    kind: "run",
    schemaVersion: 1,
    startedAt: "2025-01-01T00:00:00.000Z",
    clock: { originMs, originEpochMs: 1735689600000 },
    backend: "simulator",
  };
}

function completed(id: number, originMs: number): RequestRecord {
  const r = newRecord(id, "measure", 1, 2, 3, originMs + 10.0004);
  Object.assign(r, {
    sentMs: originMs + 10.1234567,
    headersMs: originMs + 12.0006,
    firstTokenMs: originMs + 15.25,
    endMs: originMs + 20.9999996,
    chunkMs: [originMs + 15.25, originMs + 17.0001234, originMs + 20.9999996],
    outputTokens: 3,
    outputTokensSource: "usage",
    promptTokens: 7,
    status: 200,
    ok: true,
  });
  return r;
}

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "splleed_sink_test_" });
}

Deno.test("roundUs() rounds milliseconds to microseconds", () => {
  assert.equal(roundUs(1.23456), 1.235);
  assert.equal(roundUs(1.2344), 1.234);
  assert.equal(roundUs(7), 7);
});

Deno.test("recordLine() writes one JSON line with times relative to the origin, in µs", () => {
  const origin = 123456.789;
  const line = recordLine(completed(4, origin), origin);
  assert.ok(line.endsWith("\n"));
  assert.equal(line.indexOf("\n"), line.length - 1, "exactly one line");
  const o = JSON.parse(line);
  assert.equal(o.kind, "request");
  assert.equal(o.id, 4);
  assert.equal(o.phase, "measure");
  assert.equal(o.level, 1);
  assert.equal(o.trial, 2);
  assert.equal(o.promptIndex, 3);
  // 10.0004 -> 10, 10.1234567 -> 10.123, 12.0006 -> 12.001, 20.9999996 -> 21.
  assert.equal(o.scheduledMs, 10);
  assert.equal(o.sentMs, 10.123);
  assert.equal(o.headersMs, 12.001);
  assert.equal(o.firstTokenMs, 15.25);
  assert.equal(o.endMs, 21);
  assert.deepEqual(o.chunkMs, [15.25, 17, 21]);
  assert.equal(o.outputTokens, 3);
  assert.equal(o.outputTokensSource, "usage");
  assert.equal(o.promptTokens, 7);
  assert.equal(o.status, 200);
  assert.equal(o.ok, true);
  assert.equal(o.error, null);
});

Deno.test("recordLine() keeps nulls and the failure of a failed record", () => {
  const r = newRecord(0, "warmup", 0, -1, 0, 50);
  r.error = { reason: "http_500", message: "Internal Server Error" };
  const o = JSON.parse(recordLine(r, 50));
  assert.equal(o.phase, "warmup");
  assert.equal(o.trial, -1);
  assert.equal(o.scheduledMs, 0);
  assert.equal(o.headersMs, null);
  assert.equal(o.firstTokenMs, null);
  assert.equal(o.endMs, null);
  assert.deepEqual(o.chunkMs, []);
  assert.equal(o.ok, false);
  assert.deepEqual(o.error, { reason: "http_500", message: "Internal Server Error" });
});

Deno.test("openJsonlSink() has every line on disk within FLUSH_AFTER_MS, before close; parent dirs created", async () => {
  const dir = await tempDir();
  try {
    const path = join(dir, "a", "b", "records.jsonl");
    const origin = 5000;
    const sink = openJsonlSink(path, header(origin));
    assert.equal(sink.path, path);
    assert.equal(sink.written, 0);

    // The run line is there before any record.
    const first = (await Deno.readTextFile(path)).split("\n");
    assert.deepEqual(first.slice(1), [""]);
    assert.deepEqual(JSON.parse(first[0]), header(origin));

    for (let i = 0; i < 3; i++) sink.write(completed(i, origin));
    assert.equal(sink.written, 3);

    // Read back without closing, once the flush interval has passed: a
    // process that crashes now loses nothing.
    await new Promise((r) => setTimeout(r, FLUSH_AFTER_MS * 3));
    const text = await Deno.readTextFile(path);
    assert.ok(text.endsWith("\n"));
    const lines = text.slice(0, -1).split("\n");
    assert.equal(lines.length, 4);
    const parsed = lines.map((l) => JSON.parse(l));
    assert.equal(parsed[0].kind, "run");
    assert.deepEqual(parsed.slice(1).map((o) => o.id), [0, 1, 2]);
    for (const o of parsed.slice(1)) {
      assert.equal(o.kind, "request");
      assert.equal(o.sentMs, 10.123); // relative to the header's origin
      assert.deepEqual(o.chunkMs, [15.25, 17, 21]);
    }
    sink.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openJsonlSink() truncates an existing file and ignores writes after close", async () => {
  const dir = await tempDir();
  try {
    const path = join(dir, "records.jsonl");
    await Deno.writeTextFile(path, "old line 1\nold line 2\nold line 3\n");
    const sink = openJsonlSink(path, header(0));
    sink.write(completed(0, 0));
    sink.close();
    sink.write(completed(1, 0));
    sink.close(); // a second close is harmless
    assert.equal(sink.written, 1);
    const lines = (await Deno.readTextFile(path)).trim().split("\n");
    assert.equal(lines.length, 2);
    assert.equal(JSON.parse(lines[0]).kind, "run");
    assert.equal(JSON.parse(lines[1]).id, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("nullSink() keeps nothing but counts writes", () => {
  const sink = nullSink();
  assert.equal(sink.path, null);
  assert.equal(sink.written, 0);
  sink.write(completed(0, 0));
  sink.write(completed(1, 0));
  assert.equal(sink.written, 2);
  sink.close();
});

Deno.test("openJsonlSink(): close() writes lines still waiting in the buffer", async () => {
  const dir = await tempDir();
  try {
    const path = join(dir, "r.jsonl");
    const sink = openJsonlSink(path, header(0));
    sink.write(completed(0, 0));
    sink.close(); // at once, well inside the flush interval
    const lines = (await Deno.readTextFile(path)).trim().split("\n");
    assert.equal(lines.length, 2);
    assert.equal(JSON.parse(lines[1]).id, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openJsonlSink(): the run line and failure messages are written redacted", async () => {
  const dir = await tempDir();
  try {
    const path = join(dir, "r.jsonl");
    const sink = openJsonlSink(path, {
      ...header(0),
      backend: { kind: "sglang", serverInfo: { api_key: "hdr-Tq5Rw8Yp3" } },
      endpoint: "http://user:pw-Tq5Rw8Yp3@h:8000",
    });
    const rec = newRecord(0, "measure", 0, 0, 0, 1);
    failRecord(rec, "http_401", '{"headers":{"authorization":"Bearer tok-Tq5Rw8Yp3"}}', 2);
    sink.write(rec);
    sink.close();
    const text = await Deno.readTextFile(path);
    assert.doesNotMatch(text, /Tq5Rw8Yp3/);
    const [run, request] = text.trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(run.backend.serverInfo, { api_key: "[redacted]" });
    assert.equal(run.endpoint, "http://[redacted]@h:8000");
    assert.equal(run.clock.originMs, 0);
    assert.deepEqual(request.error, {
      reason: "http_401",
      message: '{"headers":{"authorization":"[redacted]"}}',
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
