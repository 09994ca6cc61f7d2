/**
 * NVML (the NVIDIA Management Library, `libnvidia-ml.so`) through
 * `Deno.dlopen`: the symbols splleed uses, declared once, loaded lazily
 * (never at import), with every return code turned into a typed
 * {@linkcode NvmlError} carrying NVML's own message (`nvmlErrorString`).
 *
 * The library is found by an explicit path (the `gpuMetrics.library`
 * option), then the `SPLLEED_NVML_LIBRARY` environment variable, then the
 * standard name `libnvidia-ml.so.1`. When none loads, {@linkcode NvmlLoadError}
 * lists every path tried and what fixes it.
 *
 * The calls made while sampling are `nonblocking` (NVML runs on a worker
 * thread and the event loop, which timestamps tokens, never waits for it).
 *
 * What NVML's "utilisation" means: `gpu` is the share of the last sample
 * period (1/6 s to 1 s, depending on the product) during which one or more
 * kernels were running on the GPU, and `memory` the share during which
 * device memory was being read or written. Neither is SM occupancy or
 * achieved FLOPs: one small kernel running all the time reads 100 %.
 *
 * @module
 */

/** The standard name of the NVML library on Linux (what the driver installs). */
export const NVML_DEFAULT_LIBRARY = "libnvidia-ml.so.1";

/** The environment variable naming the NVML library. */
export const NVML_LIBRARY_ENV = "SPLLEED_NVML_LIBRARY";

/** `nvmlDevice_t` and `char*` out-parameters are pointers; everything returns `nvmlReturn_t`. */
const RET = "i32" as const;

/**
 * The NVML symbols splleed uses, with NVML's C signatures (nvml.h).
 * Throttle reasons and energy are optional: a library without them still loads.
 */
export const NVML_SYMBOLS = {
  nvmlInit_v2: { parameters: [], result: RET },
  nvmlShutdown: { parameters: [], result: RET },
  nvmlErrorString: { parameters: ["i32"], result: "pointer" },
  nvmlSystemGetDriverVersion: { parameters: ["buffer", "u32"], result: RET },
  nvmlDeviceGetCount_v2: { parameters: ["buffer"], result: RET },
  nvmlDeviceGetHandleByIndex_v2: { parameters: ["u32", "buffer"], result: RET },
  nvmlDeviceGetName: { parameters: ["pointer", "buffer", "u32"], result: RET },
  nvmlDeviceGetUUID: { parameters: ["pointer", "buffer", "u32"], result: RET },
  nvmlDeviceGetMemoryInfo: { parameters: ["pointer", "buffer"], result: RET, nonblocking: true },
  nvmlDeviceGetUtilizationRates: {
    parameters: ["pointer", "buffer"],
    result: RET,
    nonblocking: true,
  },
  nvmlDeviceGetPowerUsage: { parameters: ["pointer", "buffer"], result: RET, nonblocking: true },
  nvmlDeviceGetTemperature: {
    parameters: ["pointer", "i32", "buffer"],
    result: RET,
    nonblocking: true,
  },
  nvmlDeviceGetClockInfo: {
    parameters: ["pointer", "i32", "buffer"],
    result: RET,
    nonblocking: true,
  },
  nvmlDeviceGetCurrentClocksThrottleReasons: {
    parameters: ["pointer", "buffer"],
    result: RET,
    nonblocking: true,
    optional: true,
  },
  nvmlDeviceGetTotalEnergyConsumption: {
    parameters: ["pointer", "buffer"],
    result: RET,
    nonblocking: true,
    optional: true,
  },
} as const satisfies Deno.ForeignLibraryInterface;

/** NVML return codes splleed treats specially (nvml.h `nvmlReturn_t`). */
export const NVML_RETURN = {
  SUCCESS: 0,
  UNINITIALIZED: 1,
  INVALID_ARGUMENT: 2,
  NOT_SUPPORTED: 3,
  NO_PERMISSION: 4,
  DRIVER_NOT_LOADED: 9,
  FUNCTION_NOT_FOUND: 13,
  GPU_IS_LOST: 15,
} as const;

/** Buffer sizes from nvml.h (the v2 sizes, large enough for every product). */
const NAME_SIZE = 96; // NVML_DEVICE_NAME_V2_BUFFER_SIZE
const UUID_SIZE = 96; // NVML_DEVICE_UUID_V2_BUFFER_SIZE
const DRIVER_SIZE = 80; // NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE
const NVML_TEMPERATURE_GPU = 0;
const NVML_CLOCK_SM = 1;
const MIB = 1024 * 1024;

