/**
 * What the engine backends (`vllm`, `tgi`, `sglang`, `llamacpp`) share:
 * connect mode when an `endpoint` is given, managed mode otherwise, with the
 * managed command line assembled from typed fields into a
 * {@linkcode ProcessLaunch} that `lib/servers/` carries out.
 *
 * @module
 */

import {
  type Api,
  declaredOptions,
  type HttpBackendOptions,
  type ManagedOptions,
  type OptionsSchema,
} from "../config/backends.ts";
import type { ProcessLaunch } from "../config/launch.ts";
import type { Backend, BackendClient, ConnectOptions } from "./backend.ts";
import type { ModelCheck } from "./openai_compat.ts";
import {
  connectOpenAICompat,
  describeHttpBackend,
  requestHeaders,
  resolveApiKey,
  type ServerProbe,
} from "./openai.ts";
import { getJson } from "./_http.ts";

/**
 * The engine arguments of the typed fields, generated from the options
 * declared in the engine's schema (`lib/config/backends.ts`), in declaration
 * order: a value is written `arg VALUE` (an object as JSON), a boolean `arg`
 * when true and `argOff` when false; absent fields write nothing.
 *
 * @param schema The engine's options schema.
 * @param options The validated options.
 * @returns The arguments.
 *
 * @example
 * ```ts
 * import { engineArgs } from "./_engine.ts";
 * import { vllmOptionsSchema } from "../config/backends.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(
 *   engineArgs(vllmOptionsSchema, { model: "m", tensorParallel: 2, enablePrefixCaching: false }),
 *   ["--tensor-parallel-size", "2", "--no-enable-prefix-caching"],
 * );
 * ```
 */
export function engineArgs(schema: OptionsSchema, options: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const { path, meta } of declaredOptions(schema)) {
    if (path.length !== 1 || (meta.arg === undefined && meta.argOff === undefined)) continue;
    const v = options[path[0]];
    if (v === undefined) continue;
    if (v === true) {
      if (meta.arg !== undefined) out.push(meta.arg);
    } else if (v === false) {
      if (meta.argOff !== undefined) out.push(meta.argOff);
    } else if (meta.arg !== undefined) {
      out.push(meta.arg, typeof v === "object" ? JSON.stringify(v) : String(v));
    }
  }
  return out;
}

/** How one engine is started. */
export interface EngineLaunchRecipe {
  /** Engine name for messages and results. */
  engine: string;
  /** The default command (argv prefix) when the options give none. */
  defaultCommand: string[];
  /** Arguments after the command (model and typed flags; `extraArgs` are appended). */
  args: string[];
  /** Arguments after the image when run with Docker (`extraArgs` appended). */
  dockerArgs: string[];
  /** Readiness paths polled in order. */
  readiness: string[];
  /** Default startup timeout, s. */
  startupTimeoutS: number;
  /** Flag for the interface. @default "--host" */
  hostFlag?: string;
  /** Flag for the port. @default "--port" */
  portFlag?: string;
  /** Environment added for the engine (beyond the user's `env`), e.g. an API key. */
  env?: Record<string, string>;
  /** Names of secret variables in `env`. */
  secretEnv?: string[];
}

/**
 * Builds the launch spec of a managed engine.
 *
 * @param o Managed options.
 * @param recipe The engine's command line.
 * @returns The launch spec.
 *
 * @example
 * ```ts
 * import { managedLaunch } from "./_engine.ts";
 * import assert from "node:assert/strict";
 *
 * const l = managedLaunch({ extraArgs: ["--seed", "1"] }, {
 *   engine: "vllm", defaultCommand: ["vllm", "serve"], args: ["m"], dockerArgs: ["--model", "m"],
 *   readiness: ["/health"], startupTimeoutS: 60,
 * });
 * assert.deepEqual(l.argv, ["vllm", "serve", "m", "--seed", "1"]);
 * assert.equal(l.startupTimeoutMs, 60_000);
 * ```
 */
