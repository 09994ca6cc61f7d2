import assert from "node:assert/strict";
import { historyRun, type RunOptions } from "../../history/testdata/runs.ts";
import { main } from "../main.ts";
import { memoryIO } from "../memory_io.ts";

const day = (d: number) => `2026-04-${String(d).padStart(2, "0")}T02:00:00.000Z`;

/** A temporary folder with results files written from `historyRun`s. */
function workspace() {
  const dir = Deno.makeTempDirSync();
  let n = 0;
  return {
    dir,
    db: `${dir}/h.db`,
    file(opts: RunOptions): string {
      const path = `${dir}/run${++n}.json`;
      Deno.writeTextFileSync(path, JSON.stringify(historyRun(opts)));
      return path;
    },
    [Symbol.dispose]: () => Deno.removeSync(dir, { recursive: true }),
  };
}

async function cli(args: string[]) {
  const io = memoryIO();
  const code = await main(args, io);
  return { code, out: io.stdout, err: io.stderr };
}

Deno.test("history add prints each run; list shows them, filtered, as a table or JSON", async () => {
  using w = workspace();
  const a = w.file({ startedAt: day(1) }),
    b = w.file({ startedAt: day(2), concurrency: [1, 4, 16] });
  const added = await cli([
    "history",
    "add",
    a,
    b,
    "--db",
    w.db,
    "--tag",
    "branch=main",
    "--tag",
    "commit=abc123",
  ]);
  assert.equal(added.code, 0, added.err);
  assert.equal(
    added.out,
    "added run 1 (vllm · llama-8b · c=1,16 · 2026-04-01T02:00:00.000Z)\n" +
      "added run 2 (vllm · llama-8b · c=1,4,16 · 2026-04-02T02:00:00.000Z)\n",
  );
  const c = w.file({ startedAt: day(3), engine: "sglang", sha: "b".repeat(64) });
  assert.equal((await cli(["history", "add", c, "--db", w.db, "--tag", "branch=dev"])).code, 0);

  const list = await cli(["history", "list", "--db", w.db]);
  assert.equal(list.code, 0, list.err);
  const lines = list.out.trimEnd().split("\n");
  assert.match(lines[0], /^id +started +engine +model +levels +fingerprint +tags$/);
  assert.match(
    lines[1],
    /^1 +2026-04-01 02:00:00 +vllm +llama-8b +c=1,16 +aaaaaaaaaaaa +branch=main commit=abc123$/,
  );
  assert.match(lines[3], /^3 +2026-04-03 02:00:00 +sglang .* bbbbbbbbbbbb +branch=dev$/);

  const ids = async (...args: string[]) => {
    const r = await cli(["history", "list", "--db", w.db, "--json", ...args]);
    assert.equal(r.code, 0, r.err);
    return (JSON.parse(r.out) as { id: number }[]).map((x) => x.id);
  };
  assert.deepEqual(await ids(), [1, 2, 3]);
  assert.deepEqual(await ids("--where", "branch=main"), [1, 2]);
  assert.deepEqual(await ids("--where", "branch=main", "--where", "commit=abc123", "--last", "1"), [
    2,
  ]);
  assert.deepEqual(await ids("--fingerprint", "bbbbbbbbbbbb"), [3]);
  assert.deepEqual(await ids("--engine", "sglang"), [3]);
  assert.deepEqual(await ids("--model", "qwen"), []);
  assert.equal(
    (await cli(["history", "list", "--db", w.db, "--where", "branch=x"])).out,
    "no runs\n",
  );
});

Deno.test("history add and list: bad input is exit 2, named, and adds nothing", async () => {
  using w = workspace();
  const good = w.file({});
  const cases: [string[], RegExp][] = [
    [
      ["history", "add", good, "--db", w.db, "--tag", "main"],
      /'--tag' must be KEY=VALUE, such as branch=main, got "main"/,
    ],
    [
      ["history", "add", good, `${w.dir}/nope.json`, "--db", w.db],
      /'RESULTS' must be a results document .*nope\.json" \(no such file\)/,
    ],
    [
      ["history", "list", "--db", w.db, "--last", "0"],
      /'--last' must be a positive integer, got "0"/,
    ],
  ];
  for (const [args, message] of cases) {
    const r = await cli(args);
    assert.equal(r.code, 2, args.join(" "));
    assert.match(r.err, message);
  }
  // Nothing was added by the failed adds (the list finds no history yet, or an empty one).
  const notJson = `${w.dir}/notes.txt`;
  Deno.writeTextFileSync(notJson, "hello");
  const r = await cli(["history", "add", notJson, "--db", w.db]);
  assert.equal(r.code, 2);
  assert.match(r.err, /Cannot read .*notes\.txt/);
  const none = await cli(["history", "list", "--db", w.db]);
  assert.equal(none.code, 2);
  assert.match(none.err, /no history database at/);
  // A file that is not a history.
  const foreign = await cli(["history", "add", good, "--db", good]);
  assert.equal(foreign.code, 2);
  assert.match(
    foreign.err,
    /Cannot open history .*: expected a SQLite database \(a splleed history\), got a file that is not SQLite/,
  );
});

