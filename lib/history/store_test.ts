import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { fixtureDocument } from "../results/fixtures.ts";
import { parseResults } from "../results/read.ts";
import { HistoryError, HistoryStore } from "./store.ts";
import { SCHEMA_VERSION } from "./migrations.ts";
import { historyRun } from "./testdata/runs.ts";

const run = historyRun;

const tmp = () => Deno.makeTempFileSync({ suffix: ".db" });

Deno.test("a document added reads back equal, NaN included", () => {
  const path = tmp();
  Deno.removeSync(path);
  const doc = run();
  doc.levels[0].trials[1].metrics.ttft_p99_ms = NaN;
  doc.levels[0].summary.ttft_p99_ms.value = NaN;
  const store = HistoryStore.open(path);
  const id = store.add(doc, { tags: { branch: "main", commit: "abc123" } });
  store.close();
  const again = HistoryStore.open(path, { readonly: true });
  const back = again.document(id);
  assert.deepEqual(back, parseResults(JSON.parse(JSON.stringify(doc))));
  assert.ok(Number.isNaN(back.levels[0].trials[1].metrics.ttft_p99_ms));
  const [p] = again.points("ttft_p99_ms", "c=1");
  assert.ok(Number.isNaN(p.value));
  assert.deepEqual(p.trials.map((v) => Number.isNaN(v) ? "NaN" : v), [40, "NaN", 41]);
  assert.deepEqual(p.tags, { branch: "main", commit: "abc123" });
  const [r] = again.list();
  assert.deepEqual(
    { ...r, addedAt: "" },
    {
      id,
      startedAt: doc.startedAt,
      finishedAt: doc.finishedAt,
      addedAt: "",
      engine: "vllm",
      model: "llama-8b",
      fingerprint: "a".repeat(64),
      toolVersion: "0.1.0",
      sourceTool: null,
      interrupted: false,
      tags: { branch: "main", commit: "abc123" },
      levels: ["c=1", "c=16"],
    },
  );
  assert.equal(again.integrityCheck(), "ok");
  again.close();
  Deno.removeSync(path);
});

Deno.test("queries by tag, any tag value, fingerprint, engine, model and last", () => {
  const store = HistoryStore.open(":memory:");
  const ids = [
    store.add(run({ startedAt: "2026-01-03T00:00:00Z" }), { tags: { branch: "main" } }),
    store.add(run({ startedAt: "2026-01-01T00:00:00Z", sha: "b".repeat(64) }), {
      tags: { branch: "main" },
    }),
    store.add(run({ startedAt: "2026-01-02T00:00:00Z", engine: "sglang" }), {
      tags: { branch: "dev", pr: "main" },
    }),
    store.add(run({ startedAt: "2026-01-04T00:00:00Z", model: "qwen" }), {
      tags: { branch: "main" },
    }),
  ];
  const q = (query: Parameters<HistoryStore["list"]>[0]) => store.list(query).map((r) => r.id);
  // Oldest first by startedAt, whatever the order added.
  assert.deepEqual(q({}), [ids[1], ids[2], ids[0], ids[3]]);
  assert.deepEqual(q({ where: { branch: "main" } }), [ids[1], ids[0], ids[3]]);
  assert.deepEqual(q({ where: { branch: "main", pr: "main" } }), []);
  assert.deepEqual(q({ tagValue: "main" }), [ids[1], ids[2], ids[0], ids[3]]);
  assert.deepEqual(q({ tagValue: "dev" }), [ids[2]]);
  assert.deepEqual(q({ fingerprint: "b".repeat(64) }), [ids[1]]);
  assert.deepEqual(q({ engine: "sglang" }), [ids[2]]);
  assert.deepEqual(q({ model: "qwen" }), [ids[3]]);
  assert.deepEqual(q({ where: { branch: "main" }, last: 2 }), [ids[0], ids[3]]);
  assert.deepEqual(q({ fingerprint: "a".repeat(64), engine: "vllm", last: 1 }), [ids[3]]);
  assert.throws(() => q({ last: 0 }), /'last' must be a positive integer, got 0/);

  const pts = store.points("ttft_p99_ms", "c=16", { fingerprint: "a".repeat(64), last: 2 });
  assert.deepEqual(pts.map((p) => [p.runId, p.value, p.low, p.high]), [
    [ids[0], 656, 640, 672],
    [ids[3], 656, 640, 672],
  ]);
  assert.deepEqual(pts[0].trials, [640, 672, 656]);
  const tp = store.points("throughput_tokens_per_sec", "c=1", { engine: "sglang" });
  assert.deepEqual(tp.map((p) => [p.engine, p.low, p.high]), [["sglang", null, null]]);
  assert.deepEqual(store.metricIds(), ["throughput_tokens_per_sec", "ttft_p99_ms"]);
  assert.deepEqual(store.levelLabels(), ["c=1", "c=16"]);
  store.close();
});

Deno.test("serve and burst levels are keyed by their labels", () => {
  const store = HistoryStore.open(":memory:");
  const doc = fixtureDocument([
    { mode: "serve", concurrency: 0, requestRate: "inf", errors: {}, trials: [], summary: {} },
    { mode: "serve", concurrency: 0, requestRate: 8, errors: {}, trials: [], summary: {} },
    { mode: "throughput", concurrency: 100, errors: {}, trials: [], summary: {} },
  ]);
  const id = store.add(doc);
  assert.deepEqual(store.list()[0].levels, ["r=inf", "r=8/s", "burst 100"]);
  assert.equal(store.document(id).levels[0].requestRate, "inf");
  store.close();
});

