/**
 * Builds llama.cpp's `llama-server` from the source that the npm package
 * `node-llama-cpp` ships (a git bundle inside its tarball, pinned by version,
 * integrity hash and commit), and caches it outside the repository, so the
 * end-to-end tests can run a real engine without a network once it is built.
 *
 * Cache layout (`<cache>` is `$SPLLEED_CACHE_DIR`, else
 * `$XDG_CACHE_HOME/splleed`, else `$HOME/.cache/splleed`):
 *
 * ```text
 * <cache>/llama.cpp/node-llama-cpp-3.22.1-de3ff815/
 *   llama-server   the binary (renamed into place when complete)
 *   src/           the cloned llama.cpp source (renamed into place when complete)
 *   build.log      output of the last clone / configure / build
 *   build.lock     held while one caller clones or builds; others wait
 *   tmp-XXXX/      work in progress (tarball, bundle, build tree); removed after
 * ```
 *
 * `SPLLEED_LLAMA_SERVER=/path/to/llama-server` overrides all of this: that
 * binary is used and nothing is built.
 *
 * Run: `deno run -A scripts/llama_server.ts [--verbose]` prints the binary's
 * path, building it first if needed (about 10 minutes on two cores).
 *
 * @module
 */

import { delimiter, isAbsolute, join, resolve } from "node:path";

/** The pinned npm package version whose tarball carries the llama.cpp source. */
export const NODE_LLAMA_CPP_VERSION = "3.22.1";

/** Where the pinned tarball is downloaded from. */
export const NODE_LLAMA_CPP_TARBALL_URL =
  `https://registry.npmjs.org/node-llama-cpp/-/node-llama-cpp-${NODE_LLAMA_CPP_VERSION}.tgz`;

/** The npm registry's `dist.integrity` of the pinned tarball (SRI, SHA-512). */
export const NODE_LLAMA_CPP_INTEGRITY =
  "sha512-bltIipuWmc123H7tMIgDGKSsSrhmhlQYeVUC48XTjVW7XGJJiJJyCdlTMzQ/LiWoPkGDpcL4FviDpgw7qfTiDw==";

/** The llama.cpp commit that the tarball's `package/llama/gitRelease.bundle` holds. */
export const LLAMA_CPP_COMMIT = "de3ff815ea7d559ee917f063901b8986f038abc6";

/** The bundle's path inside the npm tarball. */
export const BUNDLE_PATH_IN_TARBALL = "package/llama/gitRelease.bundle";

/** CMake configure flags: a portable, static, release `llama-server` and nothing else. */
export const CMAKE_CONFIGURE_FLAGS: readonly string[] = [
  "-DCMAKE_BUILD_TYPE=Release",
  "-DGGML_NATIVE=OFF",
  "-DLLAMA_OPENSSL=OFF",
  "-DLLAMA_BUILD_TESTS=OFF",
  "-DLLAMA_BUILD_EXAMPLES=OFF",
  "-DLLAMA_BUILD_TOOLS=ON",
  "-DLLAMA_BUILD_SERVER=ON",
  "-DBUILD_SHARED_LIBS=OFF",
];

/** A lock file whose holder has not touched it for this long is taken over (30 minutes). */
export const LOCK_STALE_MS = 30 * 60_000;

/** How many lines of the build log an error message shows. */
const LOG_TAIL_LINES = 30;

/** Reads one environment variable; tests pass a plain function instead of the process env. */
export type EnvGetter = (name: string) => string | undefined;

const processEnv: EnvGetter = (name) => Deno.env.get(name);

/** The executable suffix of this platform ("" except on Windows). */
function exeSuffix(): string {
  return Deno.build.os === "windows" ? ".exe" : "";
}

/**
 * The splleed cache directory: `$SPLLEED_CACHE_DIR`, else
 * `$XDG_CACHE_HOME/splleed` (when absolute, as the XDG spec asks), else
 * `$HOME/.cache/splleed`. Reads environment variables only.
 *
 * @param env Reads a variable. Defaults to the process environment.
 * @returns An absolute path (which may not exist yet).
 * @throws {Error} When none of the three variables gives a directory.
 *
 * @example
 * ```ts
 * import { splleedCacheDir } from "./llama_server.ts";
 * import assert from "node:assert/strict";
 *
 * const env = { XDG_CACHE_HOME: "/var/cache", HOME: "/home/me" } as Record<string, string>;
 * assert.equal(splleedCacheDir((k) => env[k]), "/var/cache/splleed");
 * assert.equal(splleedCacheDir((k) => ({ HOME: "/home/me" } as Record<string, string>)[k]),
 *   "/home/me/.cache/splleed");
 * ```
 */
