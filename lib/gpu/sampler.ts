/**
 * Samples NVML beside a run: per device, GPU and memory utilisation, memory
 * used, power, temperature, SM clock, clock-throttle reasons and the energy
 * counter, every `intervalMs` on an unref'd timer (it never keeps the
 * process alive and never sits on the request path: NVML's sampling calls
 * run off the event loop). A field the device does not support
 * (`NVML_ERROR_NOT_SUPPORTED`) is left out of its samples from then on; any
 * other failure leaves that sample's field empty and is counted.
 *
 * Utilisation is NVML's: the share of the sample period in which one or
 * more kernels ran (see `nvml.ts`), not SM occupancy or achieved FLOPs.
 *
 * @module
 */

import { loadNvml, type Nvml, type NvmlDevice, NvmlError } from "./nvml.ts";

/** What one device is: from NVML, once. */
export interface GpuDeviceInfo {
  /** NVML's index. */
  index: number;
  /** Product name. */
  name: string;
  /** UUID (`GPU-...`). */
  uuid: string;
  /** Installed memory, MiB. */
  memoryTotalMib: number;
}

/** One device's reading; a field is absent when unsupported or when its call failed. */
export interface GpuReading {
  /** Share of the period a kernel ran, %. */
  utilPct?: number;
  /** Share of the period memory was read or written, %. */
  memUtilPct?: number;
  /** Memory allocated, MiB. */
  memoryUsedMib?: number;
  /** Power draw, W. */
  powerW?: number;
  /** GPU temperature, °C. */
  temperatureC?: number;
  /** SM clock, MHz. */
  smClockMhz?: number;
  /** Clock-throttle reason bits. */
  throttleReasons?: number;
  /** Energy counter since the driver loaded, mJ. */
  energyMj?: number;
}

/** One sample of every device. */
export interface GpuSample {
  /** `performance.now()` when the sample began. */
  tMs: number;
  /** One reading per sampled device, in the order of {@linkcode GpuSampler.devices}. */
  readings: GpuReading[];
}

/** The fields sampled, their series names and units, and how each is read. */
export const GPU_FIELDS = [
  { field: "utilPct", series: "gpu_util_pct", unit: "%" },
  { field: "memUtilPct", series: "gpu_mem_util_pct", unit: "%" },
  { field: "memoryUsedMib", series: "gpu_memory_used_mib", unit: "MiB" },
  { field: "powerW", series: "gpu_power_w", unit: "W" },
  { field: "temperatureC", series: "gpu_temperature_c", unit: "°C" },
  { field: "smClockMhz", series: "gpu_sm_clock_mhz", unit: "MHz" },
  { field: "throttleReasons", series: "gpu_throttle_reasons", unit: "bits" },
  { field: "energyMj", series: "gpu_energy_mj", unit: "mJ" },
] as const satisfies readonly { field: keyof GpuReading; series: string; unit: string }[];

/** The NVML queries a sample makes, by the reading fields each fills. */
type Query = {
  fn: string;
  read: (nvml: Nvml, d: NvmlDevice) => Promise<GpuReading>;
  fields: (keyof GpuReading)[];
};

const QUERIES: readonly Query[] = [
  {
    fn: "nvmlDeviceGetUtilizationRates",
    fields: ["utilPct", "memUtilPct"],
    read: async (n, d) => {
      const u = await n.utilization(d);
      return { utilPct: u.gpuPct, memUtilPct: u.memoryPct };
    },
  },
  {
    fn: "nvmlDeviceGetMemoryInfo",
    fields: ["memoryUsedMib"],
    read: async (n, d) => ({ memoryUsedMib: (await n.memory(d)).usedMib }),
  },
  {
    fn: "nvmlDeviceGetPowerUsage",
    fields: ["powerW"],
    read: async (n, d) => ({ powerW: await n.powerW(d) }),
  },
  {
    fn: "nvmlDeviceGetTemperature",
    fields: ["temperatureC"],
    read: async (n, d) => ({ temperatureC: await n.temperatureC(d) }),
  },
  {
    fn: "nvmlDeviceGetClockInfo",
    fields: ["smClockMhz"],
    read: async (n, d) => ({ smClockMhz: await n.smClockMhz(d) }),
  },
  {
    fn: "nvmlDeviceGetCurrentClocksThrottleReasons",
    fields: ["throttleReasons"],
    read: async (n, d) => ({ throttleReasons: await n.throttleReasons(d) }),
  },
  {
    fn: "nvmlDeviceGetTotalEnergyConsumption",
    fields: ["energyMj"],
    read: async (n, d) => ({ energyMj: await n.energyMj(d) }),
  },
];

