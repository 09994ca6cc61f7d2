import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { openJsonlSink, type RunLine } from "../record/jsonl_sink.ts";
import { failRecord, newRecord, type RequestRecord } from "../record/record.ts";
import { VERSION } from "../version.ts";
import { ResultsFormatError } from "./errors.ts";
import { readRecords, readRecordsHeader } from "./records.ts";

const ORIGIN = 1000;

const header: RunLine = {
  kind: "run",
  schemaVersion: 1,
  startedAt: "2026-01-01T00:00:00.000Z",
  clock: { originMs: ORIGIN, originEpochMs: 1767225600000 },
  tool: { name: "splleed", version: "0.1.0" },
  backend: "simulator",
  levels: [{ mode: "latency", concurrency: 1 }],
};

/** Records as a run holds them (absolute times), and as they read back (relative). */
function sample(n: number): { written: RequestRecord[]; expected: RequestRecord[] } {
  const written: RequestRecord[] = [];
  for (let i = 0; i < n; i++) {
    const r = newRecord(i, i === 0 ? "warmup" : "measure", 0, i === 0 ? -1 : 0, i % 3, ORIGIN + i);
    r.sentMs = ORIGIN + i + 0.25;
    r.headersMs = ORIGIN + i + 1;
    if (i % 5 === 4) {
      r.status = 500;
      failRecord(r, "http_500", "Internal Server Error", ORIGIN + i + 1.5);
    } else {
      r.firstTokenMs = ORIGIN + i + 2;
      r.endMs = ORIGIN + i + 4;
      r.chunkMs = [ORIGIN + i + 2, ORIGIN + i + 3, ORIGIN + i + 4];
      r.outputTokens = 3;
      r.outputTokensSource = "usage";
      r.promptTokens = 7;
      r.status = 200;
      r.ok = true;
    }
    written.push(r);
  }
  const rel = (t: number | null) => (t === null ? null : t - ORIGIN);
  const expected = written.map((r) => ({
    ...r,
    scheduledMs: r.scheduledMs - ORIGIN,
    sentMs: r.sentMs - ORIGIN,
    headersMs: rel(r.headersMs),
    firstTokenMs: rel(r.firstTokenMs),
    endMs: rel(r.endMs),
    chunkMs: r.chunkMs.map((t) => t - ORIGIN),
  }));
  return { written, expected };
}

async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Writes records with the run's own sink. */
function writeRecords(path: string, recs: RequestRecord[]): void {
  const sink = openJsonlSink(path, header);
  for (const r of recs) sink.write(r);
  sink.close();
}

async function collect(
  path: string | URL,
  warnings: string[] = [],
): Promise<RequestRecord[]> {
  const out: RequestRecord[] = [];
  for await (const r of readRecords(path, { onWarning: (m) => warnings.push(m) })) out.push(r);
  return out;
}

async function rejection(p: Promise<unknown>): Promise<ResultsFormatError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ResultsFormatError) return e;
    throw e;
  }
  throw new assert.AssertionError({ message: "expected a ResultsFormatError, nothing was thrown" });
}

Deno.test("readRecords: yields exactly what the sink wrote, times relative to the origin", async () => {
  await inTempDir(async (dir) => {
    const path = join(dir, "r.jsonl");
    const { written, expected } = sample(12);
    writeRecords(path, written);
    const warnings: string[] = [];
    assert.deepEqual(await collect(path, warnings), expected);
    assert.deepEqual(await collect(pathToFileURL(path)), expected);
    assert.deepEqual(warnings, []);
    assert.deepEqual(await readRecordsHeader(path), header);
  });
});

Deno.test("readRecords: a torn last line (interrupted write) is skipped with a warning", async () => {
  await inTempDir(async (dir) => {
    const path = join(dir, "r.jsonl");
    const { written, expected } = sample(6);
    writeRecords(path, written);
    const text = await Deno.readTextFile(path);
    const lastStart = text.lastIndexOf("\n", text.length - 2) + 1;
    const lastLen = text.length - 1 - lastStart;
    await Deno.writeTextFile(path, text.slice(0, lastStart + Math.floor(lastLen / 2)));
    const warnings: string[] = [];
    assert.deepEqual(await collect(path, warnings), expected.slice(0, 5));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], new RegExp(`^${path}: the last line \\(line 7\\) is cut short`));
    // No handler: still skipped, never fatal.
    let n = 0;
    for await (const _ of readRecords(path)) n++;
    assert.equal(n, 5);
  });
});

Deno.test("readRecords: a complete last line without its newline is a record", async () => {
  await inTempDir(async (dir) => {
    const path = join(dir, "r.jsonl");
    const { written, expected } = sample(3);
    writeRecords(path, written);
    await Deno.writeTextFile(path, (await Deno.readTextFile(path)).trimEnd());
    const warnings: string[] = [];
    assert.deepEqual(await collect(path, warnings), expected);
    assert.deepEqual(warnings, []);
  });
});

