/**
 * Preparing what a run sends: loading the workload (or trace) and its
 * fingerprint.
 *
 * Where: {@linkcode prepareWorkload} prepares a light workload (inline
 * prompts, a small file, a few hundred generated prompts) in this thread,
 * and a heavy one ({@linkcode workerReason}: a named Hugging Face
 * tokenizer, a dataset, a large file, thousands of requests) in a
 * short-lived worker, so the measuring thread's heap stays small and its
 * garbage collections short, and the tokenizer and the file's text are
 * freed when the worker ends. A worker costs a fresh isolate and the
 * workload modules loaded again (about 0.1 s of CPU), which a light
 * workload does not need.
 *
 * Tokenizers: a workload's named tokenizer is loaded to count lengths; the
 * bundled default only when a source makes prompts with it or the
 * fingerprint's token statistics are not in the cache (see
 * `lib/workload/fingerprint.ts`): a repeated run of the same prompts loads
 * none.
 *
 * @module
 */

import { decodeTextFile } from "../workload/prompts.ts";
import type { Sampling } from "../config/benchmark.ts";
import { ConfigError, type ConfigIssue } from "../config/errors.ts";
import type { WorkloadSpecInput } from "../config/workload.ts";
import { type EnvLookup, processEnv, splleedCacheDir } from "../workload/cache_dir.ts";
import { fingerprint, type WorkloadFingerprint } from "../workload/fingerprint.ts";
import { loadWorkload, namedTokenizer } from "../workload/load.ts";
import { loadTokenizer } from "../workload/load_tokenizer.ts";
import { defaultTokenizer, type Tokenizer } from "../workload/tokenizer.ts";
import { parseTrace } from "../workload/trace.ts";
import type { Workload } from "../workload/types.ts";

/** What to prepare (structured-cloneable: it is posted to the worker). */
export interface PrepareRequest {
  /** The spec's `workload` (the parsed spec has folded `prompts` into it). */
  workload?: WorkloadSpecInput;
  /** The spec's `trace`. */
  trace?: { path: string; speed: number };
  // Relative paths were resolved when the spec was parsed (lib/config/paths.ts).
  /** The run's seed. */
  seed: number;
  /** Sampling parameters (for the fingerprint). */
  sampling: Sampling;
  /** The splleed cache folder (datasets, tokenizers, fingerprint token statistics); `null`: keep no fingerprint statistics. @default splleedCacheDir(), or null when it cannot be found */
  cacheDir?: string | null;
}

/** The prepared workload. */
export interface Prepared {
  /** The requests. */
  workload: Workload;
  /** Its fingerprint. */
  fingerprint: WorkloadFingerprint;
  /** For a trace: the arrival offsets (ms, already over the speed) and the mean rate. */
  trace?: { offsetsMs: Float64Array; meanRate: number | null };
}

/** What {@linkcode prepareHere} uses that cannot be posted to a worker (tests pass their own). */
export interface PrepareDeps {
  /** Loads the bundled default tokenizer. @default defaultTokenizer */
  defaultTokenizer?: () => Promise<Tokenizer>;
  /** Environment lookup (cache folder, HF_HUB_OFFLINE). @default the process environment */
  env?: EnvLookup;
}

/** Requests (or generated prompts) from which the workload is prepared in a worker. */
export const WORKER_MIN_REQUESTS = 1_000;
/** File size (bytes) from which a workload file or trace is read in a worker. */
export const WORKER_MIN_FILE_BYTES = 1 << 20;

/**
 * Why a workload is heavy enough for a worker, or `null` when it is light
 * (see the module doc). Reads nothing but the size of a named file.
 *
 * @param req What to prepare (validated or not: an invalid one is light, and fails where it is prepared).
 * @returns The reason, in words, or `null`.
 *
 * @example
 * ```ts
 * import { workerReason } from "./prepare_workload.ts";
 * import assert from "node:assert/strict";
 *
 * const sampling = { maxTokens: 8, temperature: 0, topP: 1, ignoreEos: false };
 * assert.equal(await workerReason({ workload: ["a", "b"], seed: 0, sampling }), null);
 * assert.equal(
 *   await workerReason({ workload: { source: "hf", dataset: "org/ds" }, seed: 0, sampling }),
 *   'the "hf" source reads a dataset',
 * );
 * ```
 */
export async function workerReason(req: PrepareRequest): Promise<string | null> {
  const fileReason = async (path: string) => {
    const size = await Deno.stat(path).then((s) => s.size, () => 0);
    return size >= WORKER_MIN_FILE_BYTES
      ? `${path} is ${(size / (1 << 20)).toFixed(1)} MiB (from ${WORKER_MIN_FILE_BYTES >> 20} MiB)`
      : null;
  };
  if (req.trace) return await fileReason(req.trace.path);
  const w = req.workload;
  if (typeof w !== "object" || w === null) return null;
  if (Array.isArray(w)) {
    return w.length >= WORKER_MIN_REQUESTS ? `${w.length} prompts` : null;
  }
  const o = w as Record<string, unknown>;
  const tokenizer = namedTokenizer(w);
  if (tokenizer !== undefined) return `it names the tokenizer ${tokenizer}`;
  if (o.source === "sharegpt" || o.source === "hf" || o.source === "parquet") {
    return `the ${JSON.stringify(o.source)} source reads a dataset`;
  }
  const n = [o.numPrompts, o.count, Array.isArray(o.prompts) ? o.prompts.length : undefined]
    .find((x) => typeof x === "number");
  if (typeof n === "number" && n >= WORKER_MIN_REQUESTS) {
    return `${n} requests (from ${WORKER_MIN_REQUESTS})`;
  }
  if (o.source === "file" && typeof o.path === "string") return await fileReason(o.path);
  return null;
}