/** Options of {@linkcode GpuSampler.open}. */
export interface GpuSamplerOptions {
  /** Sampling interval, ms. @default 100 */
  intervalMs?: number;
  /** NVML indices of the devices to sample. @default every device */
  devices?: number[];
  /** NVML library path, tried first. @default undefined (SPLLEED_NVML_LIBRARY, then libnvidia-ml.so.1) */
  library?: string;
  /** Reads an environment variable. @default Deno.env.get */
  env?: (name: string) => string | undefined;
}

/**
 * Samples NVML devices. {@linkcode GpuSampler.open} loads and initialises
 * NVML; {@linkcode GpuSampler.start} samples on a timer until
 * {@linkcode GpuSampler.stop}; {@linkcode GpuSampler.sample} takes one now
 * (ordered after any in flight); {@linkcode GpuSampler.close} shuts NVML down.
 *
 * @example Sample the GPUs for a second (on a machine without NVML, say why)
 * ```ts
 * import { GpuSampler } from "./sampler.ts";
 * import { NvmlError, NvmlLoadError } from "./nvml.ts";
 *
 * try {
 *   const s = await GpuSampler.open({ intervalMs: 100 });
 *   s.start();
 *   await new Promise((r) => setTimeout(r, 1000));
 *   await s.stop();
 *   s.close();
 *   console.log(s.devices.map((d) => d.name), s.samples.length);
 * } catch (e) {
 *   if (!(e instanceof NvmlLoadError || e instanceof NvmlError)) throw e;
 *   console.log(e.message); // the paths tried and SPLLEED_NVML_LIBRARY
 * }
 * ```
 */
export class GpuSampler {
  /** The sampled devices. */
  readonly devices: readonly GpuDeviceInfo[];
  /** The driver version, or null when NVML could not say. */
  readonly driver: string | null;
  /** Where NVML was loaded from. */
  readonly libraryPath: string;
  /** Sampling interval, ms. */
  readonly intervalMs: number;
  /** Every sample so far, in time order. */
  readonly samples: GpuSample[] = [];
  /** `GPU i: field` pairs the devices do not support (left out of the samples). */
  readonly unsupported = new Set<string>();
  /** Failed calls other than "not supported": function → count and NVML's first message. */
  readonly failures = new Map<string, { count: number; message: string }>();
  /** Timer ticks skipped because the previous sample was still running. */
  skipped = 0;

  #nvml: Nvml;
  #handles: NvmlDevice[];
  #off: Set<string>[]; // per device: queries not supported
  #timer: ReturnType<typeof setInterval> | undefined;
  #last: Promise<GpuSample | void> = Promise.resolve();
  #busy = false;

  private constructor(
    nvml: Nvml,
    handles: NvmlDevice[],
    devices: GpuDeviceInfo[],
    driver: string | null,
    intervalMs: number,
  ) {
    this.#nvml = nvml;
    this.#handles = handles;
    this.devices = devices;
    this.driver = driver;
    this.libraryPath = nvml.path;
    this.intervalMs = intervalMs;
    this.#off = handles.map(() => new Set());
  }