Deno.test("readRecords: an invalid line in the middle is an error naming the file and the line", async () => {
  await inTempDir(async (dir) => {
    const path = join(dir, "r.jsonl");
    const { written } = sample(6);
    writeRecords(path, written);
    const lines = (await Deno.readTextFile(path)).split("\n");
    // A line cut in half that is not the last one: not an interrupted write.
    const cut = [...lines];
    cut[3] = cut[3].slice(0, 30);
    await Deno.writeTextFile(path, cut.join("\n"));
    const seen: number[] = [];
    const e = await rejection((async () => {
      for await (const r of readRecords(path)) seen.push(r.id);
    })());
    assert.deepEqual(seen, [0, 1], "records before the bad line were yielded");
    assert.equal(e.line, 4);
    assert.equal(e.file, path);
    assert.match(
      e.message,
      new RegExp(`^Cannot read ${path}: line 4 is not valid JSON: .*expected one request record$`),
    );

    // Valid JSON with a wrong field.
    const bad = [...lines];
    const rec = JSON.parse(bad[2]);
    rec.sentMs = "soon";
    bad[2] = JSON.stringify(rec);
    await Deno.writeTextFile(path, bad.join("\n"));
    const f = await rejection(collect(path));
    assert.equal(f.problem, "invalid_fields");
    assert.equal(f.message, `Cannot read ${path}: line 3: 'sentMs' must be a number, got "soon"`);

    // Not an object; no kind.
    for (
      const [line, msg] of [["[1]", /line 2: expected a JSON object, got \[1\]/], [
        '{"id": 1}',
        /line 2: expected a record with "kind": "request", got "kind" nothing/,
      ]] as const
    ) {
      await Deno.writeTextFile(path, [lines[0], line, lines[1], ""].join("\n"));
      assert.match((await rejection(collect(path))).message, msg);
    }
  });
});

Deno.test("readRecords: each essential field is checked", async () => {
  await inTempDir(async (dir) => {
    const path = join(dir, "r.jsonl");
    const { written } = sample(1);
    writeRecords(path, written);
    const [head, line] = (await Deno.readTextFile(path)).split("\n");
    const cases: [string, unknown][] = [
      ["id", -1],
      ["phase", "measured"],
      ["trial", -2],
      ["headersMs", "1"],
      ["chunkMs", null],
      ["outputTokensSource", "guess"],
      ["ok", 1],
      ["error", { reason: "x" }],
      ["toolCalls", 1.5],
      ["structured", { valid: "yes" }],
      ["structured", null],
    ];
    for (const [field, value] of cases) {
      await Deno.writeTextFile(
        path,
        `${head}\n${JSON.stringify({ ...JSON.parse(line), [field]: value })}\n`,
      );
      const e = await rejection(collect(path));
      assert.match(e.message, new RegExp(`line 2: '${field}' must be `), field);
    }
  });
});

Deno.test("readRecords: lines of an unknown kind are skipped, reported once per kind; blank lines and CRLF are fine", async () => {
  await inTempDir(async (dir) => {
    const path = join(dir, "r.jsonl");
    const { written, expected } = sample(3);
    writeRecords(path, written);
    const lines = (await Deno.readTextFile(path)).trimEnd().split("\n");
    const extra = '{"kind":"trial","level":0,"trial":0}';
    await Deno.writeTextFile(
      path,
      [lines[0], lines[1], extra, "", lines[2], extra, lines[3]].join("\r\n") + "\r\n",
    );
    const warnings: string[] = [];
    assert.deepEqual(await collect(path, warnings), expected);
    assert.deepEqual(warnings, [
      `${path}: line 3: skipped lines of kind "trial", which this splleed (${VERSION}) does not know`,
    ]);
  });
});

Deno.test("readRecords: lines longer than a read chunk and many lines per chunk split correctly", async () => {
  await inTempDir(async (dir) => {
    const path = join(dir, "r.jsonl");
    const { written, expected } = sample(400);
    // One request with 30 000 chunks: a line of ~250 kB, across several reads.
    const long = written[200];
    long.chunkMs = Array.from({ length: 30000 }, (_, k) => ORIGIN + 200 + k * 0.5);
    expected[200].chunkMs = long.chunkMs.map((t) => t - ORIGIN);
    writeRecords(path, written);
    assert.ok((await Deno.stat(path)).size > 3 * 65536);
    assert.deepEqual(await collect(path), expected);
  });
});

/** Open file descriptors of this process (Linux), or null where /proc is missing. */
function openFds(): number | null {
  try {
    return [...Deno.readDirSync("/proc/self/fd")].length;
  } catch {
    return null;
  }
}