/**
 * An NVML call returned an error code.
 *
 * @example
 * ```ts
 * import { NvmlError } from "./nvml.ts";
 * import assert from "node:assert/strict";
 *
 * const e = new NvmlError("nvmlDeviceGetPowerUsage", 3, "Not Supported");
 * assert.equal(e.message, "NVML nvmlDeviceGetPowerUsage failed: Not Supported (code 3)");
 * assert.ok(e.notSupported);
 * ```
 */
export class NvmlError extends Error {
  /** The NVML function that failed. */
  readonly functionName: string;
  /** Its `nvmlReturn_t` code. */
  readonly code: number;
  /** NVML's own text for the code (`nvmlErrorString`). */
  readonly nvmlMessage: string;

  /**
   * Names the NVML function that failed, its return code and NVML's text for it.
   *
   * @param functionName The NVML function.
   * @param code Its return code.
   * @param nvmlMessage `nvmlErrorString(code)`.
   */
  constructor(functionName: string, code: number, nvmlMessage: string) {
    super(`NVML ${functionName} failed: ${nvmlMessage} (code ${code})`);
    this.name = "NvmlError";
    this.functionName = functionName;
    this.code = code;
    this.nvmlMessage = nvmlMessage;
  }

  /** Whether the device does not support the query (`NVML_ERROR_NOT_SUPPORTED`). */
  get notSupported(): boolean {
    return this.code === NVML_RETURN.NOT_SUPPORTED;
  }
}

/**
 * No NVML library could be loaded (none there, or no FFI permission).
 *
 * @example
 * ```ts
 * import { NvmlLoadError } from "./nvml.ts";
 * import assert from "node:assert/strict";
 *
 * const e = new NvmlLoadError([{ path: "/x/libnvidia-ml.so.1", error: "not found" }]);
 * assert.match(e.message, /\/x\/libnvidia-ml\.so\.1 \(not found\)/);
 * assert.match(e.message, /SPLLEED_NVML_LIBRARY or gpuMetrics\.library/);
 * ```
 */
export class NvmlLoadError extends Error {
  /** Every path tried, with why it did not load. */
  readonly tried: readonly { path: string; error: string }[];

  /**
   * Lists every path tried and the setting that fixes it.
   *
   * @param tried Every path tried, with why it did not load.
   */
  constructor(tried: readonly { path: string; error: string }[]) {
    super(
      `NVML could not be loaded: tried ${
        tried.map((t) => `${t.path} (${t.error})`).join(", ")
      }; set ${NVML_LIBRARY_ENV} or gpuMetrics.library to the path of libnvidia-ml.so.1 ` +
        `(and run with --allow-ffi)`,
    );
    this.name = "NvmlLoadError";
    this.tried = tried;
  }
}

/** Options of {@linkcode loadNvml}. */
export interface LoadNvmlOptions {
  /** Path of the NVML library, tried first. @default undefined */
  library?: string;
  /** Reads an environment variable. @default Deno.env.get (undefined without --allow-env) */
  env?: (name: string) => string | undefined;
}

/**
 * The paths {@linkcode loadNvml} tries, in order: the option, the
 * environment variable, the standard name (duplicates removed).
 *
 * @param options The library option and environment.
 * @returns The candidate paths.
 *
 * @example
 * ```ts
 * import { nvmlCandidates } from "./nvml.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(
 *   nvmlCandidates({ library: "/opt/nvml.so", env: () => "/env/nvml.so" }),
 *   ["/opt/nvml.so", "/env/nvml.so", "libnvidia-ml.so.1"],
 * );
 * assert.deepEqual(nvmlCandidates({ env: () => undefined }), ["libnvidia-ml.so.1"]);
 * ```
 */
export function nvmlCandidates(options: LoadNvmlOptions = {}): string[] {
  const env = options.env ?? readEnv;
  const list = [options.library, env(NVML_LIBRARY_ENV), NVML_DEFAULT_LIBRARY];
  return [...new Set(list.filter((p): p is string => p !== undefined && p !== ""))];
}

function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined; // no --allow-env: the variable cannot be read, the standard name is tried
  }
}

function describe(err: unknown): string {
  if (err instanceof Deno.errors.NotCapable || err instanceof Deno.errors.PermissionDenied) {
    return "no FFI permission: run with --allow-ffi";
  }
  return (err instanceof Error ? err.message : String(err)).split("\n")[0];
}

/**
 * Loads NVML (without initialising it): the first candidate of
 * {@linkcode nvmlCandidates} that opens.
 *
 * @param options The library option and environment.
 * @returns The library.
 * @throws {NvmlLoadError} When no candidate loads, listing each with its error.
 *
 * @example A missing library says what was tried and what fixes it
 * ```ts
 * import { loadNvml, NvmlLoadError } from "./nvml.ts";
 * import assert from "node:assert/strict";
 *
 * assert.throws(
 *   () => loadNvml({ library: "/nonexistent/libnvidia-ml.so.1", env: () => undefined }),
 *   (e: unknown) => e instanceof NvmlLoadError && e.tried[0].path === "/nonexistent/libnvidia-ml.so.1",
 * );
 * ```
 */