export function splleedCacheDir(env: EnvGetter = processEnv): string {
  const explicit = env("SPLLEED_CACHE_DIR");
  if (explicit) return resolve(explicit);
  const xdg = env("XDG_CACHE_HOME");
  if (xdg && isAbsolute(xdg)) return join(xdg, "splleed");
  const home = env("HOME") || env("USERPROFILE");
  if (home) return join(home, ".cache", "splleed");
  throw new Error(
    "Cannot find a cache directory: expected SPLLEED_CACHE_DIR, XDG_CACHE_HOME (absolute) " +
      `or HOME to be set, got SPLLEED_CACHE_DIR=${JSON.stringify(explicit)}, ` +
      `XDG_CACHE_HOME=${JSON.stringify(xdg)}, HOME=${JSON.stringify(home)}`,
  );
}

/**
 * The directory that holds this pinned build:
 * `<cache>/llama.cpp/node-llama-cpp-3.22.1-de3ff815`. Reads environment variables only.
 *
 * @param env Reads a variable. Defaults to the process environment.
 * @returns An absolute path (which may not exist yet).
 *
 * @example
 * ```ts
 * import { llamaCacheDir } from "./llama_server.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = llamaCacheDir((k) => (k === "SPLLEED_CACHE_DIR" ? "/c" : undefined));
 * assert.equal(dir, "/c/llama.cpp/node-llama-cpp-3.22.1-de3ff815");
 * ```
 */
export function llamaCacheDir(env: EnvGetter = processEnv): string {
  return join(
    splleedCacheDir(env),
    "llama.cpp",
    `node-llama-cpp-${NODE_LLAMA_CPP_VERSION}-${LLAMA_CPP_COMMIT.slice(0, 8)}`,
  );
}

/**
 * Where the `llama-server` binary lives: `$SPLLEED_LLAMA_SERVER` when set,
 * else `<llamaCacheDir>/llama-server`. Reads environment variables only; the
 * file may not exist yet (see {@linkcode ensureLlamaServer}).
 *
 * @param env Reads a variable. Defaults to the process environment.
 * @returns An absolute path.
 *
 * @example
 * ```ts
 * import { llamaServerPath } from "./llama_server.ts";
 * import assert from "node:assert/strict";
 *
 * const env: Record<string, string> = { SPLLEED_CACHE_DIR: "/c" };
 * assert.equal(
 *   llamaServerPath((k) => env[k]),
 *   "/c/llama.cpp/node-llama-cpp-3.22.1-de3ff815/llama-server" +
 *     (Deno.build.os === "windows" ? ".exe" : ""),
 * );
 * env.SPLLEED_LLAMA_SERVER = "/opt/llama/llama-server";
 * assert.equal(llamaServerPath((k) => env[k]), "/opt/llama/llama-server");
 * ```
 */
export function llamaServerPath(env: EnvGetter = processEnv): string {
  const override = env("SPLLEED_LLAMA_SERVER");
  if (override) return resolve(override);
  return join(llamaCacheDir(env), `llama-server${exeSuffix()}`);
}

/**
 * Where the cloned llama.cpp source lives: `<llamaCacheDir>/src`. Reads
 * environment variables only; the directory may not exist yet (see
 * {@linkcode ensureLlamaSource}).
 *
 * @param env Reads a variable. Defaults to the process environment.
 * @returns An absolute path.
 *
 * @example
 * ```ts
 * import { llamaSourcePath } from "./llama_server.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   llamaSourcePath((k) => (k === "SPLLEED_CACHE_DIR" ? "/c" : undefined)),
 *   "/c/llama.cpp/node-llama-cpp-3.22.1-de3ff815/src",
 * );
 * ```
 */
export function llamaSourcePath(env: EnvGetter = processEnv): string {
  return join(llamaCacheDir(env), "src");
}

// ---------------------------------------------------------------------------
// Integrity

/**
 * Checks bytes against a Subresource Integrity string such as npm's
 * `dist.integrity` (`sha512-<base64>`; `sha256-` and `sha384-` work too).
 *
 * @param bytes The downloaded bytes.
 * @param integrity The expected SRI string.
 * @param what Names the bytes in the error message.
 * @throws {RangeError} When the algorithm is not one of sha256, sha384, sha512.
 * @throws {Error} When the digest differs; the message gives both.
 *
 * @example
 * ```ts
 * import { verifyIntegrity } from "./llama_server.ts";
 * import assert from "node:assert/strict";
 *
 * const bytes = new TextEncoder().encode("abc");
 * // sha256("abc") in base64
 * await verifyIntegrity(bytes, "sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=", "abc");
 * await assert.rejects(verifyIntegrity(bytes, "sha256-AAAA", "abc"), /Integrity check failed/);
 * ```
 */