Deno.test("readRecords: breaking out of the loop, or an error, closes the file", async () => {
  await inTempDir(async (dir) => {
    const path = join(dir, "r.jsonl");
    writeRecords(path, sample(5000).written); // more than the stream reads ahead
    const before = openFds();
    const ids: number[] = [];
    for await (const r of readRecords(path)) {
      ids.push(r.id);
      if (ids.length === 3) break;
    }
    assert.deepEqual(ids, [0, 1, 2]);
    assert.equal(openFds(), before, "the file is closed after a break");
    // An invalid line near the start of a long file.
    const text = await Deno.readTextFile(path);
    const second = text.indexOf("\n") + 1;
    await Deno.writeTextFile(path, text.slice(0, second) + "oops\n" + text.slice(second));
    await rejection(collect(path));
    assert.equal(openFds(), before, "the file is closed after an error");
  });
});

Deno.test("readRecords / readRecordsHeader: a bad header says what the file should start with", async () => {
  await inTempDir(async (dir) => {
    const path = join(dir, "r.jsonl");
    const run = JSON.stringify(header);
    const cases: [string, string, RegExp][] = [
      [
        "",
        "empty",
        /the file is empty; expected a records file whose first line is a "run" header/,
      ],
      ["\n", "empty", /the first line is empty/],
      [run.slice(0, 40), "truncated", /but line 1 is cut short \(truncated\?\)/],
      [`${run.slice(0, 40)}\n{}\n`, "not_json", /but line 1 is not valid JSON/],
      ['{"kind":"request","id":0}\n', "not_splleed", /got a line with "kind" "request"$/],
      [
        '{\n  "schemaVersion": 1\n}\n',
        "not_splleed",
        /a results document\? read it with readResults\(\)/,
      ],
      [
        JSON.stringify({ ...header, schemaVersion: 2, tool: { version: "0.9.0" } }) + "\n",
        "newer_version",
        /records schema version 2, written by splleed 0\.9\.0, newer than this splleed .*; upgrade splleed/,
      ],
      [
        JSON.stringify({ ...header, schemaVersion: 0 }) + "\n",
        "unsupported_version",
        /records schema version 0 is not supported: this splleed \(.*\) reads records schema version 1$/,
      ],
      [
        JSON.stringify({ ...header, clock: { originMs: "0" } }) + "\n",
        "invalid_fields",
        /line 1 \(the "run" header\): 'clock.originMs' must be a number, got "0"$/,
      ],
    ];
    for (const [text, problem, msg] of cases) {
      await Deno.writeTextFile(path, text);
      for (const read of [readRecordsHeader, collect]) {
        const e = await rejection(read(path));
        assert.equal(e.problem, problem, text);
        assert.equal(e.line, 1);
        assert.ok(e.message.startsWith(`Cannot read ${path}: `), e.message);
        assert.match(e.message, msg);
      }
    }
  });
});

Deno.test("readRecords: a missing file is Deno's NotFound", async () => {
  await assert.rejects(collect("/nonexistent/r.jsonl"), Deno.errors.NotFound);
  await assert.rejects(readRecordsHeader("/nonexistent/r.jsonl"), Deno.errors.NotFound);
});

Deno.test("readRecords carries the later version-1 fields (flags, reasoning, hidden tokens, attempts, tool calls, structured)", async () => {
  const path = await Deno.makeTempFile({ suffix: ".jsonl" });
  try {
    const header = {
      kind: "run",
      schemaVersion: 1,
      startedAt: new Date(0).toISOString(),
      clock: { originMs: 0, originEpochMs: 0 },
    };
    const rec = {
      kind: "request",
      id: 0,
      phase: "measure",
      level: 0,
      trial: 0,
      promptIndex: 0,
      scheduledMs: 0,
      queueMs: 0,
      sentMs: 0,
      headersMs: 1,
      firstTokenMs: 2,
      endMs: 3,
      chunkMs: [2, 3],
      outputTokens: 50,
      outputTokensSource: "usage",
      promptTokens: 4,
      status: 200,
      ok: true,
      error: null,
      flags: ["hidden_reasoning"],
      reasoningTokens: 40,
      hiddenTokens: 40,
      attempts: 2,
      toolCalls: 7,
      structured: { valid: false, error: "not JSON" },
    };
    await Deno.writeTextFile(path, JSON.stringify(header) + "\n" + JSON.stringify(rec) + "\n");
    const got = [];
    for await (const r of readRecords(path)) got.push(r);
    assert.equal(got.length, 1);
    assert.deepEqual(got[0].flags, ["hidden_reasoning"]);
    assert.equal(got[0].reasoningTokens, 40);
    assert.equal(got[0].hiddenTokens, 40);
    assert.equal(got[0].attempts, 2);
    assert.equal(got[0].toolCalls, 7);
    assert.deepEqual(got[0].structured, { valid: false, error: "not JSON" });
  } finally {
    await Deno.remove(path);
  }
});
