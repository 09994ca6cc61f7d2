/**
 * GPU telemetry through the real FFI path: the stand-in NVML
 * `tests/stubs/nvml_stub.c` (compiled with the system C compiler, values and
 * error codes scripted through NVML_STUB_* variables) is loaded through
 * `SPLLEED_NVML_LIBRARY` or the `library` option, and the sampler and the
 * observer are checked against the values it returns.
 */

import assert from "node:assert/strict";
import { simulator } from "../lib/backends/simulator.ts";
import { benchmark } from "../lib/runner/benchmark.ts";
import type { RunObserver } from "../lib/runner/observer.ts";
import type { TelemetrySource } from "../lib/results/document.ts";
import { loadNvml, NVML_LIBRARY_ENV, NvmlError } from "../lib/gpu/nvml.ts";
import { GpuSampler } from "../lib/gpu/sampler.ts";
import { GpuTelemetryObserver } from "../lib/gpu/observer.ts";
import { compileCStub } from "./c_stub.ts";

const stub = await compileCStub(new URL("./stubs/nvml_stub.c", import.meta.url));
const ignore = stub.path === null;
if (stub.path === null) console.warn(`skipping the NVML FFI tests: ${stub.reason}`);

/** Runs `f` with these variables set, removing them after. */
async function withEnv<T>(vars: Record<string, string>, f: () => Promise<T>): Promise<T> {
  for (const [k, v] of Object.entries(vars)) Deno.env.set(k, v);
  try {
    return await f();
  } finally {
    for (const k of Object.keys(vars)) Deno.env.delete(k);
  }
}

Deno.test({
  name: "NVML: what the sampler reads through FFI equals what the library returns",
  ignore,
  async fn() {
    // Found through SPLLEED_NVML_LIBRARY (no option): the order the docs promise.
    const env = {
      [NVML_LIBRARY_ENV]: stub.path!,
      NVML_STUB_COUNT: "2",
      NVML_STUB_UTIL: "37",
      NVML_STUB_MEM_UTIL: "12",
      NVML_STUB_MEM_TOTAL_MIB: "81559",
      NVML_STUB_MEM_USED_MIB: "1024",
      NVML_STUB_POWER_MW: "250500",
      NVML_STUB_TEMP: "61",
      NVML_STUB_SM_CLOCK: "1755",
      NVML_STUB_THROTTLE: "0x104",
      NVML_STUB_DRIVER: "550.54.15",
    };
    await withEnv(env, async () => {
      const s = await GpuSampler.open({ intervalMs: 50 });
      try {
        assert.equal(s.libraryPath, stub.path);
        assert.equal(s.driver, "550.54.15");
        assert.deepEqual(s.devices, [
          {
            index: 0,
            name: "Stub GPU 0",
            uuid: "GPU-00000000-0000-0000-0000-000000000000",
            memoryTotalMib: 81559,
          },
          {
            index: 1,
            name: "Stub GPU 1",
            uuid: "GPU-00000000-0000-0000-0000-000000000001",
            memoryTotalMib: 81559,
          },
        ]);
        const a = await s.sample();
        await new Promise((r) => setTimeout(r, 30));
        const b = await s.sample();
        for (const [d, r] of a.readings.entries()) {
          const { energyMj, ...rest } = r;
          assert.deepEqual(rest, {
            utilPct: 37,
            memUtilPct: 12,
            memoryUsedMib: 1024 * (d + 1), // device i uses (i+1) x NVML_STUB_MEM_USED_MIB
            powerW: 250.5 * (d + 1), // NVML reports mW
            temperatureC: 61,
            smClockMhz: 1755,
            throttleReasons: 0x104,
          });
          // The counter is power x time since init: it grows by at least 30 ms of power.
          const grown = b.readings[d].energyMj! - energyMj!;
          assert.ok(grown >= 250.5 * (d + 1) * 30, `device ${d} energy grew ${grown} mJ`);
        }
        assert.equal(s.unsupported.size, 0);
        assert.equal(s.failures.size, 0);
      } finally {
        await s.stop();
        s.close();
      }
    });
  },
});

