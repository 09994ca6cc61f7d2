/**
 * GPU telemetry as a run observer (`gpuMetrics`): NVML is opened when the
 * run starts, sampled every `intervalMs` beside it (never on the request
 * path), and summarised per measured trial into the `gpu_*` metric ids;
 * when the run ends the time series go into `results.telemetry.gpu` on the
 * run's clock (ms from its origin, like the records).
 *
 * Without NVML (no GPU, no driver, no FFI permission) the run goes on and
 * `telemetry.gpu` is `{ available: false, note }`, the note naming the paths
 * tried and the option or variable that fixes it.
 *
 * What the utilisation figures mean: NVML's "GPU utilisation" is the share
 * of each sample period in which one or more kernels ran on the GPU. It is
 * not SM occupancy and not achieved FLOPs: a GPU running one small kernel
 * at a time reads 100 %. Read a low figure as "the GPU sat idle" (the
 * engine or the client is the bottleneck); do not read a high one as "the
 * GPU is saturated".
 *
 * @module
 */

import { GPU_FIELDS, type GpuSample, GpuSampler, summarizeGpuSamples } from "./sampler.ts";
import { NvmlError, NvmlLoadError } from "./nvml.ts";

/** Runs longer than this keep 1 s means instead of every sample. */
const FULL_RESOLUTION_MS = 3_600_000;

/** One telemetry time series (the results document's `TelemetrySeries`). */
export interface GpuTelemetrySeries {
  /** Series id (`gpu_util_pct`, ...). */
  name: string;
  /** Unit. */
  unit: string;
  /** The device: `GPU 0 (NVIDIA H100 80GB HBM3)`. */
  source?: string;
  /** Sample times, ms from the run's origin. */
  tMs: number[];
  /** Values (null where the sample's call failed). */
  values: (number | null)[];
}

/** What GPU telemetry adds to the results (the document's `TelemetrySource`). */
export interface GpuTelemetrySource {
  /** Whether NVML was sampled. */
  available: boolean;
  /** Why it is missing, or what a reader must know. */
  note?: string;
  /** Sampling interval, ms. */
  intervalMs?: number;
  /** Library path, driver and devices. */
  info?: Record<string, unknown>;
  /** The time series, per device and quantity. */
  series: GpuTelemetrySeries[];
}

/** Options of {@linkcode GpuTelemetryObserver}. */
export interface GpuTelemetryOptions {
  /**
   * Sampling interval, ms. Each sample makes 7 NVML calls per GPU off the
   * event loop; at the usual 100 ms the measured figures do not move, but
   * on a small client machine intervals near 10 ms with many GPUs can add
   * to tail latency (measured: ITL p99 9.7 → 18.6 ms, 8 GPUs, 2 busy cores).
   */
  intervalMs: number;
  /** NVML indices of the GPUs to sample. @default every GPU */
  devices?: number[];
  /** NVML library path, tried first. @default undefined (SPLLEED_NVML_LIBRARY, then libnvidia-ml.so.1) */
  library?: string;
  /** Reads an environment variable (tests). @default Deno.env.get */
  env?: (name: string) => string | undefined;
}

/**
 * Samples the GPUs through NVML beside a run. Pass it to
 * `benchmark({ observers: [...] })` (or set `gpuMetrics`). Per measured
 * trial it adds `gpu_util_mean_pct`, `gpu_util_min_pct`, `gpu_util_max_pct`,
 * `gpu_mem_util_mean_pct`, `gpu_memory_peak_mib`, `gpu_power_mean_w`,
 * `gpu_energy_j` and `gpu_energy_per_token_j` (those the GPUs support) to
 * the trial's metrics; at the end it sets `results.telemetry.gpu`.
 *
 * @example Without NVML the run goes on, and the results say why
 * ```ts
 * import { GpuTelemetryObserver, type GpuTelemetrySource } from "./observer.ts";
 * import assert from "node:assert/strict";
 *
 * const gpu = new GpuTelemetryObserver({ intervalMs: 100, library: "/nonexistent/libnvidia-ml.so.1", env: () => undefined });
 * await gpu.onRunStart({ clock: { originMs: performance.now(), originEpochMs: Date.now() } });
 * const results: { telemetry?: { gpu?: GpuTelemetrySource } } = {};
 * await gpu.onRunEnd({ results });
 * assert.equal(results.telemetry?.gpu?.available, false);
 * assert.match(results.telemetry!.gpu!.note!, /\/nonexistent\/libnvidia-ml\.so\.1/);
 * assert.match(results.telemetry!.gpu!.note!, /SPLLEED_NVML_LIBRARY or gpuMetrics\.library/);
 * ```
 */
export class GpuTelemetryObserver {
  /** Name in warnings. */
  readonly name = "gpu-metrics";
  #options: GpuTelemetryOptions;
  #sampler: GpuSampler | null = null;
  #unavailable: string | null = null;
  #originMs = 0;
  #trialStartMs = 0;

  /**
   * Checks the options; NVML is loaded when the run starts, not here.
   *
   * @param options Interval, devices and library.
   * @throws {RangeError} When `intervalMs` is not a positive number.
   */
  constructor(options: GpuTelemetryOptions) {
    if (!(options.intervalMs > 0)) {
      throw new RangeError(
        `Cannot sample GPUs: 'gpuMetrics.intervalMs' must be a positive number of ms, got ${options.intervalMs}`,
      );
    }
    this.#options = options;
  }

