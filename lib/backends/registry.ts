/**
 * Turns backend data from a config file (`{ type: "vllm", ... }`) into a
 * backend object. A new engine adds one line here and one file beside it.
 *
 * @module
 */

import type { BackendConfig, BackendType } from "../config/backends.ts";
import type { Backend } from "./backend.ts";
import { openai } from "./openai.ts";
import { llamacpp } from "./llamacpp.ts";
import { sglang } from "./sglang.ts";
import { simulator } from "./simulator.ts";
import { tgi } from "./tgi.ts";
import { vllm } from "./vllm.ts";

/** One factory per backend type of the config schema (`satisfies`: a type without one fails to compile). */
const FACTORIES = {
  openai: (o) => openai(o as Parameters<typeof openai>[0]),
  vllm: (o) => vllm(o as Parameters<typeof vllm>[0]),
  tgi: (o) => tgi(o as Parameters<typeof tgi>[0]),
  sglang: (o) => sglang(o as Parameters<typeof sglang>[0]),
  llamacpp: (o) => llamacpp(o as Parameters<typeof llamacpp>[0]),
  simulator: (o) => simulator(o as Parameters<typeof simulator>[0]),
} satisfies Record<BackendType, (options: Record<string, unknown>) => Backend>;

/**
 * Creates a backend from config data.
 *
 * @param config Backend data with its `type`.
 * @returns The backend.
 * @throws {import("../config/errors.ts").ConfigError} When the type is unknown or an option invalid.
 *
 * @example
 * ```ts
 * import { createBackend } from "./registry.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(createBackend({ type: "simulator", ttftMs: 1, itlMs: 1 }).kind, "simulator");
 * ```
 */
export function createBackend(config: BackendConfig): Backend {
  const { type, ...options } = config;
  const factory = (FACTORIES as Record<string, (o: Record<string, unknown>) => Backend>)[type];
  if (!factory) throw new TypeError(`Cannot create backend: unknown type ${JSON.stringify(type)}`);
  return factory(options);
}

/**
 * Whether a value is a backend object (as made by a factory) rather than data.
 *
 * @param v Any value.
 * @returns True for backend objects.
 *
 * @example
 * ```ts
 * import { isBackend } from "./registry.ts";
 * import { simulator } from "./simulator.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(isBackend(simulator()));
 * assert.ok(!isBackend({ type: "simulator" }));
 * ```
 */
export function isBackend(v: unknown): v is Backend {
  return typeof v === "object" && v !== null && typeof (v as Backend).connect === "function" &&
    typeof (v as Backend).kind === "string";
}