export async function verifyIntegrity(
  bytes: Uint8Array,
  integrity: string,
  what = "download",
): Promise<void> {
  const m = /^(sha256|sha384|sha512)-([A-Za-z0-9+/]+={0,2})$/.exec(integrity.trim());
  if (!m) {
    throw new RangeError(
      `Cannot check ${what}: expected an integrity string like "sha512-<base64>", got ${
        JSON.stringify(integrity)
      }`,
    );
  }
  const algorithm = { sha256: "SHA-256", sha384: "SHA-384", sha512: "SHA-512" }[
    m[1] as "sha256" | "sha384" | "sha512"
  ];
  const digest = new Uint8Array(
    await crypto.subtle.digest(algorithm, bytes as Uint8Array<ArrayBuffer>),
  );
  const got = `${m[1]}-${base64(digest)}`;
  if (got !== `${m[1]}-${m[2]}`) {
    throw new Error(
      `Integrity check failed for ${what} (${bytes.byteLength} bytes): expected ${integrity}, got ${got}`,
    );
  }
}

function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

// ---------------------------------------------------------------------------
// Lock

/** What a lock file says about its holder. */
export interface LockHolder {
  /** Process id of the holder. */
  pid: number;
  /** Host name of the holder ("" when unknown). */
  host: string;
  /** Random token that tells this holder's lock from a later one. */
  token: string;
  /** When the lock was taken (ms since the epoch). */
  since: number;
}

/** The facts {@linkcode isLockStale} decides on. */
export interface LockState {
  /** Last modification of the lock file (the holder touches it every minute). */
  mtimeMs: number;
  /** Whether the holder's process is known to be alive; `undefined` when unknown. */
  holderAlive?: boolean;
}

/**
 * Whether a lock may be taken over: its holder is known to be dead, or has not
 * touched the file for `staleMs` (a holder touches it every minute while it works).
 *
 * @param state The lock file's modification time and what is known of its holder.
 * @param nowMs The current time (ms since the epoch).
 * @param staleMs How long without a touch makes a lock stale.
 * @returns `true` when the lock may be removed.
 *
 * @example
 * ```ts
 * import { isLockStale, LOCK_STALE_MS } from "./llama_server.ts";
 * import assert from "node:assert/strict";
 *
 * const now = Date.now();
 * assert.equal(isLockStale({ mtimeMs: now - 60_000 }, now), false);
 * assert.equal(isLockStale({ mtimeMs: now - LOCK_STALE_MS - 1 }, now), true);
 * assert.equal(isLockStale({ mtimeMs: now, holderAlive: false }, now), true);
 * ```
 */
export function isLockStale(state: LockState, nowMs: number, staleMs = LOCK_STALE_MS): boolean {
  if (state.holderAlive === false) return true;
  return nowMs - state.mtimeMs > staleMs;
}

/** Options of {@linkcode withFileLock}. */
export interface FileLockOptions {
  /**
   * A lock untouched for this long is taken over.
   * @default {LOCK_STALE_MS} (30 minutes)
   */
  staleMs?: number;
  /**
   * How often a waiter looks at the lock again.
   * @default {1000}
   */
  pollMs?: number;
  /**
   * How often the holder touches the lock file to show it is alive.
   * @default {60000}
   */
  heartbeatMs?: number;
  /**
   * Give up waiting after this long.
   * @default {3600000} (an hour)
   */
  timeoutMs?: number;
  /**
   * Told once when the lock is held by someone else, and when a stale lock is taken over.
   * @default {() => {}}
   */
  onWait?: (message: string) => void;
}

function hostname(): string {
  try {
    return Deno.hostname();
  } catch {
    return "";
  }
}

/** `false` when the holder ran on this host and is gone; `undefined` when that cannot be told. */
function holderAlive(holder: LockHolder | undefined): boolean | undefined {
  if (!holder || !holder.host || holder.host !== hostname()) return undefined;
  try {
    Deno.statSync("/proc/self"); // Linux: /proc/<pid> exists exactly while the process does
  } catch {
    return undefined;
  }
  try {
    Deno.statSync(`/proc/${holder.pid}`);
    return true;
  } catch {
    return false;
  }
}

async function readHolder(path: string): Promise<LockHolder | undefined> {
  try {
    const parsed = JSON.parse(await Deno.readTextFile(path));
    return typeof parsed?.pid === "number" ? parsed as LockHolder : undefined;
  } catch {
    return undefined; // being written, or removed: decide on the mtime alone
  }
}