Deno.test({
  name: "NVML: a failing call raises NvmlError with NVML's own message and code",
  ignore,
  async fn() {
    await withEnv({ NVML_STUB_FAIL: "nvmlDeviceGetPowerUsage:15" }, async () => {
      const nvml = loadNvml({ library: stub.path!, env: () => undefined });
      try {
        nvml.init();
        const d = nvml.device(0);
        await assert.rejects(() => nvml.powerW(d), (e: unknown) => {
          assert.ok(e instanceof NvmlError);
          assert.equal(e.code, 15);
          assert.equal(e.nvmlMessage, "GPU is lost");
          assert.equal(e.functionName, "nvmlDeviceGetPowerUsage");
          assert.equal(e.message, "NVML nvmlDeviceGetPowerUsage failed: GPU is lost (code 15)");
          return true;
        });
        assert.throws(
          () => nvml.device(5),
          /nvmlDeviceGetHandleByIndex_v2 failed: Invalid Argument \(code 2\)/,
        );
      } finally {
        nvml.close();
      }
    });
    await withEnv({ NVML_STUB_FAIL: "nvmlInit_v2:9" }, async () => {
      await assert.rejects(
        () => GpuSampler.open({ library: stub.path! }),
        (e: unknown) => e instanceof NvmlError && e.nvmlMessage === "Driver Not Loaded",
      );
    });
  },
});

Deno.test({
  name: "NVML: an unsupported field is left out; another failure empties that sample's field",
  ignore,
  async fn() {
    const env = {
      NVML_STUB_FAIL: "nvmlDeviceGetPowerUsage:3,nvmlDeviceGetTemperature:15",
    };
    await withEnv(env, async () => {
      const s = await GpuSampler.open({ library: stub.path!, env: () => undefined });
      try {
        const a = await s.sample();
        const b = await s.sample();
        for (const x of [a, b]) {
          assert.equal("powerW" in x.readings[0], false);
          assert.equal("temperatureC" in x.readings[0], false);
          assert.equal(x.readings[0].utilPct, 37);
        }
        assert.deepEqual([...s.unsupported], ["GPU 0: powerW"]);
        assert.deepEqual(Object.fromEntries(s.failures), {
          nvmlDeviceGetTemperature: {
            count: 2,
            message: "NVML nvmlDeviceGetTemperature failed: GPU is lost (code 15)",
          },
        });
      } finally {
        await s.stop();
        s.close();
      }
    });
  },
});