  /**
   * Loads and initialises NVML and reads each device's name, UUID and memory.
   *
   * @param options Library, devices and interval.
   * @returns The sampler (not yet sampling).
   * @throws {NvmlLoadError} When no NVML library loads (the paths tried are listed).
   * @throws {NvmlError} When NVML cannot initialise (no driver) or a device cannot be read.
   * @throws {RangeError} When `devices` names a device NVML does not see, or none are seen.
   */
  static async open(options: GpuSamplerOptions = {}): Promise<GpuSampler> {
    const intervalMs = options.intervalMs ?? 100;
    if (!(intervalMs > 0)) {
      throw new RangeError(`gpuMetrics.intervalMs must be a positive number, got ${intervalMs}`);
    }
    const nvml = loadNvml({ library: options.library, env: options.env });
    try {
      nvml.init();
      const count = nvml.deviceCount();
      const wanted = options.devices ?? [...Array(count).keys()];
      const bad = wanted.filter((i) => !Number.isInteger(i) || i < 0 || i >= count);
      if (bad.length > 0 || wanted.length === 0) {
        throw new RangeError(
          `gpuMetrics.devices must name GPUs NVML sees (${
            count === 0 ? "none" : `0–${count - 1}`
          }), got [${wanted.join(", ")}]`,
        );
      }
      let driver: string | null = null;
      try {
        driver = nvml.driverVersion();
      } catch (err) {
        if (!(err instanceof NvmlError)) throw err;
      }
      const handles = wanted.map((i) => nvml.device(i));
      const devices: GpuDeviceInfo[] = [];
      for (const h of handles) {
        devices.push({
          index: h.index,
          name: nvml.name(h),
          uuid: nvml.uuid(h),
          memoryTotalMib: (await nvml.memory(h)).totalMib,
        });
      }
      return new GpuSampler(nvml, handles, devices, driver, intervalMs);
    } catch (err) {
      nvml.close();
      throw err;
    }
  }

  /**
   * Takes one sample of every device now (after any sample in flight) and keeps it.
   *
   * @returns The sample.
   */
  sample(): Promise<GpuSample> {
    const next = this.#last.then(() => this.#take());
    this.#last = next.catch(() => {});
    return next;
  }

  async #take(): Promise<GpuSample> {
    const tMs = performance.now();
    const readings = await Promise.all(this.#handles.map((h, i) => this.#read(h, i)));
    const s: GpuSample = { tMs, readings };
    this.samples.push(s);
    return s;
  }

  /**
   * Keeps `unsupported` in a fixed order (by device, then field as the
   * queries list them): the queries of a sample run together and may fail
   * in any order.
   */
  #sortUnsupported(): void {
    const order = (e: string) => {
      const m = /^GPU (\d+): (.*)$/.exec(e)!;
      const field = QUERIES.flatMap((q) => q.fields as string[]).indexOf(m[2]);
      return Number(m[1]) * 1000 + field;
    };
    const sorted = [...this.unsupported].sort((a, b) => order(a) - order(b));
    this.unsupported.clear();
    for (const e of sorted) this.unsupported.add(e);
  }

  async #read(h: NvmlDevice, i: number): Promise<GpuReading> {
    const off = this.#off[i];
    const parts = await Promise.all(QUERIES.map(async (q): Promise<GpuReading> => {
      if (off.has(q.fn)) return {};
      try {
        return await q.read(this.#nvml, h);
      } catch (err) {
        if (!(err instanceof NvmlError)) throw err;
        if (err.notSupported) {
          off.add(q.fn);
          for (const f of q.fields) this.unsupported.add(`GPU ${h.index}: ${f}`);
          this.#sortUnsupported();
        } else {
          const f = this.failures.get(q.fn);
          if (f === undefined) this.failures.set(q.fn, { count: 1, message: err.message });
          else f.count++;
        }
        return {};
      }
    }));
    return Object.assign({}, ...parts);
  }

  /** Samples every `intervalMs` until {@linkcode GpuSampler.stop} (the timer keeps nothing alive). */
  start(): void {
    if (this.#timer !== undefined) return;
    const timer = setInterval(() => {
      if (this.#busy) {
        this.skipped++;
        return;
      }
      this.#busy = true;
      this.sample().catch(() => {}).finally(() => {
        this.#busy = false;
      });
    }, this.intervalMs);
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }

  /** Stops the timer and waits for the sample in flight. */
  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#last;
  }

  /** Shuts NVML down and unloads it (after {@linkcode GpuSampler.stop}). Never throws. */
  close(): void {
    try {
      this.#nvml.close();
    } catch {
      // already closed
    }
  }
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function defined(xs: (number | undefined)[]): number[] {
  return xs.filter((x): x is number => x !== undefined);
}