/**
 * Runs `fn` while holding an exclusive lock file (created with `createNew`,
 * so exactly one process gets it). Others wait, looking again every `pollMs`;
 * a lock whose holder died, or that nobody touched for `staleMs`, is taken
 * over. The holder touches the file every `heartbeatMs`, so a long build is
 * never mistaken for a dead one. The lock is removed when `fn` settles.
 *
 * @param path The lock file (its directory must exist).
 * @param fn The work to do while holding it.
 * @param options Timing and a callback for wait messages.
 * @returns What `fn` returns.
 * @throws {Error} When the lock is still held by a live process after `timeoutMs`.
 *
 * @example
 * ```ts
 * import { withFileLock } from "./llama_server.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const lock = `${dir}/x.lock`;
 * const order: string[] = [];
 * await Promise.all([
 *   withFileLock(lock, async () => { order.push("a+"); await new Promise((r) => setTimeout(r, 50)); order.push("a-"); }),
 *   withFileLock(lock, () => { order.push("b"); }, { pollMs: 10 }),
 * ]);
 * assert.deepEqual(order, ["a+", "a-", "b"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function withFileLock<T>(
  path: string,
  fn: () => T | Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const staleMs = options.staleMs ?? LOCK_STALE_MS;
  const pollMs = options.pollMs ?? 1000;
  const heartbeatMs = options.heartbeatMs ?? 60_000;
  const timeoutMs = options.timeoutMs ?? 3_600_000;
  const onWait = options.onWait ?? (() => {});
  const me: LockHolder = {
    pid: Deno.pid,
    host: hostname(),
    token: crypto.randomUUID(),
    since: Date.now(),
  };
  const start = Date.now();
  let told = false;
  for (;;) {
    try {
      const f = await Deno.open(path, { write: true, createNew: true });
      try {
        await f.write(new TextEncoder().encode(JSON.stringify(me) + "\n"));
      } finally {
        f.close();
      }
      break;
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
    }
    let mtimeMs: number;
    try {
      mtimeMs = (await Deno.stat(path)).mtime?.getTime() ?? Date.now();
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) continue; // released meanwhile: try again at once
      throw e;
    }
    const holder = await readHolder(path);
    const who = holder ? `pid ${holder.pid} on ${holder.host || "?"}` : "an unknown process";
    if (isLockStale({ mtimeMs, holderAlive: holderAlive(holder) }, Date.now(), staleMs)) {
      onWait(`taking over stale lock ${path} (held by ${who})`);
      // Rename first: exactly one waiter wins the rename; the others see NotFound.
      const aside = `${path}.stale-${crypto.randomUUID()}`;
      try {
        await Deno.rename(path, aside);
        await Deno.remove(aside);
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
      continue;
    }
    if (Date.now() - start > timeoutMs) {
      throw new Error(
        `Cannot take lock ${path}: expected it to be released within ${timeoutMs} ms, ` +
          `but ${who} still holds it; remove the file if that process is gone`,
      );
    }
    if (!told) {
      onWait(`waiting for ${who}, which holds ${path}`);
      told = true;
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }

  const heartbeat = setInterval(() => {
    const now = new Date();
    Deno.utime(path, now, now).catch(() => {});
  }, heartbeatMs);
  try {
    return await fn();
  } finally {
    clearInterval(heartbeat);
    const holder = await readHolder(path);
    if (holder?.token === me.token) await Deno.remove(path).catch(() => {});
  }
}

// ---------------------------------------------------------------------------
// Tools

/**
 * Finds an executable on `PATH` (or checks a path that contains a slash).
 *
 * @param name A command name such as `cmake`, or a path.
 * @param env Reads `PATH`. Defaults to the process environment.
 * @returns The absolute path, or `undefined` when there is none.
 *
 * @example
 * ```ts
 * import { findExecutable } from "./llama_server.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(findExecutable("no-such-tool-splleed"), undefined);
 * ```
 */
export function findExecutable(name: string, env: EnvGetter = processEnv): string | undefined {
  const candidates = name.includes("/") || name.includes("\\")
    ? [resolve(name)]
    : (env("PATH") ?? "").split(delimiter).filter((d) => d !== "").flatMap((d) =>
      Deno.build.os === "windows" ? [join(d, name), join(d, `${name}.exe`)] : [join(d, name)]
    );
  for (const c of candidates) {
    if (isExecutableFileSync(c)) return c;
  }
  return undefined;
}

function isExecutableFileSync(path: string): boolean {
  try {
    const st = Deno.statSync(path);
    return st.isFile && (st.mode === null || (st.mode & 0o111) !== 0);
  } catch {
    return false;
  }
}

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    const st = await Deno.stat(path);
    return st.isFile && (st.mode === null || (st.mode & 0o111) !== 0);
  } catch {
    return false;
  }
}

/** A build tool: how to find it, and how to install it when it is missing. */
interface Tool {
  name: string;
  candidates: string[];
  hint: string;
}

