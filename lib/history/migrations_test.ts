import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { HistoryError } from "./errors.ts";
import { migrate, type Migration, MIGRATIONS, SCHEMA_VERSION, userVersion } from "./migrations.ts";

const columns = (db: DatabaseSync, table: string) =>
  db.prepare(`PRAGMA table_info(${table})`).all().map((r) => String(r.name));

Deno.test("a database of an older version gets only the steps it lacks", () => {
  const db = new DatabaseSync(":memory:");
  migrate(db, "h.db");
  assert.equal(userVersion(db), SCHEMA_VERSION);
  db.exec(
    "INSERT INTO runs (started_at, finished_at, added_at, engine, tool_version, interrupted, document) VALUES ('a', 'b', 'c', 'vllm', '0', 0, '{}')",
  );
  const next: Migration = {
    description: "a note per run",
    statements: ["ALTER TABLE runs ADD COLUMN note TEXT", "UPDATE runs SET note = 'old'"],
  };
  migrate(db, "h.db", [...MIGRATIONS, next]);
  assert.equal(userVersion(db), SCHEMA_VERSION + 1);
  assert.ok(columns(db, "runs").includes("note"));
  // The rows kept; the step ran once.
  assert.deepEqual(db.prepare("SELECT engine, note FROM runs").all().map((r) => ({ ...r })), [
    { engine: "vllm", note: "old" },
  ]);
  migrate(db, "h.db", [...MIGRATIONS, next]);
  assert.equal(userVersion(db), SCHEMA_VERSION + 1);
  db.close();
});

Deno.test("a step that fails is rolled back whole: the version and the tables as before", () => {
  const db = new DatabaseSync(":memory:");
  migrate(db, "h.db");
  const bad: Migration = {
    description: "fails half way",
    statements: ["ALTER TABLE runs ADD COLUMN note TEXT", "ALTER TABLE nowhere ADD COLUMN x"],
  };
  assert.throws(() => migrate(db, "h.db", [...MIGRATIONS, bad]), /no such table: nowhere/);
  assert.equal(userVersion(db), SCHEMA_VERSION);
  assert.ok(!columns(db, "runs").includes("note"));
  db.close();
});

Deno.test("a database newer than the steps known is refused", () => {
  const db = new DatabaseSync(":memory:");
  migrate(db, "h.db");
  assert.throws(
    () => migrate(db, "h.db", MIGRATIONS.slice(0, SCHEMA_VERSION - 1).concat([])),
    (err: unknown) =>
      err instanceof HistoryError && err.problem === "newer_version" &&
      /this splleed reads version \d+: upgrade splleed/.test(err.message),
  );
  db.close();
});
