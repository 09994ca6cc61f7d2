import assert from "node:assert/strict";
import { type BenchmarkSpec, type BenchmarkSpecInput, benchmarkSpecSchema } from "./benchmark.ts";
import { ConfigError, validate } from "./errors.ts";

const backend = { type: "simulator" as const };
const parse = (input: BenchmarkSpecInput): BenchmarkSpec =>
  validate(benchmarkSpecSchema, input, "benchmark");

Deno.test("prompts: a list becomes an inline workload; the parsed spec has no prompts", () => {
  const spec = parse({ backend, prompts: ["a", "b"] });
  assert.deepEqual(spec.workload, { source: "inline", prompts: ["a", "b"] });
  assert.ok(!("prompts" in spec), "no prompts field in the output");
});

Deno.test("prompts: { file } becomes the file source in the older format (text, or JSONL with prompt)", () => {
  const spec = parse({ backend, prompts: { file: "/data/p.jsonl" } });
  assert.deepEqual(spec.workload, { source: "file", path: "/data/p.jsonl", format: "prompts" });
  assert.ok(!("prompts" in spec));
});

Deno.test("workload: the list shorthand becomes an inline source; an object stays as it is, with defaults", () => {
  assert.deepEqual(parse({ backend, workload: ["x"] }).workload, {
    source: "inline",
    prompts: ["x"],
  });
  assert.deepEqual(
    parse({ backend, workload: { source: "sharegpt", path: "s.json", numPrompts: 5 } }).workload,
    { source: "sharegpt", path: "s.json", numPrompts: 5, multiTurn: false },
  );
});

Deno.test("a trace gives the requests: no workload in the output, and no prompts", () => {
  const spec = parse({ backend, mode: "serve", trace: { path: "/t.jsonl" } });
  assert.equal(spec.workload, undefined);
  assert.ok(!("prompts" in spec));
});

Deno.test("both prompts and workload, or neither, are errors as before", () => {
  const both = () => parse({ backend, prompts: ["a"], workload: ["b"] });
  assert.throws(both, (e: unknown) =>
    e instanceof ConfigError &&
    /'workload' must be absent when 'prompts' is given \(one source of requests\)/.test(e.message));
  const none = () => parse({ backend });
  assert.throws(none, (e: unknown) =>
    e instanceof ConfigError &&
    /'prompts' must be given \(a list of prompts or \{ file \}\), or a 'workload'/.test(e.message));
  const traced = () => parse({ backend, mode: "serve", trace: { path: "/t" }, prompts: ["a"] });
  assert.throws(traced, /'prompts' must be absent when replaying a trace/);
});

Deno.test("a parsed spec parses again to itself (the output is a valid input)", () => {
  for (
    const input of [
      { backend, prompts: ["a"] },
      { backend, prompts: { file: "/p.txt" } },
      { backend, workload: { source: "synthetic", inputLen: "uniform:1,4", count: 2 } },
    ] as BenchmarkSpecInput[]
  ) {
    const once = parse(input);
    assert.deepEqual(parse(once as BenchmarkSpecInput), once);
  }
});

Deno.test("table: metric ids or allMetrics, each checked for shape; not both", () => {
  const base = { backend, prompts: ["hi"] };
  assert.deepEqual(
    parse({ ...base, table: { metrics: ["ttft_p50_ms"] } }).table,
    { metrics: ["ttft_p50_ms"] },
  );
  assert.deepEqual(parse({ ...base, table: { allMetrics: true } }).table, {
    allMetrics: true,
  });
  assert.equal(parse(base).table, undefined);
  assert.throws(
    () => parse({ ...base, table: { metrics: [] } }),
    /'table.metrics' must be a non-empty list of metric ids, got \[\]/,
  );
  assert.throws(
    () => parse({ ...base, table: { metrics: ["TTFT p50"] } }),
    /'table.metrics\[0\]' must be a metric id such as ttft_p50_ms, got "TTFT p50"/,
  );
  assert.throws(
    () => parse({ ...base, table: { metrics: ["x"], allMetrics: true } }),
    /'table' must be either 'metrics' or 'allMetrics: true', not both/,
  );
  assert.throws(
    () => parse({ ...base, table: { rows: ["x"] } as never }),
    /'table.rows' must be absent/,
  );
});

Deno.test("tags, history, prometheus and pushgateway: checked, named in errors", () => {
  const base = { backend, prompts: ["a"] };
  const ok = parse({
    ...base,
    tags: { branch: "main", commit: "abc123" },
    history: { db: "h.db", tags: { nightly: "yes" } },
    prometheus: { port: 0 },
    pushgateway: { url: "http://127.0.0.1:9091", job: "ci" },
  });
  assert.deepEqual(ok.tags, { branch: "main", commit: "abc123" });
  assert.equal(ok.prometheus?.port, 0);
  assert.equal(
    parse({ ...base, pushgateway: "http://localhost:9091" }).pushgateway,
    "http://localhost:9091",
  );
  assert.throws(
    () => parse({ ...base, tags: { run_id: "x" } }),
    /tags.*run_id.*splleed's own labels/s,
  );
  assert.throws(() => parse({ ...base, tags: { "a-b": "x" } }), /a tag name made of letters/);
  assert.throws(() => parse({ ...base, prometheus: { port: 70000 } }), /prometheus\.port/);
  assert.throws(() => parse({ ...base, history: { tags: {} } } as never), /history\.db/);
  assert.throws(() => parse({ ...base, pushgateway: "ftp://x" }), /pushgateway/);
});
