/**
 * Starting and stopping managed engine processes. A backend describes how
 * its engine starts as plain data ({@linkcode ProcessLaunch}); this module
 * carries it out and always tears it down. The built-in simulator is not
 * started here (`lib/servers/` never imports `lib/sim/`): the runner starts
 * a `{ kind: "simulator" }` launch with `startSimulatorWorker` from
 * `lib/sim/in_process.ts`.
 *
 * @module
 */

import type { LaunchSpec, ProcessLaunch } from "../config/launch.ts";
import { startProcessServer } from "./process.ts";

/** A managed engine that is up and answering. */
export interface RunningServer {
  /** Base URL to connect to. */
  readonly endpoint: string;
  /** How it was started, for the results (no secrets). */
  readonly info: Record<string, unknown>;
  /** Stops it; safe to call more than once. */
  stop(): Promise<void>;
  /** Resolves with an error if the engine dies before it is stopped; never rejects. */
  readonly died: Promise<Error>;
}

/** Options of {@linkcode startServer}. */
export interface StartServerOptions {
  /**
   * Told of the first SIGINT/SIGTERM/SIGHUP while the engine process runs
   * (the engine is then stopped). Without it, the engine is stopped and the
   * signal raised again, ending the process as it would have.
   */
  onSignal?: (signal: Deno.Signal) => void;
}

/**
 * Starts the engine process a launch spec describes (or its container) and
 * waits until it answers.
 *
 * @param launch What to start: a process launch.
 * @param options What to do on a signal.
 * @returns The running server.
 * @throws {TypeError} When given a launch of another kind (a simulator
 * launch is started with `startSimulatorWorker`).
 * @throws {Error} When it cannot be started, saying why.
 *
 * @example A small HTTP server as the engine
 * ```ts
 * import { startServer } from "./server.ts";
 * import assert from "node:assert/strict";
 *
 * const code = "const p = Deno.args[Deno.args.indexOf('--port') + 1];" +
 *   "Deno.serve({ port: Number(p), onListen() {} }, () => new Response('ok'));";
 * const s = await startServer({
 *   kind: "process", engine: "tiny", argv: [Deno.execPath(), "eval", code],
 *   dockerArgv: [], hostFlag: "--host", portFlag: "--port", host: "127.0.0.1",
 *   env: {}, secretEnv: [], readiness: ["/health"], startupTimeoutMs: 20_000, stopGraceMs: 2_000,
 * });
 * assert.match(s.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
 * assert.equal(await fetch(`${s.endpoint}/health`).then((r) => r.text()), "ok");
 * await s.stop();
 * ```
 *
 * @example A simulator launch is refused (from an untyped caller: the type says so already)
 * ```ts
 * import { startServer } from "./server.ts";
 * import type { ProcessLaunch } from "../config/launch.ts";
 * import assert from "node:assert/strict";
 *
 * const sim = { kind: "simulator", options: { ttftMs: 1, itlMs: 1 } } as unknown as ProcessLaunch;
 * await assert.rejects(startServer(sim), TypeError);
 * ```
 */
export async function startServer(
  launch: ProcessLaunch,
  options: StartServerOptions = {},
): Promise<RunningServer> {
  const kind = (launch as LaunchSpec).kind;
  if (kind !== "process") {
    throw new TypeError(
      `Cannot start server: startServer starts engine processes (a launch of kind 'process'), got kind '${kind}'` +
        (kind === "simulator"
          ? "; the runner starts a simulator launch with startSimulatorWorker (lib/sim/in_process.ts)"
          : ""),
    );
  }
  const p = await startProcessServer(launch, { onSignal: options.onSignal });
  return { endpoint: p.endpoint, info: p.info, stop: p.stop, died: p.died };
}