export function loadNvml(options: LoadNvmlOptions = {}): Nvml {
  const tried: { path: string; error: string }[] = [];
  for (const path of nvmlCandidates(options)) {
    try {
      return new Nvml(Deno.dlopen(path, NVML_SYMBOLS), path);
    } catch (err) {
      tried.push({ path, error: describe(err) });
    }
  }
  throw new NvmlLoadError(tried);
}

/** An NVML device handle (`nvmlDevice_t`) and its index. */
export interface NvmlDevice {
  /** NVML's index of the device. */
  index: number;
  /** The handle. */
  handle: Deno.PointerValue;
}

/** `nvmlMemory_t`, in MiB. */
export interface NvmlMemory {
  /** Installed memory. */
  totalMib: number;
  /** Unallocated memory. */
  freeMib: number;
  /** Allocated memory. */
  usedMib: number;
}

/** `nvmlUtilization_t`: percent of the last sample period (see the module doc). */
export interface NvmlUtilization {
  /** Share of time one or more kernels ran. */
  gpuPct: number;
  /** Share of time device memory was read or written. */
  memoryPct: number;
}

/**
 * A loaded NVML library: typed wrappers over the symbols. Every call that
 * returns an error code throws {@linkcode NvmlError}. Sampling calls return
 * promises (they run off the event loop). Call {@linkcode Nvml.init} first
 * and {@linkcode Nvml.close} when done.
 *
 * @example Read the first GPU's name and power (on a machine without NVML, say why)
 * ```ts
 * import { loadNvml, NvmlError, NvmlLoadError } from "./nvml.ts";
 *
 * try {
 *   const nvml = loadNvml();
 *   try {
 *     nvml.init();
 *     const d = nvml.device(0);
 *     console.log(nvml.name(d), await nvml.powerW(d), "W");
 *   } finally {
 *     nvml.close();
 *   }
 * } catch (e) {
 *   if (!(e instanceof NvmlLoadError || e instanceof NvmlError)) throw e;
 *   console.log(e.message);
 * }
 * ```
 */
export class Nvml {
  /** The path it was loaded from. */
  readonly path: string;
  #lib: Deno.DynamicLibrary<typeof NVML_SYMBOLS>;
  #initialized = false;

  /**
   * @param lib The opened library.
   * @param path Where it was loaded from.
   */
  constructor(lib: Deno.DynamicLibrary<typeof NVML_SYMBOLS>, path: string) {
    this.#lib = lib;
    this.path = path;
  }

  /**
   * NVML's text for a return code.
   *
   * @param code A `nvmlReturn_t`.
   * @returns `nvmlErrorString(code)`.
   */
  errorString(code: number): string {
    const p = this.#lib.symbols.nvmlErrorString(code);
    return p === null ? `unknown NVML error ${code}` : new Deno.UnsafePointerView(p).getCString();
  }

