import assert from "node:assert/strict";
import { detectEngine, readEngine } from "./engines.ts";
import { parsePrometheus } from "./prometheus.ts";

const fixture = (name: string) =>
  parsePrometheus(Deno.readTextFileSync(new URL(`./testdata/${name}`, import.meta.url)));

Deno.test("parsePrometheus: labels, exponents, special values, families merged; histograms left out", () => {
  const page = fixture("vllm.prom");
  const running = page.get("vllm:num_requests_running")!;
  assert.equal(running.type, "gauge");
  assert.deepEqual(running.samples, [
    { labels: { engine: "0", model_name: "meta-llama/Llama-3.1-8B-Instruct" }, value: 12 },
    { labels: { engine: "1", model_name: "meta-llama/Llama-3.1-8B-Instruct" }, value: 10 },
  ]);
  assert.equal(page.get("vllm:prompt_tokens_total")!.samples[0].value, 1234500);
  const ttft = page.get("vllm:time_to_first_token_seconds")!;
  assert.equal(ttft.type, "histogram");
  assert.deepEqual(ttft.samples, []);
  // The last line counts without a trailing newline.
  assert.equal(parsePrometheus("a 1\nb 2").get("b")!.samples[0].value, 2);
  // Special values and escapes in label values.
  const odd = parsePrometheus('a{x="q\\"uote\\nline"} +Inf\nb NaN\nc -Inf');
  assert.deepEqual(odd.get("a")!.samples[0], { labels: { x: 'q"uote\nline' }, value: Infinity });
  assert.ok(Number.isNaN(odd.get("b")!.samples[0].value));
  assert.equal(odd.get("c")!.samples[0].value, -Infinity);
  // A family split in two is one family.
  const split = parsePrometheus('# TYPE a gauge\na 1\n# TYPE b gauge\nb 2\na{k="v"} 3\n');
  assert.deepEqual(split.get("a")!.samples.map((s) => s.value), [1, 3]);
  // Not Prometheus at all: nothing a known engine reports (the observer says so).
  assert.equal(detectEngine(parsePrometheus("<html><body>Not Found</body></html>")), null);
});

Deno.test("vLLM (V1): running/waiting summed over engines, KV usage averaged as %, counters", () => {
  const page = fixture("vllm.prom");
  const names = detectEngine(page)!;
  assert.equal(names.engine, "vllm");
  assert.deepEqual(readEngine(page, names), {
    running: 22,
    waiting: 5,
    kvUsagePct: 37.5,
    preemptionsTotal: 5,
    prefixHitsTotal: 3000,
    prefixQueriesTotal: 10000,
    prefixHitPct: null,
  });
});

Deno.test("vLLM (V0): gpu_cache_usage_perc and the prefix-cache hit-rate gauge", () => {
  const page = fixture("vllm_v0.prom");
  const names = detectEngine(page)!;
  assert.equal(names.engine, "vllm");
  assert.deepEqual(readEngine(page, names), {
    running: 7,
    waiting: 9,
    kvUsagePct: 87.5,
    preemptionsTotal: 17,
    prefixHitsTotal: null,
    prefixQueriesTotal: null,
    prefixHitPct: 40,
  });
});

Deno.test("SGLang: running/queue requests, token usage and cache hit rate as %", () => {
  const page = fixture("sglang.prom");
  const names = detectEngine(page)!;
  assert.equal(names.engine, "sglang");
  const r = readEngine(page, names);
  assert.equal(r.running, 162);
  assert.equal(r.waiting, 2826);
  assert.equal(r.kvUsagePct, 28.000000000000004);
  assert.equal(r.prefixHitPct, 0.75);
  assert.equal(r.preemptionsTotal, null);
});

Deno.test("TGI: batch size and queue size; no KV usage, preemptions or prefix cache", () => {
  const page = fixture("tgi.prom");
  const names = detectEngine(page)!;
  assert.equal(names.engine, "tgi");
  assert.deepEqual(readEngine(page, names), {
    running: 6,
    waiting: 11,
    kvUsagePct: null,
    preemptionsTotal: null,
    prefixHitsTotal: null,
    prefixQueriesTotal: null,
    prefixHitPct: null,
  });
});

Deno.test("llama.cpp: processing/deferred; prefix hits are cached prompt tokens over all prompt tokens", () => {
  const page = fixture("llamacpp.prom");
  const names = detectEngine(page)!;
  assert.equal(names.engine, "llama.cpp");
  assert.deepEqual(readEngine(page, names), {
    running: 2,
    waiting: 1,
    kvUsagePct: null, // this build prints no kv_cache_usage_ratio (older ones did)
    preemptionsTotal: null,
    prefixHitsTotal: 30,
    prefixQueriesTotal: 120,
    prefixHitPct: null,
  });
  // An older build's KV ratio is read when present.
  const old = parsePrometheus(
    "llamacpp:requests_processing 1\nllamacpp:kv_cache_usage_ratio 0.5\n",
  );
  assert.equal(readEngine(old, detectEngine(old)!).kvUsagePct, 50);
});

Deno.test("detectEngine: a page of no known engine is null", () => {
  assert.equal(detectEngine(parsePrometheus("process_cpu_seconds_total 3\nup 1\n")), null);
  assert.equal(detectEngine(new Map()), null);
});
