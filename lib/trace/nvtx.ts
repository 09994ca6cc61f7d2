/**
 * NVTX (the NVIDIA Tools Extension) through `Deno.dlopen`: a domain, ranges
 * started and ended by id (requests overlap on one thread, so never
 * push/pop) and marks, each with an ASCII message, a colour and a 64-bit
 * payload. These are what Nsight Systems (`nsys`) records beside the GPU's
 * kernels.
 *
 * The library is found by an explicit option, then the
 * `SPLLEED_NVTX_LIBRARY` environment variable, then the standard names
 * ({@linkcode NVTX_LIBRARY_NAMES}); it is loaded only when
 * {@linkcode loadNvtx} is called, never at import. When nothing loads, the
 * error lists every path tried, why each failed, and the variable that fixes
 * it.
 *
 * NVTX 3 is header-only: a program compiled against it carries the API and
 * loads the tool (nsys's injection library) itself. A program that cannot
 * compile C (splleed) loads the shared `libnvToolsExt.so.1` that CUDA
 * toolkits up to 12 ship (`/usr/local/cuda/lib64/`), which exports the
 * functions of {@linkcode NVTX_SYMBOLS} and forwards them to the tool nsys
 * injects; without a tool attached each call returns at once.
 *
 * @module
 */

/**
 * The NVTX functions splleed calls, declared once (`nvtxRangeId_t` is a
 * `uint64_t`; `nvtxDomainHandle_t` a pointer; the attributes a pointer to
 * `nvtxEventAttributes_v2`, see {@linkcode encodeEventAttributes}).
 */
export const NVTX_SYMBOLS = {
  /** `nvtxDomainHandle_t nvtxDomainCreateA(const char* name)` */
  nvtxDomainCreateA: { parameters: ["buffer"], result: "pointer" },
  /** `void nvtxDomainDestroy(nvtxDomainHandle_t domain)` */
  nvtxDomainDestroy: { parameters: ["pointer"], result: "void" },
  /** `nvtxRangeId_t nvtxDomainRangeStartEx(nvtxDomainHandle_t, const nvtxEventAttributes_t*)` */
  nvtxDomainRangeStartEx: { parameters: ["pointer", "buffer"], result: "u64" },
  /** `void nvtxDomainRangeEnd(nvtxDomainHandle_t, nvtxRangeId_t)` */
  nvtxDomainRangeEnd: { parameters: ["pointer", "u64"], result: "void" },
  /** `void nvtxDomainMarkEx(nvtxDomainHandle_t, const nvtxEventAttributes_t*)` */
  nvtxDomainMarkEx: { parameters: ["pointer", "buffer"], result: "void" },
} as const satisfies Deno.ForeignLibraryInterface;

/** The environment variable naming the NVTX library. */
export const NVTX_LIBRARY_ENV = "SPLLEED_NVTX_LIBRARY";

/** The standard names tried after the option and the variable. */
export const NVTX_LIBRARY_NAMES: readonly string[] = [
  "libnvToolsExt.so.1",
  "libnvToolsExt.so",
  "/usr/local/cuda/lib64/libnvToolsExt.so.1",
];

/** `sizeof(nvtxEventAttributes_v2)` on a 64-bit platform. */
export const NVTX_EVENT_ATTRIB_SIZE = 48;

/** What one event carries. */
export interface NvtxEvent {
  /** The text shown on the range or mark (ASCII; other characters become `?`). */
  message: string;
  /** ARGB colour, e.g. `0xff76b900`. @default no colour */
  color?: number;
  /** A user category id. @default 0 */
  category?: number;
  /** An unsigned 64-bit payload (a request id, an epoch in ns). @default no payload */
  payload?: bigint;
}