  #check(fn: string, code: number): void {
    if (code !== NVML_RETURN.SUCCESS) throw new NvmlError(fn, code, this.errorString(code));
  }

  /** `nvmlInit_v2`. @throws {NvmlError} No driver, no permission, ... */
  init(): void {
    this.#check("nvmlInit_v2", this.#lib.symbols.nvmlInit_v2());
    this.#initialized = true;
  }

  /** `nvmlShutdown` (when initialised) and unloads the library. Never throws. */
  close(): void {
    try {
      if (this.#initialized) this.#lib.symbols.nvmlShutdown();
    } finally {
      this.#initialized = false;
      this.#lib.close();
    }
  }

  /** @returns The driver version (`nvmlSystemGetDriverVersion`). */
  driverVersion(): string {
    const buf = new Uint8Array(DRIVER_SIZE);
    this.#check(
      "nvmlSystemGetDriverVersion",
      this.#lib.symbols.nvmlSystemGetDriverVersion(buf, buf.length),
    );
    return cString(buf);
  }

  /** @returns How many devices NVML sees (`nvmlDeviceGetCount_v2`). */
  deviceCount(): number {
    const n = new Uint32Array(1);
    this.#check("nvmlDeviceGetCount_v2", this.#lib.symbols.nvmlDeviceGetCount_v2(n));
    return n[0];
  }

  /**
   * @param index NVML's device index.
   * @returns Its handle (`nvmlDeviceGetHandleByIndex_v2`).
   */
  device(index: number): NvmlDevice {
    const out = new BigUint64Array(1);
    this.#check(
      "nvmlDeviceGetHandleByIndex_v2",
      this.#lib.symbols.nvmlDeviceGetHandleByIndex_v2(index, out),
    );
    return { index, handle: Deno.UnsafePointer.create(out[0]) };
  }

  /** @param d The device. @returns Its product name. */
  name(d: NvmlDevice): string {
    const buf = new Uint8Array(NAME_SIZE);
    this.#check("nvmlDeviceGetName", this.#lib.symbols.nvmlDeviceGetName(d.handle, buf, NAME_SIZE));
    return cString(buf);
  }

  /** @param d The device. @returns Its UUID (`GPU-...`). */
  uuid(d: NvmlDevice): string {
    const buf = new Uint8Array(UUID_SIZE);
    this.#check("nvmlDeviceGetUUID", this.#lib.symbols.nvmlDeviceGetUUID(d.handle, buf, UUID_SIZE));
    return cString(buf);
  }

  /** @param d The device. @returns Its memory (`nvmlMemory_t`, in MiB). */
  async memory(d: NvmlDevice): Promise<NvmlMemory> {
    const m = new BigUint64Array(3); // total, free, used: unsigned long long each
    this.#check(
      "nvmlDeviceGetMemoryInfo",
      await this.#lib.symbols.nvmlDeviceGetMemoryInfo(d.handle, m),
    );
    return { totalMib: mib(m[0]), freeMib: mib(m[1]), usedMib: mib(m[2]) };
  }

  /** @param d The device. @returns Its utilisation rates (see the module doc). */
  async utilization(d: NvmlDevice): Promise<NvmlUtilization> {
    const u = new Uint32Array(2); // gpu, memory: unsigned int each
    this.#check(
      "nvmlDeviceGetUtilizationRates",
      await this.#lib.symbols.nvmlDeviceGetUtilizationRates(d.handle, u),
    );
    return { gpuPct: u[0], memoryPct: u[1] };
  }

  /** @param d The device. @returns Its power draw, W (NVML reports mW). */
  async powerW(d: NvmlDevice): Promise<number> {
    const p = new Uint32Array(1);
    this.#check(
      "nvmlDeviceGetPowerUsage",
      await this.#lib.symbols.nvmlDeviceGetPowerUsage(d.handle, p),
    );
    return p[0] / 1000;
  }

  /** @param d The device. @returns Its GPU die temperature, °C. */
  async temperatureC(d: NvmlDevice): Promise<number> {
    const t = new Uint32Array(1);
    this.#check(
      "nvmlDeviceGetTemperature",
      await this.#lib.symbols.nvmlDeviceGetTemperature(d.handle, NVML_TEMPERATURE_GPU, t),
    );
    return t[0];
  }

  /** @param d The device. @returns Its current SM clock, MHz. */
  async smClockMhz(d: NvmlDevice): Promise<number> {
    const c = new Uint32Array(1);
    this.#check(
      "nvmlDeviceGetClockInfo",
      await this.#lib.symbols.nvmlDeviceGetClockInfo(d.handle, NVML_CLOCK_SM, c),
    );
    return c[0];
  }

  /**
   * @param d The device.
   * @returns Its current clock-throttle reason bits (`nvmlClocksThrottleReason*`).
   * @throws {NvmlError} `NOT_SUPPORTED` too when the library lacks the symbol.
   */
  async throttleReasons(d: NvmlDevice): Promise<number> {
    const fn = "nvmlDeviceGetCurrentClocksThrottleReasons";
    const f = this.#lib.symbols.nvmlDeviceGetCurrentClocksThrottleReasons;
    if (f === null) throw this.#missing(fn);
    const r = new BigUint64Array(1);
    this.#check(fn, await f(d.handle, r));
    return Number(r[0]);
  }

  /**
   * @param d The device.
   * @returns The energy it has used since the driver was loaded, mJ (Volta and later).
   * @throws {NvmlError} `NOT_SUPPORTED` too when the library lacks the symbol.
   */
  async energyMj(d: NvmlDevice): Promise<number> {
    const fn = "nvmlDeviceGetTotalEnergyConsumption";
    const f = this.#lib.symbols.nvmlDeviceGetTotalEnergyConsumption;
    if (f === null) throw this.#missing(fn);
    const e = new BigUint64Array(1);
    this.#check(fn, await f(d.handle, e));
    return Number(e[0]);
  }

  #missing(fn: string): NvmlError {
    return new NvmlError(
      fn,
      NVML_RETURN.NOT_SUPPORTED,
      `${this.errorString(NVML_RETURN.NOT_SUPPORTED)} (the library has no ${fn})`,
    );
  }
}

function cString(buf: Uint8Array): string {
  const end = buf.indexOf(0);
  return new TextDecoder().decode(end < 0 ? buf : buf.subarray(0, end));
}

function mib(bytes: bigint): number {
  return Number(bytes) / MIB;
}