  /**
   * Opens NVML and starts sampling; never throws (a failure makes the telemetry unavailable).
   *
   * @param event The run's clock.
   */
  async onRunStart(event: { clock: { originMs: number; originEpochMs: number } }): Promise<void> {
    this.#originMs = event.clock.originMs;
    try {
      this.#sampler = await GpuSampler.open(this.#options);
    } catch (err) {
      this.#unavailable = unavailableNote(err);
      return;
    }
    await this.#sampler.sample(); // a first reading at the start
    this.#sampler.start();
  }

  /**
   * Takes a reading at the trial's start (the first of its window).
   *
   * @param event The trial's start.
   */
  async onTrialStart(event: { startMs: number }): Promise<void> {
    this.#trialStartMs = event.startMs;
    await this.#sampler?.sample();
  }

  /**
   * Takes a reading at the trial's end and adds the trial's `gpu_*` ids to its metrics.
   *
   * @param event The trial's result.
   */
  async onTrialEnd(event: { result: { metrics: Record<string, number> } }): Promise<void> {
    const s = this.#sampler;
    if (s === null) return;
    const end = await s.sample();
    const m = event.result.metrics;
    Object.assign(
      m,
      summarizeGpuSamples(s.samples, this.#trialStartMs, end.tMs, m.output_tokens_total ?? NaN),
    );
  }

  /**
   * Stops sampling, shuts NVML down and sets `results.telemetry.gpu`.
   *
   * @param event The final document.
   */
  async onRunEnd(
    event: { results: { telemetry?: { gpu?: GpuTelemetrySource } } },
  ): Promise<void> {
    const telemetry = event.results.telemetry ??= {};
    const s = this.#sampler;
    if (s === null) {
      telemetry.gpu = {
        available: false,
        note: this.#unavailable ?? "GPU sampling never started (the run ended before it began)",
        series: [],
      };
      return;
    }
    this.#sampler = null;
    await s.stop();
    s.close();
    telemetry.gpu = {
      available: true,
      ...(noteOf(s) === undefined ? {} : { note: noteOf(s) }),
      intervalMs: s.intervalMs,
      info: {
        library: s.libraryPath,
        driver: s.driver,
        devices: s.devices.map((d) => ({ ...d })),
        samples: s.samples.length,
      },
      series: seriesOf(s, this.#originMs),
    };
  }
}

function unavailableNote(err: unknown): string {
  if (err instanceof NvmlLoadError) return err.message;
  if (err instanceof NvmlError) {
    return `NVML could not be initialised: ${err.message}; check the NVIDIA driver, or set ` +
      `SPLLEED_NVML_LIBRARY or gpuMetrics.library to the libnvidia-ml.so.1 that matches it`;
  }
  return `GPU sampling could not start: ${err instanceof Error ? err.message : String(err)}`;
}

function noteOf(s: GpuSampler): string | undefined {
  const parts: string[] = [];
  if (s.unsupported.size > 0) {
    parts.push(`not supported, left out: ${[...s.unsupported].join(", ")}`);
  }
  for (const [fn, f] of s.failures) {
    parts.push(`${f.count} sample(s) without ${fn}: ${f.message}`);
  }
  if (s.skipped > 0) {
    parts.push(
      `${s.skipped} sample(s) skipped: NVML took longer than the ${s.intervalMs} ms interval`,
    );
  }
  return parts.length > 0 ? parts.join("; ") : undefined;
}

/** The series: one per device and supported field, on the run's clock. */
function seriesOf(s: GpuSampler, originMs: number): GpuTelemetrySeries[] {
  let samples: readonly GpuSample[] = [...s.samples].sort((a, b) => a.tMs - b.tMs);
  const spanMs = samples.length > 1 ? samples[samples.length - 1].tMs - samples[0].tMs : 0;
  const perSecond = spanMs > FULL_RESOLUTION_MS && s.intervalMs < 1000;
  if (perSecond) samples = secondMeans(samples, originMs);
  const out: GpuTelemetrySeries[] = [];
  for (const [d, dev] of s.devices.entries()) {
    for (const f of GPU_FIELDS) {
      const values = samples.map((x) => x.readings[d]?.[f.field] ?? null);
      if (values.every((v) => v === null)) continue; // not supported: left out
      out.push({
        name: f.series,
        unit: f.unit,
        source: `GPU ${dev.index} (${dev.name})`,
        tMs: samples.map((x) => Math.round((x.tMs - originMs) * 1000) / 1000),
        values,
      });
    }
  }
  return out;
}

/** Long runs: one sample per second of the run, each field the mean of that second's readings. */
function secondMeans(samples: readonly GpuSample[], originMs: number): GpuSample[] {
  const buckets = new Map<number, GpuSample[]>();
  for (const x of samples) {
    const k = Math.floor((x.tMs - originMs) / 1000);
    const b = buckets.get(k);
    if (b === undefined) buckets.set(k, [x]);
    else b.push(x);
  }
  return [...buckets.values()].map((b) => ({
    tMs: b[0].tMs,
    readings: b[0].readings.map((_, d) => {
      const r: Record<string, number> = {};
      for (const f of GPU_FIELDS) {
        const xs = b.map((x) => x.readings[d]?.[f.field]).filter((v): v is number =>
          v !== undefined
        );
        if (xs.length > 0) r[f.field] = xs.reduce((a, c) => a + c, 0) / xs.length;
      }
      return r;
    }),
  }));
}
