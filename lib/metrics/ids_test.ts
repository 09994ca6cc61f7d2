import assert from "node:assert/strict";
import { higherIsBetter, METRIC_IDS, metricInfo } from "./ids.ts";

Deno.test("metricInfo() describes every metric id, with a unit that matches its suffix", () => {
  for (const id of METRIC_IDS) {
    const info = metricInfo(id);
    assert.ok(info, `${id} has no metadata`);
    assert.equal(info.id, id);
    assert.ok(info.label.length > 0);
    if (id.endsWith("_ms")) assert.equal(info.unit, "ms", id);
    if (id.endsWith("_per_sec")) assert.match(info.unit, /\/s$/, id);
  }
});

Deno.test("higherIsBetter() from the table: rates up, latencies and failures down, counts neither", () => {
  for (
    const id of [
      "request_throughput_per_sec",
      "achieved_request_rate_per_sec",
      "inputs_per_sec",
      "goodput_ratio",
      "requests_completed",
    ]
  ) assert.equal(higherIsBetter(id), true, id);
  for (
    const id of [
      "ttft_p99_ms",
      "e2e_failure_adjusted_p99_ms",
      "requests_failed",
      "output_tokens_total",
      "duration_s",
      "itl_std_ms",
    ]
  ) assert.equal(higherIsBetter(id), false, id);
  assert.equal(metricInfo("requests_failed")!.better, "lower");
  assert.equal(metricInfo("output_tokens_total")!.better, "neither");
  assert.equal(metricInfo("ttft_p42_ms"), undefined);
});