/**
 * Encodes an event's attributes as `nvtxEventAttributes_v2` (version 2,
 * 48 bytes): `version u16 @0, size u16 @2, category u32 @4, colorType i32
 * @8, color u32 @12, payloadType i32 @16, reserved i32 @20, payload u64
 * @24, messageType i32 @32, message pointer @40`. The message is a
 * NUL-terminated ASCII copy returned beside the struct; both must stay
 * alive until the call that reads them returns.
 *
 * @param event The event.
 * @returns The struct and the message bytes it points to.
 *
 * @example
 * ```ts
 * import { encodeEventAttributes } from "./nvtx.ts";
 * import assert from "node:assert/strict";
 *
 * const { attrs, text } = encodeEventAttributes({ message: "request 7", payload: 7n, color: 0xff00ff00 });
 * const v = new DataView(attrs.buffer);
 * assert.equal(v.getUint16(0, true), 2);
 * assert.equal(v.getUint16(2, true), 48);
 * assert.equal(v.getInt32(16, true), 1); // NVTX_PAYLOAD_TYPE_UNSIGNED_INT64
 * assert.equal(v.getBigUint64(24, true), 7n);
 * assert.equal(new TextDecoder().decode(text), "request 7\0");
 * ```
 */
export function encodeEventAttributes(
  event: NvtxEvent,
): { attrs: Uint8Array<ArrayBuffer>; text: Uint8Array<ArrayBuffer> } {
  // Backed by an explicit ArrayBuffer: off the V8 heap, so its address holds still.
  const text = new Uint8Array(new ArrayBuffer(event.message.length + 1));
  for (let i = 0; i < event.message.length; i++) {
    const c = event.message.charCodeAt(i);
    text[i] = c > 0 && c < 128 ? c : 63; // '?'
  }
  const attrs = new Uint8Array(new ArrayBuffer(NVTX_EVENT_ATTRIB_SIZE));
  const v = new DataView(attrs.buffer);
  v.setUint16(0, 2, true); // version: NVTX_VERSION of libnvToolsExt (v2 struct)
  v.setUint16(2, NVTX_EVENT_ATTRIB_SIZE, true);
  v.setUint32(4, event.category ?? 0, true);
  if (event.color !== undefined) {
    v.setInt32(8, 1, true); // NVTX_COLOR_ARGB
    v.setUint32(12, event.color >>> 0, true);
  }
  if (event.payload !== undefined) {
    v.setInt32(16, 1, true); // NVTX_PAYLOAD_TYPE_UNSIGNED_INT64
    v.setBigUint64(24, BigInt.asUintN(64, event.payload), true);
  }
  v.setInt32(32, 1, true); // NVTX_MESSAGE_TYPE_ASCII
  v.setBigUint64(40, BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(text))), true);
  return { attrs, text };
}

/** An NVTX library that could not be loaded from any of the paths tried. */
export class NvtxLoadError extends Error {
  /** Each path tried, with why it failed. */
  readonly tried: readonly { path: string; reason: string }[];

  /**
   * Lists every path tried and the setting that fixes it.
   *
   * @param tried Each path tried, with why it failed.
   */
  constructor(tried: readonly { path: string; reason: string }[]) {
    super(
      `Cannot load the NVTX library: expected libnvToolsExt (CUDA's NVIDIA Tools Extension), ` +
        `got nothing loadable from ${
          tried.map((t) => `${t.path} (${t.reason})`).join("; ")
        }. Set ${NVTX_LIBRARY_ENV} (or emitMarkers.library) to the path of libnvToolsExt.so.1, ` +
        `e.g. /usr/local/cuda/lib64/libnvToolsExt.so.1, and run with --allow-ffi`,
    );
    this.name = "NvtxLoadError";
    this.tried = tried;
  }
}

/** A loaded NVTX library with one domain. */
export interface NvtxDomain {
  /** The path that loaded. */
  readonly library: string;
  /** The domain's name. */
  readonly domain: string;
  /**
   * Starts a range.
   * @param event What it carries.
   * @returns Its id, to end it with.
   */
  rangeStart(event: NvtxEvent): bigint;
  /**
   * Ends a range.
   * @param id The id {@linkcode rangeStart} returned.
   */
  rangeEnd(id: bigint): void;
  /**
   * Emits a mark (an instant).
   * @param event What it carries.
   */
  mark(event: NvtxEvent): void;
  /** Destroys the domain and closes the library (idempotent). */
  close(): void;
}