Deno.test("a database written by a newer splleed is refused, naming both versions", () => {
  const path = tmp();
  HistoryStore.open(path).close();
  const db = new DatabaseSync(path);
  db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
  db.close();
  for (const readonly of [false, true]) {
    assert.throws(
      () => HistoryStore.open(path, { readonly }),
      (err: unknown) => {
        assert.ok(err instanceof HistoryError);
        assert.equal(err.problem, "newer_version");
        assert.match(
          err.message,
          new RegExp(
            `^Cannot open history .*: its schema is version ${SCHEMA_VERSION + 1}, written by a ` +
              `newer splleed; this splleed reads version ${SCHEMA_VERSION}: upgrade splleed$`,
          ),
        );
        return true;
      },
    );
  }
  Deno.removeSync(path);
});

Deno.test("a file that is not SQLite, another SQLite database, or a missing file are refused", () => {
  const path = tmp();
  Deno.writeTextFileSync(path, '{"schemaVersion": 1}');
  assert.throws(
    () => HistoryStore.open(path),
    /Cannot open history .*: expected a SQLite database \(a splleed history\), got a file that is not SQLite/,
  );
  // Nothing was written to it.
  assert.equal(Deno.readTextFileSync(path), '{"schemaVersion": 1}');
  Deno.removeSync(path);

  const other = tmp();
  Deno.removeSync(other);
  const db = new DatabaseSync(other);
  db.exec("CREATE TABLE t (x)");
  db.close();
  assert.throws(() => HistoryStore.open(other), /got a SQLite database with other tables/);
  Deno.removeSync(other);

  assert.throws(
    () => HistoryStore.open(other, { readonly: true }),
    (err: unknown) => err instanceof HistoryError && err.problem === "missing",
  );
});

Deno.test("a new file is in WAL mode at the current schema version", () => {
  const path = tmp();
  HistoryStore.open(path).close();
  const db = new DatabaseSync(path);
  assert.equal(db.prepare("PRAGMA journal_mode").get()!.journal_mode, "wal");
  assert.equal(db.prepare("PRAGMA user_version").get()!.user_version, SCHEMA_VERSION);
  db.close();
  Deno.removeSync(path);
});

Deno.test("two processes adding 20 runs each at once: 40 runs, integrity ok", async () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/h.db`;
  const store = new URL("./store.ts", import.meta.url).href;
  const fixtures = new URL("../results/fixtures.ts", import.meta.url).href;
  const writer = (name: string) =>
    new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `import { HistoryStore } from ${JSON.stringify(store)};
         import { fixtureDocument } from ${JSON.stringify(fixtures)};
         const s = HistoryStore.open(${JSON.stringify(path)});
         // Both start adding together: each waits until the other has opened the file.
         Deno.writeTextFileSync(${JSON.stringify(dir)} + "/ready-${name}", "");
         const other = ${JSON.stringify(dir)} + "/ready-${name === "a" ? "b" : "a"}";
         while (!(() => { try { Deno.statSync(other); return true; } catch { return false; } })()) {
           await new Promise((r) => setTimeout(r, 5));
         }
         for (let i = 0; i < 20; i++) {
           const d = fixtureDocument([{ mode: "latency", concurrency: 1, errors: {},
             trials: [{ metrics: { ttft_p50_ms: i }, errors: {}, complete: true }],
             summary: { ttft_p50_ms: { value: i, ci: null, trials: [i] } } }]);
           s.add(d, { tags: { writer: ${JSON.stringify(name)}, i: String(i) } });
         }
         s.close();`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
  const outs = await Promise.all([writer("a"), writer("b")]);
  for (const o of outs) assert.equal(o.code, 0, new TextDecoder().decode(o.stderr));
  const s = HistoryStore.open(path, { readonly: true });
  assert.equal(s.list().length, 40);
  assert.equal(s.list({ where: { writer: "a" } }).length, 20);
  assert.equal(s.list({ where: { writer: "b" } }).length, 20);
  assert.equal(s.points("ttft_p50_ms", "c=1").length, 40);
  assert.equal(s.integrityCheck(), "ok");
  s.close();
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("an invalid document is refused and nothing is stored", () => {
  const store = HistoryStore.open(":memory:");
  const doc = historyRun();
  (doc as { levels: unknown }).levels = "none";
  assert.throws(() => store.add(doc), /Cannot read the document added: .*'levels' must be a list/);
  assert.equal(store.list().length, 0);
  store.close();
});

Deno.test("a database in a folder that does not exist is refused, saying why", () => {
  assert.throws(
    () => HistoryStore.open("/nonexistent-splleed-dir/h.db"),
    /Cannot open history \/nonexistent-splleed-dir\/h\.db: expected a file SQLite can open or create \(does its folder exist, may it be written\?\), got: unable to open database file/,
  );
});

Deno.test("an imported run keeps its source tool", () => {
  const store = HistoryStore.open(":memory:");
  const doc = run();
  doc.source = {
    tool: "vllm-bench",
    version: "0.11.0",
    file: "r.json",
    differences: {},
    unmapped: {},
  };
  const id = store.add(doc);
  assert.equal(store.list()[0].sourceTool, "vllm-bench");
  assert.deepEqual(store.document(id).source, doc.source);
  store.close();
});