function requiredTools(build: boolean, env: EnvGetter): Tool[] {
  const tools: Tool[] = [
    {
      name: "git",
      candidates: ["git"],
      hint: "apt-get install git (macOS: xcode-select --install)",
    },
    { name: "tar", candidates: ["tar"], hint: "apt-get install tar" },
  ];
  if (build) {
    const cc = env("CC");
    const cxx = env("CXX");
    tools.push(
      {
        name: "cmake",
        candidates: ["cmake"],
        hint: "apt-get install cmake (macOS: brew install cmake; or pip install cmake)",
      },
      {
        name: "a C compiler",
        candidates: cc ? [cc.split(" ")[0]] : ["cc", "gcc", "clang"],
        hint: cc
          ? `CC is set to ${JSON.stringify(cc)}: fix it or unset it`
          : "apt-get install build-essential (or clang; macOS: xcode-select --install)",
      },
      {
        name: "a C++ compiler",
        candidates: cxx ? [cxx.split(" ")[0]] : ["c++", "g++", "clang++"],
        hint: cxx
          ? `CXX is set to ${JSON.stringify(cxx)}: fix it or unset it`
          : "apt-get install build-essential (or clang; macOS: xcode-select --install)",
      },
    );
  }
  return tools;
}

/**
 * Lists the tools that building (or only cloning, when `build` is false) needs
 * but cannot find: git and tar, plus cmake, a C and a C++ compiler for a build.
 *
 * @param build Whether a build follows (else: clone only).
 * @param find Looks a command up. Defaults to {@linkcode findExecutable}.
 * @param env Reads `CC` and `CXX`. Defaults to the process environment.
 * @returns One line per missing tool, each saying how to install it; empty when all are there.
 *
 * @example
 * ```ts
 * import { missingBuildTools } from "./llama_server.ts";
 * import assert from "node:assert/strict";
 *
 * const missing = missingBuildTools(true, (n) => (n === "cmake" ? undefined : `/usr/bin/${n}`), () => undefined);
 * assert.equal(missing.length, 1);
 * assert.match(missing[0], /cmake.*apt-get install cmake/);
 * ```
 */
export function missingBuildTools(
  build: boolean,
  find: (name: string) => string | undefined = (n) => findExecutable(n),
  env: EnvGetter = processEnv,
): string[] {
  return requiredTools(build, env)
    .filter((t) => !t.candidates.some((c) => find(c) !== undefined))
    .map((t) => `${t.name} (tried ${t.candidates.join(", ")}): ${t.hint}`);
}

function assertTools(build: boolean): void {
  const missing = missingBuildTools(build);
  if (missing.length > 0) {
    throw new Error(
      `Cannot ${build ? "build llama-server" : "clone the llama.cpp source"}: ` +
        `expected these tools on PATH, but they are missing:\n  ${missing.join("\n  ")}`,
    );
  }
}

// ---------------------------------------------------------------------------
// Commands with logging

/**
 * The build log: child output appended to a file (and copied to stderr when
 * verbose), one write at a time, so two streams never interleave mid-chunk.
 *
 * @example
 * ```ts
 * import { BuildLog } from "./llama_server.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const log = await BuildLog.open(`${dir}/build.log`);
 * await log.line("one");
 * await log.line("two");
 * assert.equal(await log.tail(1), "two");
 * await log.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class BuildLog {
  #file: Deno.FsFile;
  #queue: Promise<void> = Promise.resolve();

  private constructor(
    /** The log file's path. */
    readonly path: string,
    file: Deno.FsFile,
    /** Whether output is copied to stderr too. */
    readonly verbose: boolean,
  ) {
    this.#file = file;
  }

  /**
   * Opens (and empties) a log file.
   *
   * @param path The file.
   * @param verbose Also copy everything to stderr.
   * @returns The open log.
   */
  static async open(path: string, verbose = false): Promise<BuildLog> {
    const file = await Deno.open(path, { write: true, create: true, truncate: true });
    return new BuildLog(path, file, verbose);
  }

  /**
   * Appends bytes after everything written before.
   *
   * @param bytes What to append.
   * @returns Settles when written.
   */
  write(bytes: Uint8Array): Promise<void> {
    this.#queue = this.#queue.then(async () => {
      await writeAll(this.#file, bytes);
      if (this.verbose) await writeAll(Deno.stderr, bytes);
    });
    return this.#queue;
  }

  /**
   * Appends a line of text.
   *
   * @param text The line, without its newline.
   * @returns Settles when written.
   */
  line(text: string): Promise<void> {
    return this.write(new TextEncoder().encode(text + "\n"));
  }

  /**
   * The last lines of the file, once pending writes are done.
   *
   * @param n How many lines.
   * @returns Up to `n` lines joined by newlines.
   */
  async tail(n: number): Promise<string> {
    await this.#queue;
    const text = await Deno.readTextFile(this.path).catch(() => "");
    const lines = text.replace(/\n$/, "").split("\n");
    return lines.slice(-n).join("\n");
  }

  /**
   * Waits for pending writes and closes the file.
   *
   * @returns Settles when closed.
   */
  async close(): Promise<void> {
    await this.#queue;
    this.#file.close();
  }
}

async function writeAll(w: { write(p: Uint8Array): Promise<number> }, bytes: Uint8Array) {
  let off = 0;
  while (off < bytes.length) off += await w.write(bytes.subarray(off));
}