Deno.test({
  name:
    "GpuTelemetryObserver over a simulator run: per-trial gpu_* ids and the series on the run's clock",
  ignore,
  async fn() {
    const env = {
      NVML_STUB_COUNT: "2",
      NVML_STUB_UTIL: "10",
      NVML_STUB_UTIL_STEP: "7", // each utilisation call adds 7 (mod 101): min < mean < max
      NVML_STUB_MEM_USED_MIB: "1000",
      NVML_STUB_POWER_MW: "200000",
    };
    const gpu = new GpuTelemetryObserver({ intervalMs: 20, library: stub.path! });
    const typed: RunObserver = gpu; // it is a RunObserver
    const t0 = performance.now();
    const r = await withEnv(env, () =>
      benchmark({
        backend: simulator({ ttftMs: 20, itlMs: 5 }),
        prompts: ["a", "b"],
        concurrency: [1, 2],
        runs: 4,
        warmup: 0,
        trials: 2,
        records: false,
        sampling: { maxTokens: 20 },
        observers: [typed],
      }));
    const runMs = performance.now() - t0;
    const doc = r.toJSON();
    for (const level of doc.levels) {
      for (const t of level.trials) {
        const m = t.metrics;
        // Utilisation is averaged across the two devices (equal here), over the trial's samples.
        assert.ok(m.gpu_util_min_pct < m.gpu_util_mean_pct, JSON.stringify(m));
        assert.ok(m.gpu_util_mean_pct < m.gpu_util_max_pct, JSON.stringify(m));
        assert.ok(m.gpu_util_min_pct >= 0 && m.gpu_util_max_pct <= 100); // the ramp wraps at 101
        assert.equal(m.gpu_mem_util_mean_pct, 12);
        assert.equal(m.gpu_memory_peak_mib, 1000 + 2000); // summed over devices
        assert.equal(m.gpu_power_mean_w, 200 + 400); // summed over devices
        // Energy: the counters (600 W together) over the trial's window, which spans
        // the trial (duration_s) plus the two readings that bound it (a few ms; 50 ms
        // short and 250 ms long allowed for a loaded machine).
        const windowS = m.gpu_energy_j / 600;
        assert.ok(
          windowS >= m.duration_s - 0.05 && windowS <= m.duration_s + 0.25,
          `energy window ${windowS} s vs trial ${m.duration_s} s`,
        );
        assert.equal(m.gpu_energy_per_token_j, m.gpu_energy_j / m.output_tokens_total);
      }
      // Summarised per level like any metric.
      assert.ok(level.summary.gpu_power_mean_w !== undefined);
      assert.equal(level.summary.gpu_power_mean_w.value, 600);
    }
    const g = doc.telemetry?.gpu as TelemetrySource;
    assert.equal(g.available, true);
    assert.equal(g.note, undefined);
    assert.equal(g.intervalMs, 20);
    assert.equal(g.info?.library, stub.path);
    assert.deepEqual(
      (g.info?.devices as { name: string }[]).map((d) => d.name),
      ["Stub GPU 0", "Stub GPU 1"],
    );
    const names = new Set(g.series.map((s) => `${s.source}: ${s.name}`));
    for (const src of ["GPU 0 (Stub GPU 0)", "GPU 1 (Stub GPU 1)"]) {
      for (const n of ["gpu_util_pct", "gpu_power_w", "gpu_memory_used_mib", "gpu_energy_mj"]) {
        assert.ok(names.has(`${src}: ${n}`), `missing ${src}: ${n}`);
      }
    }
    const util0 = g.series.find((s) => s.name === "gpu_util_pct" && s.source?.startsWith("GPU 0"))!;
    assert.equal(util0.tMs.length, util0.values.length);
    assert.ok(util0.tMs.length >= 10, `${util0.tMs.length} samples`);
    // On the run's clock: from its origin (ms), increasing, within the run.
    assert.ok(
      util0.tMs[0] >= 0 && util0.tMs.at(-1)! <= runMs,
      `${util0.tMs[0]}..${util0.tMs.at(-1)}`,
    );
    for (let i = 1; i < util0.tMs.length; i++) assert.ok(util0.tMs[i] >= util0.tMs[i - 1]);
    // The values are the stub's ramp, one step per call.
    assert.deepEqual(util0.values.slice(0, 3), [10, 17, 24]);
  },
});

Deno.test("GpuTelemetryObserver without NVML: the run goes on and the note names the paths and the fix", async () => {
  const gpu = new GpuTelemetryObserver({
    intervalMs: 50,
    library: "/nonexistent/option/libnvidia-ml.so.1",
    env: (k) => k === NVML_LIBRARY_ENV ? "/nonexistent/env/libnvml.so" : undefined,
  });
  const r = await benchmark({
    backend: simulator({ ttftMs: 2, itlMs: 1 }),
    prompts: ["a"],
    runs: 2,
    warmup: 0,
    trials: 1,
    records: false,
    sampling: { maxTokens: 2 },
    observers: [gpu],
  });
  const doc = r.toJSON();
  assert.equal(doc.levels[0].summary.requests_completed.value, 2);
  assert.equal(
    Object.keys(doc.levels[0].trials[0].metrics).some((k) => k.startsWith("gpu_")),
    false,
  );
  const g = doc.telemetry?.gpu as TelemetrySource;
  assert.equal(g.available, false);
  assert.deepEqual(g.series, []);
  for (
    const p of [
      "/nonexistent/option/libnvidia-ml.so.1",
      "/nonexistent/env/libnvml.so",
      "libnvidia-ml.so.1",
      "set SPLLEED_NVML_LIBRARY or gpuMetrics.library",
    ]
  ) {
    assert.ok(g.note!.includes(p), `note lacks ${p}: ${g.note}`);
  }
  assert.deepEqual(doc.warnings.filter((w) => w.includes("gpu")), []);
});