/** Options of {@linkcode loadNvtx}. */
export interface LoadNvtxOptions {
  /** The library's path, tried first. @default the variable, then the standard names */
  library?: string;
  /** The domain's name. @default "splleed" */
  domain?: string;
  /** Reads an environment variable (tests). @default Deno.env.get, undefined without permission */
  env?: (name: string) => string | undefined;
}

function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined; // no --allow-env: the variable cannot be read
  }
}

/**
 * The paths {@linkcode loadNvtx} tries, in order: the option, the variable,
 * the standard names (duplicates dropped).
 *
 * @param library The option.
 * @param env Reads an environment variable.
 * @returns The paths.
 *
 * @example
 * ```ts
 * import { nvtxCandidates } from "./nvtx.ts";
 * import assert from "node:assert/strict";
 *
 * const paths = nvtxCandidates("/opt/nvtx.so", () => "/env/nvtx.so");
 * assert.deepEqual(paths.slice(0, 3), ["/opt/nvtx.so", "/env/nvtx.so", "libnvToolsExt.so.1"]);
 * ```
 */
export function nvtxCandidates(
  library: string | undefined,
  env: (name: string) => string | undefined = readEnv,
): string[] {
  const list = [library, env(NVTX_LIBRARY_ENV), ...NVTX_LIBRARY_NAMES]
    .filter((p): p is string => typeof p === "string" && p !== "");
  return [...new Set(list)];
}

/**
 * Loads the NVTX library and creates a domain.
 *
 * @param options `library`, `domain`.
 * @returns The domain.
 * @throws {NvtxLoadError} When no path loads (listing each and why).
 *
 * @example No library: the error names every path tried and the variable
 * ```ts
 * import { loadNvtx, NvtxLoadError } from "./nvtx.ts";
 * import assert from "node:assert/strict";
 *
 * try {
 *   const d = loadNvtx({ library: "/no/such/libnvToolsExt.so", env: () => undefined });
 *   d.close(); // a machine with CUDA's libnvToolsExt on its library path
 * } catch (err) {
 *   assert.ok(err instanceof NvtxLoadError);
 *   assert.match(err.message, /\/no\/such\/libnvToolsExt\.so \(/);
 *   assert.match(err.message, /SPLLEED_NVTX_LIBRARY/);
 * }
 * ```
 */
export function loadNvtx(options: LoadNvtxOptions = {}): NvtxDomain {
  const tried: { path: string; reason: string }[] = [];
  for (const path of nvtxCandidates(options.library, options.env ?? readEnv)) {
    let lib: Deno.DynamicLibrary<typeof NVTX_SYMBOLS>;
    try {
      lib = Deno.dlopen(path, NVTX_SYMBOLS);
    } catch (err) {
      tried.push({ path, reason: err instanceof Error ? err.message : String(err) });
      continue;
    }
    return openDomain(lib, path, options.domain ?? "splleed");
  }
  throw new NvtxLoadError(tried);
}

function openDomain(
  lib: Deno.DynamicLibrary<typeof NVTX_SYMBOLS>,
  library: string,
  domain: string,
): NvtxDomain {
  const s = lib.symbols;
  const name = new TextEncoder().encode(domain + "\0");
  const handle = s.nvtxDomainCreateA(name);
  let closed = false;
  return {
    library,
    domain,
    rangeStart(event) {
      if (closed) return 0n;
      const { attrs, text } = encodeEventAttributes(event);
      const id = s.nvtxDomainRangeStartEx(handle, attrs);
      void text; // kept alive through the call
      return BigInt(id);
    },
    rangeEnd(id) {
      if (!closed) s.nvtxDomainRangeEnd(handle, id);
    },
    mark(event) {
      if (closed) return;
      const { attrs, text } = encodeEventAttributes(event);
      s.nvtxDomainMarkEx(handle, attrs);
      void text;
    },
    close() {
      if (closed) return;
      closed = true;
      s.nvtxDomainDestroy(handle);
      lib.close();
    },
  };
}