Deno.test("history trend: the series with its change point, JSON, HTML, the note on other workloads", async () => {
  using w = workspace();
  const values = [40, 41, 40, 42, 41, 40, 50, 51, 50, 52, 51, 50];
  for (const [i, v] of values.entries()) {
    const f = w.file({ startedAt: day(i + 1), ttft: [v, v + 0.5, v - 0.5] });
    assert.equal(
      (await cli([
        "history",
        "add",
        f,
        "--db",
        w.db,
        "--tag",
        `commit=c${i + 1}`,
        "--tag",
        "branch=main",
      ])).code,
      0,
    );
  }
  const other = w.file({ startedAt: day(20), sha: "b".repeat(64), concurrency: [1, 16, 64] });
  await cli(["history", "add", other, "--db", w.db, "--tag", "branch=main"]);

  // The newest run is of another workload: it alone is the default.
  const newest = await cli([
    "history",
    "trend",
    "--db",
    w.db,
    "--metric",
    "ttft_p99_ms",
    "--level",
    "c=1",
    "--json",
  ]);
  assert.equal(newest.code, 0, newest.err);
  assert.equal(JSON.parse(newest.out).points.length, 1);
  assert.match(
    newest.err,
    /note: 12 runs of other workloads left out \(shown: the newest run's workload, fingerprint bbbbbbbbbbbb\); --fingerprint HASH shows another, --fingerprint any all of them/,
  );

  const html = `${w.dir}/trend.html`;
  const text = await cli([
    "history",
    "trend",
    "--db",
    w.db,
    "--metric",
    "ttft_p99_ms",
    "--level",
    "c=1",
    "--fingerprint",
    "aaaaaaaaaaaa",
    "--html",
    html,
  ]);
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, /[▁▂▃▄▅▆▇█]{12}/);
  assert.match(text.out, /c6/);
  assert.match(text.out, /c7/);
  assert.match(Deno.readTextFileSync(html), /^<!DOCTYPE html>/i);

  const json = await cli([
    "history",
    "trend",
    "--db",
    w.db,
    "--metric",
    "ttft_p99_ms",
    "--level",
    "c=1",
    "--fingerprint",
    "a".repeat(64),
    "--json",
    "--last",
    "10",
  ]);
  const t = JSON.parse(json.out);
  assert.deepEqual(t.points.map((p: { value: number }) => p.value), values.slice(-10));
  assert.equal(t.changes.length, 1);
  assert.equal(t.changes[0].firstAfter.tags.commit, "c7");
  assert.equal(t.otherWorkloads, 1);

  const any = await cli([
    "history",
    "trend",
    "--db",
    w.db,
    "--metric",
    "ttft_p99_ms",
    "--level",
    "c=1",
    "--fingerprint",
    "any",
    "--json",
  ]);
  assert.equal(JSON.parse(any.out).points.length, 13);
  assert.equal(any.err, "");

  const bad: [string[], RegExp][] = [
    [
      ["--metric", "ttft_p42_ms", "--level", "c=1"],
      /'--metric' must be a metric id the history has: throughput_tokens_per_sec, ttft_p99_ms, got "ttft_p42_ms"/,
    ],
    [
      ["--metric", "ttft_p99_ms", "--level", "c=8"],
      /'--level' must be a level the history has: c=1, c=16, c=64, got "c=8"/,
    ],
    [["--level", "c=1"], /'--metric' must be a metric id, such as ttft_p99_ms, got nothing/],
    [["--metric", "ttft_p99_ms"], /'--level' must be a level label/],
    [
      ["--metric", "ttft_p99_ms", "--level", "c=1", "--where", "branch=dev"],
      /no matching run \(13 runs in all\)/,
    ],
  ];
  for (const [args, message] of bad) {
    const r = await cli(["history", "trend", "--db", w.db, ...args]);
    assert.equal(r.code, 2, args.join(" "));
    assert.match(r.err, message);
  }
});