function shellQuote(args: string[]): string {
  return args.map((a) => /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)
    .join(" ");
}

/**
 * Runs a command with its stdout and stderr going to the build log. When it
 * fails, the error names the step and the command and shows the log's last 30 lines.
 *
 * @param log Where output goes.
 * @param cmd The command and its arguments.
 * @param options `action` names the step in errors ("build llama-server"); `cwd` is the working directory.
 * @throws {Error} When the command cannot start or exits unsuccessfully.
 *
 * @example
 * ```ts
 * import { BuildLog, runLogged } from "./llama_server.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const log = await BuildLog.open(`${dir}/build.log`);
 * const deno = Deno.execPath();
 * await runLogged(log, [deno, "eval", "console.log('fine')"], { action: "say fine" });
 * await assert.rejects(
 *   runLogged(log, [deno, "eval", "console.error('boom'); Deno.exit(3)"], { action: "explode" }),
 *   /Cannot explode: .* exited with code 3[^]*boom/,
 * );
 * await log.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function runLogged(
  log: BuildLog,
  cmd: string[],
  options: { cwd?: string; action: string },
): Promise<void> {
  const line = shellQuote(cmd);
  await log.line(`$ ${line}${options.cwd ? `   (in ${options.cwd})` : ""}`);
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(cmd[0], {
      args: cmd.slice(1),
      cwd: options.cwd,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (e) {
    throw new Error(
      `Cannot ${options.action}: could not start \`${line}\`: ${(e as Error).message}`,
    );
  }
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) await log.write(chunk);
  };
  const [, , status] = await Promise.all([pump(child.stdout), pump(child.stderr), child.status]);
  if (!status.success) {
    const how = status.signal
      ? `was killed by ${status.signal}`
      : `exited with code ${status.code}`;
    throw new Error(
      `Cannot ${options.action}: \`${line}\` ${how}. Last ${LOG_TAIL_LINES} lines of ${log.path}:\n` +
        (await log.tail(LOG_TAIL_LINES)),
    );
  }
}

/** Runs a short command and returns its trimmed stdout. */
async function capture(cmd: string[], cwd?: string): Promise<string> {
  const out = await new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  if (!out.success) {
    throw new Error(
      `\`${shellQuote(cmd)}\` exited with code ${out.code}: ${
        new TextDecoder().decode(out.stderr).trim()
      }`,
    );
  }
  return text;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

// ---------------------------------------------------------------------------
// Source and build

/** Options of {@linkcode ensureLlamaSource} and {@linkcode ensureLlamaServer}. */
export interface EnsureLlamaOptions {
  /**
   * Receives progress lines ("downloading ...", "building ..."), not the build output.
   * @default {(line) => console.error(line)}
   */
  log?: (line: string) => void;
  /**
   * Also copy the clone / cmake output to stderr (it always goes to `build.log`).
   * @default {false}
   */
  verbose?: boolean;
  /**
   * A local copy of the node-llama-cpp tarball to use instead of downloading
   * it; its integrity is checked all the same.
   * @default {undefined} (download from the npm registry)
   */
  tarballPath?: string;
  /**
   * Parallel build jobs.
   * @default {navigator.hardwareConcurrency}
   */
  jobs?: number;
}

function defaultLog(line: string): void {
  console.error(`[llama_server] ${line}`);
}

/** The pinned tarball's bytes, integrity-checked. */
async function fetchTarball(options: EnsureLlamaOptions, log: (l: string) => void) {
  let bytes: Uint8Array;
  let what: string;
  if (options.tarballPath) {
    what = options.tarballPath;
    log(`reading ${what}`);
    bytes = await Deno.readFile(options.tarballPath);
  } else {
    what = NODE_LLAMA_CPP_TARBALL_URL;
    log(`downloading ${what}`);
    let res: Response;
    try {
      res = await fetch(NODE_LLAMA_CPP_TARBALL_URL);
    } catch (e) {
      throw new Error(
        `Cannot download ${what}: ${(e as Error).message}. Without a network, pass ` +
          "tarballPath (a local node-llama-cpp-3.22.1.tgz) or set SPLLEED_LLAMA_SERVER",
      );
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`Cannot download ${what}: expected HTTP 200, got ${res.status}`);
    }
    bytes = new Uint8Array(await res.arrayBuffer());
  }
  await verifyIntegrity(bytes, NODE_LLAMA_CPP_INTEGRITY, what);
  return bytes;
}

/** Removes work directories left by callers that died (only called while holding the lock). */
async function removeLeftovers(dir: string): Promise<void> {
  for await (const e of Deno.readDir(dir)) {
    if (e.name.startsWith("tmp-")) {
      await Deno.remove(join(dir, e.name), { recursive: true }).catch(() => {});
    }
  }
}

