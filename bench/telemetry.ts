/**
 * Scenario 9: does sampling the GPU move what splleed measures? Runs of the
 * simulator (20 ms TTFT, 5 ms ITL, concurrency 8) alternate with GPU
 * telemetry off and on (NVML through the stand-in library of the tests, 8
 * devices, at the default 100 ms), and print each run's figures as one JSON
 * line for `bench/run.ts`.
 *
 * ```sh
 * deno run -A bench/telemetry.ts --reps 5 [--runs 64]
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { simulator } from "../lib/backends/simulator.ts";
import { GpuTelemetryObserver } from "../lib/gpu/observer.ts";
import { benchmark } from "../lib/runner/benchmark.ts";
import { compileCStub } from "../tests/c_stub.ts";

/** The figures compared, per run. */
export const TELEMETRY_FIGURES = [
  "ttft_p50_ms",
  "ttft_p99_ms",
  "itl_p50_ms",
  "itl_p99_ms",
  "throughput_tokens_per_sec",
] as const;

/** One run's figures. */
export interface TelemetryRun {
  /** Telemetry off or on. */
  mode: "off" | "on";
  /** The figures. */
  metrics: Record<string, number>;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { reps: { type: "string", default: "5" }, runs: { type: "string", default: "64" } },
  });
  const stub = await compileCStub(new URL("../tests/stubs/nvml_stub.c", import.meta.url));
  if (stub.path === null) throw new Error(`cannot build the stand-in NVML library: ${stub.reason}`);
  Deno.env.set("NVML_STUB_COUNT", "8");
  const runs: TelemetryRun[] = [];
  for (let rep = 0; rep < Number(values.reps); rep++) {
    // Alternate, starting with the other mode every second repetition, so drift cancels.
    const order = rep % 2 === 0 ? ["off", "on"] as const : ["on", "off"] as const;
    for (const mode of order) {
      const r = await benchmark({
        backend: simulator({ ttftMs: 20, itlMs: 5 }),
        prompts: ["a", "b"],
        concurrency: [8],
        runs: Number(values.runs),
        warmup: 8,
        trials: 1,
        records: false,
        sampling: { maxTokens: 64 },
        observers: mode === "on"
          ? [new GpuTelemetryObserver({ intervalMs: 100, library: stub.path })]
          : [],
      });
      const m = r.toJSON().levels[0].trials[0].metrics;
      runs.push({ mode, metrics: Object.fromEntries(TELEMETRY_FIGURES.map((id) => [id, m[id]])) });
    }
  }
  console.log(JSON.stringify({ runs }));
}