Deno.test({
  name: "GpuTelemetryObserver when NVML does not initialise: unavailable, with NVML's message",
  ignore,
  async fn() {
    const gpu = new GpuTelemetryObserver({ intervalMs: 50, library: stub.path! });
    const results: { telemetry?: { gpu?: TelemetrySource } } = {};
    await withEnv({ NVML_STUB_FAIL: "nvmlInit_v2:9" }, async () => {
      await gpu.onRunStart({ clock: { originMs: performance.now(), originEpochMs: Date.now() } });
      await gpu.onTrialStart({ startMs: performance.now() });
      const metrics: Record<string, number> = {};
      await gpu.onTrialEnd({ result: { metrics } });
      assert.deepEqual(metrics, {});
      await gpu.onRunEnd({ results });
    });
    assert.equal(results.telemetry?.gpu?.available, false);
    assert.match(results.telemetry!.gpu!.note!, /nvmlInit_v2 failed: Driver Not Loaded \(code 9\)/);
    assert.match(results.telemetry!.gpu!.note!, /SPLLEED_NVML_LIBRARY or gpuMetrics\.library/);
  },
});

Deno.test({
  name: "GpuTelemetryObserver without --allow-ffi: unavailable, saying which permission is missing",
  ignore,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const script = `${dir}/no_ffi.ts`;
      const observer = new URL("../lib/gpu/observer.ts", import.meta.url).href;
      await Deno.writeTextFile(
        script,
        `import { GpuTelemetryObserver } from ${JSON.stringify(observer)};
const gpu = new GpuTelemetryObserver({ intervalMs: 50, library: ${JSON.stringify(stub.path)} });
await gpu.onRunStart({ clock: { originMs: performance.now(), originEpochMs: Date.now() } });
const results = {};
await gpu.onRunEnd({ results });
console.log(JSON.stringify(results));`,
      );
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--no-prompt", "--allow-read", "--allow-env", script],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      const g = JSON.parse(new TextDecoder().decode(out.stdout)).telemetry.gpu;
      assert.equal(g.available, false);
      assert.ok(g.note.includes(`${stub.path} (no FFI permission: run with --allow-ffi)`), g.note);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "GpuTelemetryObserver: unsupported power and energy are left out of metrics and series, with a note",
  ignore,
  async fn() {
    const env = {
      NVML_STUB_FAIL: "nvmlDeviceGetPowerUsage:3,nvmlDeviceGetTotalEnergyConsumption:3",
    };
    const gpu = new GpuTelemetryObserver({ intervalMs: 10, library: stub.path! });
    const results: { telemetry?: { gpu?: TelemetrySource } } = {};
    const metrics: Record<string, number> = { output_tokens_total: 100 };
    await withEnv(env, async () => {
      await gpu.onRunStart({ clock: { originMs: performance.now(), originEpochMs: Date.now() } });
      await gpu.onTrialStart({ startMs: performance.now() });
      await new Promise((r) => setTimeout(r, 50));
      await gpu.onTrialEnd({ result: { metrics } });
      await gpu.onRunEnd({ results });
    });
    assert.deepEqual(Object.keys(metrics).sort(), [
      "gpu_mem_util_mean_pct",
      "gpu_memory_peak_mib",
      "gpu_util_max_pct",
      "gpu_util_mean_pct",
      "gpu_util_min_pct",
      "output_tokens_total",
    ]);
    const g = results.telemetry!.gpu!;
    assert.equal(g.available, true);
    const names = g.series.map((s) => s.name);
    assert.deepEqual(names, [
      "gpu_util_pct",
      "gpu_mem_util_pct",
      "gpu_memory_used_mib",
      "gpu_temperature_c",
      "gpu_sm_clock_mhz",
      "gpu_throttle_reasons",
    ]);
    assert.equal(g.note, "not supported, left out: GPU 0: powerW, GPU 0: energyMj");
  },
});