/** Clones the source into `<dir>/src` unless it is there; call while holding the lock. */
async function cloneSourceLocked(
  dir: string,
  buildLog: BuildLog,
  options: EnsureLlamaOptions,
  log: (line: string) => void,
): Promise<string> {
  const src = join(dir, "src");
  if (await exists(join(src, "CMakeLists.txt"))) return src;
  const work = await Deno.makeTempDir({ dir, prefix: "tmp-src-" });
  try {
    const tgz = join(work, "node-llama-cpp.tgz");
    await Deno.writeFile(tgz, await fetchTarball(options, log));
    log(`extracting ${BUNDLE_PATH_IN_TARBALL}`);
    await runLogged(buildLog, ["tar", "-xzf", tgz, "-C", work, BUNDLE_PATH_IN_TARBALL], {
      action: "extract the llama.cpp bundle",
    });
    await Deno.remove(tgz);
    const clone = join(work, "src");
    log(`cloning llama.cpp ${LLAMA_CPP_COMMIT.slice(0, 8)} into ${src}`);
    await runLogged(buildLog, [
      "git",
      "-c",
      "advice.detachedHead=false",
      "clone",
      "--quiet",
      join(work, BUNDLE_PATH_IN_TARBALL),
      clone,
    ], { action: "clone the llama.cpp bundle" });
    await capture(["git", "remote", "remove", "origin"], clone); // it pointed at the temp bundle
    const head = await capture(["git", "rev-parse", "HEAD"], clone);
    if (head !== LLAMA_CPP_COMMIT) {
      throw new Error(
        `Cannot use the llama.cpp bundle: expected commit ${LLAMA_CPP_COMMIT}, got ${head}`,
      );
    }
    try {
      await Deno.rename(clone, src);
    } catch (e) {
      // Someone who ignored the lock finished first; theirs is as good as ours.
      if (!(await exists(join(src, "CMakeLists.txt")))) throw e;
    }
    return src;
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

async function withBuildLock<T>(
  dir: string,
  log: (line: string) => void,
  fn: () => Promise<T>,
): Promise<T> {
  await Deno.mkdir(dir, { recursive: true });
  return await withFileLock(join(dir, "build.lock"), async () => {
    await removeLeftovers(dir);
    return await fn();
  }, { onWait: log });
}

/**
 * Makes sure the pinned llama.cpp source is cloned into the cache (downloading
 * the node-llama-cpp tarball, checking its integrity, extracting the git bundle
 * and cloning it) and returns the source directory. No build. Concurrent callers
 * wait for each other; the clone is renamed into place only when complete.
 *
 * @param options Progress log, verbosity and an optional local tarball.
 * @returns The source directory, e.g. `<cache>/llama.cpp/node-llama-cpp-3.22.1-de3ff815/src`;
 *   `models/ggml-vocab-llama-spm.gguf` is inside it.
 * @throws {Error} When git or tar is missing, the download fails or does not
 *   match its integrity hash, or the bundle holds another commit.
 *
 * @example
 * ```ts ignore
 * import { ensureLlamaSource } from "./llama_server.ts";
 *
 * const src = await ensureLlamaSource(); // downloads ~36 MB on first use
 * console.log(`${src}/models/ggml-vocab-llama-spm.gguf`);
 * ```
 */
export async function ensureLlamaSource(options: EnsureLlamaOptions = {}): Promise<string> {
  const dir = llamaCacheDir();
  const src = join(dir, "src");
  if (await exists(join(src, "CMakeLists.txt"))) return src;
  const log = options.log ?? defaultLog;
  assertTools(false);
  return await withBuildLock(dir, log, async () => {
    if (await exists(join(src, "CMakeLists.txt"))) return src; // cloned by the caller we waited for
    const buildLog = await BuildLog.open(join(dir, "build.log"), options.verbose ?? false);
    try {
      return await cloneSourceLocked(dir, buildLog, options, log);
    } finally {
      await buildLog.close();
    }
  });
}

/**
 * Returns the path of a `llama-server` binary, building it on first use:
 * `$SPLLEED_LLAMA_SERVER` when set (nothing is built), else the cached build
 * at {@linkcode llamaServerPath}, else it clones the pinned source (see
 * {@linkcode ensureLlamaSource}), configures it with
 * {@linkcode CMAKE_CONFIGURE_FLAGS} (Ninja when available), builds the
 * `llama-server` target in a temporary directory inside the cache and renames
 * the binary into place. Output goes to `build.log` beside it. Concurrent
 * callers (two test processes) wait for the first instead of building twice.
 *
 * @param options Progress log, verbosity, parallel jobs, an optional local tarball.
 * @returns The absolute path of an executable `llama-server`.
 * @throws {RangeError} When `jobs` is not a positive integer.
 * @throws {Error} When `SPLLEED_LLAMA_SERVER` names no executable file, a
 *   tool is missing (the message says how to install it), or a step fails
 *   (the message names the command and shows the last 30 lines of the log).
 *
 * @example
 * ```ts ignore
 * import { ensureLlamaServer } from "./llama_server.ts";
 *
 * const bin = await ensureLlamaServer(); // ~10 minutes on two cores the first time
 * const child = new Deno.Command(bin, { args: ["-m", "model.gguf", "--port", "8111"] }).spawn();
 * ```
 */
export async function ensureLlamaServer(options: EnsureLlamaOptions = {}): Promise<string> {
  const bin = llamaServerPath();
  if (Deno.env.get("SPLLEED_LLAMA_SERVER")) {
    if (await isExecutableFile(bin)) return bin;
    throw new Error(
      `Cannot use SPLLEED_LLAMA_SERVER: expected an executable file, got ${
        JSON.stringify(Deno.env.get("SPLLEED_LLAMA_SERVER"))
      } (${bin}); unset it to build llama-server from source`,
    );
  }
  if (await isExecutableFile(bin)) return bin;
  const log = options.log ?? defaultLog;
  const jobs = options.jobs ?? navigator.hardwareConcurrency ?? 2;
  if (!Number.isInteger(jobs) || jobs < 1) {
    throw new RangeError(
      `Cannot build llama-server: 'jobs' must be a positive integer, got ${jobs}`,
    );
  }
  assertTools(true);
  const dir = llamaCacheDir();
  return await withBuildLock(dir, log, async () => {
    if (await isExecutableFile(bin)) return bin; // built by the caller we waited for
    const started = performance.now();
    const buildLog = await BuildLog.open(join(dir, "build.log"), options.verbose ?? false);
    const work = await Deno.makeTempDir({ dir, prefix: "tmp-build-" });
    try {
      const src = await cloneSourceLocked(dir, buildLog, options, log);
      const build = join(work, "build");
      const ninja = findExecutable("ninja");
      if (!ninja) {
        log("ninja not found, using cmake's default generator (apt-get install ninja-build)");
      }
      log(`configuring (log: ${buildLog.path})`);
      await runLogged(buildLog, [
        "cmake",
        "-S",
        src,
        "-B",
        build,
        ...(ninja ? ["-G", "Ninja"] : []),
        ...CMAKE_CONFIGURE_FLAGS,
      ], { action: "configure llama.cpp" });
      log(`building llama-server with ${jobs} jobs (about 10 minutes on 2 cores)`);
      await runLogged(buildLog, [
        "cmake",
        "--build",
        build,
        "--target",
        "llama-server",
        "-j",
        String(jobs),
      ], { action: "build llama-server" });
      const built = join(build, "bin", `llama-server${exeSuffix()}`);
      if (!(await isExecutableFile(built))) {
        throw new Error(
          `Cannot build llama-server: the build succeeded, but expected the binary at ${built}`,
        );
      }
      const staged = join(work, `llama-server${exeSuffix()}`);
      await Deno.copyFile(built, staged);
      if (Deno.build.os !== "windows") await Deno.chmod(staged, 0o755);
      await runLogged(buildLog, [staged, "--version"], { action: "run the new llama-server" });
      await Deno.rename(staged, bin); // atomic: readers see no binary or a whole one
      const minutes = ((performance.now() - started) / 60_000).toFixed(1);
      log(`built ${bin} in ${minutes} min`);
      return bin;
    } finally {
      await buildLog.close();
      await Deno.remove(work, { recursive: true }).catch(() => {});
    }
  });
}

const USAGE = `Usage: deno run -A scripts/llama_server.ts [--verbose] [--source-only]

Prints the path of a llama-server binary built from node-llama-cpp@${NODE_LLAMA_CPP_VERSION}'s
llama.cpp source (commit ${LLAMA_CPP_COMMIT.slice(0, 8)}), building it first if needed.

  --verbose       copy the clone and build output to stderr (it always goes to build.log)
  --source-only   only clone the source and print its directory
  --help          show this

Environment: SPLLEED_LLAMA_SERVER (use this binary, build nothing), SPLLEED_CACHE_DIR,
XDG_CACHE_HOME, HOME (cache location), CC, CXX (compilers).`;

async function main(args: string[]): Promise<number> {
  const known = new Set(["--verbose", "-v", "--source-only", "--help", "-h"]);
  const unknown = args.filter((a) => !known.has(a));
  if (args.includes("--help") || args.includes("-h")) {
    console.log(USAGE);
    return 0;
  }
  if (unknown.length > 0) {
    console.error(`Unknown argument(s): ${unknown.join(" ")}; expected ${[...known].join(", ")}`);
    console.error(USAGE);
    return 2;
  }
  const verbose = args.includes("--verbose") || args.includes("-v");
  try {
    const path = args.includes("--source-only")
      ? await ensureLlamaSource({ verbose })
      : await ensureLlamaServer({ verbose });
    console.log(path);
    return 0;
  } catch (e) {
    console.error((e as Error).message);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