export function managedLaunch(o: ManagedOptions, recipe: EngineLaunchRecipe): ProcessLaunch {
  const command = o.command === undefined
    ? recipe.defaultCommand
    : typeof o.command === "string"
    ? [o.command]
    : o.command;
  const extra = o.extraArgs ?? [];
  return {
    kind: "process",
    engine: recipe.engine,
    argv: [...command, ...recipe.args, ...extra],
    dockerArgv: [...recipe.dockerArgs, ...extra],
    hostFlag: recipe.hostFlag ?? "--host",
    portFlag: recipe.portFlag ?? "--port",
    host: o.host ?? "127.0.0.1",
    port: o.port,
    env: { ...o.env, ...recipe.env },
    secretEnv: recipe.secretEnv ?? [],
    readiness: recipe.readiness,
    startupTimeoutMs: (o.startupTimeoutS ?? recipe.startupTimeoutS) * 1000,
    stopGraceMs: (o.stopGraceS ?? 10) * 1000,
    logFile: o.logFile,
    docker: o.docker,
  };
}

/**
 * A probe that records one JSON endpoint's answer under a name.
 *
 * @param path Path such as `/version`.
 * @param pick Turns the JSON into the facts to record.
 * @returns The probe (it never throws; an engine that lacks the path records nothing).
 *
 * @example
 * ```ts
 * import { jsonProbe } from "./_engine.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(typeof jsonProbe("/version", (j) => ({ serverVersion: j })), "function");
 * ```
 */
export function jsonProbe(
  path: string,
  pick: (json: unknown) => Record<string, unknown>,
): ServerProbe {
  return async (transport, endpoint, headers) => {
    try {
      const r = await getJson(transport, `${endpoint}${path}`, headers);
      return r.status === 200 && r.json !== undefined ? pick(r.json) : {};
    } catch {
      return {};
    }
  };
}

/** The parts of an engine backend. */
export interface EngineBackendDef {
  /** Backend kind. */
  kind: string;
  /** Validated options. */
  options: HttpBackendOptions & ManagedOptions;
  /** API when none is given. */
  defaultApi: Api;
  /** Launch spec in managed mode (absent in connect mode). */
  launch?: ProcessLaunch;
  /** Server facts to record. */
  probe?: ServerProbe;
  /** The API key, when the factory already resolved it. */
  apiKey?: string;
  /**
   * The model to request in managed mode: `"given"` (the `model` option) or
   * `"served"` (the first the server lists, for engines that load a file).
   */
  managedModel?: "given" | "served";
  /**
   * What a `model` the server's `/v1/models` does not list means (see
   * `ModelCheck`): `"strict"` for an engine that rejects other names,
   * `"warn"` for one that answers any name with the model it serves.
   * The `modelCheck: false` option turns it off. @default "strict"
   */
  modelCheck?: ModelCheck;
  /** A client of the engine's own protocol for APIs other than the OpenAI-compatible ones. */
  nativeClient?: (
    c: ConnectOptions,
    endpoint: string,
    headers: Record<string, string>,
  ) => Promise<BackendClient> | undefined;
}

/**
 * Makes an engine backend from its parts.
 *
 * @param def Kind, options, default API, launch spec, probe.
 * @returns The backend.
 *
 * @example
 * ```ts
 * import { engineBackend } from "./_engine.ts";
 * import assert from "node:assert/strict";
 *
 * const b = engineBackend({ kind: "x", options: { endpoint: "http://h:1" }, defaultApi: "chat" });
 * assert.equal(b.endpoint, "http://h:1");
 * ```
 */
export function engineBackend(def: EngineBackendDef): Backend {
  const o = def.options;
  const apiKey = def.apiKey ?? resolveApiKey(o, `${def.kind} backend`);
  const managed = def.launch !== undefined;
  return {
    kind: def.kind,
    endpoint: o.endpoint,
    launch: def.launch,
    requestTimeoutMs: o.timeoutMs,
    describe: () => ({
      ...describeHttpBackend(def.kind, o),
      mode: managed ? "managed" : "connect",
      api: o.api ?? def.defaultApi,
    }),
    connect: (c) => {
      const native = def.nativeClient?.(
        c,
        c.endpoint,
        requestHeaders({ apiKey, headers: o.headers }),
      );
      if (native) return native;
      return connectOpenAICompat(o, c, {
        defaultApi: def.defaultApi,
        probe: def.probe,
        apiKey,
        model: managed && def.managedModel === "served" ? null : undefined,
        modelCheck: def.modelCheck,
      });
    },
  };
}
