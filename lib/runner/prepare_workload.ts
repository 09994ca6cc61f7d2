/**
 * Preparing what a run sends: loading the workload (or trace), its
 * tokenizer, and its fingerprint. Tokenizers are large (the default o200k
 * ranks take about 100 MB of heap), so this runs in a short-lived worker:
 * the measuring thread's heap stays small and its garbage collections short,
 * and the tokenizer is freed when the worker ends.
 *
 * @module
 */

import { isAbsolute, join } from "node:path";
import type { Sampling } from "../config/benchmark.ts";
import { ConfigError, type ConfigIssue } from "../config/errors.ts";
import type { PromptsSpec } from "../config/benchmark.ts";
import type { WorkloadSpecInput } from "../config/workload.ts";
import { fingerprint, type WorkloadFingerprint } from "../workload/fingerprint.ts";
import { loadWorkload, workloadTokenizer } from "../workload/load.ts";
import { parseTrace } from "../workload/trace.ts";
import type { Workload } from "../workload/types.ts";

/** What to prepare. */
export interface PrepareRequest {
  /** The spec's `prompts`. */
  prompts?: PromptsSpec;
  /** The spec's `workload`. */
  workload?: WorkloadSpecInput;
  /** The spec's `trace`. */
  trace?: { path: string; speed: number };
  /** Base folder of relative paths. */
  baseDir?: string;
  /** The run's seed. */
  seed: number;
  /** Sampling parameters (for the fingerprint). */
  sampling: Sampling;
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

/**
 * Prepares the workload in this thread.
 *
 * @param req What to prepare.
 * @returns Workload, fingerprint, trace timing.
 * @throws {ConfigError} When a source is invalid or unreadable.
 *
 * @example
 * ```ts
 * import { prepareHere } from "./prepare_workload.ts";
 * import assert from "node:assert/strict";
 *
 * const p = await prepareHere({
 *   prompts: ["a", "b"], seed: 0,
 *   sampling: { maxTokens: 8, temperature: 0, topP: 1, ignoreEos: false },
 * });
 * assert.equal(p.workload.items.length, 2);
 * assert.equal(p.fingerprint.promptCount, 2);
 * ```
 */
export async function prepareHere(req: PrepareRequest): Promise<Prepared> {
  const fields = { prompts: req.prompts, workload: req.workload };
  const tokenizer = await workloadTokenizer(fields, { baseDir: req.baseDir });
  if (req.trace) {
    const path = req.baseDir && !isAbsolute(req.trace.path)
      ? join(req.baseDir, req.trace.path)
      : req.trace.path;
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch (err) {
      throw new ConfigError("benchmark", [{
        path: "trace.path",
        expected: "a readable JSONL file",
        received: `${JSON.stringify(path)} (${err instanceof Error ? err.message : err})`,
      }]);
    }
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
  const workload = await loadWorkload(fields, {
    baseDir: req.baseDir,
    seed: req.seed,
    tokenizer,
  });
  return { workload, fingerprint: await fingerprint(workload, req.sampling, tokenizer) };
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
 *   prompts: ["hello"], seed: 0,
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