Deno.test("check --baseline-history pools the last runs of the tag and lists them", async () => {
  using w = workspace();
  for (let d = 1; d <= 6; d++) {
    const f = w.file({ startedAt: day(d), ttft: [40 + (d % 2), 41, 40.5] });
    await cli(["history", "add", f, "--db", w.db, "--tag", "branch=main", "--tag", `commit=c${d}`]);
  }
  await cli([
    "history",
    "add",
    w.file({ startedAt: day(7), ttft: [80, 81, 82] }),
    "--db",
    w.db,
    "--tag",
    "branch=dev",
  ]);
  const slow = w.file({ startedAt: day(8), ttft: [52, 53, 51] });
  const same = w.file({ startedAt: day(8), ttft: [40.5, 41, 40] });
  const t = ["--threshold", "ttft_p99_ms=+10%"];

  const bad = await cli([
    "check",
    slow,
    "--baseline-history",
    "branch=main",
    "--last",
    "3",
    "--db",
    w.db,
    ...t,
  ]);
  assert.equal(bad.code, 1, bad.err);
  assert.match(
    bad.out,
    /^Baseline: 3 runs from the history, pooled \(workload aaaaaaaaaaaa\):\n {2}run 4 {2}2026-04-04T02:00:00\.000Z {2}branch=main commit=c4\n {2}run 5 .*\n {2}run 6 .*\n/,
  );
  assert.match(bad.out, /regression/);

  const ok = await cli(["check", same, "--baseline-history", "main", "--db", w.db, ...t]);
  assert.equal(ok.code, 0, ok.out + ok.err);
  assert.match(ok.out, /Baseline: 5 runs/);

  const json = await cli([
    "check",
    slow,
    "--baseline-history",
    "branch=main",
    "--db",
    w.db,
    "--json",
    ...t,
  ]);
  const j = JSON.parse(json.out);
  assert.deepEqual(j.baselineRuns.map((r: { id: number }) => r.id), [2, 3, 4, 5, 6]);
  assert.equal(j.regressions, 2);

  const db = ["--db", w.db];
  const errors: [string[], RegExp][] = [
    [
      ["--baseline", slow, "--baseline-history", "main"],
      /'--baseline' must be absent when --baseline-history is given/,
    ],
    [
      ["--baseline-history", "branch=release", ...db],
      /'--baseline-history' must be tags that earlier runs of this workload \(fingerprint aaaaaaaaaaaa\) have in .*, got 0 runs with branch=release, 0 of them with this fingerprint/,
    ],
    [
      ["--baseline-history", "main", "--last", "x", ...db],
      /'--last' must be a positive integer, got "x"/,
    ],
    [["--baseline", slow, "--last", "3"], /'--last' must be given only with --baseline-history/],
    [["--baseline-history", "main", "--db", `${w.dir}/none.db`], /no history database at/],
  ];
  for (const [args, message] of errors) {
    const r = await cli(["check", slow, ...args, ...t]);
    assert.equal(r.code, 2, args.join(" ") + r.err);
    assert.match(r.err, message);
  }
});

Deno.test("a history written by a newer splleed is exit 2 for every command, saying to upgrade", async () => {
  using w = workspace();
  const f = w.file({});
  assert.equal((await cli(["history", "add", f, "--db", w.db, "--tag", "branch=main"])).code, 0);
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(w.db);
  db.exec("PRAGMA user_version = 99");
  db.close();
  for (
    const args of [
      ["history", "add", f, "--db", w.db],
      ["history", "list", "--db", w.db],
      ["history", "trend", "--db", w.db, "--metric", "ttft_p99_ms", "--level", "c=1"],
      ["check", f, "--baseline-history", "main", "--db", w.db, "--threshold", "ttft_p99_ms=+10%"],
    ]
  ) {
    const r = await cli(args);
    assert.equal(r.code, 2, args.join(" "));
    assert.match(
      r.err,
      /its schema is version 99, written by a newer splleed; this splleed reads version 1: upgrade splleed/,
    );
  }
});
