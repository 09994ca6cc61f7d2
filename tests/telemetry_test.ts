/**
 * Telemetry asked for through the specification (`gpuMetrics`,
 * `emitMarkers`), as a user would: the samplers start with the run, add
 * their per-trial figures, show under the table and in the report, and say
 * why when their library is missing. The stand-in NVML and NVTX libraries
 * (tests/stubs) carry the real FFI path.
 */

import assert from "node:assert/strict";
import { simulator } from "../lib/backends/simulator.ts";
import { benchmark } from "../lib/runner/benchmark.ts";
import { compileCStub } from "./c_stub.ts";

const nvml = await compileCStub(new URL("./stubs/nvml_stub.c", import.meta.url));
const nvtx = await compileCStub(new URL("./stubs/nvtx_stub.c", import.meta.url));
const ignore = nvml.path === null || nvtx.path === null;
if (ignore) console.warn(`skipping the telemetry wiring test: ${nvml.reason ?? nvtx.reason}`);

Deno.test({
  name:
    "gpuMetrics and emitMarkers from the spec: GPU rows under the latency rows, markers emitted",
  ignore,
  async fn() {
    const log = await Deno.makeTempFile({ suffix: ".log" });
    for (const [k, v] of [["NVML_STUB_COUNT", "2"], ["NVML_STUB_POWER_MW", "250000"]]) {
      Deno.env.set(k, v);
    }
    Deno.env.set("NVTX_STUB_LOG", log);
    try {
      const results = await benchmark({
        backend: simulator({ ttftMs: 20, itlMs: 5 }),
        prompts: ["a"],
        concurrency: [2],
        warmup: 0,
        runs: 6,
        trials: 2,
        records: false,
        sampling: { maxTokens: 8 },
        gpuMetrics: { library: nvml.path!, intervalMs: 20 },
        emitMarkers: { library: nvtx.path! },
      });
      const doc = results.toJSON();
      assert.equal(doc.telemetry?.gpu?.available, true, doc.telemetry?.gpu?.note);
      assert.equal(doc.telemetry?.markers?.available, true, doc.telemetry?.markers?.note);
      // Two stub GPUs drawing 250 W and 500 W (device i draws i+1 times the setting): 750 W.
      assert.ok(Math.abs(doc.levels[0].summary.gpu_power_mean_w.value - 750) < 1e-6);
      const table = results.toTable();
      const rows = table.split("\n").map((l) => l.split("│")[1]?.trim()).filter(Boolean);
      assert.ok(
        rows.indexOf("GPU power mean (W)") > rows.indexOf("E2E p99 (ms)"),
        `GPU rows under the latency rows:\n${table}`,
      );
      // One range start and one end per request (12 measured), on the real FFI path.
      const lines = (await Deno.readTextFile(log)).split("\n");
      assert.equal(lines.filter((l) => l.startsWith("start ")).length, 12, lines.join("\n"));
      assert.equal(lines.filter((l) => l.startsWith("end ")).length, 12);
      assert.equal(lines.filter((l) => l.startsWith("bad ")).length, 0);
      const html = await results.toHTML();
      assert.match(html, /id="telemetry"/);
    } finally {
      Deno.env.delete("NVML_STUB_COUNT");
      Deno.env.delete("NVML_STUB_POWER_MW");
      Deno.env.delete("NVTX_STUB_LOG");
      await Deno.remove(log);
    }
  },
});