/**
 * Per-trial GPU metric ids from the samples taken in `[startMs, endMs]`:
 * utilisation mean/min/max and memory-utilisation mean over the samples
 * (each sample averaged across devices), memory peak and mean power
 * (summed across devices: the machine's GPUs), energy (each device's
 * counter difference over the window, summed) and energy per output token.
 * An id is left out when no sample in the window has its field.
 *
 * @param samples The samples (any order).
 * @param startMs Window start (`performance.now()`).
 * @param endMs Window end.
 * @param outputTokens The trial's output tokens (for energy per token); 0 or NaN leaves it out.
 * @returns Metric id → value.
 *
 * @example
 * ```ts
 * import { summarizeGpuSamples } from "./sampler.ts";
 * import assert from "node:assert/strict";
 *
 * const m = summarizeGpuSamples([
 *   { tMs: 0, readings: [{ utilPct: 20, powerW: 100, energyMj: 0, memoryUsedMib: 10 }, { utilPct: 40, powerW: 50, energyMj: 0, memoryUsedMib: 5 }] },
 *   { tMs: 1000, readings: [{ utilPct: 60, powerW: 300, energyMj: 200_000, memoryUsedMib: 30 }, { utilPct: 80, powerW: 50, energyMj: 50_000, memoryUsedMib: 5 }] },
 * ], 0, 1000, 1000);
 * assert.deepEqual(m, {
 *   gpu_util_mean_pct: 50, gpu_util_min_pct: 30, gpu_util_max_pct: 70,
 *   gpu_memory_peak_mib: 35, gpu_power_mean_w: 250,
 *   gpu_energy_j: 250, gpu_energy_per_token_j: 0.25,
 * });
 * ```
 */
export function summarizeGpuSamples(
  samples: readonly GpuSample[],
  startMs: number,
  endMs: number,
  outputTokens: number,
): Record<string, number> {
  const win = samples.filter((s) => s.tMs >= startMs && s.tMs <= endMs)
    .sort((a, b) => a.tMs - b.tMs);
  const out: Record<string, number> = {};
  const perSample = (
    pick: (r: GpuReading) => number | undefined,
    combine: (xs: number[]) => number,
  ) =>
    win.flatMap((s) => {
      const xs = defined(s.readings.map(pick));
      return xs.length > 0 ? [combine(xs)] : [];
    });
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const util = perSample((r) => r.utilPct, mean);
  if (util.length > 0) {
    out.gpu_util_mean_pct = mean(util);
    out.gpu_util_min_pct = Math.min(...util);
    out.gpu_util_max_pct = Math.max(...util);
  }
  const memUtil = perSample((r) => r.memUtilPct, mean);
  if (memUtil.length > 0) out.gpu_mem_util_mean_pct = mean(memUtil);
  const mem = perSample((r) => r.memoryUsedMib, sum);
  if (mem.length > 0) out.gpu_memory_peak_mib = Math.max(...mem);
  const power = perSample((r) => r.powerW, sum);
  if (power.length > 0) out.gpu_power_mean_w = mean(power);
  // Energy: each device's counter, last minus first reading in the window.
  const devices = win.length > 0 ? Math.max(...win.map((s) => s.readings.length)) : 0;
  let energyMj = 0;
  let anyEnergy = false;
  for (let d = 0; d < devices; d++) {
    const e = defined(win.map((s) => s.readings[d]?.energyMj));
    if (e.length >= 2) {
      energyMj += e[e.length - 1] - e[0];
      anyEnergy = true;
    }
  }
  if (anyEnergy) {
    out.gpu_energy_j = energyMj / 1000;
    if (outputTokens > 0) out.gpu_energy_per_token_j = out.gpu_energy_j / outputTokens;
  }
  return out;
}
