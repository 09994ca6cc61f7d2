/**
 * The workload worker: prepares one workload and posts it back (or the
 * error), then is terminated by the main thread.
 *
 * @module
 */

import { ConfigError } from "../config/errors.ts";
import { prepareHere, type PrepareRequest } from "./prepare_workload.ts";

self.onmessage = async (e: MessageEvent<PrepareRequest>) => {
  const post = (v: unknown) =>
    (self as unknown as { postMessage(v: unknown): void }).postMessage(v);
  try {
    post(await prepareHere(e.data));
  } catch (err) {
    post({
      error: {
        name: err instanceof Error ? err.name : "Error",
        message: err instanceof Error ? err.message : String(err),
        issues: err instanceof ConfigError ? err.issues : undefined,
      },
    });
  }
};