/**
 * Prepares the workload where it is cheapest: in this thread when it is
 * light, else in a worker ({@linkcode workerReason}). The result is the same
 * either way.
 *
 * @param req What to prepare.
 * @param deps Default tokenizer loader and environment, for a light workload (a worker uses its own).
 * @returns Workload, fingerprint, trace timing.
 * @throws {ConfigError} When a source is invalid or unreadable.
 *
 * @example
 * ```ts
 * import { prepareWorkload } from "./prepare_workload.ts";
 * import assert from "node:assert/strict";
 *
 * const p = await prepareWorkload({
 *   workload: { source: "inline", prompts: ["a", "b"] }, seed: 0, cacheDir: null,
 *   sampling: { maxTokens: 8, temperature: 0, topP: 1, ignoreEos: false },
 * });
 * assert.equal(p.fingerprint.promptCount, 2);
 * ```
 */
export async function prepareWorkload(
  req: PrepareRequest,
  deps: PrepareDeps = {},
): Promise<Prepared> {
  return (await workerReason(req)) === null
    ? await prepareHere(req, deps)
    : await prepareInWorker(req);
}

/**
 * Prepares the workload in this thread.
 *
 * @param req What to prepare.
 * @param deps Default tokenizer loader and environment.
 * @returns Workload, fingerprint, trace timing.
 * @throws {ConfigError} When a source is invalid or unreadable.
 *
 * @example
 * ```ts
 * import { prepareHere } from "./prepare_workload.ts";
 * import assert from "node:assert/strict";
 *
 * const p = await prepareHere({
 *   workload: ["a", "b"], seed: 0, cacheDir: null,
 *   sampling: { maxTokens: 8, temperature: 0, topP: 1, ignoreEos: false },
 * });
 * assert.equal(p.workload.items.length, 2);
 * assert.equal(p.fingerprint.promptCount, 2);
 * ```
 */
export async function prepareHere(req: PrepareRequest, deps: PrepareDeps = {}): Promise<Prepared> {
  const env = deps.env ?? processEnv;
  const cacheDir = req.cacheDir !== undefined ? req.cacheDir : cacheDirOrNull(env);
  let loaded: Tokenizer | undefined;
  const loadDefault = async () => loaded ??= await (deps.defaultTokenizer ?? defaultTokenizer)();
  if (req.trace) {
    const path = req.trace.path;
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(path);
    } catch (err) {
      throw new ConfigError("benchmark", [{
        path: "trace.path",
        expected: "a readable JSONL file",
        received: `${JSON.stringify(path)} (${err instanceof Error ? err.message : err})`,
      }]);
    }
    // A binary file is refused by name, never read as garbled lines.
    const text = decodeTextFile(bytes, path, "trace.path");
    const tokenizer = await loadDefault();
    const trace = parseTrace(text, path, { tokenizer, speed: req.trace.speed, seed: req.seed });
    const workload: Workload = {
      items: trace.items,
      tokenizer: tokenizer.info,
      description: { source: "trace", path, speed: req.trace.speed },
    };
    return {
      workload,
      fingerprint: await fingerprint(workload, req.sampling, tokenizer),
      trace: { offsetsMs: trace.offsetsMs, meanRate: trace.meanRate },
    };
  }
  const name = namedTokenizer(req.workload);
  const named = name === undefined ? undefined : await loadTokenizer(name, {
    cacheDir: cacheDir ?? undefined,
    env,
  });
  const workload = await loadWorkload(req.workload as WorkloadSpecInput, {
    seed: req.seed,
    tokenizer: named,
    defaultTokenizer: loadDefault,
    cacheDir: cacheDir ?? undefined,
    env,
  });
  return {
    workload,
    fingerprint: await fingerprint(workload, req.sampling, named ?? loaded, {
      cacheDir,
      defaultTokenizer: loadDefault,
    }),
  };
}

/** The splleed cache folder, or null when no variable names one. */
function cacheDirOrNull(env: EnvLookup): string | null {
  try {
    return splleedCacheDir(env);
  } catch {
    return null;
  }
}

/** A failure sent back from the worker. */
interface WorkerFailure {
  error: { name: string; message: string; issues?: readonly ConfigIssue[] };
}

/**
 * Prepares the workload in a worker that ends afterwards (see the module
 * doc). Errors come back as they were thrown (a `ConfigError` stays one).
 *
 * @param req What to prepare.
 * @returns Workload, fingerprint, trace timing.
 * @throws {ConfigError} When a source is invalid or unreadable.
 *
 * @example
 * ```ts
 * import { prepareInWorker } from "./prepare_workload.ts";
 * import assert from "node:assert/strict";
 *
 * const p = await prepareInWorker({
 *   workload: ["hello"], seed: 0, cacheDir: null,
 *   sampling: { maxTokens: 8, temperature: 0, topP: 1, ignoreEos: false },
 * });
 * assert.equal(p.workload.items[0].prompt, "hello");
 * ```
 */
export function prepareInWorker(req: PrepareRequest): Promise<Prepared> {
  const worker = new Worker(new URL("./_workload_worker.ts", import.meta.url), { type: "module" });
  return new Promise<Prepared>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<Prepared | WorkerFailure>) => {
      worker.terminate();
      const d = e.data;
      if ("error" in d) {
        const err = d.error.issues ? new ConfigError("benchmark", d.error.issues) : new Error();
        // The worker's message is kept exactly (it may name another subject than "benchmark").
        Object.defineProperty(err, "message", { value: d.error.message });
        err.name = d.error.name;
        reject(err);
      } else {
        resolve(d);
      }
    };
    worker.onerror = (e) => {
      e.preventDefault();
      worker.terminate();
      reject(new Error(`Cannot prepare the workload: ${e.message}`));
    };
    worker.postMessage(req);
  });
}
